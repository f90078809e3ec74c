/* Protocol knowledge, one place per protocol: commands, reply codes,
 * which replies are multi-line, expectation patterns.
 * Implemented in tester/proto_smtp.c, tester/proto_pop3.c, tester/proto.c.
 * Everything here is pure: no I/O. */
#ifndef MAILSPEC_PROTO_H
#define MAILSPEC_PROTO_H

#include <stdbool.h>
#include <stddef.h>

enum ms_protocol { MS_PROTO_SMTP = 0, MS_PROTO_POP3 = 1 };

/* POP3 status indicators are mapped onto pseudo-codes so that one
 * "code" field serves both protocols (RFC 1939 §3, RFC 5034 §4). */
#define MS_POP3_OK 1   /* "+OK"  */
#define MS_POP3_ERR 2  /* "-ERR" */
#define MS_POP3_CONT 3 /* "+ " SASL continuation */

/* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets incl. CRLF. */
#define MS_SMTP_REPLY_LINE_MAX 512
/* RFC 5321 §4.5.3.1.4: a command line is at most 512 octets incl. CRLF. */
#define MS_SMTP_CMD_LINE_MAX 512
/* RFC 1939 §3: a response line is at most 512 octets incl. CRLF. */
#define MS_POP3_LINE_MAX 512

/* An expectation pattern: alternatives separated by '|'.  SMTP: each
 * alternative is 3 chars, digits or 'x' ("250", "2xx", "25x").  POP3:
 * "+OK", "-ERR", "+" (continuation).  Stored parsed. */
#define MS_PAT_MAX 8
struct ms_pattern {
  int n;
  char alt[MS_PAT_MAX][5]; /* NUL-terminated alternatives */
};

/* Parse TEXT (e.g. "250|251", "2xx", "+OK") for PROTO.  Returns 0, or -1
 * with a message in ERR. */
int ms_pattern_parse(struct ms_pattern *p, enum ms_protocol proto,
                     const char *text, char *err, size_t errlen);
/* Does reply code CODE (SMTP 100..599, or MS_POP3_*) match? */
bool ms_pattern_match(const struct ms_pattern *p, int code);
/* Render back to "250|251" form into BUF. */
void ms_pattern_format(const struct ms_pattern *p, char *buf, size_t len);

/* Does a line (as written in a transcript, e.g. "250 OK", "250-x",
 * "+OK 2 320") start with a reply indicator?  On success stores the
 * pattern text length in *PATLEN and whether it is a continuation line
 * ("250-") in *CONT. */
bool ms_proto_reply_prefix(enum ms_protocol proto, const char *line,
                           size_t *patlen, bool *cont);

/* SMTP: is LINE the DATA command (case-insensitive, RFC 5321 §2.4)? */
bool ms_smtp_is_data(const char *line);
/* SMTP: is LINE a BDAT command?  Sets *LEN and *LAST. (RFC 3030) */
bool ms_smtp_is_bdat(const char *line, size_t *len, bool *last);
/* SMTP: the verb of LINE is a known command of RFC 821 §4.1 or RFC 5321
 * §4.1 or a registered extension. */
bool ms_smtp_known_command(const char *line);
/* SMTP: may CODE answer command LINE?  The success codes of RFC 5321
 * §4.3.2 (QUIT 221, NOOP and RSET 250, DATA 354, ...; AUTH 235 and 334,
 * RFC 4954 §4; STARTTLS 220, RFC 3207 §4); every command may get a 4yz
 * or 5yz; a verb not listed there any 2yz or 3yz. */
bool ms_smtp_reply_fits(const char *line, int code);
/* SMTP: a short English meaning of a reply code (RFC 5321 §4.2.3). */
const char *ms_smtp_code_text(int code);

/* POP3: does the response to command LINE use the multi-line form
 * (RFC 1939 §3: LIST/UIDL without argument, RETR, TOP; RFC 2449 CAPA)?
 * Only when the response is +OK. */
bool ms_pop3_multiline(const char *line);
/* POP3: the verb of LINE is a known command of RFC 1939/2449/5034. */
bool ms_pop3_known_command(const char *line);

/* ---- Credentials and SASL (tester/proto.c): where a client's secrets
 * are, by position in the protocol, whatever the mechanism. ---------- */

/* Is CODE a SASL continuation, after which the client's next line is a
 * SASL response: 334 (RFC 4954 §4), POP3 "+" (RFC 5034 §4)? */
bool ms_proto_sasl_continues(enum ms_protocol proto, int code);
/* Does command LINE start a SASL exchange (AUTH mechanism
 * [initial-response]: RFC 4954 §4, RFC 5034 §4)?  Same verb in both; a
 * bare AUTH (POP3: list the mechanisms) does not. */
bool ms_proto_sasl_command(const char *line);
/* Is the SASL response LINE[0..N) one that carries nothing: "*" cancels
 * the exchange, "=" is an empty response (RFC 4954 §4, RFC 5034 §4)? */
bool ms_proto_sasl_empty(const char *line, size_t n);
/* The secret of command LINE[0..N) (no line end): AUTH's initial
 * response (RFC 4954 §4, RFC 5034 §4), PASS's string (RFC 1939 §7, to
 * the end of the line: it may hold blanks) and APOP's digest (RFC 1939
 * §7).  A PASS or APOP line carries a credential whichever protocol the
 * server speaks (a POP3 client talking to an SMTP port still sends its
 * password).  True with *OFF and *LEN set when there is one. */
bool ms_proto_command_secret(const char *line, size_t n, size_t *off,
                             size_t *len);

/* ---- Recognising a protocol from a first line (tester/proto.c) -------- */

/* Does server line LINE open an SMTP session: 220, or the refusals 554
 * and 421 (RFC 5321 §4.3.1, §3.1), with " " or "-" after the code? */
bool ms_smtp_greeting_line(const char *line);
/* Is LINE shaped as an SMTP reply line: 3 digits, the first 2-5, then
 * " ", "-" or the end (RFC 5321 §4.2)? */
bool ms_smtp_reply_line(const char *line);
/* Is LINE a POP3 status line: "+OK" or "-ERR", then " " or the end
 * (RFC 1939 §3)? */
bool ms_pop3_status_line(const char *line);

/* ---- Command tables and capabilities (tester/proto_smtp.c,
 * tester/proto_pop3.c) ---------------------------------------------- */
struct ms_reply; /* mailspec/reply.h */

/* One command of a protocol, for coverage and help output. */
struct ms_proto_command {
  const char *verb;    /* upper case: "MAIL" */
  const char *syntax;  /* "MAIL FROM:<reverse-path> [SP <mail-parameters>]" */
  const char *source;  /* defining clause(s): "RFC 821 §4.1.1, RFC 5321 ..." */
  const char *summary; /* one line of English */
  bool obsolete;       /* deprecated by a later RFC (said in SUMMARY) */
};
/* SMTP: RFC 821 §4.1 and RFC 5321 §4.1 commands plus extension commands
 * (EHLO STARTTLS AUTH BDAT ETRN ATRN BURL LHLO); *N gets the count. */
const struct ms_proto_command *ms_smtp_commands(size_t *n);
/* SMTP: the entry for the verb of LINE (case-insensitive), or NULL. */
const struct ms_proto_command *ms_smtp_command_info(const char *line);
/* SMTP: keywords of an EHLO reply (RFC 5321 §4.1.1.1): the first word of
 * each line after the first, upper-cased, in order.  0 (and *OUT NULL)
 * unless the reply is a 250.  *OUT is also NULL-terminated; the caller
 * frees each string and the array. */
size_t ms_smtp_ehlo_keywords(const struct ms_reply *r, char ***out);
/* SMTP: does the EHLO reply advertise CAP?  CAP is "KEYWORD [PARAM...]"
 * ("PIPELINING", "AUTH PLAIN", "SIZE"): the keyword must be there and
 * each PARAM among its parameters; case-insensitive.  A PARAM ">N" is
 * met by a decimal parameter greater than N ("SIZE >0"). */
bool ms_smtp_has_capability(const struct ms_reply *ehlo, const char *cap);
/* Does one "KEYWORD *(SP PARAM)" line S[0..N) (an EHLO line without its
 * code, or a POP3 CAPA line, RFC 2449 §6) satisfy CAP as above? */
bool ms_smtp_keyword_match(const char *s, size_t n, const char *cap);

/* POP3: RFC 1939 commands plus CAPA (RFC 2449), STLS (RFC 2595), AUTH
 * (RFC 5034), UTF8 and LANG (RFC 6856). */
const struct ms_proto_command *ms_pop3_commands(size_t *n);
const struct ms_proto_command *ms_pop3_command_info(const char *line);
/* POP3: capability tags of a CAPA reply (RFC 2449 §5): the first word of
 * each content line, upper-cased.  0 unless +OK multi-line.  Freed like
 * ms_smtp_ehlo_keywords(). */
size_t ms_pop3_capa_tags(const struct ms_reply *r, char ***out);
/* POP3: does the CAPA reply list CAP ("TOP", "SASL PLAIN", "STLS")? */
bool ms_pop3_has_capability(const struct ms_reply *capa, const char *cap);

/* ---- One table of operations per protocol (tester/proto_smtp.c,
 * tester/proto_pop3.c), in the spirit of curl's SASLproto: every fact
 * that differs between SMTP and POP3, so that the rest of the code asks
 * the table instead of branching on the protocol. ------------------- */
#define MS_PROTO_COUNT 2

/* What state a reply leaves the server in: positive (2xx, +OK),
 * intermediate (3xx, POP3 "+": mail data or a SASL response is due) or
 * negative (4xx, 5xx, -ERR).  RFC 5321 §4.2.1, RFC 1939 §3, RFC 5034 §4.
 * A pattern alternative may have several ("xxx"). */
enum ms_reply_class {
  MS_RC_NONE = 0,
  MS_RC_POS = 1u << 0,
  MS_RC_INTER = 1u << 1,
  MS_RC_NEG = 1u << 2
};

struct ms_proto_ops {
  enum ms_protocol proto;
  const char *name;     /* "SMTP", "POP3" */
  const char *a_name;   /* "an SMTP", "a POP3" */
  const char *key;      /* "smtp", "pop3": protocol: keys, reports */
  const char *core_rfc; /* "rfc5321", "rfc1939": the core suite's name */
  /* URL schemes and default ports: plain and implicit TLS (RFC 8314
   * §7.3: 465 submissions, 995 pop3s). */
  const char *scheme, *tls_scheme;
  const char *port, *tls_port;
  const char *serve_listen; /* default address of `mailspec serve` */
  double idle_s;            /* a server's idle timeout (RFC 5321
                               §4.5.3.2.7: 5 min; RFC 1939 §3: 10 min) */
  /* Verbs: the capability request (EHLO, RFC 5321 §4.1.1.1, with the
   * client's domain; CAPA, RFC 2449 §5), STARTTLS (RFC 3207) or STLS
   * (RFC 2595 §4), AUTH (RFC 4954, RFC 5034). */
  const char *capa_verb;
  bool capa_domain; /* the capability request names the client */
  const char *starttls;
  const char *auth;
  /* The reply that greets, and that lets TLS begin ("220", "+OK"). */
  const char *ready_pat;
  /* SASL: the continuation (334, "+ ") and the final replies that an
   * exchange ends with when it succeeds or is cancelled. */
  int sasl_cont;
  const char *sasl_cont_pat;
  int auth_ok, auth_cancel;
  const char *auth_ok_pat, *auth_cancel_pat;
  /* Alternatives as a transcript writes them ("250|251"). */
  const char *alts_example;
  /* The suites `mailspec run` runs when given no PATH. */
  const char *const *default_suites;
  /* Every line of a reply carries its code (RFC 5321 §4.2.1); POP3 has
   * a status line, then content ended by "." (RFC 1939 §3). */
  bool code_each_line;
  /* After an intermediate reply (354, 334) the client's next lines are
   * raw data, not commands (RFC 5321 §4.1.1.4, RFC 4954 §4). */
  bool raw_after_inter;
  /* RFC 821's roles (S: client, R: server) exist, and are the default. */
  bool rfc821;
  /* Replies may carry UTF-8 after SMTPUTF8 (RFC 6531 §3.7.4). */
  bool utf8_replies;
  /* An over-long reply line breaks a SHOULD (RFC 5321 §4.5.3.1.5),
   * not a MUST (RFC 1939 §3). */
  bool long_line_should;

  unsigned (*reply_class)(int code);          /* enum ms_reply_class */
  unsigned (*pattern_class)(const char *alt); /* one alternative */
  /* CODE as a pattern writes it ("250", "+OK"); "" when it has none. */
  const char *(*code_pattern)(int code, char *buf, size_t len);
  /* Is the response to command LINE multi-line when positive? */
  bool (*multiline)(const char *line);
  /* DATA and BDAT (RFC 5321 §4.1.1.4, RFC 3030): NULL in POP3. */
  bool (*is_data)(const char *line);
  bool (*is_bdat)(const char *line, size_t *len, bool *last);
  bool (*known_command)(const char *line);
  const struct ms_proto_command *(*command_info)(const char *line);
  const struct ms_proto_command *(*commands)(size_t *n);
  bool (*has_capability)(const struct ms_reply *r, const char *cap);
  /* Does first server line LINE show that a server speaks this
   * protocol (a reply-shaped line; "+OK")? */
  bool (*speaks)(const char *line);
  /* What an AUTH reply code means (RFC 4954 §4, §6), or NULL. */
  const char *(*auth_code_text)(int code);
};

extern const struct ms_proto_ops ms_smtp_ops, ms_pop3_ops;
/* The table of PROTO. */
const struct ms_proto_ops *ms_proto_ops(enum ms_protocol proto);
/* The table whose key is KEY ("smtp", "pop3", any case), or NULL. */
const struct ms_proto_ops *ms_proto_ops_by_key(const char *key);
/* Does command LINE carry a secret in its arguments (PASS, APOP, AUTH:
 * RFC 1939 §7, RFC 4954 §4, RFC 5034 §4)?  Whatever the protocol. */
bool ms_proto_secret_verb(const char *line);

#endif
