/* srv_smtp: the reference server's SMTP session (stub). */
#include "srv.h"

static void *smtp_open(const struct srv_ctx *ctx, struct ms_buf *out,
                       enum srv_action *act) {
  (void)ctx;
  ms_buf_addstr(out, "421 not implemented yet\r\n");
  *act = SRV_CLOSE;
  return NULL;
}
static enum srv_action smtp_line(void *sess, const char *line, size_t len,
                                 bool crlf, struct ms_buf *out) {
  (void)sess; (void)line; (void)len; (void)crlf; (void)out;
  return SRV_CLOSE;
}
static void smtp_close(void *sess) { (void)sess; }

const struct srv_session_ops ms_srv_smtp_ops = {"smtp", smtp_open, smtp_line,
                                                smtp_close};
