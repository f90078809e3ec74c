/* tcp_reasm: per-connection TCP stream reassembly (see tcp_reasm.h).
 *
 * Each direction keeps NEXT (the next expected sequence number and its
 * 64-bit stream offset).  A segment at NEXT with nothing held goes
 * straight to the data callback (no copy).  Anything else is written into
 * a power-of-two ring indexed by stream offset, with one bit per byte
 * saying "held"; the ring never spans more than the window, so memory is
 * bounded and each byte is touched a constant number of times. */
#include "tcp_reasm.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define RING_MIN 4096u
/* An ACK further ahead than this is nonsense, not a capture gap. */
#define ACK_JUMP_MAX (64u << 20)
/* A segment of a closed session this close to its old sequence space is
 * a straggler, not a new session. */
#define STRAY_SPAN (16u << 20)

struct conn_key {
  uint8_t af;
  uint8_t pad[3];
  uint16_t port[2];
  unsigned char addr[2][16];
};

struct rdir {
  bool started; /* NEXT is valid */
  bool syn;     /* the SYN of this direction was seen */
  bool fin, fin_done;
  bool delivered; /* some bytes went out */
  uint32_t isn;
  uint32_t next_seq;
  uint64_t next_off;
  uint32_t fin_seq;
  uint64_t hi_off;     /* end of the furthest byte announced (incl. missing) */
  bool ack_known;      /* the peer acknowledged something of this direction */
  uint32_t ack_hi;     /* the highest of it */
  uint64_t first_held; /* offset of the first held byte, if FIRST_VALID */
  bool first_valid;
  unsigned char *ring;
  unsigned char *bits;
  size_t cap;                 /* ring size, power of two; 0 = none */
  size_t held;                /* bytes held in the ring */
  struct rdir *hprev, *hnext; /* list of directions holding bytes */
  struct conn *conn;
};

struct conn {
  struct conn *hnext;         /* hash chain */
  struct conn *lprev, *lnext; /* activity list, least recent first */
  struct conn_key key;
  int client_side;  /* which key side (0/1) is the client */
  struct rdir d[2]; /* by MS_DIR_* */
  void *user;
  bool closed; /* callbacks done; kept to absorb stragglers */
  uint64_t last_ts;
  struct ms_reasm_stats st;
};

struct ms_reasm {
  struct ms_reasm_limits lim;
  struct ms_reasm_cb cb;
  struct conn **tab;
  size_t nbuckets, nconns, nopen;
  struct conn *lru_head, *lru_tail;
  struct rdir *held_head, *held_tail;
  size_t held_total;
  uint64_t next_index;
  uint64_t now_ts;
  uint64_t frame; /* current packet, for messages */
  struct ms_reasm_stats tot;
};

/* ---- keys and the table ------------------------------------------------ */

static int key_side_cmp(const struct ms_tcpseg *s) {
  int c = memcmp(s->src, s->dst, 16);
  if (c == 0)
    c = (s->sport > s->dport) - (s->sport < s->dport);
  return c;
}

/* Canonical key (lower endpoint first); *SIDE: the sender's side. */
static void key_make(const struct ms_tcpseg *s, struct conn_key *k, int *side) {
  memset(k, 0, sizeof *k);
  k->af = (uint8_t)s->af;
  *side = key_side_cmp(s) <= 0 ? 0 : 1;
  int a = *side, b = 1 - *side;
  memcpy(k->addr[a], s->src, 16);
  memcpy(k->addr[b], s->dst, 16);
  k->port[a] = s->sport;
  k->port[b] = s->dport;
}

static size_t key_hash(const struct conn_key *k) {
  uint64_t w[5];
  memcpy(w, k, sizeof w);
  uint64_t h = 0x9E3779B97F4A7C15u;
  for (int i = 0; i < 5; i++) {
    h ^= w[i];
    h *= 0xBF58476D1CE4E5B9u;
    h ^= h >> 31;
  }
  return (size_t)h;
}

static struct conn **tab_slot(struct ms_reasm *r, const struct conn_key *k) {
  struct conn **pp = &r->tab[key_hash(k) & (r->nbuckets - 1)];
  while (*pp && memcmp(&(*pp)->key, k, sizeof *k) != 0)
    pp = &(*pp)->hnext;
  return pp;
}

static void tab_grow(struct ms_reasm *r) {
  size_t nb = r->nbuckets * 2;
  struct conn **t = xcalloc(nb, sizeof *t);
  for (size_t i = 0; i < r->nbuckets; i++) {
    struct conn *c = r->tab[i];
    while (c) {
      struct conn *n = c->hnext;
      size_t b = key_hash(&c->key) & (nb - 1);
      c->hnext = t[b];
      t[b] = c;
      c = n;
    }
  }
  free(r->tab);
  r->tab = t;
  r->nbuckets = nb;
}

/* ---- activity list ----------------------------------------------------- */

static void lru_unlink(struct ms_reasm *r, struct conn *c) {
  if (c->lprev)
    c->lprev->lnext = c->lnext;
  else
    r->lru_head = c->lnext;
  if (c->lnext)
    c->lnext->lprev = c->lprev;
  else
    r->lru_tail = c->lprev;
  c->lprev = c->lnext = NULL;
}

static void lru_append(struct ms_reasm *r, struct conn *c) {
  c->lprev = r->lru_tail;
  c->lnext = NULL;
  if (r->lru_tail)
    r->lru_tail->lnext = c;
  else
    r->lru_head = c;
  r->lru_tail = c;
}

/* ---- held-bytes list (oldest hole first) ------------------------------- */

static void held_unlink(struct ms_reasm *r, struct rdir *d) {
  if (d->hprev)
    d->hprev->hnext = d->hnext;
  else if (r->held_head == d)
    r->held_head = d->hnext;
  else
    return; /* not linked */
  if (d->hnext)
    d->hnext->hprev = d->hprev;
  else
    r->held_tail = d->hprev;
  d->hprev = d->hnext = NULL;
}

static void held_link(struct ms_reasm *r, struct rdir *d) {
  if (d->hprev || r->held_head == d)
    return;
  d->hprev = r->held_tail;
  d->hnext = NULL;
  if (r->held_tail)
    r->held_tail->hnext = d;
  else
    r->held_head = d;
  r->held_tail = d;
}

/* ---- delivery ----------------------------------------------------------- */

static int dir_index(const struct rdir *d) {
  return d == &d->conn->d[0] ? 0 : 1;
}

static void deliver(struct ms_reasm *r, struct rdir *d, const unsigned char *p,
                    size_t n, uint64_t frame) {
  if (n == 0)
    return;
  r->cb.data(d->conn->user, dir_index(d), p, n, frame, r->now_ts);
  d->next_seq += (uint32_t)n;
  d->next_off += n;
  d->delivered = true;
}

static void gap(struct ms_reasm *r, struct rdir *d, uint64_t len,
                uint64_t frame, const char *why) {
  if (len == 0)
    return;
  r->cb.gap(d->conn->user, dir_index(d), len, frame, why);
  d->next_seq += (uint32_t)len;
  d->next_off += len;
  d->conn->st.gaps++;
  d->conn->st.gap_bytes += len;
}

static bool bit_get(const struct rdir *d, uint64_t off) {
  size_t i = (size_t)(off & (d->cap - 1));
  return d->bits[i >> 3] >> (i & 7) & 1;
}

static void bit_set(struct rdir *d, uint64_t off, bool v) {
  size_t i = (size_t)(off & (d->cap - 1));
  if (v)
    d->bits[i >> 3] |= (unsigned char)(1u << (i & 7));
  else
    d->bits[i >> 3] &= (unsigned char)~(1u << (i & 7));
}

static void fin_check(struct rdir *d) {
  if (d->fin && !d->fin_done && d->next_seq == d->fin_seq) {
    d->fin_done = true;
    d->next_seq++; /* FIN occupies one sequence number */
  }
}

static void held_sub(struct ms_reasm *r, struct rdir *d, size_t n) {
  d->held -= n;
  r->held_total -= n;
  if (d->held == 0)
    held_unlink(r, d);
}

/* Deliver the held bytes that are now in order. */
static void drain(struct ms_reasm *r, struct rdir *d, uint64_t frame) {
  while (d->held > 0 && bit_get(d, d->next_off)) {
    size_t start = (size_t)(d->next_off & (d->cap - 1));
    size_t run = 0;
    /* one contiguous piece of the ring at a time */
    while (start + run < d->cap && run < d->held &&
           bit_get(d, d->next_off + run)) {
      bit_set(d, d->next_off + run, false);
      run++;
    }
    held_sub(r, d, run);
    deliver(r, d, d->ring + start, run, frame);
  }
  if (d->first_valid && d->next_off > d->first_held)
    d->first_valid = false;
  fin_check(d);
}

/* Offset of the first held byte (D->held > 0).  Cached; each rescan
 * starts past the previous answer, so scanning stays linear overall. */
static uint64_t first_held(struct rdir *d) {
  if (!d->first_valid || d->first_held < d->next_off) {
    uint64_t n = 0;
    while (n < d->cap && !bit_get(d, d->next_off + n))
      n++;
    d->first_held = d->next_off + n;
    d->first_valid = true;
  }
  return d->first_held;
}

/* Move NEXT up to stream offset TARGET: held bytes are delivered, holes
 * are declared as gaps. */
static void advance_to(struct ms_reasm *r, struct rdir *d, uint64_t target,
                       uint64_t frame, const char *why) {
  while (d->next_off < target) {
    if (d->held > 0 && bit_get(d, d->next_off)) {
      drain(r, d, frame);
      continue;
    }
    uint64_t hole = target - d->next_off;
    if (d->held > 0) {
      uint64_t n = 0;
      while (n < hole && n < d->cap && !bit_get(d, d->next_off + n))
        n++;
      hole = n;
    }
    gap(r, d, hole, frame, why);
  }
  drain(r, d, frame);
}

/* ---- the ring ------------------------------------------------------------ */

static void ring_free(struct ms_reasm *r, struct rdir *d) {
  if (d->held)
    held_sub(r, d, d->held);
  free(d->ring);
  free(d->bits);
  d->ring = d->bits = NULL;
  d->cap = 0;
  d->first_valid = false;
}

/* Make the ring cover NEED bytes from NEXT (NEED <= window). */
static void ring_reserve(struct rdir *d, size_t need) {
  if (need <= d->cap)
    return;
  size_t nc = d->cap ? d->cap : RING_MIN;
  while (nc < need)
    nc *= 2;
  unsigned char *ring = xmalloc(nc);
  unsigned char *bits = xcalloc(nc / 8, 1);
  for (size_t i = 0; d->held > 0 && i < d->cap; i++) {
    uint64_t off = d->next_off + i;
    if (bit_get(d, off)) {
      size_t j = (size_t)(off & (nc - 1));
      ring[j] = d->ring[off & (d->cap - 1)];
      bits[j >> 3] |= (unsigned char)(1u << (j & 7));
    }
  }
  free(d->ring);
  free(d->bits);
  d->ring = ring;
  d->bits = bits;
  d->cap = nc;
}

/* Report bytes of an overlap that differ from the copy kept. */
static void conflict(struct ms_reasm *r, struct rdir *d, size_t n) {
  if (!d->conn->st.first_conflict_frame)
    d->conn->st.first_conflict_frame = r->frame;
  d->conn->st.conflicts++;
  d->conn->st.conflict_bytes += n;
}

/* Write N bytes at REL bytes past NEXT into the ring (first copy wins). */
static void ring_put(struct ms_reasm *r, struct rdir *d, size_t rel,
                     const unsigned char *p, size_t n) {
  ring_reserve(d, rel + n);
  size_t added = 0, differ = 0, same = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t off = d->next_off + rel + i;
    unsigned char *slot = &d->ring[off & (d->cap - 1)];
    if (bit_get(d, off)) {
      if (*slot != p[i])
        differ++;
      else
        same++;
    } else {
      *slot = p[i];
      bit_set(d, off, true);
      if (d->first_valid && off < d->first_held)
        d->first_held = off;
      added++;
    }
  }
  d->conn->st.rexmit_bytes += same;
  if (differ)
    conflict(r, d, differ);
  if (added) {
    d->held += added;
    r->held_total += added;
    held_link(r, d);
  }
}

/* ---- segments ------------------------------------------------------------ */

static void enforce_held_total(struct ms_reasm *r, struct rdir *keep);
static void ack_check(struct ms_reasm *r, struct rdir *d, uint64_t frame);

/* Bytes P/N at sequence SEQ of direction D. */
static void insert(struct ms_reasm *r, struct rdir *d, uint32_t seq,
                   const unsigned char *p, size_t n, uint64_t frame) {
  int32_t rel = (int32_t)(seq - d->next_seq);
  if (rel < 0) {
    size_t old = (size_t) - (int64_t)rel < n ? (size_t) - (int64_t)rel : n;
    uint64_t back = (uint64_t) - (int64_t)rel;
    if (back <= d->next_off && r->cb.compare) {
      int differ = r->cb.compare(d->conn->user, dir_index(d),
                                 d->next_off - back, p, old);
      if (differ > 0)
        conflict(r, d, (size_t)differ);
      else
        d->conn->st.rexmit_bytes += old;
    } else {
      d->conn->st.rexmit_bytes += old;
    }
    p += old;
    n -= old;
    seq += (uint32_t)old;
    rel = 0;
    if (n == 0)
      return;
  }
  /* Pieces never larger than the window, so that the bound below can
   * always be met by skipping ahead of the piece. */
  while (n > r->lim.window) {
    insert(r, d, seq, p, r->lim.window, frame);
    seq += (uint32_t)r->lim.window;
    p += r->lim.window;
    n -= r->lim.window;
  }
  rel = (int32_t)(seq - d->next_seq);
  if (rel < 0) { /* an earlier piece's forced skip passed us */
    insert(r, d, seq, p, n, frame);
    return;
  }
  if (rel == 0 && d->held == 0) {
    deliver(r, d, p, n, frame); /* the common case: no copy */
    fin_check(d);
    return;
  }
  if (rel > 0)
    d->conn->st.ooo_segments++;
  if ((size_t)rel + n > r->lim.window) {
    advance_to(r, d, d->next_off + ((size_t)rel + n - r->lim.window), frame,
               "more bytes ahead of a hole than the reassembly window holds");
    rel = (int32_t)(seq - d->next_seq);
    if (rel < 0) {
      insert(r, d, seq, p, n, frame);
      return;
    }
  }
  ring_put(r, d, (size_t)rel, p, n);
  drain(r, d, frame);
  ack_check(r, d, frame);
  enforce_held_total(r, d);
}

/* Over the global bound: the direction that has held bytes longest gives
 * up waiting (its holes become gaps). */
static void enforce_held_total(struct ms_reasm *r, struct rdir *keep) {
  while (r->held_total > r->lim.max_held && r->held_head) {
    struct rdir *d = r->held_head;
    if (d == keep && !d->hnext)
      break; /* the bound is exceeded by at most one window */
    if (d == keep)
      d = d->hnext;
    advance_to(r, d, d->hi_off, r->frame,
               "too many bytes held out of order in total");
    if (d->held)
      ring_free(r, d); /* cannot happen (hi_off covers them): stay bounded */
  }
}

/* The peer acknowledged bytes that D holds beyond a hole: the bytes of the
 * hole reached the peer, so the capture missed them (tshark's rule; an
 * ACK alone may only mean the capture reordered the two directions, and
 * the bytes may still come).  Holes not proven this way are declared
 * when the session ends. */
static void ack_check(struct ms_reasm *r, struct rdir *d, uint64_t frame) {
  while (d->ack_known && d->held > 0) {
    int32_t rel = (int32_t)(d->ack_hi - d->next_seq);
    if (rel <= 0 || (uint32_t)rel > ACK_JUMP_MAX)
      return;
    uint64_t f = first_held(d);
    if (d->next_off + (uint64_t)rel <= f)
      return;
    advance_to(r, d, f, frame,
               "the peer acknowledged bytes the capture does not hold");
  }
}

/* An ACK from the peer of D. */
static void ack_seen(struct ms_reasm *r, struct rdir *d, uint32_t ack,
                     uint64_t frame) {
  if (!d->started)
    return;
  uint32_t end = ack;
  if (d->fin && (int32_t)(ack - d->fin_seq) > 0)
    end = d->fin_seq; /* the FIN's own sequence number is no data */
  if (!d->ack_known || (int32_t)(end - d->ack_hi) > 0) {
    d->ack_hi = end;
    d->ack_known = true;
  }
  ack_check(r, d, frame);
}

/* ---- sessions ------------------------------------------------------------ */

static bool is_server_port(const struct ms_reasm *r, uint16_t port) {
  for (size_t i = 0; i < r->lim.nserver_ports; i++)
    if (r->lim.server_ports[i] == port)
      return true;
  return false;
}

/* Which side is the client, from the first packet: the SYN tells; then
 * known server ports; then the lower port is the service. */
static int pick_client(const struct ms_reasm *r, const struct ms_tcpseg *s,
                       int side) {
  uint8_t f = s->flags;
  if (f & MS_TH_SYN)
    return f & MS_TH_ACK ? 1 - side : side;
  bool ss = is_server_port(r, s->sport), ds = is_server_port(r, s->dport);
  if (ss != ds)
    return ss ? 1 - side : side;
  if (s->sport != s->dport)
    return s->sport < s->dport ? 1 - side : side;
  return side;
}

static struct conn *conn_new(struct ms_reasm *r, const struct conn_key *k,
                             const struct ms_tcpseg *s, int side,
                             uint64_t frame) {
  struct conn *c = xcalloc(1, sizeof *c);
  c->key = *k;
  c->client_side = pick_client(r, s, side);
  c->d[0].conn = c->d[1].conn = c;
  c->last_ts = r->now_ts;
  struct ms_conn_info ci;
  memset(&ci, 0, sizeof ci);
  ci.index = r->next_index++;
  ci.af = k->af;
  for (int dir = 0; dir < 2; dir++) {
    int ks = dir == MS_DIR_C2S ? c->client_side : 1 - c->client_side;
    memcpy(ci.addr[dir], k->addr[ks], 16);
    ci.port[dir] = k->port[ks];
  }
  ci.saw_syn = (s->flags & MS_TH_SYN) != 0;
  ci.first_frame = frame;
  ci.first_ts_ns = r->now_ts;
  c->user = r->cb.open(r->cb.ctx, &ci);
  struct conn **slot = tab_slot(r, k);
  c->hnext = *slot;
  *slot = c;
  lru_append(r, c);
  r->nconns++;
  r->nopen++;
  if (r->nconns > r->nbuckets)
    tab_grow(r);
  return c;
}

static void stats_add(struct ms_reasm_stats *t,
                      const struct ms_reasm_stats *s) {
  t->segments += s->segments;
  t->rexmit_bytes += s->rexmit_bytes;
  t->conflicts += s->conflicts;
  t->conflict_bytes += s->conflict_bytes;
  t->ooo_segments += s->ooo_segments;
  t->gaps += s->gaps;
  t->gap_bytes += s->gap_bytes;
  t->truncated_bytes += s->truncated_bytes;
  t->keepalives += s->keepalives;
  if (!t->first_conflict_frame)
    t->first_conflict_frame = s->first_conflict_frame;
  t->stray += s->stray;
  t->dir_segments[0] += s->dir_segments[0];
  t->dir_segments[1] += s->dir_segments[1];
  if (s->last_frame > t->last_frame)
    t->last_frame = s->last_frame;
}

/* Flush both directions (holes at the end are gaps) and report. */
static void conn_close(struct ms_reasm *r, struct conn *c, const char *why,
                       uint64_t frame) {
  if (c->closed)
    return;
  if (c->st.last_frame) /* not the packet that closed it (the end of the */
    frame = c->st.last_frame; /* capture, another session's): its own */
  for (int i = 0; i < 2; i++) {
    struct rdir *d = &c->d[i];
    if (!d->started)
      continue;
    uint64_t end = d->hi_off;
    if (d->ack_known) { /* acknowledged by the peer, never seen */
      int32_t rel = (int32_t)(d->ack_hi - d->next_seq);
      if (rel > 0 && (uint32_t)rel <= ACK_JUMP_MAX &&
          d->next_off + (uint64_t)rel > end)
        end = d->next_off + (uint64_t)rel;
    }
    if (d->fin && !d->fin_done) {
      uint64_t fin_off = d->next_off + (uint32_t)(d->fin_seq - d->next_seq);
      if (fin_off > end && fin_off - d->next_off <= ACK_JUMP_MAX)
        end = fin_off;
    }
    if (end > d->next_off)
      advance_to(r, d, end, frame, "bytes missing when the session ended");
    ring_free(r, d);
  }
  c->closed = true;
  r->nopen--;
  stats_add(&r->tot, &c->st);
  r->cb.close(c->user, why, frame, &c->st);
  c->user = NULL;
}

static void conn_free(struct ms_reasm *r, struct conn *c) {
  struct conn **slot = tab_slot(r, &c->key);
  if (*slot == c)
    *slot = c->hnext;
  lru_unlink(r, c);
  r->nconns--;
  free(c);
}

static void conn_drop(struct ms_reasm *r, struct conn *c, const char *why,
                      uint64_t frame) {
  conn_close(r, c, why, frame);
  conn_free(r, c);
}

/* Close sessions idle too long (capture clock); forget closed ones. */
static void expire(struct ms_reasm *r, const struct conn *keep,
                   uint64_t frame) {
  if (r->lim.idle <= 0)
    return;
  uint64_t limit = (uint64_t)(r->lim.idle * 1e9);
  while (r->lru_head && r->lru_head != keep &&
         r->lru_head->last_ts + limit < r->now_ts)
    conn_drop(r, r->lru_head, "idle (no packet for the idle limit)", frame);
}

/* ---- per packet ------------------------------------------------------------
 */

static void dir_start(struct rdir *d, uint32_t seq) {
  d->started = true;
  d->next_seq = seq;
  d->next_off = 0;
  d->hi_off = 0;
  d->ack_known = false;
}

/* A SYN or SYN-ACK for direction D. */
static void syn_seen(struct rdir *d, uint32_t seq) {
  if (d->delivered)
    return; /* a second SYN-ACK with another ISN after data: ignore */
  d->syn = true;
  d->isn = seq;
  dir_start(d, seq + 1);
}

/* Does a packet on closed session C start a new session? */
static bool starts_new(const struct conn *c, const struct ms_tcpseg *s,
                       int dir) {
  if ((s->flags & (MS_TH_SYN | MS_TH_ACK)) == MS_TH_SYN)
    return !c->d[dir].syn || s->seq != c->d[dir].isn;
  if (s->len == 0 || (s->flags & MS_TH_RST))
    return false;
  const struct rdir *d = &c->d[dir];
  if (!d->started)
    return true;
  int32_t rel = (int32_t)(s->seq - d->next_seq);
  return rel > (int32_t)STRAY_SPAN || rel < -(int32_t)STRAY_SPAN;
}

/* A pure SYN on an open session that already carried something. */
static bool reuses_tuple(const struct conn *c, const struct ms_tcpseg *s,
                         int dir) {
  if ((s->flags & (MS_TH_SYN | MS_TH_ACK)) != MS_TH_SYN)
    return false;
  const struct rdir *d = &c->d[dir];
  if (d->syn && s->seq == d->isn)
    return false; /* retransmitted SYN */
  return c->d[0].delivered || c->d[1].delivered || c->d[0].fin || c->d[1].fin;
}

static void segment_flags(struct ms_reasm *r, struct conn *c, struct rdir *d,
                          const struct ms_tcpseg *s, uint64_t frame) {
  uint32_t seq = s->seq;
  if (s->flags & MS_TH_SYN) {
    syn_seen(d, seq);
    seq++;
  }
  if (!d->started && (s->len > 0 || (s->flags & MS_TH_FIN)))
    dir_start(d, seq); /* capture began mid-session */
  if (!d->started)
    return;
  uint64_t end = d->next_off + (uint64_t)(int64_t)(int32_t)(seq - d->next_seq) +
                 s->len + s->missing;
  if (s->len + s->missing > 0 &&
      (int32_t)(seq - d->next_seq) > -(int32_t)STRAY_SPAN && end > d->hi_off &&
      end - d->next_off <= ACK_JUMP_MAX)
    d->hi_off = end;
  c->st.truncated_bytes += s->missing;
  if (s->len > 0) {
    int32_t rel = (int32_t)(seq - d->next_seq);
    if (s->len <= 1 && rel == -1 && !(s->flags & (MS_TH_SYN | MS_TH_FIN))) {
      c->st.keepalives++; /* RFC 9293 §3.8.4: one old byte */
    } else {
      insert(r, d, seq, s->payload, s->len, frame);
    }
  }
  /* caplen < len: the rest of this segment is certainly not in the
   * capture; say so now if it is next in line (else at the end). */
  if (s->missing > 0 && d->next_seq == seq + s->len)
    advance_to(r, d, d->next_off + s->missing, frame,
               "not captured: the snap length cut the packet");
  if ((s->flags & MS_TH_FIN) && !d->fin) {
    d->fin = true;
    d->fin_seq = seq + s->len + s->missing;
    fin_check(d);
  }
}

void ms_reasm_segment(struct ms_reasm *r, const struct ms_tcpseg *s,
                      uint64_t frame, uint64_t ts_ns) {
  struct conn_key k;
  int side;
  if (ts_ns > r->now_ts)
    r->now_ts = ts_ns;
  r->frame = frame;
  key_make(s, &k, &side);
  struct conn *c = *tab_slot(r, &k);
  if (c) {
    int dir = side == c->client_side ? MS_DIR_C2S : MS_DIR_S2C;
    if (c->closed && starts_new(c, s, dir)) {
      conn_free(r, c);
      c = NULL;
    } else if (!c->closed && reuses_tuple(c, s, dir)) {
      conn_drop(r, c, "the 4-tuple was reused by a new SYN", frame);
      c = NULL;
    } else if (c->closed) {
      c->st.stray++;
      r->tot.stray++;
      lru_unlink(r, c);
      lru_append(r, c);
      c->last_ts = r->now_ts;
      return;
    }
  }
  if (!c) {
    while (r->nconns >= r->lim.max_flows && r->lru_head)
      conn_drop(r, r->lru_head, "evicted: too many open sessions", frame);
    c = conn_new(r, &k, s, side, frame);
  }
  lru_unlink(r, c);
  lru_append(r, c);
  c->last_ts = r->now_ts;
  c->st.segments++;
  c->st.last_frame = frame;
  int dir = side == c->client_side ? MS_DIR_C2S : MS_DIR_S2C;
  c->st.dir_segments[dir]++;
  if (s->flags & MS_TH_RST) {
    conn_close(r, c, "rst", frame); /* RST payload is not stream data */
    return;
  }
  segment_flags(r, c, &c->d[dir], s, frame);
  if (s->flags & MS_TH_ACK)
    ack_seen(r, &c->d[1 - dir], s->ack, frame);
  if (c->d[0].fin_done && c->d[1].fin_done)
    conn_close(r, c, "fin", frame);
  expire(r, c, frame);
}

/* ---- lifetime --------------------------------------------------------------
 */

struct ms_reasm *ms_reasm_new(const struct ms_reasm_limits *lim,
                              const struct ms_reasm_cb *cb) {
  struct ms_reasm *r = xcalloc(1, sizeof *r);
  struct ms_reasm_limits def = MS_REASM_LIMITS_DEFAULT;
  r->lim = lim ? *lim : def;
  if (r->lim.max_flows == 0)
    r->lim.max_flows = def.max_flows;
  size_t w = RING_MIN;
  while (w < r->lim.window)
    w *= 2;
  r->lim.window = w; /* a power of two, at least RING_MIN */
  if (r->lim.max_held == 0)
    r->lim.max_held = def.max_held;
  r->cb = *cb;
  r->nbuckets = 1024;
  r->tab = xcalloc(r->nbuckets, sizeof *r->tab);
  return r;
}

void ms_reasm_finish(struct ms_reasm *r, uint64_t frame) {
  while (r->lru_head)
    conn_drop(r, r->lru_head, "end of capture", frame);
}

const struct ms_reasm_stats *ms_reasm_totals(const struct ms_reasm *r) {
  return &r->tot;
}

size_t ms_reasm_open_flows(const struct ms_reasm *r) {
  return r->nopen;
}

size_t ms_reasm_held_bytes(const struct ms_reasm *r) {
  return r->held_total;
}

void ms_reasm_free(struct ms_reasm *r) {
  if (!r)
    return;
  while (r->lru_head) {
    struct conn *c = r->lru_head;
    for (int i = 0; i < 2; i++)
      ring_free(r, &c->d[i]);
    conn_free(r, c);
  }
  free(r->tab);
  free(r);
}
