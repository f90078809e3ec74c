/* srv_pop3_txn: the TRANSACTION state of the POP3 session (RFC 1939 §5
 * and the optional TOP and UIDL of §7).  Message numbers are those of
 * the maildrop as locked; messages marked deleted are hidden until the
 * session ends. */
#include "srv_pop3.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apop.h"
#include "util.h"

/* Sessions so far that ended without QUIT (uidl-abort-changes). */
static atomic_ulong txn_aborts;

void srv_pop3_txn_aborted(void) {
  atomic_fetch_add(&txn_aborts, 1);
}

/* RFC 1939 §11: the size is the octet count on the wire with CRLF line
 * ends.  pop3-octets makes the classic mistake of counting LF only. */
size_t srv_pop3_txn_size(const struct pop3_sess *s,
                         const struct ms_world_msg *m) {
  if (pop3_fault(s, MS_F_POP3_COUNT_STUFFED)) { /* 1939-11-2 */
    size_t dots = 0;
    for (size_t i = 0; i < m->len; i++)
      if (m->data[i] == '.' && (i == 0 || m->data[i - 1] == '\n'))
        dots++;
    return m->len + dots;
  }
  if (!ms_fault_on(&s->ctx->faults, MS_F_POP3_OCTETS))
    return m->len;
  size_t crs = 0;
  for (size_t i = 0; i + 1 < m->len; i++)
    if (m->data[i] == '\r' && m->data[i + 1] == '\n')
      crs++;
  return crs ? m->len - crs : m->len + 1;
}

/* Messages (and octets) not marked deleted, or all when ALL. */
static size_t txn_count(const struct pop3_sess *s, size_t *octets, bool all) {
  size_t n = 0, sum = 0;
  for (size_t i = 0; s->locked && i < s->view.nmsgs; i++) {
    if (s->view.deleted[i] && !all)
      continue;
    n++;
    sum += srv_pop3_txn_size(s, s->view.msgs[i]);
  }
  if (octets)
    *octets = sum;
  return n;
}

size_t srv_pop3_txn_count(const struct pop3_sess *s, size_t *octets) {
  return txn_count(s, octets, false);
}

/* A size as this server writes it: decimal (RFC 1939 §4), or hex under
 * pop3-hex-sizes (1939-4-14). */
static const char *txn_num(const struct pop3_sess *s, size_t v, char *buf,
                           size_t cap) {
  snprintf(buf, cap, pop3_fault(s, MS_F_POP3_HEX_SIZES) ? "%zx" : "%zu", v);
  return buf;
}

/* What follows a size in a drop or scan listing: nothing (RFC 1939 §5,
 * "Minimal implementations should just end that line"), or more under
 * pop3-listing-extra (1939-5-4, 1939-5-14). */
static const char *txn_extra(const struct pop3_sess *s) {
  return pop3_fault(s, MS_F_POP3_LISTING_EXTRA) ? " octets" : "";
}

/* Is message I (0-based) listed by LIST and UIDL? */
static bool txn_listed(const struct pop3_sess *s, size_t i) {
  return !s->view.deleted[i] || pop3_fault(s, MS_F_POP3_LIST_DELETED);
}

/* The number LIST and UIDL show for message I (0-based). */
static size_t txn_shown(const struct pop3_sess *s, size_t i) {
  return pop3_fault(s, MS_F_POP3_NUMBER_FROM_0) ? i : i + 1;
}

/* Parse a message-number argument; on failure reply -ERR and return
 * 0.  Deleted messages may not be referred to (§5). */
static size_t txn_msgno(struct pop3_sess *s, const char *arg,
                        struct ms_buf *out) {
  size_t n = 0, len = strlen(arg);
  bool digits = len > 0 && len <= 9 && strspn(arg, "0123456789") == len;
  if (digits)
    n = (size_t)strtoul(arg, NULL, 10);
  if (digits && s->view.nmsgs > 0 && (n == 0 || n > s->view.nmsgs) &&
      pop3_fault(s, MS_F_POP3_MSGNO_WRAP)) /* 1939-5-17 ... */
    n = n == 0 ? s->view.nmsgs : (n - 1) % s->view.nmsgs + 1;
  if (!digits || n == 0 || n > s->view.nmsgs) {
    ms_buf_addf(out, "-ERR no such message, only %zu message%s in maildrop\r\n",
                s->view.nmsgs, s->view.nmsgs == 1 ? "" : "s");
    return 0;
  }
  /* pop3-deleted-reachable: 1939-5-28 ("Any future reference to the
   * message-number ... generates an error"), 5-8, 5-18, 7-9, 7-16. */
  if (s->view.deleted[n - 1] && !pop3_fault(s, MS_F_POP3_DELETED_REACHABLE)) {
    ms_buf_addf(out, "-ERR message %zu already deleted\r\n", n);
    return 0;
  }
  return n;
}

/* Append one line of a multi-line response, dot-stuffed (RFC 1939 §3;
 * not under pop3-no-stuff, 1939-3-8), with CRLF. */
static int txn_stuffed_line(struct ms_buf *out, const char *p, size_t len,
                            bool stuff) {
  if (len && p[len - 1] == '\r')
    len--;
  if (stuff && len && p[0] == '.' && ms_buf_add(out, ".", 1) != 0)
    return -1;
  if (ms_buf_add(out, p, len) != 0)
    return -1;
  return ms_buf_add(out, "\r\n", 2);
}

/* Copy message M: its header up to the blank line, then at most
 * BODY_LINES lines of its body (SIZE_MAX: all), then the terminating
 * ".".  Returns 0, or -1 when OUT's cap is hit. */
static int txn_message(const struct pop3_sess *s, struct ms_buf *out,
                       const struct ms_world_msg *m, size_t body_lines) {
  bool stuff = !pop3_fault(s, MS_F_POP3_NO_STUFF);
  const char *p = m->data, *end = m->data + m->len;
  bool in_body = false;
  size_t sent = 0;
  while (p < end && (!in_body || sent < body_lines)) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (txn_stuffed_line(out, p, len, stuff) != 0)
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
  char num[32];
  /* pop3-stat-deleted: messages marked deleted counted (1939-5-6). */
  size_t octets,
      n = txn_count(s, &octets, pop3_fault(s, MS_F_POP3_STAT_DELETED));
  ms_buf_addf(out, "+OK %zu %s%s\r\n", n, txn_num(s, octets, num, sizeof num),
              txn_extra(s));
  return SRV_CONTINUE;
}

enum srv_action srv_pop3_txn_list(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out) {
  char num[32];
  if (c->argc == 1) {
    size_t n = txn_msgno(s, c->argv[0], out);
    if (!n)
      return SRV_CONTINUE;
    txn_num(s, srv_pop3_txn_size(s, s->view.msgs[n - 1]), num, sizeof num);
    if (pop3_fault(s, MS_F_POP3_LIST_N_BARE)) /* 1939-5-10 */
      ms_buf_addf(out, "+OK %s\r\n", num);
    else
      ms_buf_addf(out, "+OK %zu %s%s\r\n", n, num, txn_extra(s));
    return SRV_CONTINUE;
  }
  size_t mark = out->len, octets, n = srv_pop3_txn_count(s, &octets);
  if (n == 0 && pop3_fault(s, MS_F_POP3_LIST_EMPTY_ERR)) { /* 1939-5-12 */
    ms_buf_addstr(out, "-ERR no messages\r\n");
    return SRV_CONTINUE;
  }
  int r = ms_buf_addf(out, "+OK %zu message%s (%zu octets)\r\n", n,
                      n == 1 ? "" : "s", octets);
  size_t upto = pop3_fault(s, MS_F_POP3_LIST_FIRST_ONLY) ? 1 : s->view.nmsgs;
  for (size_t i = 0; r == 0 && i < s->view.nmsgs && i < upto; i++)
    if (txn_listed(s, i))
      r = ms_buf_addf(
          out, "%zu %s%s\r\n", txn_shown(s, i),
          txn_num(s, srv_pop3_txn_size(s, s->view.msgs[i]), num, sizeof num),
          txn_extra(s));
  /* pop3-list-no-dot: no termination line (1939-3-7). */
  if (r == 0 && pop3_fault(s, MS_F_POP3_LIST_NO_DOT))
    return SRV_CONTINUE;
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
  char num[32];
  if (n <= 64)
    s->retrieved |= 1ULL << (n - 1);
  /* pop3-retr-header-only: the body left out (1939-5-21). */
  size_t body = pop3_fault(s, MS_F_POP3_RETR_HEADER) ? 0 : (size_t)-1;
  if (ms_buf_addf(out, "+OK %s octets\r\n",
                  txn_num(s, srv_pop3_txn_size(s, m), num, sizeof num)) != 0 ||
      txn_message(s, out, m, body) != 0)
    txn_too_large(out, mark);
  return SRV_CONTINUE;
}

/* Lines in M's body (after the first empty line). */
static size_t txn_body_lines(const struct ms_world_msg *m) {
  size_t lines = 0;
  bool body = false;
  for (const char *p = m->data, *end = m->data + m->len; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (body)
      lines++;
    else if (len == 0 || (len == 1 && p[0] == '\r'))
      body = true;
    p += len + (nl != NULL);
  }
  return lines;
}

enum srv_action srv_pop3_txn_top(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  if (pop3_fault(s, MS_F_CAPA_TOP_BROKEN)) { /* 2449-6.1-1 */
    ms_buf_addstr(out, "-ERR TOP is not available\r\n");
    return SRV_CONTINUE;
  }
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
  const struct ms_world_msg *m = s->view.msgs[n - 1];
  size_t want = (size_t)strtoul(lines, NULL, 10);
  if (pop3_fault(s, MS_F_POP3_TOP_EXTRA)) /* 1939-7-12 */
    want++;
  if (pop3_fault(s, MS_F_POP3_TOP_SHORT) && want > txn_body_lines(m))
    want = 0; /* 1939-7-14 */
  size_t mark = out->len;
  if (ms_buf_addstr(out, "+OK\r\n") != 0 || txn_message(s, out, m, want) != 0)
    txn_too_large(out, mark);
  return SRV_CONTINUE;
}

enum srv_action srv_pop3_txn_dele(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out) {
  const char *a = c->argv[0];
  size_t k = a && strspn(a, "0123456789") == strlen(a) && strlen(a) <= 9
                 ? (size_t)strtoul(a, NULL, 10)
                 : 0;
  if (k > 0 && k <= s->view.nmsgs && s->view.deleted[k - 1] &&
      pop3_fault(s, MS_F_POP3_DELE_TWICE)) { /* 1939-5-24 */
    ms_buf_addf(out, "+OK message %zu deleted\r\n", k);
    return SRV_CONTINUE;
  }
  size_t n = txn_msgno(s, a, out);
  if (!n)
    return SRV_CONTINUE;
  /* Marked only; removed in UPDATE (§6), or at the session's end under
   * the pop3-early-dele fault (see pop3_close).  pop3-dele-noop marks
   * nothing (1939-5-27). */
  if (!pop3_fault(s, MS_F_POP3_DELE_NOOP))
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
  /* Under pop3-early-dele the deletions count as done: nothing to undo;
   * pop3-rset-noop undoes nothing either (1939-5-34). */
  if (!ms_fault_on(&s->ctx->faults, MS_F_POP3_EARLY_DELE) &&
      !pop3_fault(s, MS_F_POP3_RSET_NOOP))
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
static const char *txn_uid_of(const struct pop3_sess *s,
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

/* The unique-id as sent; the faults break 1939-7-24 (a new one in each
 * session), 1939-7-22 (71 characters) and 1939-7-23 (all the same). */
#define TXN_UID_OUT 96
static const char *txn_uid(const struct pop3_sess *s,
                           const struct ms_world_msg *m, char *buf) {
  char own[TXN_UID_MAX];
  const char *id = txn_uid_of(s, m, own);
  if (pop3_fault(s, MS_F_UIDL_DUP))
    id = "same-for-all";
  if (pop3_fault(s, MS_F_UIDL_BY_NUMBER)) { /* reused after UPDATE: 7-26 */
    for (size_t i = 0; i < s->view.nmsgs; i++)
      if (s->view.msgs[i] == m)
        snprintf(own, sizeof own, "msg%zu", i + 1);
    id = own;
  }
  unsigned long aborts = atomic_load(&txn_aborts);
  if (pop3_fault(s, MS_F_UIDL_ABORT_CHANGES) && aborts > 0) {
    snprintf(buf, TXN_UID_OUT, "%.60s-a%lu", id, aborts);
    return buf; /* 1939-7-25 */
  }
  if (pop3_fault(s, MS_F_UIDL_PER_SESSION))
    snprintf(buf, TXN_UID_OUT, "%.70s-%lu", id, s->sid);
  else if (pop3_fault(s, MS_F_UIDL_LONG))
    snprintf(buf, TXN_UID_OUT, "%s%.*s", id, (int)(71 - strlen(id) % 72),
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
             "xxxxxx");
  else
    snprintf(buf, TXN_UID_OUT, "%s", id);
  return buf;
}

/* What follows a unique-id: nothing (RFC 1939 §7, "No information follows
 * the unique-id in the unique-id listing"), or more under uidl-extra
 * (1939-7-18, 7-20, 7-21). */
static const char *txn_uid_extra(const struct pop3_sess *s) {
  return pop3_fault(s, MS_F_UIDL_EXTRA) ? " (seen)" : "";
}

enum srv_action srv_pop3_txn_uidl(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out) {
  char buf[TXN_UID_OUT];
  if (pop3_fault(s, MS_F_CAPA_UIDL_BROKEN)) { /* 2449-6.8-1 */
    ms_buf_addstr(out, "-ERR UIDL is not available\r\n");
    return SRV_CONTINUE;
  }
  if (c->argc == 1) {
    size_t n = txn_msgno(s, c->argv[0], out);
    if (n)
      ms_buf_addf(out, "+OK %zu %s%s\r\n", n,
                  txn_uid(s, s->view.msgs[n - 1], buf), txn_uid_extra(s));
    return SRV_CONTINUE;
  }
  size_t mark = out->len;
  int r = ms_buf_addstr(out, "+OK\r\n");
  size_t upto = pop3_fault(s, MS_F_UIDL_FIRST_ONLY) ? 1 : s->view.nmsgs;
  for (size_t i = 0; r == 0 && i < s->view.nmsgs && i < upto; i++)
    if (txn_listed(s, i)) /* uidl-first-only: 1939-7-19 */
      r = ms_buf_addf(out, "%zu %s%s\r\n", txn_shown(s, i),
                      txn_uid(s, s->view.msgs[i], buf), txn_uid_extra(s));
  if (r != 0 || ms_buf_add(out, ".\r\n", 3) != 0)
    txn_too_large(out, mark);
  return SRV_CONTINUE;
}
