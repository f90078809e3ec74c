/* store: what the sessions of one reference server share (see store.h).
 *
 * Accepted mail is kept once per transaction (the recipients point at
 * one copy) so that 100 recipients do not mean 100 copies; memory is
 * bounded by STORE_MAX_BYTES, past which the oldest mail is forgotten
 * (the spool keeps it).  Each recipient's mail is also appended to an
 * mbox (mboxrd quoting) under --spool.  One mutex guards everything:
 * the server is a teaching and test peer, not a mail system. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

#define STORE_MAX_BYTES (64u << 20)
/* What one maildrop takes from SMTP before it is full (452-like: the
 * delivery fails and says so). */
#define STORE_DROP_MAX_BYTES (32u << 20)
#define STORE_DROP_MAX_MSGS 5000

struct store_mail {
  char *from;
  char **rcpts;
  size_t nrcpts;
  char *data;
  size_t len;
  struct ms_store_params *params; /* NULL: none given */
};

/* A message SMTP delivered into a maildrop (issue 14).  Allocated one
 * by one: a POP3 view holds pointers to them while more arrive. */
struct store_got {
  struct ms_world_msg m;
  bool removed; /* deleted in an earlier UPDATE */
};

struct store_drop {
  bool *removed; /* per world message: deleted in an earlier UPDATE */
  bool locked;
  double login_at; /* ms_now() of the last login, 0: none (LOGIN-DELAY) */
  struct store_got **got; /* delivered over SMTP, oldest first */
  size_t ngot, cgot;
  size_t got_bytes;
};

struct store_view { /* ms_maildrop_view.priv */
  size_t drop;
  size_t *idx; /* view message i is world message idx[i] */
};

struct ms_store {
  pthread_mutex_t mu;
  unsigned long long uid_seq; /* unique-ids of delivered messages */
  const struct ms_world *w;
  char *spool;
  struct store_mail *mail;
  size_t nmail, cap, bytes;
  struct store_drop *drops; /* parallel to w->maildrops */
};

struct ms_store *ms_store_new(const struct ms_world *w, const char *spool) {
  struct ms_store *s = xcalloc(1, sizeof *s);
  pthread_mutex_init(&s->mu, NULL);
  s->w = w;
  s->spool = spool ? xstrdup(spool) : NULL;
  s->drops = xcalloc(w->nmaildrops ? w->nmaildrops : 1, sizeof *s->drops);
  for (size_t i = 0; i < w->nmaildrops; i++)
    s->drops[i].removed =
        xcalloc(w->maildrops[i].nmsgs ? w->maildrops[i].nmsgs : 1, 1);
  return s;
}

/* ---- ESMTP parameters (RFC 3461 §4, RFC 6531 §3.4) --------------- */

void ms_store_params_free(struct ms_store_params *p) {
  if (!p)
    return;
  free(p->envid);
  for (size_t i = 0; i < p->nrcpts; i++) {
    free(p->rcpts[i].rcpt);
    free(p->rcpts[i].orcpt_type);
    free(p->rcpts[i].orcpt);
  }
  free(p->rcpts);
  memset(p, 0, sizeof *p);
}

static char *store_strdup0(const char *s) {
  return s ? xstrdup(s) : NULL;
}

static struct ms_store_params *
store_params_dup(const struct ms_store_params *p) {
  if (!p)
    return NULL;
  struct ms_store_params *d = xcalloc(1, sizeof *d);
  *d = *p;
  d->envid = store_strdup0(p->envid);
  d->rcpts = xcalloc(p->nrcpts ? p->nrcpts : 1, sizeof *d->rcpts);
  for (size_t i = 0; i < p->nrcpts; i++) {
    d->rcpts[i].rcpt = store_strdup0(p->rcpts[i].rcpt);
    d->rcpts[i].notify = p->rcpts[i].notify;
    d->rcpts[i].orcpt_type = store_strdup0(p->rcpts[i].orcpt_type);
    d->rcpts[i].orcpt = store_strdup0(p->rcpts[i].orcpt);
  }
  return d;
}

static void store_mail_free(struct store_mail *m) {
  free(m->from);
  for (size_t i = 0; i < m->nrcpts; i++)
    free(m->rcpts[i]);
  free(m->rcpts);
  free(m->data);
  ms_store_params_free(m->params);
  free(m->params);
}

void ms_store_free(struct ms_store *s) {
  if (!s)
    return;
  for (size_t i = 0; i < s->nmail; i++)
    store_mail_free(&s->mail[i]);
  free(s->mail);
  for (size_t i = 0; i < s->w->nmaildrops; i++) {
    struct store_drop *d = &s->drops[i];
    free(d->removed);
    for (size_t k = 0; k < d->ngot; k++) {
      free(d->got[k]->m.data);
      free(d->got[k]->m.uidl);
      free(d->got[k]);
    }
    free(d->got);
  }
  free(s->drops);
  free(s->spool);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

/* ---- SMTP deliveries ---------------------------------------------- */

/* A file name for RCPT: lower case, nothing but [a-z0-9._+@-], never
 * starting with a dot (no "..", no hidden files, no slashes). */
static char *store_box_name(const char *rcpt) {
  size_t n = strlen(rcpt);
  if (n > 200)
    n = 200;
  char *r = xmalloc(n + 2);
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)rcpt[i];
    if (ch >= 'A' && ch <= 'Z')
      ch = (unsigned char)(ch - 'A' + 'a');
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              strchr("._+@-", ch);
    r[o++] = ok && ch ? (char)ch : '_';
  }
  if (o == 0)
    r[o++] = '_';
  else if (r[0] == '.')
    r[0] = '_';
  r[o] = '\0';
  return r;
}

/* mboxrd: "From " envelope line, LF line ends, ">From " quoting of any
 * line matching ^>*From , a blank line after the message. */
static void store_mbox_format(struct ms_buf *b, const char *from,
                              const char *data, size_t len) {
  time_t now = time(NULL);
  struct tm tm;
  char date[64];
  gmtime_r(&now, &tm);
  strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm);
  ms_buf_addf(b, "From %s %s\n", *from ? from : "MAILER-DAEMON", date);
  size_t i = 0;
  while (i < len) {
    const char *nl = memchr(data + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - data) : len;
    size_t lend = end > i && data[end - 1] == '\r' ? end - 1 : end;
    size_t q = i;
    while (q < lend && data[q] == '>')
      q++;
    if (lend - q >= 5 && memcmp(data + q, "From ", 5) == 0)
      ms_buf_add(b, ">", 1);
    ms_buf_add(b, data + i, lend - i);
    ms_buf_add(b, "\n", 1);
    i = nl ? end + 1 : len;
  }
  ms_buf_add(b, "\n", 1);
}

static int store_write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int store_spool(struct ms_store *s, const char *rcpt,
                       const struct ms_buf *mbox) {
  char *name = store_box_name(rcpt);
  char *path = xasprintf("%s/%s", s->spool, name);
  free(name);
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  free(path);
  if (fd < 0)
    return -1;
  int r = store_write_all(fd, mbox->p, mbox->len);
  if (close(fd) < 0)
    r = -1;
  return r;
}

static void store_evict(struct ms_store *s) {
  size_t k = 0;
  while (k < s->nmail && s->bytes > STORE_MAX_BYTES) {
    s->bytes -= s->mail[k].len;
    store_mail_free(&s->mail[k]);
    k++;
  }
  if (k) {
    memmove(s->mail, s->mail + k, (s->nmail - k) * sizeof *s->mail);
    s->nmail -= k;
  }
}

/* ---- SMTP into the POP3 maildrops (issue 14) ----------------------- */

/* The maildrop RCPT ("user@local.domain", "user") is delivered to: the
 * one named like its local part, when its domain is local, or the relay
 * route's (the server's own next hop delivers into this store: only it
 * stores such recipients, srv_smtp_relay.c).  Index, or -1. */
static long store_rcpt_drop(const struct ms_store *s, const char *rcpt) {
  const char *at = strrchr(rcpt, '@');
  if (at && !ms_world_local_domain(s->w, at + 1) &&
      !ms_world_route_domain(s->w, at + 1))
    return -1;
  char *local = at ? xstrndup(rcpt, (size_t)(at - rcpt)) : xstrdup(rcpt);
  const struct ms_world_maildrop *d = ms_world_find_maildrop(s->w, local);
  free(local);
  return d ? (long)(d - s->w->maildrops) : -1;
}

/* Final delivery: "Return-Path: <reverse-path>" (RFC 5321 §4.4: "it
 * inserts a return-path line at the beginning of the mail data"), then
 * the trace lines and the message.  Locked.  -1 when the maildrop is
 * full. */
static int store_drop_add(struct ms_store *s, size_t di,
                          const struct ms_store_in *in) {
  struct store_drop *d = &s->drops[di];
  struct ms_buf b;
  ms_buf_init(&b, 0);
  if (!in->no_return_path)
    ms_buf_addf(&b, "Return-Path: <%s>\r\n", in->from ? in->from : "");
  if (in->content) {
    ms_buf_add(&b, in->content, in->clen);
  } else {
    if (in->trace)
      ms_buf_addstr(&b, in->trace);
    ms_buf_add(&b, in->data, in->len);
  }
  if (d->got_bytes + b.len > STORE_DROP_MAX_BYTES ||
      d->ngot >= STORE_DROP_MAX_MSGS) {
    ms_buf_free(&b);
    return -1;
  }
  struct store_got *g = xcalloc(1, sizeof *g);
  g->m.data = ms_buf_steal(&b, &g->m.len);
  g->m.uidl =
      xasprintf("ms%llu.%llu", (unsigned long long)time(NULL), ++s->uid_seq);
  xgrow((void **)&d->got, &d->cgot, d->ngot, sizeof *d->got);
  d->got[d->ngot++] = g;
  d->got_bytes += g->m.len;
  return 0;
}

int ms_store_deliver(struct ms_store *s, const char *reverse_path,
                     char *const *rcpts, size_t nrcpts, const char *data,
                     size_t len) {
  struct ms_store_in in = {.from = reverse_path,
                           .rcpts = rcpts,
                           .nrcpts = nrcpts,
                           .data = data,
                           .len = len};
  return ms_store_deliver_in(s, &in);
}

int ms_store_deliver_params(struct ms_store *s, const char *reverse_path,
                            char *const *rcpts, size_t nrcpts,
                            const struct ms_store_params *params,
                            const char *data, size_t len) {
  struct ms_store_in in = {.from = reverse_path,
                           .rcpts = rcpts,
                           .nrcpts = nrcpts,
                           .data = data,
                           .len = len,
                           .params = params};
  return ms_store_deliver_in(s, &in);
}

int ms_store_deliver_in(struct ms_store *s, const struct ms_store_in *in) {
  const char *reverse_path = in->from;
  char *const *rcpts = in->rcpts;
  size_t nrcpts = in->nrcpts, len = in->len;
  const char *data = in->data;
  const struct ms_store_params *params = in->params;
  struct store_mail m = {xstrdup(reverse_path ? reverse_path : ""),
                         xcalloc(nrcpts ? nrcpts : 1, sizeof(char *)),
                         nrcpts,
                         xmemdup(data, len),
                         len,
                         store_params_dup(params)};
  for (size_t i = 0; i < nrcpts; i++)
    m.rcpts[i] = xstrdup(rcpts[i]);
  int r = 0;
  pthread_mutex_lock(&s->mu);
  if (s->spool) {
    struct ms_buf mbox, traced;
    ms_buf_init(&mbox, 0);
    ms_buf_init(&traced, 0);
    if (in->content) {
      ms_buf_add(&traced, in->content, in->clen);
    } else {
      if (in->trace)
        ms_buf_addstr(&traced, in->trace);
      ms_buf_add(&traced, data, len);
    }
    store_mbox_format(&mbox, m.from, traced.p ? traced.p : "", traced.len);
    for (size_t i = 0; i < nrcpts; i++)
      if (store_spool(s, rcpts[i], &mbox) < 0)
        r = -1;
    ms_buf_free(&mbox);
    ms_buf_free(&traced);
  }
  for (size_t i = 0; i < nrcpts; i++) {
    long di = store_rcpt_drop(s, rcpts[i]);
    if (di >= 0 && store_drop_add(s, (size_t)di, in) < 0)
      r = -1;
  }
  xgrow((void **)&s->mail, &s->cap, s->nmail, sizeof *s->mail);
  s->mail[s->nmail++] = m;
  s->bytes += len;
  store_evict(s);
  pthread_mutex_unlock(&s->mu);
  return r;
}

static bool store_has_rcpt(const struct store_mail *m, const char *rcpt) {
  for (size_t i = 0; i < m->nrcpts; i++)
    if (ms_streq_ci(m->rcpts[i], rcpt))
      return true;
  return false;
}

size_t ms_store_count(struct ms_store *s, const char *rcpt) {
  size_t n = 0;
  pthread_mutex_lock(&s->mu);
  for (size_t i = 0; i < s->nmail; i++)
    n += store_has_rcpt(&s->mail[i], rcpt);
  pthread_mutex_unlock(&s->mu);
  return n;
}

/* The pointer stays valid until the store is freed or the mail is
 * evicted (tests stay far below STORE_MAX_BYTES). */
const char *ms_store_message(struct ms_store *s, const char *rcpt, size_t n,
                             size_t *len) {
  const char *r = NULL;
  pthread_mutex_lock(&s->mu);
  for (size_t i = 0; i < s->nmail && !r; i++) {
    if (!store_has_rcpt(&s->mail[i], rcpt))
      continue;
    if (n-- == 0) {
      r = s->mail[i].data;
      if (len)
        *len = s->mail[i].len;
    }
  }
  pthread_mutex_unlock(&s->mu);
  return r;
}

const struct ms_store_params *ms_store_params(struct ms_store *s,
                                              const char *rcpt, size_t n) {
  const struct ms_store_params *r = NULL;
  pthread_mutex_lock(&s->mu);
  for (size_t i = 0; i < s->nmail; i++) {
    if (!store_has_rcpt(&s->mail[i], rcpt))
      continue;
    if (n-- == 0) {
      r = s->mail[i].params;
      break;
    }
  }
  pthread_mutex_unlock(&s->mu);
  return r;
}

/* ---- POP3 maildrops ----------------------------------------------- */

static bool store_drop_index(struct ms_store *s, const char *user, size_t *i) {
  const struct ms_world_maildrop *d = ms_world_find_maildrop(s->w, user);
  if (!d)
    return false;
  *i = (size_t)(d - s->w->maildrops);
  return true;
}

int ms_store_lock(struct ms_store *s, const char *user,
                  struct ms_maildrop_view *v) {
  size_t di;
  memset(v, 0, sizeof *v);
  if (!store_drop_index(s, user, &di))
    return -1;
  pthread_mutex_lock(&s->mu);
  struct store_drop *sd = &s->drops[di];
  if (sd->locked) {
    pthread_mutex_unlock(&s->mu);
    return -1;
  }
  sd->locked = true;
  const struct ms_world_maildrop *d = &s->w->maildrops[di];
  struct store_view *p = xcalloc(1, sizeof *p);
  p->drop = di;
  size_t all = d->nmsgs + sd->ngot;
  p->idx = xcalloc(all ? all : 1, sizeof *p->idx);
  v->msgs = xcalloc(all ? all : 1, sizeof *v->msgs);
  for (size_t i = 0; i < d->nmsgs; i++) {
    if (sd->removed[i])
      continue;
    p->idx[v->nmsgs] = i;
    v->msgs[v->nmsgs++] = &d->msgs[i];
  }
  /* then what SMTP delivered, in order (index past the world's) */
  for (size_t i = 0; i < sd->ngot; i++) {
    if (sd->got[i]->removed)
      continue;
    p->idx[v->nmsgs] = d->nmsgs + i;
    v->msgs[v->nmsgs++] = &sd->got[i]->m;
  }
  pthread_mutex_unlock(&s->mu);
  v->deleted = xcalloc(v->nmsgs ? v->nmsgs : 1, sizeof *v->deleted);
  v->drop = d;
  v->priv = p;
  return 0;
}

/* A delivered message deleted in UPDATE: marked, and its text freed (the
 * entry stays, so the indexes of other views stay right). */
static void store_got_remove(struct store_drop *sd, size_t k) {
  struct store_got *g = sd->got[k];
  if (g->removed)
    return;
  g->removed = true;
  sd->got_bytes -= g->m.len;
  free(g->m.data); /* no other view holds it: the maildrop was locked */
  g->m.data = NULL;
  g->m.len = 0;
}

void ms_store_unlock(struct ms_store *s, struct ms_maildrop_view *v,
                     bool commit) {
  struct store_view *p = v->priv;
  if (!p)
    return;
  pthread_mutex_lock(&s->mu);
  struct store_drop *sd = &s->drops[p->drop];
  size_t nworld = s->w->maildrops[p->drop].nmsgs;
  for (size_t i = 0; commit && i < v->nmsgs; i++) {
    if (!v->deleted[i])
      continue;
    if (p->idx[i] < nworld)
      sd->removed[p->idx[i]] = true;
    else
      store_got_remove(sd, p->idx[i] - nworld);
  }
  sd->locked = false;
  pthread_mutex_unlock(&s->mu);
  free(p->idx);
  free(p);
  free(v->msgs);
  free(v->deleted);
  memset(v, 0, sizeof *v);
}

size_t ms_store_pop3_count(struct ms_store *s, const char *user) {
  size_t di, n = 0;
  if (!store_drop_index(s, user, &di))
    return 0;
  pthread_mutex_lock(&s->mu);
  for (size_t i = 0; i < s->w->maildrops[di].nmsgs; i++)
    n += !s->drops[di].removed[i];
  for (size_t i = 0; i < s->drops[di].ngot; i++)
    n += !s->drops[di].got[i]->removed;
  pthread_mutex_unlock(&s->mu);
  return n;
}

double ms_store_login_since(struct ms_store *s, const char *user, double now) {
  size_t di;
  if (!store_drop_index(s, user, &di))
    return -1;
  pthread_mutex_lock(&s->mu);
  double at = s->drops[di].login_at;
  pthread_mutex_unlock(&s->mu);
  return at > 0 ? now - at : -1;
}

void ms_store_note_login(struct ms_store *s, const char *user, double now) {
  size_t di;
  if (!store_drop_index(s, user, &di))
    return;
  pthread_mutex_lock(&s->mu);
  s->drops[di].login_at = now;
  pthread_mutex_unlock(&s->mu);
}
