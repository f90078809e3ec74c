/* engine_mailbox: the POP3 client the delivery checks read the mailbox
 * with (issue 14): log in with USER/PASS (RFC 1939 §7), list the
 * messages with their unique-ids (UIDL, or LIST when the server has no
 * UIDL), RETR, DELE and QUIT (deletions happen only in the UPDATE state
 * QUIT enters, §6).  Every wait is bounded by the caller's deadline;
 * replies are read with the engine's reader, with room for message
 * lines of any sensible length. */
#include "engine_mailbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Message text: lines up to 64 KiB kept whole, 64 MiB a message. */
static const struct ms_reply_limits mbox_limits = {1u << 16, 1u << 22,
                                                   64u << 20};

int ms_mbox_open(struct ms_mbox *b, struct ms_tls_ctx *tls) {
  b->err[0] = '\0';
  b->busy = false;
  if (ms_engine_conn_open(&b->conn, MS_PROTO_POP3, b->host, b->port, b->timeout,
                          b->stop, b->err, sizeof b->err) != 0)
    return -1;
  ms_reader_free(b->conn.rd);
  b->conn.rd = ms_reader_new(MS_PROTO_POP3, &mbox_limits);
  if (tls) { /* pop3s: TLS from the first byte (RFC 8314 §3.2) */
    struct ms_tls_result info = {0};
    size_t plain = 0;
    char peek[64];
    enum ms_tls_fail why;
    int rc = ms_engine_conn_tls(&b->conn, tls, b->host, b->timeout, true,
                                b->stop, &info, &plain, peek, sizeof peek, &why,
                                b->err, sizeof b->err);
    ms_tls_result_free(&info);
    ms_reader_free(b->conn.rd);
    b->conn.rd = ms_reader_new(MS_PROTO_POP3, &mbox_limits);
    if (rc != 0)
      return -1;
  }
  struct ms_reply r;
  if (ms_mbox_command(b, NULL, false, &r) != 0)
    return -1;
  bool ok = r.code == MS_POP3_OK;
  if (!ok)
    ms_mbox_why(b, "greeting", &r);
  ms_reply_free(&r);
  return ok ? 0 : -1;
}

void ms_mbox_close(struct ms_mbox *b) {
  if (b->conn.fd >= 0 || b->conn.rd)
    ms_engine_conn_close(&b->conn);
}

void ms_mbox_why(struct ms_mbox *b, const char *what,
                 const struct ms_reply *r) {
  char *text = r->nlines ? ms_report_text_safe(r->lines[0], r->lens[0])
                         : xstrdup("(no reply)");
  snprintf(b->err, sizeof b->err, "the mailbox side answered %s with '%.200s'",
           what, text);
  free(text);
}

int ms_mbox_command(struct ms_mbox *b, const char *line, bool multi,
                    struct ms_reply *out) {
  memset(out, 0, sizeof *out);
  if (line) {
    char *wire = xasprintf("%s\r\n", line);
    int rc = ms_engine_conn_send(&b->conn, wire, strlen(wire), b->timeout,
                                 b->stop, b->err, sizeof b->err);
    free(wire);
    if (rc != 0)
      return -1;
  }
  ms_reader_expect_multiline(b->conn.rd, multi);
  double end = ms_now() + b->timeout;
  if (b->deadline > 0 && b->deadline < end)
    end = b->deadline;
  int n =
      ms_engine_conn_read(&b->conn, end, b->stop, out, b->err, sizeof b->err);
  if (n == 1 && !(out->violations & (MS_V_TOO_BIG | MS_V_TRUNCATED)))
    return 0;
  if (n == 1)
    snprintf(b->err, sizeof b->err, "the reply to %s was %s",
             line ? line : "the greeting",
             out->violations & MS_V_TOO_BIG ? "too big to read"
                                            : "cut short: the connection "
                                              "closed");
  else if (n == 0)
    snprintf(b->err, sizeof b->err,
             "the mailbox side closed the connection "
             "instead of answering %s",
             line ? line : "with a greeting");
  else if (n == MS_NET_TIMEOUT)
    snprintf(b->err, sizeof b->err,
             "no reply from the mailbox side to %s in "
             "time",
             line ? line : "the connection (greeting)");
  ms_reply_free(out);
  return -1;
}

/* RFC 1939 §7: "-ERR [IN-USE]" (RFC 2449 §8.1.2) or a lock message:
 * another session holds the maildrop; try again later. */
static bool mbox_in_use(const struct ms_reply *r) {
  if (r->nlines == 0)
    return false;
  char *t = xmemdup(r->lines[0], r->lens[0]);
  for (char *p = t; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  bool busy = strstr(t, "[in-use]") || strstr(t, "lock");
  free(t);
  return busy;
}

int ms_mbox_login(struct ms_mbox *b, const char *user, const char *pass) {
  struct ms_reply r;
  char *cmd = xasprintf("USER %s", user);
  int rc = ms_mbox_command(b, cmd, false, &r);
  free(cmd);
  if (rc != 0)
    return -1;
  if (r.code != MS_POP3_OK) {
    ms_mbox_why(b, "USER", &r);
    ms_reply_free(&r);
    return -1;
  }
  ms_reply_free(&r);
  cmd = xasprintf("PASS %s", pass);
  rc = ms_mbox_command(b, cmd, false, &r);
  free(cmd);
  if (rc != 0)
    return -1;
  if (r.code != MS_POP3_OK) {
    b->busy = mbox_in_use(&r);
    ms_mbox_why(b, "PASS", &r);
    ms_reply_free(&r);
    return -1;
  }
  ms_reply_free(&r);
  return 0;
}

/* "N TEXT" (a UIDL or LIST line): the number and the rest. */
static bool mbox_item(const char *line, size_t len, size_t *num, char **rest) {
  size_t i = 0, n = 0;
  while (i < len && line[i] >= '0' && line[i] <= '9' && i < 9)
    n = n * 10 + (size_t)(line[i++] - '0');
  if (i == 0 || n == 0 || i >= len || line[i] != ' ')
    return false;
  *num = n;
  *rest = xmemdup(line + i + 1, len - i - 1);
  return true;
}

int ms_mbox_list(struct ms_mbox *b, struct ms_mbox_item **items, size_t *n) {
  *items = NULL;
  *n = 0;
  struct ms_reply r;
  bool uidl = true;
  if (ms_mbox_command(b, "UIDL", true, &r) != 0)
    return -1;
  if (r.code != MS_POP3_OK) { /* UIDL is optional (RFC 1939 §7) */
    ms_reply_free(&r);
    uidl = false;
    if (ms_mbox_command(b, "LIST", true, &r) != 0)
      return -1;
    if (r.code != MS_POP3_OK) {
      ms_mbox_why(b, "LIST", &r);
      ms_reply_free(&r);
      return -1;
    }
  }
  size_t cap = 0;
  for (size_t i = 1; i < r.nlines; i++) {
    struct ms_mbox_item it = {0, NULL};
    if (!mbox_item(r.lines[i], r.lens[i], &it.num, &it.uid))
      continue;
    if (!uidl) { /* no unique-id: every poll reads it again */
      free(it.uid);
      it.uid = NULL;
    }
    xgrow((void **)items, &cap, *n, sizeof **items);
    (*items)[(*n)++] = it;
  }
  ms_reply_free(&r);
  return 0;
}

void ms_mbox_items_free(struct ms_mbox_item *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i].uid);
  free(v);
}

int ms_mbox_retr(struct ms_mbox *b, size_t num, struct ms_reply *out) {
  char cmd[32];
  snprintf(cmd, sizeof cmd, "RETR %zu", num);
  if (ms_mbox_command(b, cmd, true, out) != 0)
    return -1;
  if (out->code == MS_POP3_OK)
    return 0;
  ms_mbox_why(b, cmd, out);
  ms_reply_free(out);
  return -1;
}

int ms_mbox_simple(struct ms_mbox *b, const char *cmd) {
  struct ms_reply r;
  if (ms_mbox_command(b, cmd, false, &r) != 0)
    return -1;
  int rc = r.code == MS_POP3_OK ? 0 : -1;
  if (rc)
    ms_mbox_why(b, cmd, &r);
  ms_reply_free(&r);
  return rc;
}
