/* script: the role-line parser behind `script: |` (RFC text pasted as
 * printed) and behind the one-key `- S: text` items of `steps:`.
 * Pure: lines in, struct ms_step out, problems as diagnostics.
 *
 * A struct ms_script is a builder: feed it lines (or whole script text)
 * and option steps in order, then ms_script_finish() and take v/n. */
#ifndef MS_SCRIPT_H
#define MS_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "mailspec/transcript.h"

/* What the previous line was, for indented continuation lines. */
enum ms_script_prev {
  MS_SCRIPT_PREV_NONE = 0,
  MS_SCRIPT_PREV_CMD,    /* a client command line: join with a space */
  MS_SCRIPT_PREV_DATA,   /* a mail data line: a folded data line follows */
  MS_SCRIPT_PREV_SERVER, /* a server reply line */
  MS_SCRIPT_PREV_OTHER   /* meta, option step, end of data: no continuation */
};

struct ms_script {
  const char *file;
  enum ms_protocol proto;
  enum ms_convention conv;
  struct ms_diags *d;
  struct ms_step *v; /* the steps built so far */
  size_t n, cap;
  bool data;     /* client lines are mail data (after a 3xx reply) */
  bool data_354; /* ...after a 354: a "." line is due */
  int data_line; /* where that reply was written */
  enum ms_script_prev prev;
  int prev_ws;       /* indentation of the last role line */
  bool smtp_open;    /* last step: SMTP reply whose last line was "ddd-" */
  bool pop3_status;  /* last step: POP3 status line; content may follow */
  bool pop3_body;    /* collecting POP3 multi-line content up to "." */
  bool starttls_cmd; /* the last step is a STARTTLS / STLS command line */
  bool tls_due;      /* its reply is step TLS_AT: a positive one is
                        followed by the TLS handshake (RFC 3207 §4) */
  size_t tls_at;
};

/* Roles seen (for convention inference): bit 1 S:, 2 R:, 4 C:, with the
 * first position of each. */
struct ms_roles {
  unsigned bits;
  int line[3], col[3];
};
#define MS_ROLE_S 1u
#define MS_ROLE_R 2u
#define MS_ROLE_C 4u
void ms_roles_note(struct ms_roles *r, char letter, int line, int col);

void ms_script_init(struct ms_script *s, const char *file,
                    enum ms_protocol proto, enum ms_convention conv,
                    struct ms_diags *d);
/* Parse script text whose first line is source line LINE0 and whose
 * YAML block indentation is INDENT columns. */
void ms_script_parse(struct ms_script *s, const char *text, size_t len,
                     int line0, int indent);
/* Role letters used in script text (same line rules as the parser). */
void ms_script_roles(const char *text, size_t len, int line0, int indent,
                     struct ms_roles *r);

/* Which side a role letter is under S's convention: 'c' client, 's'
 * server, or 0 after an error. */
char ms_script_side(struct ms_script *s, char letter, int line, int col);
/* A client line as written after its role (meta lines, the symbolic
 * <CRLF>.<CRLF>, mail data after 3xx are recognised). */
void ms_script_client(struct ms_script *s, const char *text, size_t len,
                      int line, int col);
/* A client line taken literally (steps' send:): a command, or a data
 * line in mail data mode. */
void ms_script_send(struct ms_script *s, const char *text, size_t len, int line,
                    int col);
/* A server line as written ("250 OK", "250-x", "+OK 2 320", POP3
 * content).  ALTS allows "250|251" (steps form only). */
void ms_script_server(struct ms_script *s, const char *text, size_t len,
                      int line, int col, bool alts);
/* An indented line without a role: continues the previous line. */
void ms_script_continue(struct ms_script *s, const char *text, size_t len,
                        int line, int col);
/* Append a step of KIND (closing any open reply first). */
struct ms_step *ms_script_add(struct ms_script *s, enum ms_step_kind kind,
                              int line, int col);
/* A new server reply (line or expect:) starts: leaves mail data mode. */
void ms_script_reply_start(struct ms_script *s, int line, int col);
/* An expected reply is complete: after a 3xx, client lines are data. */
void ms_script_expected(struct ms_script *s, const struct ms_pattern *p,
                        int line);
/* Mail data ended by other means (a data: body). */
void ms_script_end_data(struct ms_script *s);
/* A TLS handshake step here (tls: handshake, starttls:); it stands for
 * the one a STARTTLS line's positive reply would have added. */
struct ms_step *ms_script_tls(struct ms_script *s, int line, int col);
/* Close open replies, report what is unfinished. */
void ms_script_finish(struct ms_script *s);

/* Free step arrays (every field of every step). */
void ms_script_steps_free(struct ms_step *v, size_t n);

/* RFC 1939 meta line: the whole text is "<...>" with a space inside and
 * no "@" (so "<CRLF>.<CRLF>" and "<a@b>" are not meta). */
bool ms_script_is_meta(const char *text, size_t len);

#endif
