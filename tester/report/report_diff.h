/* report_diff: the RFC-style diff of one judged step, shared by every
 * writer so all formats show the same facts the same way:
 *
 *       S: RCPT TO:<x>        (what the client sent)
 *     - R: 250 OK             (expected, as written)
 *     + R: 550 5.1.1 no       (got)
 *
 * Output is raw bytes from the model: each writer escapes it. */
#ifndef MS_REPORT_DIFF_H
#define MS_REPORT_DIFF_H

#include <stddef.h>

#include "mailspec/result.h"

/* Role prefixes for PROTO: RFC 821 writes S:/R: for SMTP, RFC 1939
 * writes C:/S: for POP3. */
const char *ms_report_diff_client(enum ms_protocol proto);
const char *ms_report_diff_server(enum ms_protocol proto);
/* The role letters of T's own transcript: S:/R: for an rfc821 one, C:/S:
 * for rfc5321 and POP3 (unknown convention: by protocol, as above). */
const char *ms_report_diff_client_of(const struct ms_transcript_result *t);
const char *ms_report_diff_server_of(const struct ms_transcript_result *t);

/* The diff of S (a step of T) as a new string, lines ending in '\n'.
 * MAX_LINES > 0 caps each block (sent, expected, got) and says how many
 * lines were left out.  Caller frees. */
char *ms_report_diff_step(const struct ms_transcript_result *t,
                          const struct ms_step_result *s, size_t max_lines);

/* The plain exchange of S, for logs: "    S: sent" and "    R: got"
 * lines (no expectation), then its findings. */
char *ms_report_diff_exchange(const struct ms_transcript_result *t,
                              const struct ms_step_result *s, size_t max_lines);

/* "PATH:LINE" of step S (or just PATH), as a new string. */
char *ms_report_diff_where(const struct ms_transcript_result *t,
                           const struct ms_step_result *s);

#endif
