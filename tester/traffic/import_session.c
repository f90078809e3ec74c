/* import_session: the bytes of one captured session (ms_imp_dir_*,
 * ms_imp_session_*: per direction, with the packet each piece came with
 * and the gaps), lines and gaps in them, and the list of units a framer
 * fills (ms_frames_*).  The framer both protocols share is
 * import_framer.c; the layout of the units into one conversation is
 * import_frame.c's. */
#include "import.h"

#include <stdlib.h>
#include <string.h>

#include "mailspec/reply.h"
#include "util.h"

/* ---- the store ------------------------------------------------------------
 */

void ms_imp_dir_init(struct ms_imp_dir *d, size_t max) {
  memset(d, 0, sizeof *d);
  d->max = max;
}

void ms_imp_dir_free(struct ms_imp_dir *d) {
  free(d->p);
  free(d->marks);
  free(d->gaps);
  memset(d, 0, sizeof *d);
}

void ms_imp_dir_add(struct ms_imp_dir *d, const unsigned char *p, size_t n,
                    uint64_t frame) {
  ms_imp_dir_add_ts(d, p, n, frame, 0);
}

void ms_imp_dir_add_ts(struct ms_imp_dir *d, const unsigned char *p, size_t n,
                       uint64_t frame, uint64_t ts_ns) {
  if (d->len + n > d->max) {
    size_t room = d->max - d->len;
    d->dropped += n - room;
    n = room;
  }
  if (n == 0)
    return;
  if (d->len + n > d->cap) {
    size_t c = d->cap ? d->cap : 2048;
    while (c < d->len + n)
      c *= 2;
    d->p = xrealloc(d->p, c);
    d->cap = c;
  }
  memcpy(d->p + d->len, p, n);
  if (!d->nmarks || d->marks[d->nmarks - 1].frame != frame) {
    xgrow((void **)&d->marks, &d->capmarks, d->nmarks, sizeof *d->marks);
    d->marks[d->nmarks++] = (struct ms_imp_mark){d->len, frame, ts_ns};
  }
  d->len += n;
}

void ms_imp_dir_gap(struct ms_imp_dir *d, uint64_t len, uint64_t frame,
                    const char *why) {
  if (d->dropped) { /* past the limit everything is dropped anyway */
    d->dropped += len;
    return;
  }
  if (d->ngaps && d->gaps[d->ngaps - 1].off == d->len) {
    d->gaps[d->ngaps - 1].len += len; /* adjacent holes are one gap */
    return;
  }
  xgrow((void **)&d->gaps, &d->capgaps, d->ngaps, sizeof *d->gaps);
  d->gaps[d->ngaps++] = (struct ms_imp_gap){d->len, len, frame, why};
}

/* The last mark with off <= POS (D has marks). */
static size_t dir_mark(const struct ms_imp_dir *d, uint64_t pos) {
  size_t lo = 0, hi = d->nmarks;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (d->marks[mid].off <= pos)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

uint64_t ms_imp_dir_frame(const struct ms_imp_dir *d, uint64_t end) {
  if (!d->nmarks)
    return 0;
  return d->marks[dir_mark(d, end ? end - 1 : 0)].frame;
}

uint64_t ms_imp_dir_ts(const struct ms_imp_dir *d, uint64_t off) {
  return d->nmarks ? d->marks[dir_mark(d, off)].ts_ns : 0;
}

void ms_imp_session_swap(struct ms_imp_session *s) {
  struct ms_imp_dir t = s->d[0];
  s->d[0] = s->d[1];
  s->d[1] = t;
  unsigned char a[16];
  memcpy(a, s->ci.addr[0], 16);
  memcpy(s->ci.addr[0], s->ci.addr[1], 16);
  memcpy(s->ci.addr[1], a, 16);
  uint16_t p = s->ci.port[0];
  s->ci.port[0] = s->ci.port[1];
  s->ci.port[1] = p;
  uint64_t n = s->st.dir_segments[0];
  s->st.dir_segments[0] = s->st.dir_segments[1];
  s->st.dir_segments[1] = n;
  s->swapped = !s->swapped;
}

void ms_imp_session_free(struct ms_imp_session *s) {
  if (!s)
    return;
  ms_imp_dir_free(&s->d[0]);
  ms_imp_dir_free(&s->d[1]);
  free(s);
}

/* ---- helpers ----------------------------------------------------------------
 */

uint64_t ms_imp_next_gap(const struct ms_imp_dir *d, uint64_t pos,
                         size_t *gapi) {
  while (*gapi < d->ngaps && d->gaps[*gapi].off < pos)
    (*gapi)++;
  return *gapi < d->ngaps ? d->gaps[*gapi].off : d->len;
}

size_t ms_imp_line(const struct ms_imp_dir *d, uint64_t pos, uint64_t *gapi,
                   bool *complete) {
  size_t gi = (size_t)*gapi;
  uint64_t stop = ms_imp_next_gap(d, pos, &gi);
  *gapi = gi;
  *complete = false;
  if (pos >= stop)
    return 0;
  const unsigned char *lf = memchr(d->p + pos, '\n', (size_t)(stop - pos));
  if (lf) {
    *complete = true;
    return (size_t)(lf - (d->p + pos)) + 1;
  }
  return (size_t)(stop - pos);
}

void ms_frames_free(struct ms_frames *f) {
  free(f->u);
  memset(f, 0, sizeof *f);
}

struct ms_unit *ms_frames_add(struct ms_frames *f, enum ms_unit_kind kind,
                              int dir) {
  xgrow((void **)&f->u, &f->cap, f->n, sizeof *f->u);
  struct ms_unit *u = &f->u[f->n++];
  memset(u, 0, sizeof *u);
  u->kind = kind;
  u->dir = dir;
  u->answers = -1;
  return u;
}
