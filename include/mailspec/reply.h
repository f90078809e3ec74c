/* Reply reader: bytes in, replies out.  Pure (no sockets): fed by the
 * live engine, by pcap import and by tests in arbitrary chunks.
 * Implemented in tester/reply.c (framing), protocol rules in proto_*.c.
 *
 * Strict reading, lenient judging: a reply whose code matches can still
 * carry violations, each reported as a finding. */
#ifndef MAILSPEC_REPLY_H
#define MAILSPEC_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "mailspec/proto.h"

/* Syntax violations seen while reading one reply (bit set). */
enum ms_violation {
  MS_V_BARE_LF = 1u << 0, /* line ended in LF without CR (RFC 5321 §2.3.8) */
  MS_V_BARE_CR = 1u << 1, /* CR not followed by LF inside a line */
  MS_V_CODE_MISMATCH =
      1u << 2,              /* continuation code differs from final (§4.2.1) */
  MS_V_BAD_CODE = 1u << 3,  /* not 3 digits 2..5xx / not +OK/-ERR */
  MS_V_LONG_LINE = 1u << 4, /* line over 512 octets (§4.5.3.1.5) */
  MS_V_NUL = 1u << 5,       /* NUL byte in a line */
  MS_V_BAD_SEP = 1u << 6,   /* 4th char neither SP, '-' nor end of line */
  MS_V_TRUNCATED = 1u << 7, /* connection closed inside the reply */
  MS_V_TOO_BIG = 1u << 8,   /* reply exceeded the reader's hard limits */
  MS_V_8BIT = 1u << 9,      /* octets >= 0x80 in reply text */
  /* Set by the engine, not the reader: */
  MS_V_TRAILING = 1u << 10,    /* bytes after the final line, no pipelining */
  MS_V_EARLY_CLOSE = 1u << 11, /* server closed before the transcript ended */
  MS_V_BAD_UTF8 = 1u << 12     /* a reply RFC 6531 lets carry UTF-8 is not valid
                                  UTF-8 (engine_utf8.c) */
};
/* One human sentence (with the RFC clause) per violation bit. */
const char *ms_violation_text(unsigned bit);

/* Hard limits: a flood is a finding, not an out-of-memory. */
struct ms_reply_limits {
  size_t max_line;  /* bytes kept of one line (longer: truncated + LONG_LINE) */
  size_t max_lines; /* lines per reply before TOO_BIG */
  size_t max_bytes; /* total bytes per reply before TOO_BIG */
};
#define MS_REPLY_LIMITS_DEFAULT                                                \
  { 4096, 100000, 16u * 1024 * 1024 }

struct ms_reply {
  int code;     /* SMTP 3-digit code, POP3 MS_POP3_*, 0 if unreadable */
  char **lines; /* each line without its line end, NUL-terminated;
                   for POP3 multi-line: status line, content lines
                   (dot-unstuffed), NOT the terminating "." */
  size_t *lens; /* length of each line (lines may hold NULs) */
  size_t nlines;
  unsigned violations; /* enum ms_violation bits */
  size_t wire_bytes;   /* octets consumed from the stream */
  bool multiline;      /* SMTP: more than one line; POP3: multi-line form */
};
void ms_reply_free(struct ms_reply *r);
/* Reply text as "line\nline" (for reports); caller frees. */
char *ms_reply_join(const struct ms_reply *r);

enum ms_read_status {
  MS_READ_MORE = 0, /* need more bytes */
  MS_READ_DONE = 1, /* a complete reply is ready: ms_reader_take() */
  MS_READ_ERROR = 2 /* unrecoverable: reply too big (violations tell) */
};

struct ms_reader;
/* PROTO decides framing.  LIMITS may be NULL for the defaults. */
struct ms_reader *ms_reader_new(enum ms_protocol proto,
                                const struct ms_reply_limits *limits);
void ms_reader_free(struct ms_reader *r);
/* POP3: the next reply is in multi-line form if it is +OK (the caller
 * knows from the command: ms_pop3_multiline()).  Ignored for SMTP.
 * Applies to the reply being read, or, when a finished reply waits for
 * ms_reader_take(), to the one after it; each take() clears it. */
void ms_reader_expect_multiline(struct ms_reader *r, bool multi);
/* Feed LEN bytes; *USED gets how many were consumed (the rest belongs to
 * the next reply: feed it again after ms_reader_take()). */
enum ms_read_status ms_reader_feed(struct ms_reader *r, const char *buf,
                                   size_t len, size_t *used);
/* The stream ended: a partial reply becomes DONE with MS_V_TRUNCATED,
 * nothing pending gives MORE.  (SMTP: with no final line, the last line
 * read gives the code.)  After ERROR (TOO_BIG), take() yields what was
 * read; the stream is then out of step and should be closed. */
enum ms_read_status ms_reader_eof(struct ms_reader *r);
/* Move the finished reply into OUT and reset for the next one. */
void ms_reader_take(struct ms_reader *r, struct ms_reply *out);
/* Drop the reply being read (or finished and not taken), as take()
 * would reset the reader.  Returns how many of its lines were complete;
 * *MID_LINE tells whether a line was cut short (its rest, up to its LF,
 * is still to come), so that a caller dropping bytes drops whole lines
 * and never reads a fragment as a reply. */
size_t ms_reader_drop(struct ms_reader *r, bool *mid_line);
/* True if some bytes of a next reply were fed but it is not finished. */
bool ms_reader_pending(const struct ms_reader *r);

#endif
