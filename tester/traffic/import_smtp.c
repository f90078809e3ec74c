/* import_smtp: an SMTP session's client stream cut into units, replies
 * matched to them in order (RFC 2920 §3.2: replies come in the order of
 * the commands, so pipelining needs nothing more than a FIFO).
 *  - DATA: after a 354 the mail data runs to the "." line (RFC 5321
 *    §4.1.1.4), kept as sent (still dot-stuffed);
 *  - BDAT n: exactly n octets follow the command line (RFC 3030 §2);
 *  - AUTH: after a 334 the next client line is SASL data, not a command
 *    (RFC 4954 §4); every such line and any initial response are
 *    secrets, whatever the mechanism (ms_framer_sasl_next);
 *  - STARTTLS answered 220 and followed by a TLS record: the rest is TLS
 *    (RFC 3207 §4). */
#include <string.h>

#include "import.h"
#include "util.h"

enum smtp_state { ST_CMD, ST_DATA, ST_SASL };

struct smtp_fr {
  struct ms_framer fr;
  enum smtp_state st;
  uint64_t chunk_left; /* BDAT octets still to come */
  long data_start;     /* DATA unit being built: its first offset, or -1 */
};

/* The line at the cursor as a NUL-terminated string without its line
 * end (at most CAP-1 bytes: enough to recognise a command). */
/* The next client line as text (empty when none). */
static void smtp_peek(struct smtp_fr *x, char *buf, size_t cap) {
  bool complete;
  size_t n = ms_framer_cline(&x->fr, &complete);
  ms_line_text(ms_framer_cbytes(&x->fr), n, buf, cap);
}

/* The code of the reply to expectation E, or 0 if the capture lacks it. */
static int smtp_reply_code(struct smtp_fr *x, size_t e, long *r) {
  *r = ms_framer_reply(&x->fr, e);
  return *r >= 0 ? x->fr.f->u[*r].code : 0;
}

/* What follows an accepted command: the state for the next client line. */
static void smtp_after(struct smtp_fr *x, size_t idx, size_t e, const char *t) {
  long r;
  int code;
  size_t len;
  bool last;
  if (x->st == ST_SASL || ms_proto_sasl_command(t)) {
    x->st = ms_framer_sasl_next(&x->fr, e) ? ST_SASL : ST_CMD;
    return;
  }
  if (ms_smtp_is_bdat(t, &len, &last)) {
    x->chunk_left = len; /* the chunk follows whatever the reply */
    return;
  }
  if (ms_smtp_is_data(t)) {
    code = smtp_reply_code(x, e, &r);
    char next[64];
    smtp_peek(x, next, sizeof next);
    if (code == 354 || (r < 0 && !ms_smtp_known_command(next))) {
      x->st = ST_DATA;
      x->data_start = (long)x->fr.cpos;
    }
    return;
  }
  if (ms_verb_is(t, "STARTTLS")) {
    code = smtp_reply_code(x, e, &r);
    if ((code == 220 || r < 0) && ms_framer_tls_follows(&x->fr, r))
      ms_framer_tls(&x->fr, r, x->fr.f->u[idx].frame);
  }
}

/* One BDAT chunk piece (up to a gap); gap octets count too. */
static void smtp_chunk(struct smtp_fr *x) {
  const struct ms_imp_dir *d = &x->fr.s->d[MS_DIR_C2S];
  size_t gi = x->fr.cgap;
  uint64_t stop = ms_imp_next_gap(d, x->fr.cpos, &gi);
  uint64_t n = stop - x->fr.cpos;
  if (n > x->chunk_left)
    n = x->chunk_left;
  if (n > 0) {
    x->chunk_left -= n;
    ms_framer_client(&x->fr, MS_U_CHUNK, (size_t)n, x->chunk_left == 0);
  }
  if (x->chunk_left > 0 && ms_framer_client_gap(&x->fr)) {
    const struct ms_unit *g = &x->fr.f->u[x->fr.f->n - 1];
    x->chunk_left =
        g->gap_len >= x->chunk_left ? 0 : x->chunk_left - g->gap_len;
  } else if (x->chunk_left > 0 && n == 0) {
    x->chunk_left = 0; /* the stream ended inside the chunk */
  }
}

/* Offset just past the "." line ending mail data that starts at START,
 * searched before STOP (RFC 5321 §4.1.1.4: CRLF "." CRLF; a bare LF is
 * taken too), or 0 if it is not there.  A memchr from line end to line
 * end, nothing more: mail data is most of a capture. */
static uint64_t smtp_data_end(const unsigned char *p, uint64_t start,
                              uint64_t stop) {
  const unsigned char *q = p + start, *end = p + stop;
  for (;;) {
    /* Q is at the start of a line */
    if (end - q >= 2 && q[0] == '.') {
      if (q[1] == '\n')
        return (uint64_t)(q - p) + 2;
      if (end - q >= 3 && q[1] == '\r' && q[2] == '\n')
        return (uint64_t)(q - p) + 3;
    }
    q = memchr(q, '\n', (size_t)(end - q));
    if (!q)
      return 0;
    q++;
  }
}

/* Mail data: lines up to and including ".". */
static void smtp_data(struct smtp_fr *x) {
  const struct ms_imp_dir *d = &x->fr.s->d[MS_DIR_C2S];
  size_t gi = x->fr.cgap;
  uint64_t stop = ms_imp_next_gap(d, x->fr.cpos, &gi);
  uint64_t end = smtp_data_end(d->p, x->fr.cpos, stop);
  if (end) { /* the common case: the whole body at once */
    size_t len = (size_t)(end - (uint64_t)x->data_start);
    x->fr.cpos = (uint64_t)x->data_start;
    size_t idx = ms_framer_client(&x->fr, MS_U_DATA, len, true);
    ms_framer_expect(&x->fr, idx, false);
    x->st = ST_CMD;
    x->data_start = -1;
    return;
  }
  for (;;) {
    bool complete;
    size_t n = ms_framer_cline(&x->fr, &complete);
    const unsigned char *p = ms_framer_cbytes(&x->fr);
    if (n == 0 || !complete) {
      /* a gap or the end: what we have is an unfinished piece */
      size_t len = (size_t)(x->fr.cpos - (uint64_t)x->data_start) + n;
      x->fr.cpos = (uint64_t)x->data_start;
      if (len > 0)
        ms_framer_client(&x->fr, MS_U_DATA, len, false);
      x->data_start = (long)x->fr.cpos;
      if (!ms_framer_client_gap(&x->fr)) {
        x->st = ST_CMD; /* end of stream */
        x->data_start = -1;
      } else {
        x->data_start = (long)x->fr.cpos;
      }
      return;
    }
    x->fr.cpos += n;
    bool dot =
        (n == 3 && p[0] == '.' && p[1] == '\r') || (n == 2 && p[0] == '.');
    if (dot) {
      size_t len = (size_t)(x->fr.cpos - (uint64_t)x->data_start);
      x->fr.cpos = (uint64_t)x->data_start;
      size_t idx = ms_framer_client(&x->fr, MS_U_DATA, len, true);
      ms_framer_expect(&x->fr, idx, false);
      x->st = ST_CMD;
      x->data_start = -1;
      return;
    }
  }
}

/* One command or SASL line.  Secrets are marked whether or not the line
 * is complete (a password cut by the end of the capture is still one). */
static void smtp_line(struct smtp_fr *x) {
  bool complete;
  size_t n = ms_framer_cline(&x->fr, &complete);
  char t[1024];
  ms_line_text(ms_framer_cbytes(&x->fr), n, t, sizeof t);
  bool sasl = x->st == ST_SASL;
  size_t idx =
      ms_framer_client(&x->fr, sasl ? MS_U_SASL : MS_U_LINE, n, complete);
  if (sasl)
    ms_framer_sasl_secret(&x->fr, idx);
  else
    ms_framer_command_secret(&x->fr, idx);
  if (!complete)
    return; /* cut by a gap or the end: nothing answers half a line */
  size_t e = ms_framer_expect(&x->fr, idx, false);
  smtp_after(x, idx, e, t);
}

void ms_import_smtp(const struct ms_imp_session *s, bool greeting,
                    struct ms_frames *out) {
  struct smtp_fr x;
  memset(&x, 0, sizeof x);
  ms_framer_init(&x.fr, s, out, MS_PROTO_SMTP, greeting);
  x.data_start = -1;
  while (!ms_framer_cdone(&x.fr)) {
    if (x.chunk_left > 0) {
      smtp_chunk(&x);
      continue;
    }
    if (x.st == ST_DATA) {
      smtp_data(&x);
      continue;
    }
    if (ms_framer_client_gap(&x.fr))
      continue;
    smtp_line(&x);
  }
  ms_framer_drain(&x.fr);
  ms_framer_free(&x.fr);
}
