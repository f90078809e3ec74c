/* import_pop3: a POP3 session's client lines and the responses that
 * answer them.  A response is multi-line only when its command makes it
 * so and it is +OK (RFC 1939 §3; ms_pop3_multiline); "+ " asks for the
 * next SASL line (RFC 5034 §4); STLS answered +OK makes the rest TLS
 * (RFC 2595 §4).  Secrets: the PASS argument, the APOP digest, AUTH
 * initial responses and SASL lines. */
#include <string.h>

#include "import.h"
#include "util.h"

struct pop3_fr {
  struct ms_framer fr;
  bool sasl; /* the next client line answers a "+ " continuation */
};

static void pop3_text(const unsigned char *p, size_t n, char *buf, size_t cap) {
  while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
    n--;
  if (n >= cap)
    n = cap - 1;
  memcpy(buf, p, n);
  buf[n] = '\0';
  for (size_t i = 0; i < n; i++)
    if (buf[i] == '\0')
      buf[i] = ' ';
}

static bool pop3_verb(const char *t, const char *verb) {
  size_t n = strlen(verb);
  return ms_prefix_ci(t, verb) && (t[n] == '\0' || t[n] == ' ');
}

/* Mark word WANT (1-based) of the line through its end (ALL) or to the
 * next space as secret. */
static void pop3_secret(struct ms_unit *u, const unsigned char *p, int want,
                        bool all) {
  size_t end = (size_t)u->len;
  while (end > 0 && (p[end - 1] == '\n' || p[end - 1] == '\r'))
    end--;
  size_t i = 0;
  for (int w = 1; i < end; w++) {
    while (i < end && p[i] == ' ')
      i++;
    size_t s = i;
    while (i < end && p[i] != ' ')
      i++;
    if (w == want && i > s) {
      u->red_off = s;
      u->red_len = (all ? end : i) - s;
      return;
    }
  }
}

/* Which word of the command line is secret (0: none). */
static int pop3_secret_word(const char *t, bool *all) {
  *all = false;
  if (pop3_verb(t, "PASS")) {
    *all = true; /* RFC 1939 §7: the password may contain spaces */
    return 2;
  }
  if (pop3_verb(t, "APOP"))
    return 3;
  if (pop3_verb(t, "AUTH"))
    return 3; /* AUTH mechanism initial-response (RFC 5034 §4) */
  return 0;
}

static bool pop3_b64ish(const unsigned char *p, size_t n) {
  while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
    n--;
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = p[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='))
      return false;
  }
  return true;
}

static void pop3_line(struct pop3_fr *x) {
  bool complete;
  size_t n = ms_framer_cline(&x->fr, &complete);
  const unsigned char *p = ms_framer_cbytes(&x->fr);
  char t[1024];
  pop3_text(p, n, t, sizeof t);
  bool sasl = x->sasl;
  size_t idx =
      ms_framer_client(&x->fr, sasl ? MS_U_SASL : MS_U_LINE, n, complete);
  if (!complete)
    return;
  struct ms_unit *u = &x->fr.f->u[idx];
  bool all;
  int w = sasl ? 1 : pop3_secret_word(t, &all);
  if (sasl)
    all = true;
  if (w) {
    pop3_secret(u, p, w, all);
    if (u->red_len == 1 && (p[u->red_off] == '=' || p[u->red_off] == '*'))
      u->red_len = 0; /* empty response / cancel (RFC 5034 §4) */
    if (u->red_len)
      x->fr.f->nsecrets++;
  }
  /* A bare AUTH lists the mechanisms in multi-line form on servers that
   * support it (Dovecot, Cyrus; RFC 5034 leaves it undefined). */
  bool multi = !sasl && (ms_pop3_multiline(t) || ms_streq_ci(t, "AUTH"));
  size_t e = ms_framer_expect(&x->fr, idx, multi);
  if (sasl || pop3_verb(t, "AUTH")) {
    long r = ms_framer_reply(&x->fr, e);
    bool nb;
    size_t nn = ms_framer_cline(&x->fr, &nb);
    x->sasl = r >= 0 ? x->fr.f->u[r].code == MS_POP3_CONT
                     : pop3_b64ish(ms_framer_cbytes(&x->fr), nn);
    return;
  }
  x->sasl = false;
  if (pop3_verb(t, "STLS")) {
    long r = ms_framer_reply(&x->fr, e);
    bool nb;
    bool tls_bytes =
        ms_framer_cline(&x->fr, &nb) > 0 && ms_framer_cbytes(&x->fr)[0] == 0x16;
    if ((r >= 0 && x->fr.f->u[r].code == MS_POP3_OK) || (r < 0 && tls_bytes))
      ms_framer_tls(&x->fr, r, x->fr.f->u[idx].frame);
  }
}

void ms_import_pop3(const struct ms_imp_session *s, struct ms_frames *out) {
  struct pop3_fr x;
  memset(&x, 0, sizeof x);
  ms_framer_init(&x.fr, s, out, MS_PROTO_POP3);
  while (!ms_framer_cdone(&x.fr)) {
    if (ms_framer_client_gap(&x.fr))
      continue;
    pop3_line(&x);
  }
  ms_framer_drain(&x.fr);
  ms_framer_free(&x.fr);
}
