/* server: the reference server's socket loop (stub). */
#include <stdio.h>

#include "srv.h"

struct ms_server *ms_server_start(const struct ms_server_opts *o,
                                  const char *listen, char *err,
                                  size_t errlen) {
  (void)o;
  (void)listen;
  snprintf(err, errlen, "reference server not implemented yet");
  return NULL;
}
const char *ms_server_address(const struct ms_server *s) { (void)s; return ""; }
const char *ms_server_host(const struct ms_server *s) { (void)s; return ""; }
const char *ms_server_port(const struct ms_server *s) { (void)s; return ""; }
void ms_server_stop(struct ms_server *s) { (void)s; }
