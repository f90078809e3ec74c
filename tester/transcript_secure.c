/* transcript_secure: the `steps:` items of TLS and authentication.
 *   - starttls:                   STARTTLS (SMTP) / STLS (POP3), 220 / +OK,
 *                                 then the handshake (RFC 3207, RFC 2595)
 *   - starttls: {expect: 454}     the same judged against another reply
 *   - tls: handshake              the handshake right now
 *   - auth: {mechanism: PLAIN, user: u, pass: p, ...}   RFC 4954 / 5034
 *   - apop: {user: u, secret: s}  RFC 1939 §7
 * See transcripts/README.md. */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transcript_steps.h"
#include "rx.h"
#include "util.h"

static const char *const secure_mechs[] = {[MS_SASL_PLAIN] = "PLAIN",
                                           [MS_SASL_LOGIN] = "LOGIN",
                                           [MS_SASL_CRAM_MD5] = "CRAM-MD5"};

const char *ms_sasl_mech_name(enum ms_sasl_mech m) {
  if ((unsigned)m >= sizeof secure_mechs / sizeof secure_mechs[0])
    return "?";
  return secure_mechs[m];
}

static void secure_err(struct ms_script *s, const struct ms_ynode *n,
                       const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void secure_err(struct ms_script *s, const struct ms_ynode *n,
                       const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  ms_diags_add(s->d, false, s->file, n->line, n->col, "%s", msg);
  free(msg);
}

/* Keys of mapping M must all be in KNOWN (space-separated). */
static bool secure_keys(struct ms_script *s, const char *step,
                        const struct ms_ynode *m, const char *known) {
  for (size_t i = 0; i + 1 < m->nkids; i += 2) {
    const struct ms_ynode *k = m->kids[i];
    size_t n = strlen(k->str);
    bool ok = false;
    for (const char *p = known; *p && !ok;) {
      size_t w = strcspn(p, " ");
      ok = w == n && memcmp(p, k->str, n) == 0;
      p += w;
      p += *p == ' ';
    }
    if (!ok) {
      secure_err(s, k, "unknown option \"%s\" for %s: (known: %s)", k->str,
                 step, known);
      return false;
    }
  }
  return true;
}

/* A string option: NULL when absent; *BAD after an error. */
static const struct ms_ynode *secure_str(struct ms_script *s,
                                         const struct ms_ynode *m,
                                         const char *key, bool *bad) {
  const struct ms_ynode *v = ms_transcript_yaml_get(m, key);
  if (!v)
    return NULL;
  if (v->kind != MS_YSCALAR || ms_transcript_yaml_empty_plain(v) ||
      v->len != strlen(v->str)) {
    secure_err(s, v, "%s: takes one string (quote it: %s: \"${%s}\")", key, key,
               key);
    *bad = true;
    return NULL;
  }
  if (memchr(v->str, '\r', v->len) || memchr(v->str, '\n', v->len)) {
    secure_err(s, v, "%s: may not hold a line end", key);
    *bad = true;
    return NULL;
  }
  return v;
}

/* true/false option; *OUT unchanged when absent. */
static bool secure_bool(struct ms_script *s, const struct ms_ynode *m,
                        const char *key, bool *out, bool *given) {
  const struct ms_ynode *v = ms_transcript_yaml_get(m, key);
  if (given)
    *given = v != NULL;
  if (!v)
    return true;
  int b = ms_transcript_yaml_bool(v);
  if (b >= 0) {
    *out = b == 1;
    return true;
  }
  secure_err(s, v, "%s: is true or false", key);
  return false;
}

/* expect:, text:, timeout: shared by the steps that read a reply.  PAT
 * gets DEF when expect: is absent.  Returns false after an error. */
static bool secure_reply_opts(struct ms_script *s, const struct ms_ynode *m,
                              const char *def, struct ms_step *st) {
  const struct ms_ynode *e = m ? ms_transcript_yaml_get(m, "expect") : NULL;
  const struct ms_ynode *text = m ? ms_transcript_yaml_get(m, "text") : NULL;
  const struct ms_ynode *tmo = m ? ms_transcript_yaml_get(m, "timeout") : NULL;
  char err[256];
  const char *pat = def;
  if (e) {
    if (e->kind != MS_YSCALAR || ms_transcript_yaml_empty_plain(e)) {
      secure_err(s, e, "expect: takes a reply pattern (%s)", def);
      return false;
    }
    pat = e->str;
  }
  if (ms_pattern_parse(&st->pat, s->proto, pat, err, sizeof err) < 0) {
    secure_err(s, e ? e : m, "%s", err);
    return false;
  }
  if (tmo && ms_transcript_yaml_seconds(s->file, tmo, "timeout:", s->d,
                                        &st->timeout) < 0)
    return false;
  if (ms_transcript_skip_opts(s->file, s->proto, m, s->d, st) < 0)
    return false;
  if (text) {
    regex_t re;
    char msg[200] = "not a string";
    int rc = text->kind == MS_YSCALAR
                 ? ms_rx_compile(&re, text->str, REG_EXTENDED | REG_NOSUB, msg,
                                 sizeof msg)
                 : -1;
    if (rc != 0) {
      secure_err(s, text,
                 "text: is not a valid POSIX extended regular expression: %s",
                 msg);
      return false;
    }
    regfree(&re);
    st->text_re = xstrdup(text->str);
  }
  st->lines = xmalloc(sizeof *st->lines);
  st->lines[st->nlines++] = xstrdup(pat);
  return true;
}

/* What secure_reply_opts() filled in a step not (yet) in the list. */
static void secure_clear(struct ms_step *st) {
  free(st->text_re);
  free(st->skip_why);
  for (size_t i = 0; i < st->nlines; i++)
    free(st->lines[i]);
  free(st->lines);
}

/* - starttls:  (null, or a mapping with expect:, text:, timeout:) */
void ms_transcript_secure_starttls(struct ms_script *s,
                                   const struct ms_ynode *item,
                                   const struct ms_ynode *v) {
  const struct ms_ynode *m = v->kind == MS_YMAP ? v : NULL;
  if (!m && !ms_transcript_yaml_empty_plain(v)) {
    secure_err(s, v,
               "starttls: takes no value, or a mapping such as "
               "{expect: 454}");
    return;
  }
  if (m && !secure_keys(s, "starttls", m, "expect text timeout"))
    return;
  const struct ms_proto_ops *ops = ms_proto_ops(s->proto);
  const char *verb = ops->starttls;
  struct ms_step tmp;
  memset(&tmp, 0, sizeof tmp);
  if (!secure_reply_opts(s, m, ops->ready_pat, &tmp)) {
    secure_clear(&tmp);
    return;
  }
  ms_script_reply_start(s, item->line, item->col);
  ms_script_send(s, verb, strlen(verb), item->line, item->col);
  struct ms_step *st = ms_script_add(s, MS_STEP_EXPECT, item->line, item->col);
  st->pat = tmp.pat;
  st->lines = tmp.lines;
  st->nlines = tmp.nlines;
  st->text_re = tmp.text_re;
  st->timeout = tmp.timeout;
  /* The handshake follows when a positive reply is allowed (with a
   * negative one allowed too, {expect: "220|503"}, the engine SKIPs the
   * rest of the session when it comes). */
  for (int i = 0; i < tmp.pat.n; i++)
    if (ops->pattern_class(tmp.pat.alt[i]) == MS_RC_POS) {
      ms_script_tls(s, item->line, item->col);
      break;
    }
}

/* - tls: handshake */
void ms_transcript_secure_tls(struct ms_script *s, const struct ms_ynode *item,
                              const struct ms_ynode *v) {
  if (v->kind != MS_YSCALAR || strcmp(v->str, "handshake") != 0) {
    secure_err(s, v,
               "tls: takes \"handshake\" (start TLS now; for TLS from "
               "the first byte write tls: implicit at the top level)");
    return;
  }
  ms_script_tls(s, item->line, item->col);
}

static bool secure_mech(struct ms_script *s, const struct ms_ynode *m,
                        enum ms_sasl_mech *out) {
  const struct ms_ynode *v = ms_transcript_yaml_get(m, "mechanism");
  if (!v) {
    secure_err(s, m, "auth: needs mechanism: (PLAIN, LOGIN or CRAM-MD5)");
    return false;
  }
  for (size_t i = 0; v->kind == MS_YSCALAR &&
                     i < sizeof secure_mechs / sizeof secure_mechs[0];
       i++)
    if (ms_streq_ci(v->str, secure_mechs[i])) {
      *out = (enum ms_sasl_mech)i;
      return true;
    }
  secure_err(s, v,
             "unknown mechanism \"%s\": PLAIN (RFC 4616), LOGIN or "
             "CRAM-MD5 (RFC 2195)",
             v->kind == MS_YSCALAR ? v->str : "?");
  return false;
}

/* initial_response: and cancel: and their defaults per mechanism. */
static bool secure_auth_flags(struct ms_script *s, const struct ms_ynode *m,
                              struct ms_step *st) {
  bool ir_given = false, ir = st->mech == MS_SASL_PLAIN;
  if (!secure_bool(s, m, "cancel", &st->cancel, NULL) ||
      !secure_bool(s, m, "initial_response", &ir, &ir_given))
    return false;
  if (st->cancel && !ir_given)
    ir = false; /* "*" answers a challenge: there must be one */
  if (ir && st->cancel) {
    secure_err(s, ms_transcript_yaml_get(m, "initial_response"),
               "cancel: true answers the first 334 challenge with \"*\" "
               "(RFC 4954 §4): it needs initial_response: false");
    return false;
  }
  if (ir && st->mech == MS_SASL_CRAM_MD5) {
    secure_err(s, ms_transcript_yaml_get(m, "initial_response"),
               "CRAM-MD5 has no initial response: the server speaks first "
               "(RFC 2195 §2)");
    return false;
  }
  st->initial_response = ir;
  return true;
}

/* - auth: {mechanism:, user:, pass:, authzid:, initial_response:,
 *          cancel:, expect:, text:, timeout:} */
void ms_transcript_secure_auth(struct ms_script *s, const struct ms_ynode *item,
                               const struct ms_ynode *v) {
  if (v->kind != MS_YMAP) {
    secure_err(s, v,
               "auth: takes a mapping: {mechanism: PLAIN, user: "
               "\"${user}\", pass: \"${pass}\"}");
    return;
  }
  if (!secure_keys(s, "auth", v,
                   "mechanism user pass authzid initial_response cancel "
                   "expect text timeout skip_on skip_reason"))
    return;
  struct ms_step st;
  memset(&st, 0, sizeof st);
  bool bad = false;
  const struct ms_ynode *user = secure_str(s, v, "user", &bad);
  const struct ms_ynode *pass = secure_str(s, v, "pass", &bad);
  const struct ms_ynode *authz = secure_str(s, v, "authzid", &bad);
  if (bad || !secure_mech(s, v, &st.mech) || !secure_auth_flags(s, v, &st))
    return;
  if (!st.cancel && (!user || !pass)) {
    secure_err(s, v,
               "auth: needs user: and pass: (pass: \"${pass}\" with "
               "-D pass=env:NAME keeps the password out of the file)");
    return;
  }
  const struct ms_proto_ops *ops = ms_proto_ops(s->proto);
  const char *def = st.cancel ? ops->auth_cancel_pat : ops->auth_ok_pat;
  if (!secure_reply_opts(s, v, def, &st)) {
    secure_clear(&st);
    return;
  }
  ms_script_reply_start(s, item->line, item->col);
  struct ms_step *out = ms_script_add(s, MS_STEP_AUTH, item->line, item->col);
  enum ms_step_kind kind = out->kind;
  *out = st;
  out->kind = kind;
  out->line = item->line;
  out->col = item->col;
  out->user = user ? xstrdup(user->str) : NULL;
  out->pass = pass ? xstrdup(pass->str) : NULL;
  out->authzid = authz ? xstrdup(authz->str) : NULL;
}

/* - apop: {user:, secret:, timestamp:, expect:, text:, timeout:};
 * timestamp: digests another timestamp than the greeting's (a captured
 * earlier one: RFC 1939 §7's replay protection). */
void ms_transcript_secure_apop(struct ms_script *s, const struct ms_ynode *item,
                               const struct ms_ynode *v) {
  if (!ms_proto_ops(s->proto)->known_command("APOP")) {
    secure_err(s, item,
               "apop: is a POP3 command (RFC 1939 §7): set "
               "protocol: pop3");
    return;
  }
  if (v->kind != MS_YMAP) {
    secure_err(s, v,
               "apop: takes a mapping: {user: \"${user}\", secret: "
               "\"${secret}\"}");
    return;
  }
  if (!secure_keys(s, "apop", v, "user secret timestamp expect text timeout"))
    return;
  bool bad = false;
  const struct ms_ynode *user = secure_str(s, v, "user", &bad);
  const struct ms_ynode *secret = secure_str(s, v, "secret", &bad);
  const struct ms_ynode *tstamp = secure_str(s, v, "timestamp", &bad);
  if (bad)
    return;
  if (!user || !secret) {
    secure_err(s, v,
               "apop: needs user: and secret: (the shared secret, "
               "e.g. secret: \"${secret}\" with -D secret=env:NAME)");
    return;
  }
  struct ms_step st;
  memset(&st, 0, sizeof st);
  if (!secure_reply_opts(s, v, "+OK", &st)) {
    secure_clear(&st);
    return;
  }
  ms_script_reply_start(s, item->line, item->col);
  struct ms_step *out = ms_script_add(s, MS_STEP_APOP, item->line, item->col);
  enum ms_step_kind kind = out->kind;
  *out = st;
  out->kind = kind;
  out->line = item->line;
  out->col = item->col;
  out->user = xstrdup(user->str);
  out->pass = xstrdup(secret->str);
  out->timestamp = tstamp ? xstrdup(tstamp->str) : NULL;
}
