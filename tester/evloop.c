/* evloop: epoll and a deadline heap under the fibers (see evloop.h).
 * A socket is registered once, edge-triggered, at its first wait: no
 * epoll_ctl per wait (make bench counts syscalls per session).  The loop
 * remembers what each edge said (ready) until the socket's owner, by an
 * EAGAIN, says it is used up (ms_evloop_unready); a wait for a readiness
 * already known returns at once.  ms_evloop_forget before close(). */
#include "evloop.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "net.h"
#include "util.h"

/* How often waiting sessions look at the stop flag (as net.c polls). */
#define EV_STOP_SLICE 0.1
#define EV_BATCH 256
/* A sleep this long (pause:, pacing) gives its unused stack back. */
#define EV_TRIM_AFTER 0.25

struct ev_wait {
  struct ms_fiber *f;
  int fd;
  uint32_t want; /* epoll events that end it */
  double end;
  volatile sig_atomic_t *stop;
  int result;
  size_t slot; /* index in the heap */
};

/* What the loop knows of one socket (indexed by fd). */
struct ev_fd {
  bool reg;          /* added to the epoll set */
  uint32_t ready;    /* events seen since the owner's last EAGAIN */
  struct ev_wait *w; /* the wait on it, if any */
};

struct ms_evloop {
  int ep;
  struct ev_fd *fds;
  size_t nfds;
  struct ev_wait **heap; /* waits by deadline, earliest first */
  size_t nheap, capheap;
  struct ms_fiber **ready; /* to resume, in order */
  size_t nready, capready;
  struct ms_fiber **spare; /* the other queue, while one runs */
  size_t capspare;
  size_t alive; /* fibers not ended */
};

static _Thread_local struct ms_evloop *ev_cur;

struct ms_evloop *ms_evloop_new(void) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0)
    return NULL;
  struct ms_evloop *l = xcalloc(1, sizeof *l);
  l->ep = ep;
  return l;
}

void ms_evloop_free(struct ms_evloop *l) {
  if (!l)
    return;
  close(l->ep);
  free(l->fds);
  free(l->heap);
  free(l->ready);
  free(l->spare);
  free(l);
}

static void ev_ready(struct ms_evloop *l, struct ms_fiber *f) {
  if (l->nready == l->capready) {
    l->capready = l->capready ? l->capready * 2 : 16;
    l->ready = xrealloc(l->ready, l->capready * sizeof *l->ready);
  }
  l->ready[l->nready++] = f;
}

bool ms_evloop_spawn(struct ms_evloop *l, ms_fiber_fn fn, void *arg) {
  struct ms_fiber *f = ms_fiber_new(fn, arg);
  if (!f)
    return false;
  l->alive++;
  ev_ready(l, f);
  return true;
}

/* ---- the deadline heap ---------------------------------------------- */

static void ev_heap_set(struct ms_evloop *l, size_t i, struct ev_wait *w) {
  l->heap[i] = w;
  w->slot = i;
}

static void ev_heap_up(struct ms_evloop *l, size_t i) {
  struct ev_wait *w = l->heap[i];
  while (i > 0 && l->heap[(i - 1) / 2]->end > w->end) {
    ev_heap_set(l, i, l->heap[(i - 1) / 2]);
    i = (i - 1) / 2;
  }
  ev_heap_set(l, i, w);
}

static void ev_heap_down(struct ms_evloop *l, size_t i) {
  struct ev_wait *w = l->heap[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= l->nheap)
      break;
    if (c + 1 < l->nheap && l->heap[c + 1]->end < l->heap[c]->end)
      c++;
    if (l->heap[c]->end >= w->end)
      break;
    ev_heap_set(l, i, l->heap[c]);
    i = c;
  }
  ev_heap_set(l, i, w);
}

static void ev_heap_push(struct ms_evloop *l, struct ev_wait *w) {
  if (l->nheap == l->capheap) {
    l->capheap = l->capheap ? l->capheap * 2 : 64;
    l->heap = xrealloc(l->heap, l->capheap * sizeof *l->heap);
  }
  ev_heap_set(l, l->nheap++, w);
  ev_heap_up(l, w->slot);
}

static void ev_heap_remove(struct ms_evloop *l, struct ev_wait *w) {
  size_t i = w->slot;
  struct ev_wait *last = l->heap[--l->nheap];
  if (last == w)
    return;
  ev_heap_set(l, i, last);
  ev_heap_up(l, i);
  ev_heap_down(l, last->slot);
}

/* ---- waiting and waking ------------------------------------------------ */

static struct ev_fd *ev_fd(struct ms_evloop *l, int fd) {
  if ((size_t)fd >= l->nfds) {
    size_t n = l->nfds ? l->nfds : 64;
    while (n <= (size_t)fd)
      n *= 2;
    l->fds = xrealloc(l->fds, n * sizeof *l->fds);
    memset(l->fds + l->nfds, 0, (n - l->nfds) * sizeof *l->fds);
    l->nfds = n;
  }
  return &l->fds[fd];
}

/* Add FD to the set, once: both directions, edge-triggered. */
static int ev_register(struct ms_evloop *l, int fd, struct ev_fd *e) {
  if (e->reg)
    return 0;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                           .data.fd = fd};
  if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
    return -1;
  e->reg = true;
  e->ready = 0;
  return 0;
}

static uint32_t ev_want(short events) {
  uint32_t w = EPOLLERR | EPOLLHUP; /* always an end of the wait */
  if (events & POLLIN)
    w |= EPOLLIN | EPOLLRDHUP;
  if (events & POLLOUT)
    w |= EPOLLOUT;
  return w;
}

/* End W's wait with RESULT. */
static void ev_wake(struct ms_evloop *l, struct ev_wait *w, int result) {
  ev_heap_remove(l, w);
  if (w->fd >= 0)
    l->fds[w->fd].w = NULL;
  w->result = result;
  ev_ready(l, w->f);
}

/* An edge on FD: remember it, and wake its wait if it was waited for. */
static void ev_edge(struct ms_evloop *l, int fd, uint32_t events) {
  if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].reg)
    return;
  struct ev_fd *e = &l->fds[fd];
  e->ready |= events;
  if (e->w && (e->ready & e->w->want))
    ev_wake(l, e->w, 1);
}

void ms_evloop_unready(int fd, short events) {
  struct ms_evloop *l = ev_cur;
  if (!l || fd < 0 || (size_t)fd >= l->nfds)
    return;
  if (events & POLLIN)
    l->fds[fd].ready &= ~(uint32_t)EPOLLIN;
  if (events & POLLOUT)
    l->fds[fd].ready &= ~(uint32_t)EPOLLOUT;
}

void ms_evloop_forget(int fd) {
  struct ms_evloop *l = ev_cur;
  if (l && fd >= 0 && (size_t)fd < l->nfds)
    memset(&l->fds[fd], 0, sizeof l->fds[fd]);
}

int ms_evloop_wait(int fd, short events, double end,
                   volatile sig_atomic_t *stop) {
  struct ms_evloop *l = ev_cur;
  struct ms_fiber *f = ms_fiber_current();
  if (!l || !f)
    return MS_EVLOOP_NONE;
  if (ms_net_stopped(stop))
    return MS_NET_STOP;
  struct ev_wait w = {
      .f = f, .fd = fd, .want = ev_want(events), .end = end, .stop = stop};
  if (fd >= 0) {
    struct ev_fd *e = ev_fd(l, fd);
    if (ev_register(l, fd, e) != 0)
      return MS_NET_ERR; /* errno from epoll_ctl */
    if (e->ready & w.want)
      return 1; /* known ready: the owner's I/O will tell */
    e->w = &w;
  } else if (end - ms_now() > EV_TRIM_AFTER) {
    ms_fiber_trim();
  }
  ev_heap_push(l, &w);
  ms_fiber_yield();
  return w.result;
}

/* Wake every wait whose deadline passed, and every wait of a stopped
 * run when STOPS is set. */
static void ev_expire(struct ms_evloop *l, bool stops) {
  double now = ms_now();
  while (l->nheap > 0 && l->heap[0]->end <= now)
    ev_wake(l, l->heap[0], 0);
  for (size_t i = 0; stops && i < l->nheap;) {
    struct ev_wait *w = l->heap[i];
    if (ms_net_stopped(w->stop))
      ev_wake(l, w, MS_NET_STOP); /* refills slot i */
    else
      i++;
  }
}

static void ev_run_ready(struct ms_evloop *l) {
  /* Fibers made ready while these run wait for the next round: swap the
   * queue for the spare one. */
  struct ms_fiber **batch = l->ready;
  size_t n = l->nready, cap = l->capready;
  l->ready = l->spare;
  l->capready = l->capspare;
  l->nready = 0;
  for (size_t i = 0; i < n; i++) {
    if (ms_fiber_resume(batch[i])) {
      ms_fiber_free(batch[i]);
      l->alive--;
    }
  }
  l->spare = batch;
  l->capspare = cap;
}

/* Milliseconds epoll may sleep: to the next deadline, at most a slice. */
static int ev_timeout_ms(const struct ms_evloop *l) {
  double left = EV_STOP_SLICE;
  if (l->nheap > 0) {
    double d = l->heap[0]->end - ms_now();
    if (d < left)
      left = d;
  }
  return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

void ms_evloop_run(struct ms_evloop *l) {
  struct ms_evloop *prev = ev_cur;
  ev_cur = l;
  struct epoll_event evs[EV_BATCH];
  double next_stop_look = ms_now() + EV_STOP_SLICE;
  while (l->alive > 0) {
    ev_run_ready(l);
    if (l->alive == 0 || l->nready > 0)
      continue;
    int n = epoll_wait(l->ep, evs, EV_BATCH, ev_timeout_ms(l));
    for (int i = 0; i < n; i++)
      ev_edge(l, evs[i].data.fd, evs[i].events);
    bool stops = ms_now() >= next_stop_look;
    if (stops)
      next_stop_look = ms_now() + EV_STOP_SLICE;
    ev_expire(l, stops);
  }
  ev_cur = prev;
}
