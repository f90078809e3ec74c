/* engine_delivery: what a transcript sent, read back from the mailbox
 * (issue 14; transcripts/README.md, "Delivery checks").
 *
 * The engine records every message a transcript sends with DATA: the
 * octets after the DATA line up to the end-of-data line, and the reply
 * to it.  A delivery check (a step of a `target: pop3` session) names
 * its message by a token its header section holds (${nonce}, unique per
 * run), logs in to the mailbox side over POP3, and looks for it:
 *   message:         polls until it arrives (delivery is asynchronous;
 *                    the deadline bounds the wait, it judges nothing)
 *                    and judges it against the check and the message
 *                    as sent;
 *   notification:    the same for a notification about it (a message
 *                    holding the token that is not a copy of it);
 *   no_message:,     looks once, as the mailbox is now: the arrival
 *   no_notification: checked before it is what gives that meaning.
 * Every message a check finds is deleted (DELE, then QUIT: RFC 1939 §6)
 * so that runs do not pile up mail; nothing else is touched.  A
 * notification: check takes the first notification it finds, no more. */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "engine_int.h"
#include "engine_mailbox.h"
#include "engine_message.h"
#include "transcript_message.h"
#include "util.h"

/* Poll intervals while a message is awaited: short at first (a local
 * delivery takes milliseconds), then no more often than this. */
#define DL_POLL_FIRST 0.1
#define DL_POLL_MAX 1.0
/* Unique-ids remembered as "not it" between polls, and messages read
 * in one poll: a huge maildrop is read in part, never without bound. */
#define DL_SEEN_MAX 4096
#define DL_READ_MAX 2000

/* ---- the messages sent ------------------------------------------------ */

void ms_engine_rec_start(struct ms_eng *e) {
  xgrow((void **)&e->recs, &e->crecs, e->nrecs, sizeof *e->recs);
  struct ms_eng_rec *r = &e->recs[e->nrecs];
  memset(r, 0, sizeof *r);
  ms_buf_init(&r->wire, 64u << 20);
  e->k->rec = (long)e->nrecs++;
}

void ms_engine_rec_add(struct ms_eng *e, const char *p, size_t n) {
  if (e->k->rec < 0 || n == 0)
    return;
  struct ms_eng_rec *r = &e->recs[e->k->rec];
  if (ms_buf_add(&r->wire, p, n) < 0) /* over 64 MiB: keep the start */
    return;
}

long ms_engine_rec_end(struct ms_eng *e) {
  long i = e->k->rec;
  if (i >= 0)
    e->recs[i].done = true;
  e->k->rec = -1;
  return i;
}

void ms_engine_rec_reply(struct ms_eng *e, long rec, int code, int line) {
  if (rec < 0 || (size_t)rec >= e->nrecs)
    return;
  e->recs[rec].code = code;
  e->recs[rec].line = line;
}

void ms_engine_recs_free(struct ms_eng *e) {
  for (size_t i = 0; i < e->nrecs; i++) {
    ms_buf_free(&e->recs[i].wire);
    free(e->recs[i].content);
  }
  free(e->recs);
  e->recs = NULL;
  e->nrecs = e->crecs = 0;
}

/* The content as sent: the wire lines without the end-of-data line,
 * each leading dot removed once (RFC 5321 §4.5.2). */
static void dl_rec_content(struct ms_eng_rec *r) {
  if (r->content)
    return;
  if (r->chunks) { /* BDAT: the chunks' octets as they are */
    r->content = xmemdup(r->wire.p ? r->wire.p : "", r->wire.len);
    r->len = r->wire.len;
    return;
  }
  struct ms_buf o;
  ms_buf_init(&o, 0);
  const char *p = r->wire.p ? r->wire.p : "";
  size_t len = r->wire.len;
  for (size_t i = 0; i < len;) {
    const char *end = NULL;
    for (size_t k = i; k + 1 < len && !end; k++)
      if (p[k] == '\r' && p[k + 1] == '\n')
        end = p + k;
    size_t n = end ? (size_t)(end - (p + i)) : len - i;
    if (r->done && end && n == 1 && p[i] == '.' && (size_t)(end - p) + 2 == len)
      break; /* the end-of-data line */
    size_t dot = n > 0 && p[i] == '.' ? 1 : 0;
    ms_buf_add(&o, p + i + dot, n - dot);
    if (end)
      ms_buf_add(&o, "\r\n", 2);
    i += n + (end ? 2 : 0);
  }
  r->content = ms_buf_steal(&o, &r->len);
}

/* The first message sent whose header section holds TOKEN, or NULL. */
static struct ms_eng_rec *dl_rec_find(struct ms_eng *e, const char *token) {
  for (size_t i = 0; i < e->nrecs; i++) {
    struct ms_eng_rec *r = &e->recs[i];
    dl_rec_content(r);
    struct ms_msg m;
    ms_msg_from_text(&m, r->content, r->len);
    bool hit = ms_msg_holds(&m, token, true);
    ms_msg_free(&m);
    if (hit)
      return r;
  }
  return NULL;
}

/* The run's random seed, read once. */
static uint64_t nonce_seed;
static pthread_once_t nonce_once = PTHREAD_ONCE_INIT;

static void nonce_init(void) {
  if (getrandom(&nonce_seed, sizeof nonce_seed, GRND_NONBLOCK) !=
      (ssize_t)sizeof nonce_seed) { /* no entropy yet: time and pid */
    nonce_seed = (uint64_t)(ms_wallclock() * 1e6);
    nonce_seed ^= (uint64_t)getpid() << 40;
  }
}

void ms_engine_nonce(char *buf, size_t cap) {
  static const char hex[] = "0123456789abcdef";
  static uint64_t counter;
  /* The seed once per run, then a counter mixed with it (splitmix64):
   * unique per session, no syscall per session (make bench). */
  pthread_once(&nonce_once, nonce_init);
  uint64_t z =
      nonce_seed + 0x9e3779b97f4a7c15ull *
                       (__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  char h[17];
  for (size_t i = 0; i < 16; i++)
    h[i] = hex[(z >> (60 - 4 * i)) & 15];
  h[16] = '\0';
  snprintf(buf, cap, "mailspec.%s", h);
}

/* ---- one check -------------------------------------------------------- */

struct dl_check {
  struct ms_eng *e;
  const struct ms_step *st;
  const struct ms_msgcheck *c; /* with expanded regexes */
  struct ms_msgcheck own;      /* ...owned here */
  char *token, *user, *pass;
  struct ms_eng_rec *rec;
  struct ms_msg sent; /* the message as sent (REC) */
  char *sent_msgid;   /* its Message-ID, or NULL */
  char **seen;        /* unique-ids that are not it */
  size_t nseen, cseen;
  /* what was found */
  struct ms_msg found;
  bool have;
  size_t nfound; /* messages that hold it */
  size_t nmsgs;  /* in the maildrop at the last look */
  char *found_cmd;
};

static bool dl_note(const struct dl_check *x) {
  return x->c->kind == MS_NOTE_FIND || x->c->kind == MS_NOTE_ABSENT;
}

static bool dl_absent(const struct dl_check *x) {
  return x->c->kind == MS_MSG_ABSENT || x->c->kind == MS_NOTE_ABSENT;
}

/* Is M what check X looks for?  A message: its header section holds the
 * token.  A notification about it: it holds the token somewhere but is
 * not a copy of it (another Message-ID; without one, the token not in
 * its header section). */
static bool dl_is_it(const struct dl_check *x, const struct ms_msg *m) {
  if (!dl_note(x))
    return ms_msg_holds(m, x->token, true);
  if (!ms_msg_holds(m, x->token, false))
    return false;
  if (!x->sent_msgid)
    return !ms_msg_holds(m, x->token, true);
  long i = ms_msg_field_find(m, "Message-ID", 0, 0, m->nhead);
  if (i < 0)
    return true;
  char *id = ms_msg_field_value(m, (size_t)i);
  bool copy = strcmp(id, x->sent_msgid) == 0;
  free(id);
  return !copy;
}

static bool dl_seen(const struct dl_check *x, const char *uid) {
  for (size_t i = 0; uid && i < x->nseen; i++)
    if (strcmp(x->seen[i], uid) == 0)
      return true;
  return false;
}

static void dl_see(struct dl_check *x, const char *uid) {
  if (!uid || x->nseen >= DL_SEEN_MAX)
    return;
  xgrow((void **)&x->seen, &x->cseen, x->nseen, sizeof *x->seen);
  x->seen[x->nseen++] = xstrdup(uid);
}

/* One look at the mailbox: log in, read what is new, delete what is it,
 * log out.  1 found, 0 not there, -1 the mailbox could not be read (B's
 * ERR; B->busy when it was only locked by another session). */
static int dl_look(struct dl_check *x, struct ms_mbox *b) {
  struct ms_eng *e = x->e;
  struct ms_tls_ctx *tls = NULL;
  if (e->pop3_tls && !(tls = ms_engine_secure_ctx(e, b->err, sizeof b->err)))
    return -1;
  if (ms_mbox_open(b, tls) != 0 || ms_mbox_login(b, x->user, x->pass) != 0) {
    ms_mbox_close(b);
    return -1;
  }
  struct ms_mbox_item *it = NULL;
  size_t n = 0, nread = 0;
  int rc = ms_mbox_list(b, &it, &n) == 0 ? 0 : -1;
  x->nmsgs = n;
  size_t *dele = xcalloc(n ? n : 1, sizeof *dele), ndele = 0;
  for (size_t i = 0; rc == 0 && i < n && nread < DL_READ_MAX; i++) {
    if (dl_seen(x, it[i].uid))
      continue;
    struct ms_reply r;
    if (ms_mbox_retr(b, it[i].num, &r) != 0) {
      rc = -1;
      break;
    }
    nread++;
    struct ms_msg m;
    ms_msg_from_lines(&m, r.lines + 1, r.lens + 1, r.nlines ? r.nlines - 1 : 0);
    ms_reply_free(&r);
    if (!dl_is_it(x, &m)) {
      dl_see(x, it[i].uid);
      ms_msg_free(&m);
      continue;
    }
    dele[ndele++] = it[i].num;
    if (!x->have) {
      x->found = m;
      x->have = true;
      free(x->found_cmd);
      x->found_cmd = xasprintf("RETR %zu", it[i].num);
    } else {
      ms_msg_free(&m);
    }
    if (x->c->kind == MS_NOTE_FIND)
      break; /* one notification per check: a no_notification: after it
                sees a second one (RFC 3461 §5.2.7.2's "no DSN" of an
                alias next to the final delivery's) */
  }
  for (size_t i = 0; rc == 0 && i < ndele; i++) {
    char cmd[32];
    snprintf(cmd, sizeof cmd, "DELE %zu", dele[i]);
    if (ms_mbox_simple(b, cmd) != 0)
      rc = -1;
  }
  x->nfound = ndele;
  /* QUIT commits the deletions (RFC 1939 §6); without it, none. */
  if (rc == 0 && ms_mbox_simple(b, "QUIT") != 0 && ndele > 0)
    rc = -1;
  ms_mbox_close(b);
  free(dele);
  ms_mbox_items_free(it, n);
  if (rc < 0)
    return -1;
  if (ndele)
    ms_engine_live_note(&e->live,
                        "mailbox %s: %s holds %s (%zu of %zu; "
                        "deleted)",
                        x->user, x->found_cmd, x->token, ndele, n);
  return ndele > 0;
}

/* Wait for the message (or look once): 1 found, 0 not, -1 the mailbox
 * could not be read (WHY), -2 interrupted. */
static int dl_wait(struct dl_check *x, double within, char *why, size_t cap) {
  struct ms_eng *e = x->e;
  double end = ms_now() + within, pause = DL_POLL_FIRST;
  bool read_once = false; /* a look got through the lock at least once */
  if (e->deadline > 0 && e->deadline < end)
    end = e->deadline;
  for (;;) {
    struct ms_mbox b = {.host = e->pop3_host,
                        .port = e->pop3_port,
                        .timeout = e->timeout,
                        .deadline = end > ms_now() + 1 ? end : ms_now() + 1,
                        .stop = e->o->stop};
    b.conn.fd = -1;
    int rc = dl_look(x, &b);
    if (ms_net_stopped(e->o->stop))
      return -2;
    if (rc == 1 || (rc == 0 && dl_absent(x)))
      return rc;
    if (rc < 0 && !b.busy) {
      snprintf(why, cap, "%s", b.err);
      return -1;
    }
    read_once |= rc == 0;
    if (ms_now() + pause > end) {
      /* Locked by another session at the last look, but read before:
       * the mailbox was looked at and the message was not there (a FAIL
       * or a PASS for "nothing arrives"), not a mailbox that cannot be
       * read (an ERROR).  Many checks poll one maildrop side by side. */
      if (rc < 0 && !read_once)
        snprintf(why, cap, "%s", b.err);
      return rc < 0 && !read_once ? -1 : 0;
    }
    ms_net_sleep(pause, e->o->stop);
    pause = pause * 1.5 < DL_POLL_MAX ? pause * 1.5 : DL_POLL_MAX;
  }
}

/* ---- expanding the check ---------------------------------------------- */

static char *dl_err(const struct dl_check *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static char *dl_err(const struct dl_check *x, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  char *r = xasprintf("%s:%d: %s", x->e->t->path ? x->e->t->path : "?",
                      x->st->line, msg);
  free(msg);
  return r;
}

/* FIELD's regexes expanded into a copy; false with *WHY. */
static bool dl_fields(struct dl_check *x, const struct ms_msg_field *in,
                      size_t n, struct ms_msg_field **out, char **why) {
  *out = xcalloc(n ? n : 1, sizeof **out);
  for (size_t i = 0; i < n; i++) {
    char err[256] = "";
    (*out)[i] = in[i];
    (*out)[i].name = in[i].name ? xstrdup(in[i].name) : NULL; /* body: */
    (*out)[i].re = NULL;
    if (in[i].re && !((*out)[i].re = ms_engine_vars_expand_re(
                          x->e, in[i].re, err, sizeof err))) {
      *why = dl_err(x, "%s: %s", in[i].name ? in[i].name : "body", err);
      return false;
    }
  }
  return true;
}

static bool dl_re(struct dl_check *x, const char *in, char **out, char **why) {
  char err[256] = "";
  if (!in)
    return true;
  if (!(*out = ms_engine_vars_expand_re(x->e, in, err, sizeof err))) {
    *why = dl_err(x, "%s", err);
    return false;
  }
  return true;
}

/* The token, login and regexes of ST with their variables; false with
 * *WHY (an ERROR: the transcript cannot be run as written). */
static bool dl_expand(struct dl_check *x, char **why) {
  const struct ms_msgcheck *c = x->st->msg;
  char err[256] = "";
  struct ms_msgcheck *o = &x->own;
  *o = *c;
  o->header = o->count = o->added = NULL;
  o->nheader = o->ncount = o->nadded = 0;
  o->not_added = NULL;
  o->body = o->not_body = NULL;
  o->nbody = o->nnot_body = 0;
  x->c = o;
  if (!(x->token =
            ms_engine_vars_expand_all(x->e, c->token, err, sizeof err)) ||
      !(x->user = ms_engine_vars_expand_all(x->e, c->user ? c->user : "${user}",
                                            err, sizeof err)) ||
      !(x->pass = ms_engine_vars_expand_all(x->e, c->pass ? c->pass : "${pass}",
                                            err, sizeof err))) {
    *why = dl_err(x,
                  "%s (the mailbox login comes from -D user=... -D "
                  "pass=..., or user:/pass: on the check)",
                  err);
    return false;
  }
  ms_secrets_add(&x->e->secrets, x->pass);
  if (strlen(x->token) < 4) {
    *why = dl_err(x,
                  "the token '%s' is shorter than 4 characters: it "
                  "would find other mail",
                  x->token);
    return false;
  }
  o->nheader = c->nheader;
  o->ncount = c->ncount;
  o->nadded = c->nadded;
  o->nbody = c->nbody;
  o->nnot_body = c->nnot_body;
  return dl_fields(x, c->header, c->nheader, &o->header, why) &&
         dl_fields(x, c->count, c->ncount, &o->count, why) &&
         dl_fields(x, c->added, c->nadded, &o->added, why) &&
         dl_re(x, c->not_added, &o->not_added, why) &&
         dl_fields(x, c->body, c->nbody, &o->body, why) &&
         dl_fields(x, c->not_body, c->nnot_body, &o->not_body, why);
}

static void dl_free(struct dl_check *x) {
  struct ms_msgcheck *o = &x->own;
  for (size_t i = 0; o->header && i < o->nheader; i++) {
    free(o->header[i].name);
    free(o->header[i].re);
  }
  for (size_t i = 0; o->count && i < o->ncount; i++)
    free(o->count[i].name);
  for (size_t i = 0; o->added && i < o->nadded; i++) {
    free(o->added[i].name);
    free(o->added[i].re);
  }
  free(o->header);
  free(o->count);
  free(o->added);
  for (size_t i = 0; o->body && i < o->nbody; i++)
    free(o->body[i].re);
  for (size_t i = 0; o->not_body && i < o->nnot_body; i++)
    free(o->not_body[i].re);
  free(o->body);
  free(o->not_body);
  free(o->not_added);
  free(x->token);
  free(x->user);
  free(x->pass);
  free(x->sent_msgid);
  free(x->found_cmd);
  for (size_t i = 0; i < x->nseen; i++)
    free(x->seen[i]);
  free(x->seen);
  ms_msg_free(&x->sent);
  if (x->have)
    ms_msg_free(&x->found);
}

/* ---- the verdict ------------------------------------------------------ */

/* What the check expects, as reports show it. */
static char *dl_expected(const struct dl_check *x, double within) {
  const struct ms_msgcheck *c = x->c;
  struct ms_buf b;
  ms_buf_init(&b, 0);
  switch (c->kind) {
  case MS_MSG_FIND:
    ms_buf_addf(&b, "a message holding %s in its header section, within %g s",
                x->token, within);
    break;
  case MS_NOTE_FIND:
    ms_buf_addf(&b, "a notification about the message holding %s, within %g s",
                x->token, within);
    break;
  case MS_MSG_ABSENT:
    ms_buf_addf(&b, "no message holding %s in the mailbox", x->token);
    break;
  case MS_NOTE_ABSENT:
    ms_buf_addf(&b, "no notification about the message holding %s", x->token);
    break;
  }
  for (size_t i = 0; i < c->ncount; i++)
    ms_buf_addf(&b, "\ncount: %s: %ld", c->count[i].name, c->count[i].count);
  for (size_t i = 0; i < c->nheader; i++)
    ms_buf_addf(&b, "\nheader: %s: /%s/", c->header[i].name, c->header[i].re);
  for (size_t i = 0; i < c->nadded; i++)
    ms_buf_addf(&b, "\nadded: %s: /%s/", c->added[i].name, c->added[i].re);
  if (c->not_added)
    ms_buf_addf(&b, "\nnot_added: /%s/", c->not_added);
  if (c->as_sent)
    ms_buf_addstr(&b, "\nthen the message exactly as sent");
  for (size_t i = 0; i < c->nbody; i++)
    ms_buf_addf(&b, "\nbody: /%s/", c->body[i].re);
  for (size_t i = 0; i < c->nnot_body; i++)
    ms_buf_addf(&b, "\nnot_body: /%s/", c->not_body[i].re);
  char *t = ms_buf_steal(&b, NULL);
  char *safe = ms_report_text_safe(t, strlen(t));
  free(t);
  for (char *p = safe; (p = strstr(p, "\\x0a"));) /* keep the line breaks */
    memmove(p, p + 3, strlen(p + 3) + 1), *p = '\n';
  return safe;
}

/* The message's fate at the end of data decides whether a check that
 * expects it delivered applies: SKIP reason, or NULL. */
static char *dl_not_judged(struct dl_check *x) {
  struct ms_eng *e = x->e;
  if (!x->rec)
    return e->out->ndiverged > 0 || e->skip
               ? xasprintf("not judged: no message holding %s was sent (a "
                           "session stopped before it)",
                           x->token)
               : NULL;
  if (dl_absent(x))
    return NULL;
  if (!x->rec->done || x->rec->code == 0)
    return xasprintf("not judged: the message holding %s was not sent to "
                     "its end, or its end of data got no reply",
                     x->token);
  if (x->rec->code / 100 != 2)
    return xasprintf("not judged: the server refused the message holding %s "
                     "at the end of data (%d, line %d): nothing to read "
                     "back",
                     x->token, x->rec->code, x->rec->line);
  return NULL;
}

static void dl_judge(struct dl_check *x, struct ms_step_result *r,
                     double within) {
  const char *what =
      dl_note(x) ? "notification about the message holding" : "message holding";
  if (dl_absent(x)) {
    if (!x->have) {
      r->verdict = MS_PASS;
      r->got = xasprintf("(none among the %zu messages of %s's maildrop)",
                         x->nmsgs, x->user);
      return;
    }
    r->verdict = MS_FAIL;
    r->got = ms_msg_excerpt(&x->found, 0, x->found.nlines);
    r->reason = dl_err(x,
                       "a %s %s was delivered (%s of %s's maildrop; %zu "
                       "such message%s, deleted now)",
                       what, x->token, x->found_cmd, x->user, x->nfound,
                       x->nfound == 1 ? "" : "s");
    return;
  }
  if (!x->have) {
    r->verdict = MS_FAIL;
    r->got = xasprintf("(none among the %zu messages of %s's maildrop)",
                       x->nmsgs, x->user);
    r->reason = dl_err(x, "no %s %s arrived in %s's maildrop within %g s", what,
                       x->token, x->user, within);
    return;
  }
  char *got = NULL;
  const char *file = x->e->t->path ? x->e->t->path : "?";
  char *why = ms_msg_judge(&x->found, x->c, x->rec ? &x->sent : NULL, file,
                           x->st->line, &got);
  if (!why) {
    r->verdict = MS_PASS;
    r->got = ms_msg_excerpt(&x->found, 0, x->found.nhead);
    return;
  }
  r->verdict = MS_FAIL;
  r->got = got ? got : ms_msg_excerpt(&x->found, 0, x->found.nhead);
  r->reason =
      xasprintf("%s (the %s %s, %s)", why, what, x->token, x->found_cmd);
  free(why);
}

bool ms_engine_message(struct ms_eng *e, const struct ms_step *st, size_t idx) {
  struct dl_check x = {.e = e, .st = st};
  x.c = st->msg;
  struct ms_step_result *r = ms_engine_step(e, st, idx);
  char *why = NULL, err[400] = "";
  if (!dl_expand(&x, &why)) {
    r->sent =
        xasprintf("%s: %s", ms_msg_kind_key(st->msg->kind), st->msg->token);
    ms_engine_error(r, why);
    dl_free(&x);
    return true;
  }
  double within = x.c->within > 0 ? x.c->within : e->timeout;
  r->sent = xasprintf("%s: %s", ms_msg_kind_key(x.c->kind), x.token);
  r->expected = dl_expected(&x, within);
  if (e->stopped) {
    r->verdict = MS_NOTRUN;
    r->reason = xstrdup("interrupted");
    dl_free(&x);
    return false;
  }
  x.rec = dl_rec_find(e, x.token);
  char *skip = dl_not_judged(&x);
  if (skip) {
    r->verdict = MS_SKIP;
    r->reason = skip;
    ms_engine_live_note(&e->live, "%s", skip);
    dl_free(&x);
    return true;
  }
  if (!x.rec) {
    ms_engine_error(r, dl_err(&x,
                              "no message holding %s in its header "
                              "section was sent before this check: put "
                              "the token in a header field of the "
                              "message (Subject: ${nonce})",
                              x.token));
    dl_free(&x);
    return true;
  }
  dl_rec_content(x.rec);
  ms_msg_from_text(&x.sent, x.rec->content, x.rec->len);
  long mi = ms_msg_field_find(&x.sent, "Message-ID", 0, 0, x.sent.nhead);
  if (mi >= 0)
    x.sent_msgid = ms_msg_field_value(&x.sent, (size_t)mi);
  ms_engine_live_note(&e->live, "%s: %s (mailbox of %s on %s:%s)",
                      ms_msg_kind_key(x.c->kind), x.token, x.user, e->pop3_host,
                      e->pop3_port);
  double t0 = ms_now();
  int rc = dl_wait(&x, within, err, sizeof err);
  r->elapsed_ms = (ms_now() - t0) * 1000.0;
  if (rc == -2) {
    e->stopped = true;
    r->verdict = MS_NOTRUN;
    r->reason = xstrdup("interrupted");
  } else if (rc == -1) {
    ms_engine_error(r, dl_err(&x,
                              "cannot read the mailbox of %s at %s:%s: "
                              "%s",
                              x.user, e->pop3_host, e->pop3_port, err));
  } else {
    dl_judge(&x, r, within);
  }
  if (r->verdict != MS_PASS && r->reason)
    ms_engine_live_note(&e->live, "%s: %s", ms_verdict_name(r->verdict),
                        r->reason);
  dl_free(&x);
  return !e->stopped;
}
