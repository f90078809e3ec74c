/* engine_message: a mail message as lines, its header fields, and the
 * judging of a delivery check against it (issue 14).  Pure: no I/O, no
 * engine state; every text it returns is bounded and escaped, since a
 * delivered message is input from the server under test. */
#ifndef MS_ENGINE_MESSAGE_H
#define MS_ENGINE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "mailspec/transcript.h"

/* Lines shown of a message in a report, and octets of one line. */
#define MS_MSG_SHOW_LINES 12
#define MS_MSG_SHOW_LINE 160

struct ms_msg_line {
  char *p; /* without its line end; may hold any octet but LF */
  size_t n;
};

/* A message: its lines, and how many of them form the header section
 * (the lines before the first empty line, RFC 5322 §2.1). */
struct ms_msg {
  struct ms_msg_line *lines;
  size_t nlines;
  size_t nhead;
};

/* From text with CRLF (or LF) line ends; a last line without one
 * counts too. */
void ms_msg_from_text(struct ms_msg *m, const char *text, size_t len);
/* From lines (a POP3 RETR reply's content lines, unstuffed). */
void ms_msg_from_lines(struct ms_msg *m, char *const *lines, const size_t *lens,
                       size_t n);
void ms_msg_free(struct ms_msg *m);

/* Does the header section (HEAD_ONLY) or the whole message hold TEXT? */
bool ms_msg_holds(const struct ms_msg *m, const char *text, bool head_only);

/* The header field that starts on line FIRST of M spans N lines (its
 * continuation lines start with SP or HT). */
size_t ms_msg_field_span(const struct ms_msg *m, size_t first);
/* Is line I of M the start of a field named NAME (any case)? */
bool ms_msg_field_is(const struct ms_msg *m, size_t i, const char *name);
/* The unfolded value of the field starting at line I (RFC 5322 §2.2.3:
 * its line breaks removed, leading and trailing blanks trimmed).
 * Caller frees. */
char *ms_msg_field_value(const struct ms_msg *m, size_t i);
/* Line of the Kth (0-based) field named NAME in the header section
 * among lines [FROM, TO), or -1. */
long ms_msg_field_find(const struct ms_msg *m, const char *name, size_t k,
                       size_t from, size_t to);

/* The delivered message D against the message as sent S: D should be
 * the fields the server added (complete header fields, above) and then
 * S, line for line.  *ADDED gets how many lines of D come before S.
 * NULL when so; else why not (caller frees), with the place in *AT (a
 * line of D) for the excerpt. */
char *ms_msg_compare(const struct ms_msg *d, const struct ms_msg *s,
                     size_t *added, size_t *at);

/* Lines [FROM, FROM+N) of M for a report: each escaped and cut, at most
 * MS_MSG_SHOW_LINES of them, "(N more lines)" after.  Caller frees. */
char *ms_msg_excerpt(const struct ms_msg *m, size_t from, size_t n);

/* Judge M (delivered) for check C whose regexes are already expanded
 * (the caller's copy), written at FILE:LINE (each option has its own
 * line).  S: the message as sent, or NULL (then as_sent and added:
 * cannot be judged).  NULL when M passes; else the reason, starting
 * with the file:line of the option that failed (caller frees), and, in
 * *GOT, what of M to show (caller frees). */
char *ms_msg_judge(const struct ms_msg *m, const struct ms_msgcheck *c,
                   const struct ms_msg *s, const char *file, int line,
                   char **got);

#endif
