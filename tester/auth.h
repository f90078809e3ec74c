/* auth: the client's side of SASL (RFC 4422) as the auth: step speaks
 * it, for SMTP AUTH (RFC 4954: "334 " challenges) and POP3 AUTH (RFC
 * 5034: "+ " continuations), and the APOP digest's timestamp (RFC 1939
 * §7).  Pure: strings in, lines out; the engine does the talking.
 *
 * Mechanisms: PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login),
 * CRAM-MD5 (RFC 2195).  Every line that carries the password (or a
 * digest of it) is shown as <redacted>. */
#ifndef MS_AUTH_H
#define MS_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "mailspec/transcript.h"

/* Base64 (RFC 4648 §4, with padding, no line breaks).  Caller frees. */
char *ms_auth_b64(const void *data, size_t len);
/* Strict decoding of LEN characters at S; *OUT is NUL-terminated (and
 * may hold NULs: *OUTLEN).  -1 when S is not base64. */
int ms_auth_unb64(const char *s, size_t len, char **out, size_t *outlen);

/* PLAIN's message, base64: [authzid] NUL user NUL pass (RFC 4616 §2). */
char *ms_auth_plain(const char *authzid, const char *user, const char *pass);
/* CRAM-MD5's response to the base64 CHALLENGE, base64 of "user digest"
 * with the HMAC-MD5 (RFC 2104) of the decoded challenge keyed by PASS,
 * in lowercase hex (RFC 2195 §2).  NULL with ERR when the challenge is
 * not base64 or MD5 is unavailable. */
char *ms_auth_cram_md5(const char *user, const char *pass,
                       const char *challenge, char *err, size_t errlen);

/* One exchange, line by line. */
struct ms_auth {
  enum ms_protocol proto;
  enum ms_sasl_mech mech;
  bool initial_response, cancel;
  const char *authzid, *user, *pass; /* expanded values (borrowed) */
  int sent;                          /* client lines produced so far */
  bool done; /* every line of the mechanism was produced */
};
/* A line to send (WIRE, without CRLF) and how reports show it (SHOWN:
 * the password as <redacted>).  Both are new strings. */
struct ms_auth_line {
  char *wire, *shown;
};
void ms_auth_line_free(struct ms_auth_line *l);

/* The command: "AUTH PLAIN <initial response>", "AUTH LOGIN", ... */
void ms_auth_first(struct ms_auth *a, struct ms_auth_line *out);
/* The answer to a continuation whose text (after "334 " or "+ ") is
 * CHALLENGE: 1 with OUT filled, 0 when the mechanism has nothing more to
 * say (the server asked too often: the caller cancels with "*"), or -1
 * with ERR (a challenge that cannot be answered, e.g. not base64). */
int ms_auth_next(struct ms_auth *a, const char *challenge,
                 struct ms_auth_line *out, char *err, size_t errlen);
/* The text of a continuation reply line: after "334 " (SMTP) or "+ "
 * (POP3, "+" alone is an empty challenge).  Points into LINE. */
const char *ms_auth_challenge(enum ms_protocol proto, const char *line);

/* The APOP timestamp of a POP3 greeting: the first "<...>" holding an
 * '@' (RFC 1939 §7 names it a msg-id, RFC 822), or NULL.  Caller frees. */
char *ms_auth_apop_timestamp(const char *greeting);

#endif
