/* capture: live pcap of one test session (placeholder body; the real
 * implementation follows). */
#include "capture.h"

#include <stdio.h>

struct ms_capture *ms_capture_start(const struct ms_capture_opts *o,
                                    bool *perm, char *err, size_t errlen) {
  (void)o;
  if (perm)
    *perm = false;
  snprintf(err, errlen, "capture: not implemented yet");
  return NULL;
}

void ms_capture_add_client_port(struct ms_capture *c, unsigned port) {
  (void)c;
  (void)port;
}

long ms_capture_stop(struct ms_capture *c, const char *path, char *err,
                     size_t errlen) {
  (void)c;
  (void)path;
  snprintf(err, errlen, "capture: not implemented yet");
  return -1;
}
