/* transcript: YAML transcript loader (stub, being implemented). */
#include "mailspec/transcript.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct ms_transcript *ms_transcript_parse(const char *name, const char *buf,
                                          size_t len, struct ms_diags *d) {
  (void)buf;
  (void)len;
  ms_diags_add(d, false, name, 0, 0, "transcript loader not implemented yet");
  return NULL;
}

struct ms_transcript *ms_transcript_load(const char *path, struct ms_diags *d) {
  size_t len = 0;
  char *buf = ms_read_file(path, 16u << 20, &len);
  if (!buf) {
    ms_diags_add(d, false, path, 0, 0, "cannot read: %s", strerror(errno));
    return NULL;
  }
  struct ms_transcript *t = ms_transcript_parse(path, buf, len, d);
  free(buf);
  return t;
}

void ms_transcript_free(struct ms_transcript *t) {
  free(t);
}
