/* transcript: YAML transcript to struct ms_transcript (format:
 * transcripts/README.md).  The YAML tree comes from transcript_yaml.c,
 * dialogue lines from script.c and transcript_steps.c.  Every problem is
 * a diagnostic with file:line:col; any error makes the result NULL. */
#include "mailspec/transcript.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"
#include "transcript_covers.h"
#include "transcript_message.h"
#include "transcript_steps.h"
#include "transcript_timing.h"
#include "transcript_yaml.h"
#include "util.h"

#define TRANSCRIPT_MAX_BYTES MS_TRANSCRIPT_MAX_BYTES

struct tload {
  const char *name;
  const char *buf;
  size_t len;
  struct ms_diags *d;
  struct ms_transcript *t;
  const struct ms_ynode *body[3]; /* script, steps, sessions */
  const struct ms_ynode *body_key[3];
  const struct ms_ynode *think_k, *think_v; /* applied once parsed */
  bool conv_set;
};

static void tr_err(struct tload *L, const struct ms_ynode *n, const char *fmt,
                   ...) __attribute__((format(printf, 3, 4)));
static void tr_err(struct tload *L, const struct ms_ynode *n, const char *fmt,
                   ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  ms_diags_add(L->d, false, L->name, n->line, n->col, "%s", msg);
  free(msg);
}

static const char *tr_scalar(struct tload *L, const struct ms_ynode *k,
                             const struct ms_ynode *v) {
  return ms_transcript_yaml_scalar(L->name, k, v, L->d);
}

static void tr_string(struct tload *L, const struct ms_ynode *k,
                      const struct ms_ynode *v, char **field) {
  const char *s = tr_scalar(L, k, v);
  if (s) {
    free(*field);
    *field = xstrdup(s);
  }
}

static bool tr_ieq(const char *a, const char *b) {
  return ms_streq_ci(a, b);
}

static void tr_protocol(struct tload *L, const struct ms_ynode *k,
                        const struct ms_ynode *v) {
  const char *s = tr_scalar(L, k, v);
  if (!s)
    return;
  const struct ms_proto_ops *ops = ms_proto_ops_by_key(s);
  if (ops)
    L->t->protocol = ops->proto;
  else
    tr_err(L, v, "unknown protocol \"%s\": smtp or pop3", s);
}

static void tr_convention(struct tload *L, const struct ms_ynode *k,
                          const struct ms_ynode *v) {
  const char *s = tr_scalar(L, k, v);
  if (!s)
    return;
  L->conv_set = true;
  if (tr_ieq(s, "rfc821"))
    L->t->convention = MS_CONV_RFC821;
  else if (tr_ieq(s, "rfc5321") || tr_ieq(s, "rfc1939"))
    L->t->convention = MS_CONV_RFC5321;
  else
    tr_err(L, v,
           "unknown convention \"%s\": rfc821 (S: client, R: server) or "
           "rfc5321 (C: client, S: server; also RFC 1939)",
           s);
}

/* profile: which reference server `-t builtin` starts for it. */
static void tr_profile(struct tload *L, const struct ms_ynode *k,
                       const struct ms_ynode *v) {
  const char *s = tr_scalar(L, k, v);
  if (!s)
    return;
  if (tr_ieq(s, "rfc821"))
    L->t->profile = MS_PROFILE_RFC821;
  else if (tr_ieq(s, "rfc5321"))
    L->t->profile = MS_PROFILE_RFC5321;
  else
    tr_err(L, v,
           "unknown profile \"%s\": rfc821 (the RFC 821 server: HELO only, "
           "SEND/SOML/SAML) or rfc5321",
           s);
}

static void tr_level(struct tload *L, const struct ms_ynode *k,
                     const struct ms_ynode *v) {
  const char *s = tr_scalar(L, k, v);
  if (s && !ms_level_parse(s, &L->t->level))
    tr_err(L, v, "unknown level \"%s\": MUST, SHOULD or MAY (RFC 2119)", s);
}

/* A boolean key (pipelining:, replayable:) into *OUT. */
static void tr_bool(struct tload *L, const struct ms_ynode *k,
                    const struct ms_ynode *v, bool *out) {
  const char *s = tr_scalar(L, k, v);
  if (!s)
    return;
  if (tr_ieq(s, "true") || tr_ieq(s, "yes"))
    *out = true;
  else if (tr_ieq(s, "false") || tr_ieq(s, "no"))
    *out = false;
  else
    tr_err(L, v, "%s: is true or false, not \"%s\"", k->str, s);
}

/* tls: implicit: TLS from the first byte (SMTP submission on 465,
 * RFC 8314 §3.3; POP3 on 995). */
static void tr_tls(struct tload *L, const struct ms_ynode *k,
                   const struct ms_ynode *v) {
  const char *s = tr_scalar(L, k, v);
  if (!s)
    return;
  if (tr_ieq(s, "implicit"))
    L->t->tls_implicit = true;
  else if (tr_ieq(s, "none"))
    L->t->tls_implicit = false;
  else
    tr_err(L, v,
           "tls: is implicit (TLS from the first byte, as on ports 465 and "
           "995) or none, not \"%s\"; STARTTLS is a step: - starttls:",
           s);
}

static void tr_world(struct tload *L, const struct ms_ynode *k,
                     const struct ms_ynode *v) {
  struct ms_transcript *t = L->t;
  t->world_line = v->line;
  if (v->kind == MS_YMAP) {
    free(t->world_yaml);
    t->world_yaml = ms_transcript_yaml_emit(v);
    if (!t->world_yaml)
      tr_err(L, v, "%s", "world: cannot be written back as YAML");
    return;
  }
  const char *s = tr_scalar(L, k, v);
  if (!s)
    return;
  if (v->kind == MS_YSCALAR && v->len != strlen(s)) {
    tr_err(L, v, "%s", "world: path holds a NUL byte");
    return;
  }
  free(t->world_path);
  t->world_path = ms_plan_path_join(L->name, s);
}

static void tr_seconds(struct tload *L, const struct ms_ynode *k,
                       const struct ms_ynode *v, double *out) {
  char what[32];
  snprintf(what, sizeof what, "%s:", k->str);
  ms_transcript_yaml_seconds(L->name, v, what, L->d, out);
}

static void tr_body(struct tload *L, const struct ms_ynode *k,
                    const struct ms_ynode *v, int which) {
  L->body[which] = v;
  L->body_key[which] = k;
}

/* needs: {NAME: REASON}: the variables a test presupposes; empty means
 * the server lacks it and the transcript is a SKIP with REASON. */
static void tr_needs(struct tload *L, const struct ms_ynode *k,
                     const struct ms_ynode *v) {
  if (v->kind != MS_YMAP) {
    tr_err(L, v, "%s",
           "needs: takes a mapping NAME: REASON, the reason shown when "
           "${NAME} is empty, e.g. needs: {unknown: \"the server has no "
           "unknown mailbox\"}");
    return;
  }
  ms_transcript_yaml_vars(L->name, v, L->d, &L->t->needs, &L->t->nneeds);
  for (size_t i = 0; i < L->t->nneeds; i++)
    if (!*L->t->needs[i].value)
      tr_err(L, k, "needs: %s: give the reason shown when it is empty",
             L->t->needs[i].name);
}

/* One top-level key. */
static void tr_key(struct tload *L, const struct ms_ynode *k,
                   const struct ms_ynode *v) {
  struct ms_transcript *t = L->t;
  struct ms_diags *d = L->d;
  const char *s = k->str;
  if (strcmp(s, "title") == 0)
    tr_string(L, k, v, &t->title);
  else if (strcmp(s, "source") == 0)
    tr_string(L, k, v, &t->source);
  else if (strcmp(s, "rfc") == 0)
    tr_string(L, k, v, &t->rfc);
  else if (strcmp(s, "notes") == 0)
    tr_string(L, k, v, &t->notes);
  else if (strcmp(s, "id") == 0)
    tr_string(L, k, v, &t->id);
  else if (strcmp(s, "protocol") == 0)
    tr_protocol(L, k, v);
  else if (strcmp(s, "convention") == 0)
    tr_convention(L, k, v);
  else if (strcmp(s, "level") == 0)
    tr_level(L, k, v);
  else if (strcmp(s, "profile") == 0)
    tr_profile(L, k, v);
  else if (strcmp(s, "tags") == 0)
    ms_transcript_yaml_words(L->name, k, v, d, &t->tags, &t->ntags);
  else if (strcmp(s, "requires") == 0)
    ms_transcript_yaml_words(L->name, k, v, d, &t->requires, &t->nrequires);
  else if (strcmp(s, "covers") == 0)
    ms_transcript_covers_parse(L->name, k, v, d, &t->covers, &t->ncovers);
  else if (strcmp(s, "vars") == 0)
    ms_transcript_yaml_vars(L->name, v, d, &t->vars, &t->nvars);
  else if (strcmp(s, "needs") == 0)
    tr_needs(L, k, v);
  else if (strcmp(s, "timeout") == 0)
    tr_seconds(L, k, v, &t->timeout);
  else if (strcmp(s, "deadline") == 0)
    tr_seconds(L, k, v, &t->deadline);
  else if (strcmp(s, "pipelining") == 0)
    tr_bool(L, k, v, &t->pipelining);
  else if (strcmp(s, "replayable") == 0) /* false: import saw gaps */
    tr_bool(L, k, v, &t->replayable);
  else if (strcmp(s, "world") == 0)
    tr_world(L, k, v);
  else if (strcmp(s, "at") == 0)
    ms_transcript_timing_at(L->name, v, d, t);
  else if (strcmp(s, "think") == 0)
    L->think_k = k, L->think_v = v;
  else if (strcmp(s, "tls") == 0)
    tr_tls(L, k, v);
  else if (strcmp(s, "script") == 0)
    tr_body(L, k, v, 0);
  else if (strcmp(s, "steps") == 0)
    tr_body(L, k, v, 1);
  else if (strcmp(s, "sessions") == 0)
    tr_body(L, k, v, 2);
  else
    tr_err(L, k,
           "unknown key \"%s\" (known: title, protocol, convention, profile, "
           "source, "
           "rfc, covers, level, tags, requires, needs, vars, timeout, "
           "deadline, "
           "pipelining, replayable, world, tls, id, notes, at, think, "
           "script, steps, sessions)",
           s);
}

/* ---- the dialogue -------------------------------------------------- */

/* Columns of indentation of the literal block whose header ("script: |")
 * is on 1-based line HEADER: the first non-blank line below it. */
static int tr_block_indent(const char *buf, size_t len, int header) {
  size_t i = 0;
  for (int line = 1; line <= header && i < len; i++)
    if (buf[i] == '\n')
      line++;
  while (i < len) {
    size_t ws = 0;
    while (i + ws < len && buf[i + ws] == ' ')
      ws++;
    if (i + ws < len && buf[i + ws] != '\n' && buf[i + ws] != '\r')
      return (int)ws;
    const char *nl = memchr(buf + i, '\n', len - i);
    if (!nl)
      break;
    i = (size_t)(nl - buf) + 1;
  }
  return 0;
}

static bool tr_is_literal(const struct ms_ynode *v) {
  return v->kind == MS_YSCALAR && v->style == MS_YSTYLE_LITERAL;
}

static void tr_roles(struct tload *L, const struct ms_ynode *body, bool script,
                     struct ms_roles *r) {
  if (script && tr_is_literal(body))
    ms_script_roles(body->str, body->len, body->line + 1,
                    tr_block_indent(L->buf, L->len, body->line), r);
  else if (!script)
    ms_transcript_steps_roles(body, r);
}

/* Every role letter of the transcript (all sessions, both forms). */
static void tr_all_roles(struct tload *L, struct ms_roles *r) {
  memset(r, 0, sizeof *r);
  if (L->body[0])
    tr_roles(L, L->body[0], true, r);
  if (L->body[1])
    tr_roles(L, L->body[1], false, r);
  const struct ms_ynode *ss = L->body[2];
  for (size_t i = 0; ss && ss->kind == MS_YSEQ && i < ss->nkids; i++) {
    const struct ms_ynode *sc = ms_transcript_yaml_get(ss->kids[i], "script");
    const struct ms_ynode *st = ms_transcript_yaml_get(ss->kids[i], "steps");
    if (sc)
      tr_roles(L, sc, true, r);
    if (st)
      tr_roles(L, st, false, r);
  }
}

/* RFC 821 writes S:/R:, RFC 5321 and RFC 1939 write C:/S:. */
static void tr_infer_convention(struct tload *L) {
  struct ms_roles r;
  tr_all_roles(L, &r);
  if (L->conv_set || r.bits == 0)
    return;
  if ((r.bits & MS_ROLE_R) && (r.bits & MS_ROLE_C)) {
    ms_diags_add(L->d, false, L->name, r.line[2], r.col[2],
                 "both R: (line %d) and C: are used: R: is RFC 821's server, "
                 "C: is RFC 5321's client; write one convention and set "
                 "convention: rfc821 or rfc5321",
                 r.line[1]);
  } else if (r.bits & MS_ROLE_R) {
    L->t->convention = MS_CONV_RFC821;
  } else if (r.bits & MS_ROLE_C) {
    L->t->convention = MS_CONV_RFC5321;
  } else {
    ms_diags_add(L->d, false, L->name, r.line[0], r.col[0],
                 "only S: lines: say who S: is with convention: rfc821 (S: "
                 "client, R: server) or convention: rfc5321 (C: client, S: "
                 "server)");
  }
}

static void tr_session_body(struct tload *L, struct ms_session *ss,
                            const struct ms_ynode *k, const struct ms_ynode *v,
                            bool script) {
  struct ms_script s;
  ms_script_init(&s, L->name, L->t->protocol, L->t->convention, L->d);
  if (script) {
    if (!tr_is_literal(v))
      tr_err(L, v, "%s",
             "script: is a literal block: write \"script: |\" and the "
             "dialogue on the lines below, indented");
    else if (v->len == 0)
      tr_err(L, k, "%s", "script: is empty");
    else
      ms_script_parse(&s, v->str, v->len, v->line + 1,
                      tr_block_indent(L->buf, L->len, v->line));
  } else if (v->kind != MS_YSEQ || v->nkids == 0) {
    tr_err(L, v->kind == MS_YSEQ ? k : v, "%s",
           "steps: is a non-empty list: - C: EHLO x / - S: 250 / ...");
  } else {
    ms_transcript_steps_parse(&s, v);
  }
  ms_script_finish(&s);
  ss->steps = s.v;
  ss->nsteps = s.n;
}

static struct ms_session *tr_add_session(struct ms_transcript *t, size_t *cap) {
  xgrow((void **)&t->sessions, cap, t->nsessions, sizeof t->sessions[0]);
  struct ms_session *ss = &t->sessions[t->nsessions++];
  memset(ss, 0, sizeof *ss);
  return ss;
}

/* Where each session entry's name and keep_open: were written, for
 * the messages of tr_link_sessions(). */
struct tr_sess_at {
  const struct ms_ynode *name, *keep, *target;
};

/* target: pop3: the session reads the mailbox (the server run --pop3
 * names) instead of talking to -t (issue 14). */
static void tr_target(struct tload *L, struct ms_session *ss,
                      const struct ms_ynode *k, const struct ms_ynode *v) {
  const char *s = tr_scalar(L, k, v);
  if (!s)
    return;
  if (tr_ieq(s, "pop3"))
    ss->mailbox = true;
  else if (!tr_ieq(s, "smtp"))
    tr_err(L, v,
           "target: is pop3 (the mailbox side, given by run --pop3, where "
           "delivery checks read what was delivered) or smtp (the server "
           "of -t, the default), not \"%s\"",
           s);
}

static void tr_session(struct tload *L, const struct ms_ynode *m, size_t *cap,
                       struct tr_sess_at *at) {
  const struct ms_ynode *body = NULL, *bkey = NULL;
  bool script = false;
  if (m->kind != MS_YMAP) {
    tr_err(L, m, "%s",
           "each session is a mapping with name: and script: or steps:");
    return;
  }
  struct ms_session *ss = tr_add_session(L->t, cap);
  ss->line = m->line;
  for (size_t i = 0; i + 1 < m->nkids; i += 2) {
    const struct ms_ynode *k = m->kids[i], *v = m->kids[i + 1];
    if (strcmp(k->str, "name") == 0) {
      const char *s = tr_scalar(L, k, v);
      if (s)
        ss->name = xstrdup(s);
      at->name = v;
    } else if (strcmp(k->str, "keep_open") == 0) {
      tr_bool(L, k, v, &ss->keep_open);
      at->keep = k;
    } else if (strcmp(k->str, "target") == 0) {
      tr_target(L, ss, k, v);
      at->target = k;
    } else if (strcmp(k->str, "script") == 0 || strcmp(k->str, "steps") == 0) {
      if (body)
        tr_err(L, k, "%s", "a session has either script: or steps:, not both");
      else
        body = v, bkey = k, script = k->str[1] == 'c';
    } else {
      tr_err(L, k,
             "unknown key \"%s\" in a session (known: name, target, "
             "keep_open, script, steps)",
             k->str);
    }
  }
  if (!body)
    tr_err(L, m, "%s", "this session has no script: or steps:");
  else if (ss->mailbox && script)
    tr_err(L, bkey, "%s",
           "a target: pop3 session holds delivery checks: write steps: "
           "with - message: ..., not script:");
  else
    tr_session_body(L, ss, bkey, body, script);
}

/* The latest entry before I named like entry I, or -1. */
static long tr_same_name(const struct ms_transcript *t, size_t i) {
  const char *n = t->sessions[i].name;
  for (size_t j = i; n && j-- > 0;)
    if (t->sessions[j].name && strcmp(t->sessions[j].name, n) == 0)
      return (long)j;
  return -1;
}

/* Sessions side by side (issue 13): an entry named like an earlier one
 * that said keep_open: true continues its connection; the rest open a
 * connection of their own.  AT: where each entry's keys were written. */
static void tr_link_sessions(struct tload *L, const struct tr_sess_at *at) {
  struct ms_transcript *t = L->t;
  size_t nconns = 0;
  for (size_t i = 0; i < t->nsessions; i++) {
    struct ms_session *ss = &t->sessions[i];
    if (ss->keep_open && !ss->name)
      tr_err(L, at[i].keep, "%s",
             "keep_open: true needs a name: a later session entry with "
             "the same name continues this connection");
    long j = tr_same_name(t, i);
    if (j >= 0 && t->sessions[j].keep_open) {
      ss->continues = true;
      ss->conn = t->sessions[j].conn;
    } else if (j >= 0) {
      tr_err(L, at[i].name,
             "session \"%s\" is not open: the entry at line %d closed its "
             "connection when it ended (write keep_open: true there to "
             "continue it here, or give this session another name)",
             ss->name, t->sessions[j].line);
      ss->conn = nconns++;
    } else {
      ss->conn = nconns++;
    }
  }
  /* A connection kept open that nothing continues closes at the end of
   * the transcript: fine on purpose (it holds a lock), a typo otherwise. */
  for (size_t i = 0; i < t->nsessions; i++) {
    const struct ms_session *ss = &t->sessions[i];
    bool later = false;
    for (size_t k = i + 1; k < t->nsessions && !later; k++)
      later = t->sessions[k].continues && t->sessions[k].conn == ss->conn;
    if (ss->keep_open && ss->name && !later)
      ms_diags_add(L->d, true, L->name, at[i].keep->line, at[i].keep->col,
                   "session \"%s\" is kept open but no later entry named "
                   "\"%s\" continues it: it stays open until the transcript "
                   "ends",
                   ss->name, ss->name);
  }
  t->nconns = nconns;
}

/* Delivery checks (issue 14) live in target: pop3 sessions, and such a
 * session holds nothing else: each check logs in by itself, as often as
 * it polls.  An absence check needs an arrival before it. */
static void tr_check_mailbox(struct tload *L, const struct tr_sess_at *at) {
  struct ms_transcript *t = L->t;
  bool found_before = false;
  for (size_t i = 0; i < t->nsessions; i++) {
    const struct ms_session *ss = &t->sessions[i];
    if (ss->mailbox) {
      t->uses_mailbox = true;
      if (t->protocol != MS_PROTO_SMTP)
        tr_err(L, at[i].target, "%s",
               "target: pop3 reads back what an SMTP transcript delivered; "
               "this transcript is protocol: pop3 (its sessions already "
               "talk to a POP3 server)");
      if (ss->keep_open)
        tr_err(L, at[i].keep, "%s",
               "a target: pop3 session is not kept open: its checks log in "
               "and out by themselves");
    }
    for (size_t j = 0; j < ss->nsteps; j++) {
      const struct ms_step *st = &ss->steps[j];
      bool msg = st->kind == MS_STEP_MESSAGE;
      if (msg && !ss->mailbox)
        ms_diags_add(L->d, false, L->name, st->line, st->col,
                     "%s: reads the mailbox over POP3: write it in a session "
                     "with target: pop3 (the mailbox side, run --pop3)",
                     ms_msg_kind_key(st->msg->kind));
      else if (!msg && st->kind != MS_STEP_PAUSE && ss->mailbox)
        ms_diags_add(L->d, false, L->name, st->line, st->col, "%s",
                     "a target: pop3 session holds delivery checks only "
                     "(message:, no_message:, notification:, "
                     "no_notification:, pause:): each check logs in by "
                     "itself; talk POP3 in a transcript of its own");
      if (!msg)
        continue;
      bool absent =
          st->msg->kind == MS_MSG_ABSENT || st->msg->kind == MS_NOTE_ABSENT;
      if (absent && !found_before)
        ms_diags_add(L->d, false, L->name, st->line, st->col,
                     "%s: looks at the mailbox once, as it is when it runs: "
                     "put a message: (or notification:) for a message sent "
                     "after this one before it; that arrival is what makes "
                     "the absence mean something (delivery is asynchronous)",
                     ms_msg_kind_key(st->msg->kind));
      found_before = found_before || !absent;
    }
  }
}

static void tr_dialogue(struct tload *L, const struct ms_ynode *root) {
  int nbody = 0, which = -1;
  for (int i = 0; i < 3; i++)
    if (L->body[i]) {
      nbody++;
      if (which < 0 || L->body_key[i]->line < L->body_key[which]->line)
        which = i;
    }
  for (int i = 0; nbody > 1 && i < 3; i++)
    if (L->body[i] && i != which)
      tr_err(L, L->body_key[i],
             "a transcript has exactly one of script:, "
             "steps: or sessions: (%s: is on line %d)",
             L->body_key[which]->str, L->body_key[which]->line);
  if (nbody == 0) {
    ms_diags_add(L->d, false, L->name, root->line, root->col,
                 "no dialogue: add script: | (RFC text), steps: (a list) or "
                 "sessions: (several connections)");
    return;
  }
  if (nbody > 1)
    return;
  tr_infer_convention(L);
  size_t cap = 0;
  const struct ms_ynode *v = L->body[which];
  if (which < 2) {
    struct ms_session *ss = tr_add_session(L->t, &cap);
    ss->line = L->body_key[which]->line;
    tr_session_body(L, ss, L->body_key[which], v, which == 0);
    L->t->nconns = 1;
    struct tr_sess_at one = {0};
    tr_check_mailbox(L, &one);
    return;
  }
  if (v->kind != MS_YSEQ || v->nkids == 0) {
    tr_err(L, v->kind == MS_YSEQ ? L->body_key[2] : v, "%s",
           "sessions: is a non-empty list of {name:, script: or steps:}");
    return;
  }
  struct tr_sess_at *at = xcalloc(v->nkids, sizeof *at);
  for (size_t i = 0; i < v->nkids; i++)
    tr_session(L, v->kids[i], &cap, &at[L->t->nsessions]);
  tr_link_sessions(L, at);
  tr_check_mailbox(L, at);
  free(at);
}

/* think: goes with the one connection of script: or steps:. */
static void tr_think(struct tload *L) {
  if (!L->think_v)
    return;
  if (L->body[2])
    tr_err(L, L->think_k, "%s",
           "think: goes with a script: or steps: dialogue (one connection), "
           "not with sessions:");
  else if (L->t->nsessions == 1)
    ms_transcript_timing_think(L->name, L->think_v, L->d, &L->t->sessions[0]);
}

/* ---- variables ----------------------------------------------------- */

struct tr_refs {
  struct tload *L;
  const struct ms_step *st;
  char **seen; /* unknown names already reported */
  size_t nseen;
};

/* Does an expect: step of T capture a variable called NAME? */
static bool tr_captured(const struct ms_transcript *t, const char *name,
                        size_t n) {
  for (size_t i = 0; i < t->nsessions; i++)
    for (size_t j = 0; j < t->sessions[i].nsteps; j++) {
      const struct ms_step *st = &t->sessions[i].steps[j];
      if (st->kind != MS_STEP_EXPECT || !st->meta)
        continue;
      const char *re, *c = NULL;
      while ((c = ms_step_capture_next(st, c, &re)))
        if (strlen(c) == n && memcmp(c, name, n) == 0)
          return true;
    }
  return false;
}

static void tr_ref(const char *name, size_t n, void *arg) {
  struct tr_refs *r = arg;
  const struct ms_transcript *t = r->L->t;
  if (n == 5 && memcmp(name, "nonce", 5) == 0)
    return; /* made by the engine, unique per run (issue 14) */
  for (size_t i = 0; i < t->nvars; i++)
    if (strlen(t->vars[i].name) == n && memcmp(t->vars[i].name, name, n) == 0)
      return;
  if (tr_captured(t, name, n))
    return;
  for (size_t i = 0; i < r->nseen; i++)
    if (strlen(r->seen[i]) == n && memcmp(r->seen[i], name, n) == 0)
      return;
  r->seen = xrealloc(r->seen, (r->nseen + 1) * sizeof *r->seen);
  r->seen[r->nseen++] = xmemdup(name, n);
  ms_diags_add(r->L->d, true, r->L->name, r->st->line, r->st->col,
               "${%.*s} is not defined under vars: here; a suite's vars: or "
               "-D %.*s=VALUE must supply it",
               (int)n, name, (int)n, name);
}

static void tr_check_text(struct tr_refs *r, const char *text, size_t len) {
  char err[200];
  if (text && ms_vars_each(text, len, tr_ref, r, err, sizeof err) < 0)
    ms_diags_add(r->L->d, false, r->L->name, r->st->line, r->st->col, "%s",
                 err);
}

static void tr_check_vars(struct tload *L) {
  struct tr_refs r = {.L = L};
  struct ms_transcript *t = L->t;
  for (size_t i = 0; i < t->nsessions; i++)
    for (size_t j = 0; j < t->sessions[i].nsteps; j++) {
      const struct ms_step *st = &t->sessions[i].steps[j];
      r.st = st;
      if (st->kind == MS_STEP_TLS)
        t->uses_tls = true;
      if (st->kind == MS_STEP_SEND && st->text)
        tr_check_text(&r, st->text, st->len);
      if (st->kind == MS_STEP_MESSAGE) {
        const char *tpl[64];
        size_t nt = ms_msgcheck_templates(st->msg, tpl, 64);
        for (size_t k = 0; k < nt; k++)
          tr_check_text(&r, tpl[k], strlen(tpl[k]));
      }
      if (st->kind != MS_STEP_AUTH && st->kind != MS_STEP_APOP)
        continue;
      const char *f[] = {st->user, st->pass, st->authzid};
      for (size_t k = 0; k < 3; k++)
        if (f[k])
          tr_check_text(&r, f[k], strlen(f[k]));
    }
  for (size_t i = 0; i < r.nseen; i++)
    free(r.seen[i]);
  free(r.seen);
}

char *ms_transcript_default_id(const char *path) {
  const char *p = path;
  while (strncmp(p, "./", 2) == 0)
    p += 2;
  for (const char *q = p; (q = strstr(q, "transcripts/")); q++)
    if (q == p || q[-1] == '/')
      p = q + strlen("transcripts/");
  size_t n = strlen(p);
  if (n > 5 && strcmp(p + n - 5, ".yaml") == 0)
    n -= 5;
  else if (n > 4 && strcmp(p + n - 4, ".yml") == 0)
    n -= 4;
  return xstrndup(p, n);
}

struct ms_transcript *ms_transcript_parse(const char *name, const char *buf,
                                          size_t len, struct ms_diags *d) {
  size_t errs0 = d->nerrors;
  struct ms_ynode *root = ms_transcript_yaml_parse(name, buf, len, d);
  if (!root) {
    if (d->nerrors == errs0)
      ms_diags_add(d, false, name, 1, 1,
                   "empty transcript: start with title: and a script: | or "
                   "steps: (see transcripts/README.md)");
    return NULL;
  }
  struct ms_transcript *t = xcalloc(1, sizeof *t);
  struct tload L = {.name = name, .buf = buf, .len = len, .d = d, .t = t};
  t->path = xstrdup(name);
  t->replayable = true;
  t->at = -1;
  if (root->kind != MS_YMAP) {
    ms_diags_add(d, false, name, root->line, root->col,
                 "a transcript is a YAML mapping (title:, steps:, ...), not "
                 "a %s",
                 ms_transcript_yaml_kind(root));
  } else {
    for (size_t i = 0; i + 1 < root->nkids; i += 2)
      tr_key(&L, root->kids[i], root->kids[i + 1]);
    tr_dialogue(&L, root);
    tr_think(&L);
    tr_check_vars(&L);
  }
  if (!t->id)
    t->id = ms_transcript_default_id(name);
  ms_transcript_yaml_free(root);
  if (d->nerrors > errs0) {
    ms_transcript_free(t);
    return NULL;
  }
  return t;
}

struct ms_transcript *ms_transcript_load(const char *path, struct ms_diags *d) {
  size_t len = 0;
  char *buf = ms_read_file(path, TRANSCRIPT_MAX_BYTES, &len);
  if (!buf) {
    int e = errno;
    if (e == EFBIG)
      ms_diags_add(d, false, path, 0, 0,
                   "transcript is larger than 16 MiB: split it");
    else
      ms_diags_add(d, false, path, 0, 0, "cannot read: %s", strerror(e));
    errno = e; /* the caller tells a bad file from a lack of resources */
    return NULL;
  }
  struct ms_transcript *t = ms_transcript_parse(path, buf, len, d);
  free(buf);
  return t;
}

void ms_transcript_free(struct ms_transcript *t) {
  if (!t)
    return;
  free(t->path);
  free(t->id);
  free(t->title);
  free(t->source);
  free(t->rfc);
  free(t->notes);
  ms_transcript_yaml_words_free(t->tags, t->ntags);
  ms_transcript_yaml_words_free(t->requires, t->nrequires);
  ms_transcript_covers_free(t->covers, t->ncovers);
  ms_transcript_yaml_vars_free(t->vars, t->nvars);
  ms_transcript_yaml_vars_free(t->needs, t->nneeds);
  for (size_t i = 0; i < t->nsessions; i++) {
    free(t->sessions[i].name);
    ms_script_steps_free(t->sessions[i].steps, t->sessions[i].nsteps);
  }
  free(t->sessions);
  free(t->world_path);
  free(t->world_yaml);
  free(t);
}
