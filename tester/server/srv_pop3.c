/* srv_pop3: the reference server's POP3 session (RFC 1939 + RFC 2449
 * CAPA).  Pure: one command line in, one response appended to OUT.
 * This file holds the session, the command table and the
 * AUTHORIZATION state (USER, PASS, APOP, QUIT); srv_pop3_txn.c the
 * TRANSACTION state. */
#include "srv_pop3.h"

#include <limits.h>
#include <pthread.h>
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

/* apop-replay keeps the last greetings' timestamps and takes a digest of
 * any of them (breaks 1939-7-48: the replay protection APOP exists for). */
#define POP3_SEEN_TS 16
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
static char seen_ts[POP3_SEEN_TS][160]; /* pop3_sess.timestamp */
static unsigned seen_next;

static void pop3_seen_add(const char *ts) {
  pthread_mutex_lock(&seen_mu);
  snprintf(seen_ts[seen_next++ % POP3_SEEN_TS], sizeof seen_ts[0], "%s", ts);
  pthread_mutex_unlock(&seen_mu);
}

static bool pop3_seen_digest(const char *secret, const char *digest) {
  bool ok = false;
  pthread_mutex_lock(&seen_mu);
  for (size_t i = 0; i < POP3_SEEN_TS && !ok; i++)
    ok = seen_ts[i][0] && ms_apop_check(seen_ts[i], secret, digest);
  pthread_mutex_unlock(&seen_mu);
  return ok;
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
  unsigned long n = atomic_fetch_add(&seq, 1);
  s->sid = n;
  if (ms_fault_on(&s->ctx->faults, MS_F_APOP_FIXED_TS)) { /* the same */
    snprintf(s->timestamp, sizeof s->timestamp, "%s", POP3_RFC_TIMESTAMP);
    return;
  }
  if (w && w->pop3_timestamp && *w->pop3_timestamp &&
      strlen(w->pop3_timestamp) < sizeof s->timestamp) {
    strcpy(s->timestamp, w->pop3_timestamp);
  } else {
    unsigned long long clock = (unsigned long long)(ms_wallclock() * 1e6);
    snprintf(s->timestamp, sizeof s->timestamp, "<%ld.%llu.%lu@%.100s>",
             (long)getpid(), clock, n, pop3_host(s));
  }
  /* apop-bad-timestamp: no "@domain", so no RFC 822 msg-id (1939-7-50). */
  char *at = strchr(s->timestamp, '@');
  if (pop3_fault(s, MS_F_APOP_BAD_TIMESTAMP) && at)
    strcpy(at, ">");
  if (pop3_fault(s, MS_F_APOP_REPLAY))
    pop3_seen_add(s->timestamp);
}

/* pop3-lowercase-status: "+ok" / "-err" (breaks 1939-3-6) in the status
 * line of the response that starts at MARK. */
static void pop3_lowercase(const struct pop3_sess *s, struct ms_buf *out,
                           size_t mark) {
  if (!pop3_fault(s, MS_F_POP3_LOWERCASE) || !out->p || out->len <= mark)
    return;
  char *p = out->p + mark;
  if (strncmp(p, "+OK", 3) == 0)
    memcpy(p, "+ok", 3);
  else if (strncmp(p, "-ERR", 4) == 0)
    memcpy(p, "-err", 4);
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
  size_t mark = out->len;
  ms_buf_addf(out, "+OK %s", text);
  if (pop3_fault(s, MS_F_POP3_LONG_STATUS)) /* 1939-3-5: 512 at most */
    for (int i = 0; i < 60; i++)
      ms_buf_addstr(out, " 123456789");
  ms_buf_addf(out, " %s\r\n", s->timestamp);
  pop3_lowercase(s, out, mark);
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
  if (s->locked && pop3_fault(s, MS_F_UIDL_ABORT_CHANGES))
    srv_pop3_txn_aborted();
  /* RFC 1939 §6: a session that ends without QUIT does not enter UPDATE,
   * so nothing is removed -- unless the pop3-early-dele fault pretends
   * that DELE already removed the messages. */
  /* pop3-abort-deletes-retrieved: a download-and-delete policy that
   * also deletes what was RETR'd when no QUIT came (breaks 1939-8-6). */
  bool purge = s->locked && pop3_fault(s, MS_F_POP3_ABORT_DELETES_RETR);
  for (size_t i = 0; purge && i < s->view.nmsgs; i++) /* DELE marks: not */
    s->view.deleted[i] = i < 64 && (s->retrieved >> i & 1);
  if (s->locked)
    ms_store_unlock(s->ctx->store, &s->view,
                    purge ||
                        ms_fault_on(&s->ctx->faults, MS_F_POP3_EARLY_DELE));
  pop3_forget_user(s);
  free(s->stale_user);
  srv_auth_free(&s->auth);
  free(s);
}

/* "+OK mrose's maildrop has 2 messages (320 octets)" (RFC 1939 §10). */
static void pop3_maildrop_status(struct pop3_sess *s, const char *who,
                                 struct ms_buf *out) {
  size_t octets = 0, n = srv_pop3_txn_count(s, &octets);
  for (const char *p = who; p && *p; p++)
    if ((unsigned char)*p > 127)
      who = NULL; /* a UTF-8 name (RFC 2595 §6) stays out of the reply */
  ms_buf_addf(out, "+OK %s%smaildrop has %zu message%s (%zu octets)\r\n",
              who ? who : "", who ? "'s " : "", n, n == 1 ? "" : "s", octets);
}

/* pop3-quit-keeps-lock (1939-6-8): the lock a QUIT kept, released once a
 * later login has been refused for it. */
static pthread_mutex_t pop3_stale_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  struct ms_store *store;
  struct ms_maildrop_view view;
  bool held;
} pop3_stale;

static void pop3_stale_keep(struct ms_store *st, const char *user) {
  pthread_mutex_lock(&pop3_stale_mu);
  if (!pop3_stale.held && ms_store_lock(st, user, &pop3_stale.view) == 0) {
    pop3_stale.store = st;
    pop3_stale.held = true;
  }
  pthread_mutex_unlock(&pop3_stale_mu);
}

static void pop3_stale_release(void) {
  pthread_mutex_lock(&pop3_stale_mu);
  if (pop3_stale.held)
    ms_store_unlock(pop3_stale.store, &pop3_stale.view, false);
  pop3_stale.held = false;
  pthread_mutex_unlock(&pop3_stale_mu);
}

/* Lock USER's maildrop and enter TRANSACTION (RFC 1939 §4, §8). */
static enum srv_action pop3_enter_trans(struct pop3_sess *s, const char *user,
                                        struct ms_buf *out) {
  char code[32];
  if (s->state == POP3_TRANS) { /* only under pop3-auth-again/-after-pass */
    ms_buf_addstr(out, "+OK authenticated again\r\n");
    return SRV_CONTINUE;
  }
  const struct ms_world_maildrop *drop =
      ms_world_find_maildrop(s->ctx->world, user);
  if (!drop) { /* user-any-name */
    s->state = POP3_TRANS;
    pop3_maildrop_status(s, user, out);
    return SRV_CONTINUE;
  }
  /* RFC 1939 §4: "If the maildrop cannot be opened for some reason (for
   * example, ... the maildrop cannot be parsed), the POP3 server responds
   * with a negative status indicator" (corrupt-maildrop-ok: +OK). */
  if (drop->corrupt && !pop3_fault(s, MS_F_CORRUPT_MAILDROP_OK)) {
    ms_buf_addf(out, "-ERR %smaildrop cannot be parsed\r\n",
                srv_pop3_code(s, "SYS/PERM", code, sizeof code));
    return SRV_CONTINUE;
  }
  /* RFC 2449 §6.5: "Servers which advertise LOGIN-DELAY SHOULD enforce
   * it" (§8.1.1: -ERR [LOGIN-DELAY]); login-delay-unenforced does not
   * (breaks 2449-6.5-2). */
  size_t delay = s->ctx->world ? s->ctx->world->pop3_login_delay : 0;
  double now = ms_now(), since = -1;
  if (delay > 0)
    since = ms_store_login_since(s->ctx->store, user, now);
  if (since >= 0 && since < (double)delay &&
      !pop3_fault(s, MS_F_LOGIN_DELAY_UNENFORCED)) {
    ms_buf_addf(out, "-ERR %sminimum time between logins not yet over\r\n",
                srv_pop3_code(s, "LOGIN-DELAY", code, sizeof code));
    return SRV_CONTINUE;
  }
  if (ms_store_lock(s->ctx->store, user, &s->view) != 0) {
    /* The fault pop3-no-lock lets the second session in anyway (with
     * an empty view: the store keeps one view per maildrop). */
    if (pop3_fault(s, MS_F_POP3_LOCK_CLOSE))
      return SRV_CLOSE; /* RFC 1939 §4 wants a negative status first */
    if (!ms_fault_on(&s->ctx->faults, MS_F_POP3_NO_LOCK)) {
      /* RFC 2449 §8.1.2: authenticated, but the maildrop is in use. */
      ms_buf_addf(out, "-ERR %smaildrop already locked\r\n",
                  srv_pop3_code(s, "IN-USE", code, sizeof code));
      if (pop3_fault(s, MS_F_POP3_QUIT_KEEPS_LOCK))
        pop3_stale_release();
      return SRV_CONTINUE;
    }
    memset(&s->view, 0, sizeof s->view);
  }
  s->locked = true;
  s->state = POP3_TRANS;
  if (delay > 0)
    ms_store_note_login(s->ctx->store, user, now);
  pop3_maildrop_status(s, user, out);
  return SRV_CONTINUE;
}

/* A refused login: "-ERR [AUTH] ..." (RFC 3206 §4: AUTH-RESP-CODE). */
static void pop3_login_refused(struct pop3_sess *s, const char *why,
                               struct ms_buf *out) {
  char code[32];
  s->login_failed = true;
  ms_buf_addf(out, "-ERR %s%s\r\n", srv_pop3_code(s, "AUTH", code, sizeof code),
              why);
}

static enum srv_action pop3_user(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  if (pop3_fault(s, MS_F_CAPA_USER_BROKEN)) { /* 2449-6.2-1 */
    ms_buf_addstr(out, "-ERR USER is not available\r\n");
    return SRV_CONTINUE;
  }
  if (c->argc == 0) { /* only under user-empty-ok (1939-7-30) */
    ms_buf_addstr(out, "+OK who?\r\n");
    return SRV_CONTINUE;
  }
  const char *name = c->argv[0];
  if (!ms_world_find_maildrop(s->ctx->world, name) &&
      !pop3_fault(s, MS_F_USER_ANY)) {
    ms_buf_addf(out, "-ERR sorry, no mailbox for %s here\r\n", name);
    return SRV_CONTINUE;
  }
  s->user = xstrdup(name);
  /* user-bad-status: "+ " is no status indicator (1939-7-38). */
  ms_buf_addf(out, "%s %s is a real hoopy frood\r\n",
              pop3_fault(s, MS_F_USER_BAD_STATUS) ? "+" : "+OK", name);
  return SRV_CONTINUE;
}

/* Does PASS's argument open USER's maildrop? */
static bool pop3_pass_ok(const struct pop3_sess *s, const char *user,
                         const struct pop3_cmd *c) {
  const struct ms_world_maildrop *d =
      ms_world_find_maildrop(s->ctx->world, user);
  if (!d)
    return pop3_fault(s, MS_F_USER_ANY); /* an empty maildrop */
  if (pop3_fault(s, MS_F_PASS_ANY) ||
      (c->argc == 0 && pop3_fault(s, MS_F_PASS_EMPTY_OK)))
    return true;
  /* pop3-pass-apop-secret: the APOP secret works with PASS too, so a
   * user set up for APOP can log in both ways (breaks 1939-13-1). */
  if (c->argc > 0 && d->apop_secret && pop3_fault(s, MS_F_PASS_APOP_SECRET) &&
      strcmp(d->apop_secret, c->rest) == 0)
    return true;
  return d->pass && c->argc > 0 && strcmp(d->pass, c->rest) == 0;
}

static enum srv_action pop3_pass(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  /* RFC 1939 §7: only immediately after a successful USER;
   * pass-remembers-user tries the user of a refused PASS (1939-7-40). */
  if (!s->user && s->stale_user && pop3_fault(s, MS_F_PASS_REMEMBERS)) {
    s->user = s->stale_user;
    s->stale_user = NULL;
  }
  if (!s->user) {
    ms_buf_addstr(out, "-ERR USER first\r\n");
    return SRV_CONTINUE;
  }
  char *user = s->user;
  s->user = NULL;
  enum srv_action a = SRV_CONTINUE;
  if (pop3_pass_ok(s, user, c)) {
    const struct ms_world_maildrop *d =
        ms_world_find_maildrop(s->ctx->world, user);
    size_t mark = out->len;
    a = pop3_enter_trans(s, d ? d->user : user, out);
    if (s->state == POP3_TRANS && pop3_fault(s, MS_F_PASS_OK_ERR)) {
      out->len = mark; /* 1939-4-5, 1939-7-44 */
      if (out->p)
        out->p[mark] = '\0';
      ms_buf_addstr(out, "-ERR logged in\r\n");
    }
  } else {
    pop3_login_refused(s, "invalid password", out);
    if (pop3_fault(s, MS_F_PASS_REMEMBERS)) {
      free(s->stale_user);
      s->stale_user = user;
      return a;
    }
  }
  free(user);
  return a;
}

static enum srv_action pop3_apop(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  const struct ms_world_maildrop *d =
      ms_world_find_maildrop(s->ctx->world, c->argv[0]);
  const char *digest = c->argc > 1 ? c->argv[1] : "";
  char bare[sizeof s->timestamp];
  const char *ts = s->timestamp;
  if (pop3_fault(s, MS_F_APOP_NO_BRACKETS) && strlen(ts) > 2) {
    snprintf(bare, sizeof bare, "%.*s", (int)strlen(ts) - 2, ts + 1);
    ts = bare; /* the digest without the <> (1939-7-54) */
  }
  bool ok = d && d->apop_secret &&
            ((c->argc == 1 && pop3_fault(s, MS_F_APOP_ONE_ARG)) ||
             pop3_fault(s, MS_F_APOP_ANY_DIGEST) ||
             (c->argc > 1 && ms_apop_check(ts, d->apop_secret, digest)) ||
             (c->argc > 1 && pop3_fault(s, MS_F_APOP_REPLAY) &&
              pop3_seen_digest(d->apop_secret, digest)));
  /* One answer for an unknown name and a wrong digest: APOP exists to
   * keep secrets off the wire, so it should not confirm names either. */
  if (!ok) {
    pop3_login_refused(s, "permission denied", out);
    return SRV_CONTINUE;
  }
  return pop3_enter_trans(s, d->user, out);
}

/* QUIT: in AUTHORIZATION just sign off (§4); in TRANSACTION enter UPDATE
 * and remove the messages marked deleted (§6). */
static enum srv_action pop3_quit(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  (void)c;
  /* pop3-quit-no-close: the connection stays open (1939-6-2, 1939-6-9). */
  enum srv_action bye =
      pop3_fault(s, MS_F_POP3_QUIT_NO_CLOSE) ? SRV_CONTINUE : SRV_CLOSE;
  if (s->state != POP3_TRANS) {
    if (pop3_fault(s, MS_F_POP3_QUIT_AUTH_ERR)) /* 1939-4-15 */
      ms_buf_addstr(out, "-ERR not now\r\n");
    else
      ms_buf_addf(out, "+OK %s POP3 server signing off\r\n", pop3_host(s));
    return bye;
  }
  s->state = POP3_UPDATE;
  for (size_t i = 0; s->locked && i < s->view.nmsgs; i++)
    if (pop3_fault(s, MS_F_POP3_QUIT_ALL)) /* 1939-6-7 */
      s->view.deleted[i] = true;
  size_t octets, left = srv_pop3_txn_count(s, &octets);
  if (pop3_fault(s, MS_F_POP3_QUIT_NO_UPDATE)) /* 1939-6-4 */
    left = s->view.nmsgs;
  if (s->locked) {
    const char *who = s->view.drop ? s->view.drop->user : NULL;
    ms_store_unlock(s->ctx->store, &s->view,
                    !pop3_fault(s, MS_F_POP3_QUIT_NO_UPDATE));
    if (who && pop3_fault(s, MS_F_POP3_QUIT_KEEPS_LOCK))
      pop3_stale_keep(s->ctx->store, who); /* taken again at once */
  }
  s->locked = false;
  if (pop3_fault(s, MS_F_POP3_QUIT_ERR)) /* 1939-6-5, 1939-6-10 */
    ms_buf_addstr(out, "-ERR signing off\r\n");
  else if (left == 0)
    ms_buf_addf(out, "+OK %s POP3 server signing off (maildrop empty)\r\n",
                pop3_host(s));
  else
    ms_buf_addf(out, "+OK %s POP3 server signing off (%zu message%s left)\r\n",
                pop3_host(s), left, left == 1 ? "" : "s");
  return bye;
}

/* STLS (RFC 2595 §4) and AUTH (RFC 5034), in srv_auth.c. */
static enum srv_action pop3_stls(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  (void)c;
  return srv_auth_pop3_stls(s->ctx, &s->auth, out);
}

/* The end of an AUTH exchange: USER when it succeeded.  The faults break
 * 5034-4-21 (no TRANSACTION state) and 5034-4-20 (-ERR for a success). */
static enum srv_action pop3_auth_done(struct pop3_sess *s, const char *user,
                                      struct ms_buf *out) {
  if (user && pop3_fault(s, MS_F_POP3_AUTH_NO_TRANS)) {
    ms_buf_addstr(out, "+OK authenticated\r\n");
    return SRV_CONTINUE;
  }
  if (user && pop3_fault(s, MS_F_POP3_AUTH_OK_ERR)) {
    size_t mark = out->len;
    enum srv_action a = pop3_enter_trans(s, user, out);
    out->len = mark;
    if (out->p)
      out->p[mark] = '\0';
    ms_buf_addstr(out, "-ERR logged in\r\n");
    return a;
  }
  if (user)
    return pop3_enter_trans(s, user, out);
  if (!srv_auth_busy(&s->auth))
    s->auth_failed = true;
  return SRV_CONTINUE;
}

static enum srv_action pop3_auth(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out) {
  if (s->auth_failed && pop3_fault(s, MS_F_POP3_AUTH_FAIL_LOCKS)) {
    ms_buf_addstr(out, "-ERR no more AUTH in this session\r\n"); /* 5034-4-30 */
    return SRV_CONTINUE;
  }
  const char *user = srv_auth_pop3_auth(s->ctx, &s->auth, c->argv[0],
                                        c->argc > 1 ? c->argv[1] : NULL, out);
  return pop3_auth_done(s, user, out);
}

typedef enum srv_action (*pop3_fn)(struct pop3_sess *, const struct pop3_cmd *,
                                   struct ms_buf *);
static const struct pop3_verb {
  const char *verb;
  unsigned states; /* enum pop3_state bits where the command is valid */
  int minargs, maxargs;
  pop3_fn fn;
  enum ms_fault gone; /* the pop3-no-* fault that removes it */
} pop3_verbs[] = {
    {"USER", POP3_AUTH, 1, 1, pop3_user, MS_F_NONE},
    {"PASS", POP3_AUTH, 1, INT_MAX, pop3_pass, MS_F_NONE},
    {"APOP", POP3_AUTH, 2, 2, pop3_apop, MS_F_NONE},
    {"QUIT", POP3_AUTH | POP3_TRANS, 0, 0, pop3_quit, MS_F_NONE},
    {"CAPA", POP3_AUTH | POP3_TRANS, 0, 0, srv_pop3_capa, MS_F_NONE},
    {"STLS", POP3_AUTH, 0, 0, pop3_stls, MS_F_NONE},
    {"AUTH", POP3_AUTH, 1, 2, pop3_auth, MS_F_NONE},
    {"STAT", POP3_TRANS, 0, 0, srv_pop3_txn_stat, MS_F_POP3_NO_STAT},
    {"LIST", POP3_TRANS, 0, 1, srv_pop3_txn_list, MS_F_POP3_NO_LIST},
    {"RETR", POP3_TRANS, 1, 1, srv_pop3_txn_retr, MS_F_POP3_NO_RETR},
    {"DELE", POP3_TRANS, 1, 1, srv_pop3_txn_dele, MS_F_POP3_NO_DELE},
    {"NOOP", POP3_TRANS, 0, 0, srv_pop3_txn_noop, MS_F_POP3_NO_NOOP},
    {"RSET", POP3_TRANS, 0, 0, srv_pop3_txn_rset, MS_F_POP3_NO_RSET},
    {"TOP", POP3_TRANS, 2, 2, srv_pop3_txn_top, MS_F_POP3_NO_TOP},
    {"UIDL", POP3_TRANS, 0, 1, srv_pop3_txn_uidl, MS_F_NONE},
};

static const struct pop3_verb *pop3_find_verb(const struct pop3_sess *s,
                                              const char *verb) {
  /* pop3-case-sensitive: keywords in upper case only (1939-3-1). */
  bool exact = pop3_fault(s, MS_F_POP3_CASE);
  for (size_t i = 0; i < sizeof pop3_verbs / sizeof pop3_verbs[0]; i++) {
    const struct pop3_verb *v = &pop3_verbs[i];
    if (exact ? strcmp(v->verb, verb) == 0 : ms_streq_ci(v->verb, verb))
      return pop3_fault(s, v->gone) ? NULL : v; /* 1939-7-1..7-8 */
  }
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

/* Is V valid in the session's state?  The faults let some through. */
static bool pop3_state_ok(const struct pop3_sess *s,
                          const struct pop3_verb *v) {
  if (v->states & s->state)
    return true;
  if (s->state == POP3_AUTH) /* 1939-3-13, 1939-5-2 ... */
    return (v->states & POP3_TRANS) && pop3_fault(s, MS_F_POP3_ANY_STATE);
  if (s->state != POP3_TRANS)
    return false;
  if (v->fn == pop3_user || v->fn == pop3_pass || v->fn == pop3_apop)
    return pop3_fault(s, MS_F_POP3_AUTH_IN_TRANS); /* 1939-7-31 ... */
  if (v->fn == pop3_stls)
    return pop3_fault(s, MS_F_STLS_ANY_STATE); /* 2595-4-4 */
  if (v->fn == pop3_auth)                      /* 5034-4-3, 5034-4-4 */
    return pop3_fault(s, s->auth.done ? MS_F_POP3_AUTH_AGAIN
                                      : MS_F_POP3_AUTH_AFTER_PASS);
  return false;
}

/* Is C's argument count right for V?  The faults let some through. */
static bool pop3_args_ok(const struct pop3_sess *s, const struct pop3_verb *v,
                         struct pop3_cmd *c) {
  static char one[] = "1", all[] = "999999999", none[] = "";
  if (c->argc >= v->minargs && c->argc <= v->maxargs)
    return true;
  if (c->argc == 0 && ((v->fn == pop3_user && /* 1939-7-30 */
                        pop3_fault(s, MS_F_USER_EMPTY_OK)) ||
                       (v->fn == pop3_pass && /* 1939-7-39 */
                        pop3_fault(s, MS_F_PASS_EMPTY_OK))))
    return true;
  if (c->argc == 1 && v->fn == pop3_apop && /* 1939-7-45 */
      pop3_fault(s, MS_F_APOP_ONE_ARG))
    return true;
  if (!pop3_fault(s, MS_F_POP3_LAX_ARGS) || v->fn == pop3_user ||
      v->fn == pop3_pass || v->fn == pop3_apop)
    return false;
  /* pop3-lax-args (1939-3-12): extra arguments dropped, a missing
   * message-number read as 1 and a missing line count as "all". */
  if (c->argc > v->maxargs)
    c->argc = v->maxargs;
  while (c->argc < v->minargs) {
    c->argv[c->argc] = c->argc == 0 ? (v->fn == pop3_auth ? none : one) : all;
    c->argc++;
  }
  return true;
}

/* RFC 1939 §7: USER and APOP "may only be given in the AUTHORIZATION
 * state after the POP3 greeting or after an unsuccessful USER or PASS
 * command", so not right after a successful USER (1939-7-32, 7-47). */
static bool pop3_after_user_ok(const struct pop3_sess *s,
                               const struct pop3_verb *v) {
  if (!s->user)
    return true;
  if (v->fn == pop3_user)
    return pop3_fault(s, MS_F_USER_AFTER_USER);
  if (v->fn == pop3_apop)
    return pop3_fault(s, MS_F_APOP_AFTER_USER);
  return true;
}

static enum srv_action pop3_dispatch(struct pop3_sess *s, char *line,
                                     struct ms_buf *out) {
  struct pop3_cmd c;
  const struct pop3_verb *v =
      pop3_parse(line, &c) == 0 ? pop3_find_verb(s, c.verb) : NULL;
  bool after_user = s->user != NULL;
  if (!v) {
    /* pop3-unknown-ok: +OK for an unknown command (1939-3-10). */
    ms_buf_addstr(out, pop3_fault(s, MS_F_POP3_UNKNOWN_OK)
                           ? "+OK\r\n"
                           : "-ERR unknown command\r\n");
  } else if (!pop3_state_ok(s, v)) {
    ms_buf_addf(out, "-ERR %s not valid in the %s state\r\n", v->verb,
                s->state == POP3_AUTH ? "AUTHORIZATION" : "TRANSACTION");
  } else if (!pop3_args_ok(s, v, &c)) {
    ms_buf_addf(out, "-ERR syntax error in %s\r\n", v->verb);
  } else if (!pop3_after_user_ok(s, v)) {
    ms_buf_addf(out, "-ERR %s after USER: PASS expected\r\n", v->verb);
  } else if (s->login_failed && pop3_fault(s, MS_F_POP3_NO_RETRY) &&
             (v->fn == pop3_user || v->fn == pop3_apop)) {
    ms_buf_addstr(out, "-ERR no second try\r\n"); /* 1939-4-12 */
  } else if (v->fn == srv_pop3_txn_noop &&
             pop3_fault(s, MS_F_POP3_NOOP_SILENT)) {
    return SRV_CONTINUE; /* no response at all (1939-5-1) */
  } else if (pop3_fault(s, MS_F_POP3_NO_LOGIN) &&
             (v->fn == pop3_user || v->fn == pop3_apop || v->fn == pop3_auth)) {
    ms_buf_addstr(out, "-ERR no logins\r\n"); /* 1939-4-3 */
  } else if (!srv_auth_pop3_gate(s->ctx, &s->auth, v->verb, out)) {
    if (v->fn != pop3_pass && after_user)
      pop3_forget_user(s);
    return v->fn(s, &c, out);
  }
  if (after_user)
    pop3_forget_user(s);
  return SRV_CONTINUE;
}

/* RFC 2449 §4 asks for commands of 255 octets (RFC 1939's were 47):
 * pop3-cmd-47 closes on anything longer (2449-4-1). */
static bool pop3_too_long(const struct pop3_sess *s, size_t len) {
  return len + 2 > (pop3_fault(s, MS_F_POP3_CMD_47) ? 47 : POP3_CMD_LINE_MAX);
}

static enum srv_action pop3_line_in(struct pop3_sess *s, const char *line,
                                    size_t len, struct ms_buf *out) {
  if (srv_auth_busy(&s->auth)) { /* a SASL response (RFC 5034 §4) */
    if (len + 2 > 255 && pop3_fault(s, MS_F_POP3_SASL_255)) {
      ms_buf_addstr(out, "-ERR line too long\r\n"); /* 5034-4-18 */
      return SRV_CLOSE;
    }
    const char *user = srv_auth_pop3_line(s->ctx, &s->auth, line, len, out);
    return pop3_auth_done(s, user, out);
  }
  if (pop3_too_long(s, len)) {
    ms_buf_addstr(out, "-ERR command line too long\r\n");
    return pop3_fault(s, MS_F_POP3_CMD_47) ? SRV_CLOSE : SRV_CONTINUE;
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

static enum srv_action pop3_line(void *sess, const char *line, size_t len,
                                 bool crlf, struct ms_buf *out) {
  struct pop3_sess *s = sess;
  (void)crlf; /* a bare LF is tolerated: RFC 1939 says nothing of it */
  size_t mark = out->len;
  /* pop3-pipelining-refused: a command behind another whose reply has not
   * gone out yet is refused, not processed in turn (2449-6.6-1). */
  if (mark > 0 && pop3_fault(s, MS_F_POP3_PIPELINING_REFUSED) &&
      !srv_auth_busy(&s->auth)) {
    ms_buf_addstr(out, "-ERR one command at a time\r\n");
    return SRV_CONTINUE;
  }
  enum srv_action a = pop3_line_in(s, line, len, out);
  pop3_lowercase(s, out, mark);
  return a;
}

const struct srv_session_ops ms_srv_pop3_ops = {
    .name = "pop3",
    .open = pop3_open,
    .line = pop3_line,
    .close = pop3_close,
};
