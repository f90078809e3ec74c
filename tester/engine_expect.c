/* engine_expect: read and judge one reply (expect:), or the end of the
 * connection (expect: close).  Each expectation consumes exactly one
 * reply, in order, and answers the oldest command still in the FIFO of
 * engine_send.c.  Judging itself is in engine_judge.c (with captured
 * variables: engine_vars.c), what may follow a reply in engine_gate.c. */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "mailspec/report.h"
#include "util.h"

/* ---- expectations ----------------------------------------------------- */

/* More replies than the GROUP commands of a pipelined group (RFC 2920
 * §3.2: one reply per command, in order): the session is out of step. */
static void expect_extra_replies(struct ms_eng *e, const struct ms_step *st,
                                 struct ms_step_result *r, size_t group,
                                 const char *detail) {
  char *what = xasprintf("the server sent more replies than the %zu commands "
                         "of the pipelined group (RFC 2920 §3.2): %s",
                         group, detail);
  ms_step_add_finding(r, MS_V_TRAILING, what);
  if (r->verdict == MS_PASS) {
    r->verdict = MS_FAIL;
    free(r->reason);
    r->reason = xstrdup(what);
  }
  ms_engine_diverge(e, st, what, false);
}

/* Bytes after a final line when no reply is owed are a finding: the
 * server said them of its own accord.  Not when lines mailspec sent are
 * still unanswered (the transcript reads their replies later), nor after
 * mail data that went out before DATA's reply (the server may be
 * answering it as commands), nor between the replies of a declared
 * pipelining batch.  They are dropped, in whole lines, so that the next
 * command is judged on its own reply; after a pipelined group the
 * session stops there (issue 12). */
static void expect_trailing(struct ms_eng *e, const struct ms_step *st,
                            const struct ms_step *next,
                            const struct ms_eng_sent *sent,
                            struct ms_step_result *r) {
  /* Before a handshake, the TLS step itself names them (RFC 3207 §4.2). */
  bool group = sent->group > 1;
  if ((e->t->pipelining && !group) || e->k->fhead < e->k->fn || e->k->blind ||
      (next && (next->kind == MS_STEP_EXPECT || next->kind == MS_STEP_CLOSE ||
                next->kind == MS_STEP_TLS)))
    return;
  char peek[48];
  size_t n = ms_engine_conn_unsolicited(&e->k->conn, peek, sizeof peek);
  if (n == 0)
    return;
  size_t k = n < sizeof peek ? n : sizeof peek;
  char *safe = ms_report_text_safe(peek, k);
  size_t lines = ms_engine_conn_discard(&e->k->conn);
  char *detail = xasprintf("'%s%s' (%zu line%s dropped)", safe,
                           n > k ? "..." : "", lines, lines == 1 ? "" : "s");
  if (group)
    expect_extra_replies(e, st, r, sent->group, detail);
  else
    ms_engine_flag(r, MS_V_TRAILING, detail);
  ms_engine_live_note(&e->live, "unsolicited bytes after the reply: %s",
                      detail);
  free(detail);
  free(safe);
}

static void expect_greeting(struct ms_eng *e, const struct ms_reply *rep) {
  if (rep->nlines == 0)
    return;
  struct ms_reply first = *rep;
  first.nlines = 1;
  if (e->k->nreplies == 1 && !e->k->greeting) /* this session's, for APOP */
    e->k->greeting = ms_reply_join(&first);
  if (!e->out->greeting)
    e->out->greeting = ms_reply_join(&first);
}

/* The reason for a reply that did not come in time. */
static char *expect_timeout_reason(const struct ms_eng *e, const char *sent,
                                   double tmo, bool by_deadline) {
  char *base;
  if (by_deadline)
    base = xasprintf("transcript deadline of %g s reached waiting for %s%s%s",
                     e->deadline_s, sent ? "the reply to '" : "a reply",
                     sent ? sent : "", sent ? "'" : "");
  else if (e->k->nreplies == 0 && !e->implicit_tls)
    /* A TLS server waits for the ClientHello: silence is its sign. */
    base = xasprintf("no greeting within %g s (if the server expects TLS "
                     "from the first byte, use %s://HOST:PORT or tls: "
                     "implicit)",
                     tmo, ms_proto_ops(e->t->protocol)->tls_scheme);
  else if (e->k->nreplies == 0)
    base = xasprintf("no greeting within %g s", tmo);
  else if (sent)
    base = xasprintf("no reply within %g s to '%s'", tmo, sent);
  else
    base = xasprintf("no reply within %g s", tmo);
  if (!e->k->send_err[0])
    return base;
  char *r = xasprintf("%s (sending failed: %s)", base, e->k->send_err);
  free(base);
  return r;
}

/* POP3 facts that span replies (LIST's sizes against RETR's octets,
 * RFC 1939 §11): a finding that fails the step, as strict reading does. */
static void expect_pop3_check(struct ms_eng *e, const char *sent,
                              const struct ms_reply *rep,
                              struct ms_step_result *r) {
  char *what = ms_engine_pop3_check(&e->k->pop3, sent, rep);
  if (!what)
    return;
  ms_step_add_finding(r, 0, what);
  if (r->verdict == MS_PASS) {
    r->verdict = MS_FAIL;
    free(r->reason);
    r->reason = what;
  } else {
    free(what);
  }
}

/* A reply matched skip_on: the transcript is a SKIP (unless a step
 * failed), and it stops here: no later step or session runs.  Returns
 * false. */
static bool expect_skip(struct ms_eng *e, const struct ms_step_result *r) {
  if (!e->skip)
    e->skip = xstrdup(r->reason ? r->reason : "skip_on");
  e->skip_rest = true;
  return false;
}

bool ms_engine_expect(struct ms_eng *e, const struct ms_step *st, size_t idx,
                      const struct ms_step *next, struct ms_reply *keep,
                      unsigned mode) {
  if (keep)
    memset(keep, 0, sizeof *keep);
  ms_engine_send_flush(e);
  /* The greeting answers no command, even from an early talker. */
  struct ms_eng_sent sent = {NULL, false, 0, 0, -1};
  bool greeting = e->k->nreplies == 0;
  if (!greeting)
    sent = ms_engine_send_pop(e);
  const struct ms_proto_ops *ops = ms_proto_ops(e->t->protocol);
  bool data_reply = sent.shown && ops->is_data && ops->is_data(sent.shown);
  if (data_reply)
    e->k->data_pending = false; /* DATA's reply is here */
  struct ms_step_result *r = ms_engine_step(e, st, idx);
  r->sent = sent.shown;
  r->expected = ms_engine_expected_text(st);
  if (e->stopped) {
    r->verdict = MS_NOTRUN;
    r->reason = xstrdup("interrupted");
    return false;
  }
  if (e->k->conn.fd < 0) {
    ms_engine_error(r, xstrdup("no connection: the transcript closed it "
                               "(<close connection>) before this reply"));
    return false;
  }
  /* POP3: the command says (RFC 1939 §3); SMTP replies say themselves. */
  ms_reader_expect_multiline(e->k->conn.rd, st->multiline || sent.multi);
  double tmo = ms_engine_step_timeout(e, st), end = ms_now() + tmo;
  bool by_deadline = e->deadline > 0 && e->deadline < end;
  if (by_deadline)
    end = e->deadline;
  struct ms_reply rep;
  char err[160] = "";
  int n =
      ms_engine_conn_read(&e->k->conn, end, e->o->stop, &rep, err, sizeof err);
  r->elapsed_ms = (ms_now() - e->k->sent_at) * 1000.0;
  if (n == 1) {
    e->k->nreplies++;
    e->k->last_code = rep.code;
    if (data_reply && rep.code / 100 != 3)
      e->k->in_data = false; /* refused: what follows is no mail data */
    if (ops->utf8_replies)
      ms_engine_utf8_reply(sent.utf8, &rep);
    if (sent.rec >= 0)
      ms_engine_rec_reply(e, sent.rec, rep.code, st->line);
    ms_engine_vars_judge(e, st, &rep, r);
    if (e->t->protocol == MS_PROTO_POP3) /* its ledger, RFC 1939 §11 */
      expect_pop3_check(e, sent.shown, &rep, r);
    ms_engine_vars_capture(e, st, &rep, r);
    expect_greeting(e, &rep);
    ms_engine_live_server(&e->live, &rep, r->verdict);
    if (r->verdict != MS_PASS && !(mode & MS_EXPECT_QUIET))
      ms_engine_live_note(&e->live, "%s: %s", ms_verdict_name(r->verdict),
                          r->reason ? r->reason : "");
    bool go_on = !e->k->conn.broken;
    if (go_on && r->verdict == MS_SKIP) /* skip_on: the rest does not apply */
      go_on = expect_skip(e, r);
    else if (go_on && !(mode & MS_EXPECT_AUTH)) /* judged as a whole */
      go_on = ms_engine_gate(e, st, next, &sent, rep.code, greeting);
    if (go_on && r->verdict != MS_SKIP) {
      expect_trailing(e, st, next, &sent, r);
      go_on = !e->diverged;
    } else if (e->k->conn.broken) {
      ms_engine_live_note(&e->live, "reply too big: stopped reading");
    }
    if (keep)
      *keep = rep;
    else
      ms_reply_free(&rep);
    return go_on;
  }
  e->k->last_code = 0;
  if (n == 0) {
    char pat[MS_PAT_MAX * 5 + 8];
    ms_pattern_format(&st->pat, pat, sizeof pat);
    char *detail = xasprintf("expected %s%s%s", pat,
                             e->k->conn.why[0] ? "; " : "", e->k->conn.why);
    ms_engine_flag(r, MS_V_EARLY_CLOSE, detail);
    ms_engine_live_note(&e->live, "the server closed the connection");
    free(detail);
  } else if (n == MS_NET_TIMEOUT) {
    ms_engine_error(r, expect_timeout_reason(e, sent.shown, tmo, by_deadline));
    ms_engine_live_note(&e->live, "%s", r->reason);
  } else if (n == MS_NET_STOP) {
    e->stopped = true;
    r->verdict = MS_NOTRUN;
    r->reason = xstrdup("interrupted");
  } else {
    ms_engine_error(r, xasprintf("receive failed: %s", err));
  }
  return false;
}

/* expect: close.  The server must close the connection now (e.g. after
 * QUIT, RFC 5321 §4.1.1.10): PASS at EOF, FAIL if it sends more or does
 * not close within the timeout. */
void ms_engine_expect_close(struct ms_eng *e, const struct ms_step *st,
                            size_t idx) {
  ms_engine_send_flush(e);
  struct ms_eng_sent sent = ms_engine_send_pop(e);
  struct ms_step_result *r = ms_engine_step(e, st, idx);
  r->sent = sent.shown;
  r->expected = xstrdup(st->nlines ? st->lines[0] : "<close connection>");
  if (e->k->conn.fd < 0) {
    ms_engine_error(r,
                    xstrdup("no connection: the transcript closed it first"));
    return;
  }
  double tmo = ms_engine_step_timeout(e, st), t0 = ms_now();
  char buf[256];
  size_t n = ms_engine_conn_unsolicited(&e->k->conn, buf, sizeof buf);
  if (n == 0 && !e->k->conn.eof) {
    double left = tmo;
    if (e->deadline > 0 && e->deadline - t0 < left)
      left = e->deadline - t0;
    ssize_t k =
        ms_engine_conn_recv(&e->k->conn, buf, sizeof buf, left > 0 ? left : 0,
                            e->o->stop, e->k->conn.why, sizeof e->k->conn.why);
    if (k == 0)
      e->k->conn.eof = true;
    else if (k > 0)
      n = (size_t)k;
    else if (k == MS_NET_STOP) {
      e->stopped = true;
      r->verdict = MS_NOTRUN;
      r->reason = xstrdup("interrupted");
      return;
    } else {
      r->verdict = MS_FAIL;
      r->reason = xasprintf("the server did not close the connection "
                            "within %g s",
                            tmo);
      ms_engine_live_note(&e->live, "%s", r->reason);
      return;
    }
  }
  r->elapsed_ms = (ms_now() - e->k->sent_at) * 1000.0;
  if (n > 0) {
    size_t k = n < sizeof buf ? n : sizeof buf;
    r->got = ms_report_text_safe(buf, k);
    r->verdict = MS_FAIL;
    r->reason = xstrdup("the server sent more instead of closing the "
                        "connection");
    ms_engine_live_note(&e->live, "%s", r->reason);
    return;
  }
  r->verdict = MS_PASS;
  ms_engine_live_note(&e->live, "the server closed the connection");
}
