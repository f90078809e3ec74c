/* engine_pop3: what the engine checks by itself in a POP3 session,
 * across replies (RFC 1939 §5, §7, §11): the sizes LIST and STAT give
 * against the octets RETR sends, and the form of UIDL's unique-ids.
 * Pure: replies in, finding texts out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine_int.h"
#include "util.h"

void ms_engine_pop3_reset(struct ms_pop3_ledger *l) {
  free(l->sizes);
  *l = (struct ms_pop3_ledger){0};
}

/* The decimal number at *P (advanced past it and the blanks after);
 * false if none or too large. */
static bool pop3_num(const char **p, unsigned long long *out) {
  const char *s = *p;
  unsigned long long v = 0;
  if (*s < '0' || *s > '9')
    return false;
  while (*s >= '0' && *s <= '9') {
    if (v > 1000000000000ull)
      return false;
    v = v * 10 + (unsigned long long)(*s++ - '0');
  }
  while (*s == ' ')
    s++;
  *p = s;
  *out = v;
  return true;
}

static struct ms_pop3_size *pop3_entry(struct ms_pop3_ledger *l,
                                       unsigned long long msg) {
  for (size_t i = 0; i < l->n; i++)
    if (l->sizes[i].msg == msg)
      return &l->sizes[i];
  if (l->n == MS_POP3_LEDGER_MAX)
    return NULL; /* bounded: later messages go unchecked */
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 16;
    l->sizes = xrealloc(l->sizes, l->cap * sizeof *l->sizes);
  }
  l->sizes[l->n] = (struct ms_pop3_size){msg, -1, -1};
  return &l->sizes[l->n++];
}

/* Both sizes of one message known: they must agree (RFC 1939 §5, §11). */
static char *pop3_cmp(const struct ms_pop3_size *s) {
  if (!s || s->listed < 0 || s->sent < 0 || s->listed == s->sent)
    return NULL;
  return xasprintf("LIST gave message %llu as %lld octets but RETR %llu sent "
                   "%lld (RFC 1939 §5, §11: the exact size, CRLF counted, "
                   "byte-stuffing and the final \".\" line not)",
                   s->msg, s->listed, s->msg, s->sent);
}

/* A complete scan listing of this epoch against STAT's figures. */
static char *pop3_stat_cmp(const struct ms_pop3_ledger *l) {
  if (!l->have_stat || !l->have_list || l->stat_epoch != l->list_epoch)
    return NULL;
  if (l->stat_n == l->list_n && l->stat_octets == l->list_octets)
    return NULL;
  return xasprintf("STAT gave %llu messages, %llu octets but LIST listed "
                   "%llu messages, %llu octets in all (RFC 1939 §5: STAT's "
                   "size is the maildrop's, the sum of the listed sizes)",
                   l->stat_n, l->stat_octets, l->list_n, l->list_octets);
}

/* RFC 1939 §7: unique-id = 1*70 uchar, uchar = 0x21-0x7E. */
static char *pop3_uid_form(const char *id, size_t n) {
  if (n < 1 || n > 70)
    return xasprintf("a UIDL unique-id is %zu characters long; it must be 1 "
                     "to 70 (RFC 1939 §7)",
                     n);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)id[i] < 0x21 || (unsigned char)id[i] > 0x7e)
      return xasprintf("a UIDL unique-id contains the octet 0x%02x; only "
                       "0x21-0x7E are allowed (RFC 1939 §7)",
                       (unsigned char)id[i]);
  return NULL;
}

/* "n uid" (a listing line, or after "+OK " for UIDL n). */
static char *pop3_uid_line(const char *s, size_t len, const char **id,
                           size_t *idlen) {
  const char *p = s;
  unsigned long long msg;
  if (!pop3_num(&p, &msg))
    return NULL; /* not a listing line: the transcript's text: judges */
  *id = p;
  *idlen = len - (size_t)(p - s);
  return pop3_uid_form(*id, *idlen);
}

struct pop3_id {
  const char *s;
  size_t n;
};

static int pop3_id_cmp(const void *a, const void *b) {
  const struct pop3_id *x = a, *y = b;
  size_t n = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->s, y->s, n);
  return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Sorted, so that a hostile listing of 100000 lines costs n log n. */
static char *pop3_uidl_all(const struct ms_reply *r) {
  struct pop3_id *ids = xcalloc(r->nlines + 1, sizeof *ids);
  size_t k = 0;
  char *bad = NULL;
  for (size_t i = 1; i < r->nlines && !bad; i++) {
    const char *id = NULL;
    size_t n = 0;
    bad = pop3_uid_line(r->lines[i], r->lens[i], &id, &n);
    if (id)
      ids[k++] = (struct pop3_id){id, n};
  }
  if (!bad && k > 1) {
    qsort(ids, k, sizeof *ids, pop3_id_cmp);
    for (size_t i = 1; i < k && !bad; i++)
      if (pop3_id_cmp(&ids[i - 1], &ids[i]) == 0)
        bad = xasprintf("the UIDL listing gives the unique-id \"%.*s\" "
                        "twice; unique-ids must be unique within a "
                        "maildrop (RFC 1939 §7)",
                        (int)ids[i].n, ids[i].s);
  }
  free(ids);
  return bad;
}

static char *pop3_list_all(struct ms_pop3_ledger *l, const struct ms_reply *r) {
  l->list_n = l->list_octets = 0;
  char *bad = NULL;
  for (size_t i = 1; i < r->nlines; i++) {
    const char *p = r->lines[i];
    unsigned long long msg, size;
    if (!pop3_num(&p, &msg) || !pop3_num(&p, &size))
      continue;
    l->list_n++;
    l->list_octets += size;
    struct ms_pop3_size *e = pop3_entry(l, msg);
    if (e)
      e->listed = (long long)size;
    if (!bad)
      bad = pop3_cmp(e);
  }
  l->have_list = true;
  l->list_epoch = l->epoch;
  return bad ? bad : pop3_stat_cmp(l);
}

/* RETR's octets as sent: each content line plus CRLF (the reader
 * unstuffed them and did not keep the final line). */
static char *pop3_retr(struct ms_pop3_ledger *l, unsigned long long msg,
                       const struct ms_reply *r) {
  if (r->violations & (MS_V_LONG_LINE | MS_V_TOO_BIG | MS_V_TRUNCATED |
                       MS_V_BARE_LF | MS_V_BARE_CR))
    return NULL; /* octets not known exactly; already a finding */
  long long octets = 0;
  for (size_t i = 1; i < r->nlines; i++)
    octets += (long long)r->lens[i] + 2;
  struct ms_pop3_size *e = pop3_entry(l, msg);
  if (!e)
    return NULL;
  e->sent = octets;
  return pop3_cmp(e);
}

char *ms_engine_pop3_check(struct ms_pop3_ledger *l, const char *sent,
                           const struct ms_reply *r) {
  if (!sent || r->code != MS_POP3_OK || r->nlines == 0)
    return NULL;
  size_t vn = strcspn(sent, " ");
  const char *arg = sent + vn;
  while (*arg == ' ')
    arg++;
  unsigned long long msg = 0;
  const char *ap = arg;
  bool has_msg = pop3_num(&ap, &msg);
  const char *st = r->lines[0] + (r->lens[0] > 3 ? 4 : r->lens[0]);
#define VERB(v) (vn == strlen(v) && strncasecmp(sent, v, vn) == 0)
  if (VERB("DELE") || VERB("RSET")) {
    l->epoch++; /* STAT and LIST no longer count the same messages */
  } else if (VERB("STAT")) {
    const char *p = st;
    if (!pop3_num(&p, &l->stat_n) || !pop3_num(&p, &l->stat_octets))
      return NULL;
    l->have_stat = true;
    l->stat_epoch = l->epoch;
    return pop3_stat_cmp(l);
  } else if (VERB("LIST") && *arg == '\0' && r->multiline) {
    return pop3_list_all(l, r);
  } else if (VERB("LIST") && has_msg) {
    const char *p = st;
    unsigned long long m, size;
    if (!pop3_num(&p, &m) || !pop3_num(&p, &size) || m != msg)
      return NULL;
    struct ms_pop3_size *e = pop3_entry(l, msg);
    if (!e)
      return NULL;
    e->listed = (long long)size;
    return pop3_cmp(e);
  } else if (VERB("RETR") && has_msg && r->multiline) {
    return pop3_retr(l, msg, r);
  } else if (VERB("UIDL") && *arg == '\0' && r->multiline) {
    return pop3_uidl_all(r);
  } else if (VERB("UIDL") && has_msg) {
    const char *id;
    size_t n;
    return pop3_uid_line(st, r->lens[0] - (size_t)(st - r->lines[0]), &id, &n);
  }
#undef VERB
  return NULL;
}
