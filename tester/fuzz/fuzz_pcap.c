/* libFuzzer target: the capture path of `mailspec import`: the pcap and
 * pcapng reader (pcap_read.c, from a memory buffer), link-layer decoding
 * (linktype.c), TCP reassembly (tcp_reasm.c), session framing
 * (import_*.c) and the YAML writer (transcript_write.c).  Transcripts go
 * to a private directory under /dev/shm (or $TMPDIR) and are unlinked as
 * soon as they are written, so a long run uses no disk. */
#define _GNU_SOURCE /* fmemopen */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "import.h"
#include "pcap_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_dir[64];
static FILE *fz_log;

static void fz_written(void *ctx, const struct ms_import_written *w) {
  (void)ctx;
  unlink(w->path);
}

static void fz_cleanup(void) {
  rmdir(fz_dir);
}

static void fz_setup(void) {
  snprintf(fz_dir, sizeof fz_dir, "/dev/shm/fuzz_pcap.XXXXXX");
  if (!mkdtemp(fz_dir)) {
    snprintf(fz_dir, sizeof fz_dir, "/tmp/fuzz_pcap.XXXXXX");
    if (!mkdtemp(fz_dir))
      abort();
  }
  atexit(fz_cleanup);
  fz_log = fopen("/dev/null", "w");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!fz_log)
    fz_setup();
  if (size == 0)
    return 0;
  /* "rb": fmemopen only reads the buffer, whatever its prototype says */
  FILE *fp = fmemopen((void *)(uintptr_t)data, size, "rb");
  if (!fp)
    return 0;
  char err[256];
  struct ms_pcap_reader *rd = ms_pcap_open_fp(fp, "fuzz.pcap", err, sizeof err);
  if (rd) {
    struct ms_import_opts o = {0};
    o.outdir = fz_dir;
    o.allow_gaps = size & 1; /* both ways of treating holes */
    o.max_session_bytes = 1u << 20;
    o.verbosity = 1;
    o.log = fz_log;
    o.written = fz_written;
    struct ms_importer *im = ms_importer_new(&o);
    ms_importer_begin(im, "fuzz.pcap", NULL);
    struct ms_pcap_pkt p;
    while (ms_pcap_next(rd, &p) == 1)
      ms_importer_packet(im, p.linktype, p.data, p.caplen, p.frame, p.ts_ns);
    ms_importer_end(im);
    ms_importer_free(im);
    ms_pcap_close(rd);
  }
  fclose(fp);
  return 0;
}
