/* libFuzzer target: the reference server's world file (world.c,
 * world_pop3.c): users, lists, maildrops, applied over the built-in
 * world as `mailspec serve --world` and a transcript's `world:` do.  A
 * world that loads is then served to one SMTP and one POP3 session so
 * that odd values (empty names, huge limits) meet the code using them. */
#include <stddef.h>
#include <stdint.h>

#include "srv.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fz_smtp[] =
    "EHLO x\r\nVRFY Jones\r\nEXPN Staff\r\nMAIL FROM:<a@b>\r\n"
    "RCPT TO:<Jones@BBN-UNIX.ARPA>\r\nRCPT TO:<Brown@X>\r\nDATA\r\n"
    "hi\r\n..x\r\n.\r\nSEND FROM:<a@b>\r\nQUIT\r\n";
static const char fz_pop3[] =
    "USER mrose\r\nPASS tanstaaf\r\nSTAT\r\nLIST\r\nUIDL\r\nRETR 1\r\n"
    "TOP 1 0\r\nDELE 1\r\nQUIT\r\n";

static void fz_session(const struct srv_session_ops *ops, struct srv_ctx *ctx,
                       const char *script) {
  struct ms_buf out;
  ms_buf_init(&out, 1u << 20);
  enum srv_action act = SRV_CONTINUE;
  void *sess = ops->open(ctx, &out, &act);
  const char *p = script;
  while (sess && act == SRV_CONTINUE && *p) {
    const char *nl = p;
    while (*nl != '\n')
      nl++;
    ms_buf_reset(&out);
    act = ops->line(sess, p, (size_t)(nl - p - 1), true, &out);
    p = nl + 1;
  }
  if (sess)
    ops->close(sess);
  ms_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ms_world *w = ms_world_builtin();
  struct ms_diags d = {0};
  if (ms_world_apply_yaml(w, "fuzz.yaml", (const char *)data, size, 1, &d) ==
      0) {
    struct srv_ctx ctx = {0};
    ctx.world = w;
    ctx.store = ms_store_new(w, NULL);
    ctx.profile = MS_PROFILE_RFC821;
    fz_session(&ms_srv_smtp_ops, &ctx, fz_smtp);
    fz_session(&ms_srv_pop3_ops, &ctx, fz_pop3);
    ms_store_free(ctx.store);
  }
  ms_diags_free(&d);
  ms_world_free(w);
  return 0;
}
