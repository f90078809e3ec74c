/* srv_pop3_txn: the TRANSACTION state of the POP3 session (RFC 1939 §5
 * and the optional TOP and UIDL of §7).  Message numbers are those of
 * the maildrop as locked; messages marked deleted are hidden until the
 * session ends. */
#include "srv_pop3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apop.h"
#include "util.h"

/* RFC 1939 §11: the size is the octet count on the wire with CRLF line
 * ends.  pop3-octets makes the classic mistake of counting LF only. */
size_t srv_pop3_txn_size(const struct pop3_sess *s,
                         const struct ms_world_msg *m) {
  if (!ms_fault_on(&s->ctx->faults, MS_F_POP3_OCTETS))
    return m->len;
  size_t crs = 0;
  for (size_t i = 0; i + 1 < m->len; i++)
    if (m->data[i] == '\r' && m->data[i + 1] == '\n')
      crs++;
  return crs ? m->len - crs : m->len + 1;
}

size_t srv_pop3_txn_count(const struct pop3_sess *s, size_t *octets) {
  size_t n = 0, sum = 0;
  for (size_t i = 0; s->locked && i < s->view.nmsgs; i++) {
    if (s->view.deleted[i])
      continue;
    n++;
    sum += srv_pop3_txn_size(s, s->view.msgs[i]);
  }
  if (octets)
    *octets = sum;
  return n;
}

/* Parse a message-number argument; on failure reply -ERR and return
 * 0.  Deleted messages may not be referred to (§5). */
static size_t txn_msgno(struct pop3_sess *s, const char *arg,
                        struct ms_buf *out) {
  size_t n = 0, len = strlen(arg);
  bool digits = len > 0 && len <= 9 && strspn(arg, "0123456789") == len;
  if (digits)
    n = (size_t)strtoul(arg, NULL, 10);
  if (!digits || n == 0 || n > s->view.nmsgs) {
    ms_buf_addf(out, "-ERR no such message, only %zu message%s in maildrop\r\n",
                s->view.nmsgs, s->view.nmsgs == 1 ? "" : "s");
    return 0;
  }
  if (s->view.deleted[n - 1]) {
    ms_buf_addf(out, "-ERR message %zu already deleted\r\n", n);
    return 0;
  }
  return n;
}

/* Append one line of a multi-line response, dot-stuffed (RFC 1939 §3),
 * with CRLF. */
static int txn_stuffed_line(struct ms_buf *out, const char *p, size_t len) {
  if (len && p[len - 1] == '\r')
    len--;
  if (len && p[0] == '.' && ms_buf_add(out, ".", 1) != 0)
    return -1;
  if (ms_buf_add(out, p, len) != 0)
    return -1;
  return ms_buf_add(out, "\r\n", 2);
}

/* Copy message M: its header up to the blank line, then at most
 * BODY_LINES lines of its body (SIZE_MAX: all), then the terminating
 * ".".  Returns 0, or -1 when OUT's cap is hit. */
static int txn_message(struct ms_buf *out, const struct ms_world_msg *m,
                       size_t body_lines) {
  const char *p = m->data, *end = m->data + m->len;
  bool in_body = false;
  size_t sent = 0;
  while (p < end && (!in_body || sent < body_lines)) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (txn_stuffed_line(out, p, len) != 0)
      return -1;
    if (in_body)
      sent++;
    else if (len == 0 || (len == 1 && p[0] == '\r'))
      in_body = true;
    p += len + (nl != NULL);
  }
  return ms_buf_add(out, ".\r\n", 3);
}

/* A multi-line response that does not fit OUT's cap is withdrawn and
 * replaced by -ERR rather than sent truncated. */
static void txn_too_large(struct ms_buf *out, size_t mark) {
  out->len = mark;
  if (out->p)
    out->p[mark] = '\0';
  ms_buf_addstr(out, "-ERR response too large\r\n");
}

enum srv_action srv_pop3_txn_stat(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out) {
  (void)c;
  size_t octets, n = srv_pop3_txn_count(s, &octets);
  ms_buf_addf(out, "+OK %zu %zu\r\n", n, octets);
  return SRV_CONTINUE;
}

enum srv_action srv_pop3_txn_list(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out) {
  if (c->argc == 1) {
    size_t n = txn_msgno(s, c->argv[0], out);
    if (n)
      ms_buf_addf(out, "+OK %zu %zu\r\n", n,
                  srv_pop3_txn_size(s, s->view.msgs[n - 1]));
    return SRV_CONTINUE;
  }
  size_t mark = out->len, octets, n = srv_pop3_txn_count(s, &octets);
  int r = ms_buf_addf(out, "+OK %zu message%s (%zu octets)\r\n", n,
                      n == 1 ? "" : "s", octets);
  for (size_t i = 0; r == 0 && i < s->view.nmsgs; i++)
    if (!s->view.deleted[i])
      r = ms_buf_addf(out, "%zu %zu\r\n", i + 1,
                      srv_pop3_txn_size(s, s->view.msgs[i]));
  if (r != 0 || ms_buf_add(out, ".\r\n", 3) != 0)
    txn_too_large(out, mark);
  return SRV_CONTINUE;
}

enum srv_action srv_pop3_txn_retr(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out) {
  size_t n = txn_msgno(s, c->argv[0], out);
  if (!n)
    return SRV_CONTINUE;
  const struct ms_world_msg *m = s->view.msgs[n - 1];
  size_t mark = out->len;
  if (ms_buf_addf(out, "+OK %zu octets\r\n", srv_pop3_txn_size(s, m)) != 0 ||
      txn_message(out, m, (size_t)-1) != 0)
    txn_too_large(out, mark);
  return SRV_CONTINUE;
}

enum srv_action srv_pop3_txn_top(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  size_t n = txn_msgno(s, c->argv[0], out);
  if (!n)
    return SRV_CONTINUE;
  const char *lines = c->argv[1];
  size_t len = strlen(lines);
  /* §7: a non-negative number of lines. */
  if (len == 0 || len > 9 || strspn(lines, "0123456789") != len) {
    ms_buf_addstr(out, "-ERR invalid number of lines\r\n");
    return SRV_CONTINUE;
  }
  size_t mark = out->len;
  if (ms_buf_addstr(out, "+OK\r\n") != 0 ||
      txn_message(out, s->view.msgs[n - 1], (size_t)strtoul(lines, NULL, 10)) !=
          0)
    txn_too_large(out, mark);
  return SRV_CONTINUE;
}

enum srv_action srv_pop3_txn_dele(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out) {
  size_t n = txn_msgno(s, c->argv[0], out);
  if (!n)
    return SRV_CONTINUE;
  /* Marked only; removed in UPDATE (§6), or at the session's end under
   * the pop3-early-dele fault (see pop3_close). */
  s->view.deleted[n - 1] = true;
  ms_buf_addf(out, "+OK message %zu deleted\r\n", n);
  return SRV_CONTINUE;
}

enum srv_action srv_pop3_txn_noop(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out) {
  (void)s;
  (void)c;
  ms_buf_addstr(out, "+OK\r\n");
  return SRV_CONTINUE;
}

enum srv_action srv_pop3_txn_rset(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out) {
  (void)c;
  /* Under pop3-early-dele the deletions count as done: nothing to undo. */
  if (!ms_fault_on(&s->ctx->faults, MS_F_POP3_EARLY_DELE))
    for (size_t i = 0; i < s->view.nmsgs; i++)
      s->view.deleted[i] = false;
  size_t octets, n = srv_pop3_txn_count(s, &octets);
  ms_buf_addf(out, "+OK maildrop has %zu message%s (%zu octets)\r\n", n,
              n == 1 ? "" : "s", octets);
  return SRV_CONTINUE;
}

/* RFC 1939 §7: 1-70 characters in 0x21..0x7E, unique in the maildrop and
 * persistent across sessions.  The world's id when it has one, else
 * "N.MD5" with N the message's place in the world's maildrop (which
 * deletions do not change) and the MD5 of its text. */
#define TXN_UID_MAX (24 + 1 + MS_APOP_HEX_LEN + 1)
static const char *txn_uid(const struct pop3_sess *s,
                           const struct ms_world_msg *m, char *buf) {
  if (m->uidl && *m->uidl)
    return m->uidl;
  size_t at = 0;
  const struct ms_world_maildrop *d = s->view.drop;
  for (size_t j = 0; d && j < d->nmsgs; j++)
    if (&d->msgs[j] == m)
      at = j + 1;
  char hex[MS_APOP_HEX_LEN + 1];
  if (ms_apop_md5_hex(m->data, m->len, hex) != 0)
    strcpy(hex, "0");
  snprintf(buf, TXN_UID_MAX, "%zu.%s", at, hex);
  return buf;
}

enum srv_action srv_pop3_txn_uidl(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out) {
  char buf[TXN_UID_MAX];
  if (c->argc == 1) {
    size_t n = txn_msgno(s, c->argv[0], out);
    if (n)
      ms_buf_addf(out, "+OK %zu %s\r\n", n,
                  txn_uid(s, s->view.msgs[n - 1], buf));
    return SRV_CONTINUE;
  }
  size_t mark = out->len;
  int r = ms_buf_addstr(out, "+OK\r\n");
  for (size_t i = 0; r == 0 && i < s->view.nmsgs; i++)
    if (!s->view.deleted[i])
      r = ms_buf_addf(out, "%zu %s\r\n", i + 1,
                      txn_uid(s, s->view.msgs[i], buf));
  if (r != 0 || ms_buf_add(out, ".\r\n", 3) != 0)
    txn_too_large(out, mark);
  return SRV_CONTINUE;
}
