/* server: the reference server's socket loop.  One background thread
 * per server polls the listening socket, a wake-up pipe and every
 * client; sessions are pure (srv_smtp.c, srv_pop3.c) and connections
 * bounded (srv_conn.c).  Idle clients are dropped (SMTP with 421,
 * RFC 5321 §4.5.3.2.7; POP3 silently, RFC 1939 §3).  Stopping wakes the
 * thread, says 421 to SMTP clients (RFC 821 §4.3), joins and frees. */
#define _GNU_SOURCE /* accept4, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "srv_conn.h"
#include "srv_tls.h"
#include "srv.h"
#include "store.h"
#include "util.h"

#define SRV_MAX_CLIENTS                                                        \
  1024 /* a -j 256 run reconnects while the old                                \
           connection is still being reaped */
/* poll(2) slots before the clients': wake-up pipe, SMTP (or the one
 * protocol's) listener, the POP3 side's listener. */
#define SRV_PFD0 3

struct ms_server {
  int lfd;
  int plfd; /* the POP3 side on the same store (pop3_listen), or -1 */
  int wake[2];
  pthread_t thread;
  char host[NI_MAXHOST], port[NI_MAXSERV], address[NI_MAXHOST + NI_MAXSERV + 4];
  char phost[NI_MAXHOST], pport[NI_MAXSERV],
      paddress[NI_MAXHOST + NI_MAXSERV + 4];
  enum ms_protocol proto;
  struct srv_ctx ctx;
  const struct srv_session_ops *ops;
  struct ms_world *own_world;
  struct srv_live live;
  double idle;
  struct srv_conn *conns[SRV_MAX_CLIENTS];
  size_t nconns;
  unsigned next_id;
  double accept_after;    /* accepting paused until (out of descriptors) */
  struct ms_server *next; /* the relay route's next hop, or NULL */
  bool shared_store;      /* the next hop: the store is its parent's */
};

/* ---- listening ---------------------------------------------------- */

/* "ADDR:PORT", "[v6]:PORT" or ":PORT" (loopback). */
static int server_split(const char *listen, char *host, size_t hl, char *port,
                        size_t pl) {
  const char *colon;
  if (listen[0] == '[') {
    const char *end = strchr(listen, ']');
    if (!end || end[1] != ':')
      return -1;
    snprintf(host, hl, "%.*s", (int)(end - listen - 1), listen + 1);
    colon = end + 1;
  } else {
    colon = strrchr(listen, ':');
    if (!colon)
      return -1;
    snprintf(host, hl, "%.*s", (int)(colon - listen), listen);
  }
  if (!host[0])
    snprintf(host, hl, "127.0.0.1");
  snprintf(port, pl, "%s", colon + 1);
  return port[0] ? 0 : -1;
}

static int server_bind_one(const struct addrinfo *ai) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                  ai->ai_protocol);
  if (fd < 0)
    return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static int server_listen(int *lfd, const char *listen, char *err,
                         size_t errlen) {
  char host[NI_MAXHOST], port[NI_MAXSERV];
  if (server_split(listen, host, sizeof host, port, sizeof port) < 0) {
    snprintf(err, errlen, "--listen %s: give ADDR:PORT, e.g. 127.0.0.1:2525",
             listen);
    return -1;
  }
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  int g = getaddrinfo(host, port, &hints, &res);
  if (g) {
    snprintf(err, errlen, "--listen %s: %s", listen, gai_strerror(g));
    return -1;
  }
  *lfd = -1;
  for (struct addrinfo *ai = res; ai && *lfd < 0; ai = ai->ai_next)
    *lfd = server_bind_one(ai);
  int e = errno;
  freeaddrinfo(res);
  if (*lfd < 0) {
    snprintf(err, errlen, "--listen %s: %s", listen, strerror(e));
    return -1;
  }
  return 0;
}

static void server_name(int lfd, char *host, size_t hl, char *port, size_t pl,
                        char *address, size_t al) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  getsockname(lfd, (struct sockaddr *)&ss, &len);
  getnameinfo((struct sockaddr *)&ss, len, host, (socklen_t)hl, port,
              (socklen_t)pl, NI_NUMERICHOST | NI_NUMERICSERV);
  snprintf(address, al, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host,
           port);
}

/* ---- clients ------------------------------------------------------ */

/* The protocol's last words when the server drops a client of OPS. */
static char *server_bye(const struct ms_server *s,
                        const struct srv_session_ops *ops, const char *why) {
  if (ops != &ms_srv_smtp_ops)
    return NULL; /* RFC 1939 §3: the server just closes */
  const char *h = s->ctx.world->hostname ? s->ctx.world->hostname : "localhost";
  return xasprintf("421 %s Service not available, closing transmission "
                   "channel (%s)\r\n",
                   h, why);
}

static void server_accept(struct ms_server *s, int lfd,
                          const struct srv_session_ops *ops, double now) {
  for (;;) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = accept4(lfd, (struct sockaddr *)&ss, &len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      /* Out of descriptors: stop accepting for a moment rather than
       * spin on a listening socket that stays readable. */
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM)
        s->accept_after = now + 0.25;
      return;
    }
    unsigned id = ++s->next_id;
    char h[NI_MAXHOST] = "?", p[NI_MAXSERV] = "?";
    getnameinfo((struct sockaddr *)&ss, len, h, sizeof h, p, sizeof p,
                NI_NUMERICHOST | NI_NUMERICSERV);
    if (s->nconns == SRV_MAX_CLIENTS) {
      char *bye = server_bye(s, ops, "too many connections");
      const char *msg = bye ? bye : "-ERR too many connections\r\n";
      (void)send(fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL);
      free(bye);
      close(fd);
      continue;
    }
    s->live.tag = s->nconns > 0;
    srv_live_event(&s->live, id, "connection from %s:%s", h, p);
    s->conns[s->nconns++] = srv_conn_new(fd, id, ops, &s->ctx, &s->live, now);
  }
}

static void server_drop(struct ms_server *s, size_t i) {
  srv_live_event(&s->live, s->conns[i]->id, "closed");
  srv_conn_free(s->conns[i]);
  s->conns[i] = s->conns[--s->nconns];
}

/* RFC 5321 §4.5.3.2.7 for SMTP clients, RFC 1939 §3 for POP3 ones. */
static double server_idle(const struct ms_server *s, const struct srv_conn *c) {
  if (s->plfd < 0)
    return s->idle;
  return c->ops == &ms_srv_pop3_ops ? ms_pop3_ops.idle_s : ms_smtp_ops.idle_s;
}

static void server_reap(struct ms_server *s, double now) {
  for (size_t i = 0; i < s->nconns;) {
    struct srv_conn *c = s->conns[i];
    double idle = server_idle(s, c);
    if (!c->dead && now - c->last_active > idle) {
      char *bye = server_bye(s, c->ops, "idle timeout");
      srv_live_event(&s->live, c->id, "idle for %.0f s: dropped", idle);
      if (bye)
        srv_live_server(&s->live, c->id, bye, strlen(bye));
      srv_conn_farewell(c, bye);
      free(bye);
    }
    srv_tls_reap(c, now); /* the TLS handshake's deadline */
    if (c->closing && !c->out.len)
      c->dead = true;
    if (c->dead)
      server_drop(s, i);
    else
      i++;
  }
}

/* ---- the loop ----------------------------------------------------- */

/* Milliseconds until something is due (a held reply, an idle limit). */
static int server_timeout(const struct ms_server *s, double now) {
  double due = now + 1.0;
  for (size_t i = 0; i < s->nconns; i++) {
    const struct srv_conn *c = s->conns[i];
    if (c->out.len && c->hold_until > now && c->hold_until < due)
      due = c->hold_until;
    if (c->last_active + server_idle(s, c) < due)
      due = c->last_active + server_idle(s, c);
    double hs = srv_tls_deadline(c);
    if (hs > 0 && hs < due)
      due = hs;
  }
  double ms = (due - now) * 1000.0 + 1;
  return ms < 0 ? 0 : (int)ms;
}

static short server_events(const struct srv_conn *c, double now) {
  short ev = 0;
  if (!c->closing && !c->no_read && c->out.len < SRV_OUT_HIGH)
    ev |= POLLIN;
  if (c->out.len && now >= c->hold_until)
    ev |= POLLOUT;
  return srv_tls_events(c, ev);
}

static void server_serve(struct ms_server *s, const struct pollfd *pfd,
                         double now) {
  for (size_t i = 0; i < s->nconns; i++) {
    struct srv_conn *c = s->conns[i];
    short re = pfd[SRV_PFD0 + i].revents;
    if (c->no_read && (re & POLLHUP)) /* fault no-read: never read */
      c->dead = true;
    else if (re & (POLLIN | POLLHUP))
      srv_conn_read(c, &s->ctx, &s->live, now);
    if (re & (POLLERR | POLLNVAL))
      c->dead = true;
    if (!c->dead)
      srv_conn_write(c, &s->ctx, &s->live, now);
  }
}

static void server_shutdown(struct ms_server *s) {
  while (s->nconns) {
    char *bye = server_bye(s, s->conns[0]->ops, "server stopping");
    if (bye && !s->conns[0]->closing)
      srv_live_server(&s->live, s->conns[0]->id, bye, strlen(bye));
    srv_conn_farewell(s->conns[0], bye);
    server_drop(s, 0);
    free(bye);
  }
}

static void *server_main(void *arg) {
  struct ms_server *s = arg;
  struct pollfd pfd[SRV_PFD0 + SRV_MAX_CLIENTS];
  for (;;) {
    double now = ms_now();
    short acc = now >= s->accept_after ? POLLIN : 0;
    pfd[0] = (struct pollfd){s->wake[0], POLLIN, 0};
    pfd[1] = (struct pollfd){s->lfd, acc, 0};
    pfd[2] = (struct pollfd){s->plfd, acc, 0}; /* -1: ignored by poll */
    for (size_t i = 0; i < s->nconns; i++)
      pfd[SRV_PFD0 + i] =
          (struct pollfd){s->conns[i]->fd, server_events(s->conns[i], now), 0};
    size_t nfds = SRV_PFD0 + s->nconns;
    int n = poll(pfd, nfds, server_timeout(s, now));
    if (n < 0 && errno != EINTR)
      break;
    if (n > 0 && pfd[0].revents)
      break;
    now = ms_now();
    if (n > 0) {
      server_serve(s, pfd, now); /* PFD matches CONNS until accept/reap */
      if (pfd[1].revents & POLLIN)
        server_accept(s, s->lfd, s->ops, now);
      if (s->plfd >= 0 && (pfd[2].revents & POLLIN))
        server_accept(s, s->plfd, &ms_srv_pop3_ops, now);
    } else {
      for (size_t i = 0; i < s->nconns; i++) /* held replies now due */
        srv_conn_write(s->conns[i], &s->ctx, &s->live, now);
    }
    server_reap(s, now);
  }
  server_shutdown(s);
  return NULL;
}

/* ---- start and stop ----------------------------------------------- */

static const struct srv_session_ops *server_ops(enum ms_protocol p) {
  return p == MS_PROTO_POP3 ? &ms_srv_pop3_ops : &ms_srv_smtp_ops;
}

static int server_spool_ok(const char *spool, char *err, size_t errlen) {
  if (!spool)
    return 0;
  if (mkdir(spool, 0755) < 0 && errno != EEXIST) {
    snprintf(err, errlen, "--spool %s: %s", spool, strerror(errno));
    return -1;
  }
  if (access(spool, W_OK | X_OK) < 0) {
    snprintf(err, errlen, "--spool %s: %s", spool, strerror(errno));
    return -1;
  }
  return 0;
}

static void server_live_init(struct ms_server *s,
                             const struct ms_server_opts *o) {
  bool r821 =
      ms_proto_ops(o->protocol)->rfc821 && o->profile == MS_PROFILE_RFC821;
  s->live.out = o->live;
  s->live.color = o->color;
  s->live.cli = r821 ? "S: " : "C: ";
  s->live.srv = r821 ? "R: " : "S: ";
}

/* STARTTLS/STLS and AUTH (issue 7): always offered; SMTP AUTH only with
 * the rfc5321 profile (RFC 821 knows no EHLO). */
static int server_tls_init(struct ms_server *s, const struct ms_server_tls *t,
                           char *err, size_t errlen) {
  static const struct ms_server_tls defaults;
  if (!t)
    t = &defaults;
  s->ctx.tls = srv_tls_new(t->cert, t->key, s->ctx.world->hostname,
                           t->handshake_ms / 1000.0, err, errlen);
  if (!s->ctx.tls)
    return -1;
  s->ctx.tls_implicit = t->implicit;
  s->ctx.auth = true;
  s->ctx.auth_need_tls = t->require_tls_for_auth;
  return 0;
}

static void server_free(struct ms_server *s) {
  ms_server_stop(s->next); /* before the store it shares */
  if (s->lfd >= 0)
    close(s->lfd);
  if (s->plfd >= 0)
    close(s->plfd);
  for (int i = 0; i < 2; i++)
    if (s->wake[i] >= 0)
      close(s->wake[i]);
  if (!s->shared_store)
    ms_store_free(s->ctx.store);
  ms_world_free(s->own_world);
  srv_tls_free(s->ctx.tls);
  free(s);
}

static int server_thread(struct ms_server *s, char *err, size_t errlen) {
  /* Signals belong to the main thread (cmd_serve's SIGINT/SIGTERM). */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int e = pthread_create(&s->thread, NULL, server_main, s);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (e) {
    snprintf(err, errlen, "cannot start the server thread: %s", strerror(e));
    return -1;
  }
  return 0;
}

/* pop3_listen: a POP3 listener beside the SMTP one, on the same store
 * (issue 14: SMTP delivers into the POP3 maildrops). */
static int server_pop3_side(struct ms_server *s, const struct ms_server_opts *o,
                            char *err, size_t errlen) {
  if (!o->pop3_listen)
    return 0;
  if (o->protocol != MS_PROTO_SMTP) {
    snprintf(err, errlen,
             "a POP3 side is for an SMTP server (--protocol "
             "smtp)");
    return -1;
  }
  return server_listen(&s->plfd, o->pop3_listen, err, errlen);
}

/* The relay route's next hop (world.h): a second SMTP server on a
 * loopback port, with its own thread (the relay's client connects to it
 * from this server's thread) and world, delivering into S's store.
 * Only beside a POP3 side: what it delivers is read back there. */
static int server_next_hop(struct ms_server *s, const struct ms_server_opts *o,
                           char *err, size_t errlen) {
  if (s->plfd < 0 || o->protocol != MS_PROTO_SMTP ||
      o->profile != MS_PROFILE_RFC5321)
    return 0;
  struct ms_world *w = ms_world_next_hop(s->ctx.world);
  if (!w)
    return 0;
  struct ms_server *n = xcalloc(1, sizeof *n);
  n->lfd = n->plfd = n->wake[0] = n->wake[1] = -1;
  n->proto = MS_PROTO_SMTP;
  n->ops = &ms_srv_smtp_ops;
  n->idle = ms_smtp_ops.idle_s;
  n->ctx.profile = MS_PROFILE_RFC5321;
  n->ctx.world = n->own_world = w;
  n->ctx.store = s->ctx.store;
  n->shared_store = true;
  if (server_listen(&n->lfd, "127.0.0.1:0", err, errlen) < 0)
    goto fail;
  if (pipe2(n->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
    snprintf(err, errlen, "pipe: %s", strerror(errno));
    goto fail;
  }
  server_name(n->lfd, n->host, sizeof n->host, n->port, sizeof n->port,
              n->address, sizeof n->address);
  if (server_thread(n, err, errlen) < 0)
    goto fail;
  s->next = n;
  s->ctx.relay_host = n->host;
  s->ctx.relay_port = n->port;
  return 0;
fail:
  server_free(n);
  return -1;
}

struct ms_server *ms_server_start(const struct ms_server_opts *o,
                                  const char *listen, char *err,
                                  size_t errlen) {
  return ms_server_start_tls(o, NULL, listen, err, errlen);
}

struct ms_server *ms_server_start_tls(const struct ms_server_opts *o,
                                      const struct ms_server_tls *t,
                                      const char *listen, char *err,
                                      size_t errlen) {
  struct ms_server *s = xcalloc(1, sizeof *s);
  s->lfd = s->plfd = s->wake[0] = s->wake[1] = -1;
  s->proto = o->protocol;
  s->ops = server_ops(o->protocol);
  s->idle = ms_proto_ops(o->protocol)->idle_s;
  s->ctx.profile = o->profile;
  if (ms_faults_parse(&s->ctx.faults, o->faults, o->nfaults, err, errlen) < 0 ||
      server_spool_ok(o->spool, err, errlen) < 0 ||
      server_listen(&s->lfd, listen && *listen ? listen : "127.0.0.1:0", err,
                    errlen) < 0 ||
      server_pop3_side(s, o, err, errlen) < 0) {
    server_free(s);
    return NULL;
  }
  if (!o->world)
    s->own_world = ms_world_builtin();
  s->ctx.world = o->world ? o->world : s->own_world;
  s->ctx.store = ms_store_new(s->ctx.world, o->spool);
  if (server_tls_init(s, t, err, errlen) < 0) {
    server_free(s);
    return NULL;
  }
  server_live_init(s, o);
  server_name(s->lfd, s->host, sizeof s->host, s->port, sizeof s->port,
              s->address, sizeof s->address);
  if (s->plfd >= 0)
    server_name(s->plfd, s->phost, sizeof s->phost, s->pport, sizeof s->pport,
                s->paddress, sizeof s->paddress);
  if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
    snprintf(err, errlen, "pipe: %s", strerror(errno));
    server_free(s);
    return NULL;
  }
  if (server_next_hop(s, o, err, errlen) < 0 ||
      server_thread(s, err, errlen) < 0) {
    server_free(s);
    return NULL;
  }
  return s;
}

const char *ms_server_address(const struct ms_server *s) {
  return s->address;
}
const char *ms_server_host(const struct ms_server *s) {
  return s->host;
}
const char *ms_server_port(const struct ms_server *s) {
  return s->port;
}
const char *ms_server_pop3_address(const struct ms_server *s) {
  return s->plfd >= 0 ? s->paddress : NULL;
}
const char *ms_server_pop3_host(const struct ms_server *s) {
  return s->plfd >= 0 ? s->phost : NULL;
}
const char *ms_server_pop3_port(const struct ms_server *s) {
  return s->plfd >= 0 ? s->pport : NULL;
}
const char *ms_server_tls_cert(const struct ms_server *s) {
  return srv_tls_cert_pem(s->ctx.tls);
}

void ms_server_stop(struct ms_server *s) {
  if (!s)
    return;
  ssize_t w;
  do
    w = write(s->wake[1], "x", 1);
  while (w < 0 && errno == EINTR);
  pthread_join(s->thread, NULL);
  server_free(s);
}
