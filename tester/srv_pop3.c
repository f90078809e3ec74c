/* srv_pop3: the reference server's POP3 session (RFC 1939 + RFC 2449
 * CAPA).  Pure: one command line in, one response appended to OUT.
 * This file holds the session, the command table and the
 * AUTHORIZATION state (USER, PASS, APOP, QUIT); srv_pop3_txn.c the
 * TRANSACTION state. */
#include "srv_pop3.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apop.h"
#include "util.h"

static const char *pop3_host(const struct pop3_sess *s) {
  const struct ms_world *w = s->ctx->world;
  return w && w->hostname && *w->hostname ? w->hostname : "localhost";
}

/* RFC 1939 §10's example timestamp: the APOP digest printed there,
 * c4c9334bac560ecc979e58001b3e22fb, is MD5 of it and "tanstaaf". */
#define POP3_RFC_TIMESTAMP "<1896.697170952@dbc.mtview.ca.us>"

/* RFC 1939 §7: "<process-ID.clock@hostname>", "MUST be different each
 * time the POP3 server issues a banner greeting".  The counter keeps two
 * greetings of the same microsecond apart.  A world may fix it (the
 * classroom's §10 replay does, for its printed digest). */
static void pop3_make_timestamp(struct pop3_sess *s) {
  static atomic_ulong seq;
  const struct ms_world *w = s->ctx->world;
  if (ms_fault_on(&s->ctx->faults, MS_F_APOP_FIXED_TS)) { /* the same */
    snprintf(s->timestamp, sizeof s->timestamp, "%s", POP3_RFC_TIMESTAMP);
    return;
  }
  if (w && w->pop3_timestamp && *w->pop3_timestamp &&
      strlen(w->pop3_timestamp) < sizeof s->timestamp) {
    strcpy(s->timestamp, w->pop3_timestamp);
    return;
  }
  unsigned long long clock = (unsigned long long)(ms_wallclock() * 1e6);
  unsigned long n = atomic_fetch_add(&seq, 1);
  snprintf(s->timestamp, sizeof s->timestamp, "<%ld.%llu.%lu@%.100s>",
           (long)getpid(), clock, n, pop3_host(s));
}

static void *pop3_open(const struct srv_ctx *ctx, struct ms_buf *out,
                       enum srv_action *act) {
  struct pop3_sess *s = xcalloc(1, sizeof *s);
  s->ctx = ctx;
  s->state = POP3_AUTH;
  srv_auth_init(&s->auth, ctx, true);
  pop3_make_timestamp(s);
  *act = SRV_CONTINUE;
  if (ms_fault_on(&ctx->faults, MS_F_GREET_554)) {
    /* The POP3 face of greet-554: refuse service at the greeting. */
    ms_buf_addstr(out, "-ERR POP3 server unavailable\r\n");
    *act = SRV_CLOSE;
    return s;
  }
  /* The world may reword the greeting; the timestamp always ends it,
   * APOP needs it (§7). */
  const struct ms_world *w = ctx->world;
  const char *text = w && w->greeting ? w->greeting : "POP3 server ready";
  ms_buf_addf(out, "+OK %s %s\r\n", text, s->timestamp);
  return s;
}

static void pop3_forget_user(struct pop3_sess *s) {
  free(s->user);
  s->user = NULL;
}

static void pop3_close(void *sess) {
  struct pop3_sess *s = sess;
  if (!s)
    return;
  /* RFC 1939 §6: a session that ends without QUIT does not enter UPDATE,
   * so nothing is removed -- unless the pop3-early-dele fault pretends
   * that DELE already removed the messages. */
  if (s->locked)
    ms_store_unlock(s->ctx->store, &s->view,
                    ms_fault_on(&s->ctx->faults, MS_F_POP3_EARLY_DELE));
  pop3_forget_user(s);
  srv_auth_free(&s->auth);
  free(s);
}

/* "+OK mrose's maildrop has 2 messages (320 octets)" (RFC 1939 §10). */
static void pop3_maildrop_status(struct pop3_sess *s, const char *who,
                                 struct ms_buf *out) {
  size_t octets = 0, n = srv_pop3_txn_count(s, &octets);
  ms_buf_addf(out, "+OK %s%smaildrop has %zu message%s (%zu octets)\r\n",
              who ? who : "", who ? "'s " : "", n, n == 1 ? "" : "s", octets);
}

/* Lock USER's maildrop and enter TRANSACTION (RFC 1939 §4, §8). */
static enum srv_action pop3_enter_trans(struct pop3_sess *s, const char *user,
                                        struct ms_buf *out) {
  if (ms_store_lock(s->ctx->store, user, &s->view) != 0) {
    /* The fault pop3-no-lock lets the second session in anyway (with
     * an empty view: the store keeps one view per maildrop). */
    if (!ms_fault_on(&s->ctx->faults, MS_F_POP3_NO_LOCK)) {
      ms_buf_addstr(out, "-ERR maildrop already locked\r\n");
      return SRV_CONTINUE;
    }
    memset(&s->view, 0, sizeof s->view);
  }
  s->locked = true;
  s->state = POP3_TRANS;
  pop3_maildrop_status(s, user, out);
  return SRV_CONTINUE;
}

static enum srv_action pop3_user(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  const char *name = c->argv[0];
  if (!ms_world_find_maildrop(s->ctx->world, name)) {
    ms_buf_addf(out, "-ERR sorry, no mailbox for %s here\r\n", name);
    return SRV_CONTINUE;
  }
  s->user = xstrdup(name);
  ms_buf_addf(out, "+OK %s is a real hoopy frood\r\n", name);
  return SRV_CONTINUE;
}

static enum srv_action pop3_pass(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  /* RFC 1939 §7: only immediately after a successful USER. */
  if (!s->user) {
    ms_buf_addstr(out, "-ERR USER first\r\n");
    return SRV_CONTINUE;
  }
  char *user = s->user;
  s->user = NULL;
  const struct ms_world_maildrop *d =
      ms_world_find_maildrop(s->ctx->world, user);
  enum srv_action a = SRV_CONTINUE;
  if (!d || !d->pass || strcmp(d->pass, c->rest) != 0)
    ms_buf_addstr(out, "-ERR invalid password\r\n");
  else
    a = pop3_enter_trans(s, d->user, out);
  free(user);
  return a;
}

static enum srv_action pop3_apop(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  const struct ms_world_maildrop *d =
      ms_world_find_maildrop(s->ctx->world, c->argv[0]);
  /* One answer for an unknown name and a wrong digest: APOP exists to
   * keep secrets off the wire, so it should not confirm names either. */
  if (!d || !d->apop_secret ||
      !ms_apop_check(s->timestamp, d->apop_secret, c->argv[1])) {
    ms_buf_addstr(out, "-ERR permission denied\r\n");
    return SRV_CONTINUE;
  }
  return pop3_enter_trans(s, d->user, out);
}

/* QUIT: in AUTHORIZATION just sign off (§4); in TRANSACTION enter UPDATE
 * and remove the messages marked deleted (§6). */
static enum srv_action pop3_quit(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  (void)c;
  if (s->state != POP3_TRANS) {
    ms_buf_addf(out, "+OK %s POP3 server signing off\r\n", pop3_host(s));
    return SRV_CLOSE;
  }
  s->state = POP3_UPDATE;
  size_t octets, left = srv_pop3_txn_count(s, &octets);
  ms_store_unlock(s->ctx->store, &s->view, true);
  s->locked = false;
  if (left == 0)
    ms_buf_addf(out, "+OK %s POP3 server signing off (maildrop empty)\r\n",
                pop3_host(s));
  else
    ms_buf_addf(out, "+OK %s POP3 server signing off (%zu message%s left)\r\n",
                pop3_host(s), left, left == 1 ? "" : "s");
  return SRV_CLOSE;
}

/* RFC 2449 §5: what this server implements, nothing more. */
static enum srv_action pop3_capa(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  (void)c;
  ms_buf_addstr(out, "+OK Capability list follows\r\n"
                     "TOP\r\n"
                     "UIDL\r\n");
  if (srv_auth_pop3_user_ok(s->ctx, &s->auth)) /* not before STLS if so */
    ms_buf_addstr(out, "USER\r\n");
  ms_buf_addstr(out, "PIPELINING\r\n");
  srv_auth_pop3_capa(s->ctx, &s->auth, out);
  ms_buf_addstr(out, "IMPLEMENTATION mailspec\r\n"
                     ".\r\n");
  return SRV_CONTINUE;
}

/* STLS (RFC 2595 §4) and AUTH (RFC 5034), in srv_auth.c. */
static enum srv_action pop3_stls(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  (void)c;
  return srv_auth_pop3_stls(s->ctx, &s->auth, out);
}

static enum srv_action pop3_auth(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  const char *user = srv_auth_pop3_auth(s->ctx, &s->auth, c->argv[0],
                                        c->argc > 1 ? c->argv[1] : NULL, out);
  return user ? pop3_enter_trans(s, user, out) : SRV_CONTINUE;
}

typedef enum srv_action (*pop3_fn)(struct pop3_sess *, const struct pop3_cmd *,
                                   struct ms_buf *);
static const struct pop3_verb {
  const char *verb;
  unsigned states; /* enum pop3_state bits where the command is valid */
  int minargs, maxargs;
  pop3_fn fn;
} pop3_verbs[] = {
    {"USER", POP3_AUTH, 1, 1, pop3_user},
    {"PASS", POP3_AUTH, 1, INT_MAX, pop3_pass},
    {"APOP", POP3_AUTH, 2, 2, pop3_apop},
    {"QUIT", POP3_AUTH | POP3_TRANS, 0, 0, pop3_quit},
    {"CAPA", POP3_AUTH | POP3_TRANS, 0, 0, pop3_capa},
    {"STLS", POP3_AUTH, 0, 0, pop3_stls},
    {"AUTH", POP3_AUTH, 1, 2, pop3_auth},
    {"STAT", POP3_TRANS, 0, 0, srv_pop3_txn_stat},
    {"LIST", POP3_TRANS, 0, 1, srv_pop3_txn_list},
    {"RETR", POP3_TRANS, 1, 1, srv_pop3_txn_retr},
    {"DELE", POP3_TRANS, 1, 1, srv_pop3_txn_dele},
    {"NOOP", POP3_TRANS, 0, 0, srv_pop3_txn_noop},
    {"RSET", POP3_TRANS, 0, 0, srv_pop3_txn_rset},
    {"TOP", POP3_TRANS, 2, 2, srv_pop3_txn_top},
    {"UIDL", POP3_TRANS, 0, 1, srv_pop3_txn_uidl},
};

static const struct pop3_verb *pop3_find_verb(const char *verb) {
  for (size_t i = 0; i < sizeof pop3_verbs / sizeof pop3_verbs[0]; i++)
    if (ms_streq_ci(pop3_verbs[i].verb, verb))
      return &pop3_verbs[i];
  return NULL;
}

/* Split LINE (a NUL-terminated copy the caller owns) in place; ARGC
 * counts every argument, ARGV keeps the first POP3_MAX_ARGS.  Returns
 * 0, or -1 for a missing or overlong keyword (RFC 1939 §3: 3-4 chars). */
static int pop3_parse(char *line, struct pop3_cmd *c) {
  memset(c, 0, sizeof *c);
  size_t vlen = strcspn(line, " ");
  if (vlen == 0 || vlen >= sizeof c->verb)
    return -1;
  memcpy(c->verb, line, vlen);
  char *p = line + vlen;
  /* RFC 1939 §7 (PASS): the one argument may hold spaces. */
  snprintf(c->rest, sizeof c->rest, "%s", *p ? p + 1 : p);
  while (*p == ' ')
    p++;
  while (*p) {
    if (c->argc < POP3_MAX_ARGS)
      c->argv[c->argc] = p;
    c->argc++;
    p += strcspn(p, " ");
    while (*p == ' ')
      *p++ = '\0';
  }
  return 0;
}

/* Bytes a command line may not hold: NUL and other controls. */
static bool pop3_line_clean(const char *line, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)line[i];
    if (ch < 0x20 || ch == 0x7f)
      return false;
  }
  return true;
}

static enum srv_action pop3_dispatch(struct pop3_sess *s, char *line,
                                     struct ms_buf *out) {
  struct pop3_cmd c;
  if (pop3_parse(line, &c) != 0) {
    ms_buf_addstr(out, "-ERR unknown command\r\n");
    return SRV_CONTINUE;
  }
  const struct pop3_verb *v = pop3_find_verb(c.verb);
  bool after_user = s->user != NULL;
  if (!v) {
    ms_buf_addstr(out, "-ERR unknown command\r\n");
  } else if (!(v->states & s->state)) {
    ms_buf_addf(out, "-ERR %s not valid in the %s state\r\n", v->verb,
                s->state == POP3_AUTH ? "AUTHORIZATION" : "TRANSACTION");
  } else if (c.argc < v->minargs || c.argc > v->maxargs) {
    ms_buf_addf(out, "-ERR syntax error in %s\r\n", v->verb);
  } else if (!srv_auth_pop3_gate(s->ctx, &s->auth, v->verb, out)) {
    if (v->fn != pop3_pass && after_user)
      pop3_forget_user(s);
    return v->fn(s, &c, out);
  }
  if (after_user)
    pop3_forget_user(s);
  return SRV_CONTINUE;
}

static enum srv_action pop3_line(void *sess, const char *line, size_t len,
                                 bool crlf, struct ms_buf *out) {
  struct pop3_sess *s = sess;
  (void)crlf; /* a bare LF is tolerated: RFC 1939 says nothing of it */
  if (srv_auth_busy(&s->auth)) { /* a SASL response (RFC 5034 §4) */
    const char *user = srv_auth_pop3_line(s->ctx, &s->auth, line, len, out);
    return user ? pop3_enter_trans(s, user, out) : SRV_CONTINUE;
  }
  if (len + 2 > POP3_CMD_LINE_MAX) {
    ms_buf_addstr(out, "-ERR command line too long\r\n");
    return SRV_CONTINUE;
  }
  if (!pop3_line_clean(line, len)) {
    ms_buf_addstr(out, "-ERR invalid characters in command\r\n");
    return SRV_CONTINUE;
  }
  char buf[POP3_CMD_LINE_MAX];
  memcpy(buf, line, len);
  buf[len] = '\0';
  return pop3_dispatch(s, buf, out);
}

const struct srv_session_ops ms_srv_pop3_ops = {
    .name = "pop3",
    .open = pop3_open,
    .line = pop3_line,
    .close = pop3_close,
};
