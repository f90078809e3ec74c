/* import_pop3: a POP3 session's client lines and the responses that
 * answer them.  A response is multi-line only when its command makes it
 * so and it is +OK (RFC 1939 §3; ms_pop3_multiline); "+ " asks for the
 * next SASL line (RFC 5034 §4); STLS answered +OK makes the rest TLS
 * (RFC 2595 §4) when a TLS record follows.  Secrets, by position: the
 * PASS argument, the APOP digest, AUTH initial responses and every SASL
 * line up to the final reply (ms_framer_sasl_next). */
#include <string.h>

#include "import.h"
#include "util.h"

struct pop3_fr {
  struct ms_framer fr;
  bool sasl; /* the next client line answers a "+ " continuation */
};

static void pop3_line(struct pop3_fr *x) {
  bool complete;
  size_t n = ms_framer_cline(&x->fr, &complete);
  const unsigned char *p = ms_framer_cbytes(&x->fr);
  char t[1024];
  ms_line_text(p, n, t, sizeof t);
  bool sasl = x->sasl;
  size_t idx =
      ms_framer_client(&x->fr, sasl ? MS_U_SASL : MS_U_LINE, n, complete);
  if (sasl)
    ms_framer_sasl_secret(&x->fr, idx);
  else
    ms_framer_command_secret(&x->fr, idx);
  if (!complete)
    return;
  /* A bare AUTH lists the mechanisms in multi-line form on servers that
   * support it (Dovecot, Cyrus; RFC 5034 leaves it undefined). */
  bool multi = !sasl && (ms_pop3_multiline(t) || ms_streq_ci(t, "AUTH"));
  size_t e = ms_framer_expect(&x->fr, idx, multi);
  if (sasl || ms_proto_sasl_command(t)) {
    x->sasl = ms_framer_sasl_next(&x->fr, e);
    return;
  }
  x->sasl = false;
  if (ms_verb_is(t, "STLS")) {
    long r = ms_framer_reply(&x->fr, e);
    if ((r < 0 || x->fr.f->u[r].code == MS_POP3_OK) &&
        ms_framer_tls_follows(&x->fr, r))
      ms_framer_tls(&x->fr, r, x->fr.f->u[idx].frame);
  }
}

void ms_import_pop3(const struct ms_imp_session *s, bool greeting,
                    struct ms_frames *out) {
  struct pop3_fr x;
  memset(&x, 0, sizeof x);
  ms_framer_init(&x.fr, s, out, MS_PROTO_POP3, greeting);
  while (!ms_framer_cdone(&x.fr)) {
    if (ms_framer_client_gap(&x.fr))
      continue;
    pop3_line(&x);
  }
  ms_framer_drain(&x.fr);
  ms_framer_free(&x.fr);
}
