/* libFuzzer target: the suite loader (suite.c) and the waiver file
 * loader (waiver.c).  Both take a path (suites name transcripts relative
 * to themselves), so the input is written to a private file first. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mailspec/transcript.h"
#include "mailspec/waiver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_path[64];

static void fz_cleanup(void) {
  unlink(fz_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!fz_path[0]) {
    snprintf(fz_path, sizeof fz_path, "/dev/shm/fuzz_suite.%ld.yaml",
             (long)getpid());
    atexit(fz_cleanup);
  }
  int fd = open(fz_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    abort();
  if (size && write(fd, data, size) != (ssize_t)size)
    abort();
  close(fd);
  struct ms_diags d = {0};
  struct ms_suite *s = ms_suite_load(fz_path, &d);
  ms_suite_free(s);
  ms_diags_free(&d);
  struct ms_diags d2 = {0};
  struct ms_waivers w = {0};
  ms_waivers_load(&w, fz_path, &d2);
  ms_waivers_free(&w);
  ms_diags_free(&d2);
  return 0;
}
