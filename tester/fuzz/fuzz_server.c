/* libFuzzer target: the reference server's pure SMTP and POP3 sessions
 * (command parser and state machine).  Byte 0 picks the protocol and
 * profile; the rest is split into lines as the socket loop would. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "srv.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  static struct ms_world *world;
  if (!world)
    world = ms_world_builtin();
  const struct srv_session_ops *ops =
      (data[0] & 1) ? &ms_srv_pop3_ops : &ms_srv_smtp_ops;
  struct srv_ctx ctx = {0};
  ctx.world = world;
  ctx.profile = (data[0] & 2) ? MS_PROFILE_RFC821 : MS_PROFILE_RFC5321;
  ctx.store = ms_store_new(world, NULL);
  data++, size--;
  struct ms_buf out;
  ms_buf_init(&out, 1u << 20);
  enum srv_action act = SRV_CONTINUE;
  void *sess = ops->open(&ctx, &out, &act);
  size_t start = 0;
  for (size_t i = 0; sess && act == SRV_CONTINUE && i < size; i++) {
    if (data[i] != '\n')
      continue;
    bool crlf = i > start && data[i - 1] == '\r';
    size_t len = i - start - (crlf ? 1 : 0);
    ms_buf_reset(&out);
    act = ops->line(sess, (const char *)data + start, len, crlf, &out);
    start = i + 1;
  }
  if (sess)
    ops->close(sess);
  ms_buf_free(&out);
  ms_store_free(ctx.store);
  return 0;
}
