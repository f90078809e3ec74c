/* libFuzzer target: the reference server's connection input path as the
 * socket loop drives it (srv_conn.c: line splitting, CR/LF handling,
 * over-long lines cut at SRV_LINE_CAP) into the pure SMTP and POP3
 * sessions (command parser and state machine), with the reply-rewriting
 * faults applied (srv_hostile.c, bare-lf).  Byte 0 picks protocol,
 * profile and faults, byte 1 the chunk size, so split points are
 * explored as well as content.  No socket: the connection's fd is -1 and
 * its output is dropped after each chunk, as a client reading would. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "srv_conn.h"
#include "srv.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum ms_fault fz_faults[] = {MS_F_BARE_LF, MS_F_NUL, MS_F_BAD_UTF8,
                                     MS_F_GREET_TWICE, MS_F_RCPT_250,
                                     MS_F_MIXED_MULTI};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  static struct ms_world *world;
  if (!world)
    world = ms_world_builtin();
  const struct srv_session_ops *ops =
      (data[0] & 1) ? &ms_srv_pop3_ops : &ms_srv_smtp_ops;
  struct srv_ctx ctx = {0};
  ctx.world = world;
  ctx.profile = (data[0] & 2) ? MS_PROFILE_RFC821 : MS_PROFILE_RFC5321;
  for (size_t i = 0; i < sizeof fz_faults / sizeof fz_faults[0]; i++)
    if (data[0] & (4u << i))
      ms_fault_set(&ctx.faults, fz_faults[i]);
  ctx.store = ms_store_new(world, NULL);
  size_t chunk = (size_t)data[1] * 37 % 5000 + 1; /* 1 .. 5000 octets */
  data += 2, size -= 2;
  struct srv_live live = {0};
  struct srv_conn *c = srv_conn_new(-1, 1, ops, &ctx, &live, 0.0);
  for (size_t off = 0; off < size && !c->closing && !c->dead;) {
    size_t n = size - off < chunk ? size - off : chunk;
    ms_buf_reset(&c->out);
    srv_conn_input(c, &ctx, &live, (const char *)data + off, n, 0.0);
    off += n;
  }
  srv_conn_free(c);
  ms_store_free(ctx.store);
  return 0;
}
