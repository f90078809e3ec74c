/* engine_conn: one client connection feeding a reply reader (see
 * engine_int.h).  Memory stays bounded whatever the server sends: the
 * receive buffer is fixed, and the reader has hard limits. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture.h"
#include "engine_int.h"
#include "fiber.h"
#include "mailspec/report.h"
#include "util.h"

/* The session's capture: per fiber, as sessions share worker threads. */
void ms_engine_conn_capture(struct ms_conn_capture *c) {
  *ms_fiber_local() = c;
}

/* Start this thread's capture before the first connect, filtered to the
 * server's port (the BPF filter needs it). */
static void conn_capture_begin(const char *port) {
  struct ms_conn_capture *c = *ms_fiber_local();
  if (!c || c->cap || c->failed)
    return;
  char *end = NULL;
  unsigned long p = port ? strtoul(port, &end, 10) : 0;
  if (!port || *end || p == 0 || p > 65535) {
    c->failed = true;
    snprintf(c->err, sizeof c->err, "--pcap: the port \"%s\" is not a number",
             port ? port : "");
    return;
  }
  struct ms_capture_opts o = {NULL, NULL, (unsigned)p, 0};
  bool perm = false;
  c->cap = ms_capture_start(&o, &perm, c->err, sizeof c->err);
  c->failed = c->cap == NULL;
}

/* Follow the connection just made on FD by its local port. */
static void conn_capture_port(int fd) {
  struct ms_conn_capture *c = *ms_fiber_local();
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (!c || !c->cap || getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
    return;
  unsigned port = 0;
  if (ss.ss_family == AF_INET)
    port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  else if (ss.ss_family == AF_INET6)
    port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  if (port)
    ms_capture_add_client_port(c->cap, port);
}

long ms_engine_conn_capture_stop(struct ms_conn_capture *c, const char *path) {
  if (!c->cap)
    return c->failed ? -1 : 0;
  long n = ms_capture_stop(c->cap, path, c->err, sizeof c->err);
  c->cap = NULL;
  c->failed = n < 0;
  return n;
}

#define CONN_RX_FIRST 1024

/* Receive into the (empty) buffer, doubling it first when the last
 * read filled it. */
static ssize_t conn_rx_recv(struct ms_conn *c, double timeout,
                            volatile sig_atomic_t *stop) {
  if (!c->rx) { /* the first read of this connection */
    c->rxcap = CONN_RX_FIRST;
    c->rx = xmalloc(c->rxcap);
    c->rxfull = false;
  } else if (c->rxfull && c->rxcap < MS_CONN_RX) {
    c->rxcap *= 2;
    c->rx = xrealloc(c->rx, c->rxcap);
  }
  ssize_t n = ms_engine_conn_recv(c, c->rx, c->rxcap, timeout, stop, c->why,
                                  sizeof c->why);
  c->rxfull = n == (ssize_t)c->rxcap;
  return n;
}

int ms_engine_conn_open(struct ms_conn *c, enum ms_protocol proto,
                        const char *host, const char *port, double timeout,
                        volatile sig_atomic_t *stop, char *err, size_t errlen) {
  c->fd = -1;
  c->rx = NULL;
  c->eof = c->broken = false;
  c->rd = NULL;
  c->proto = proto;
  c->rxoff = c->rxlen = 0;
  c->why[0] = '\0';
  c->tls = NULL;
  c->skip_line = false;
  conn_capture_begin(port);
  c->fd = ms_net_connect(host, port, timeout, stop, err, errlen);
  if (c->fd < 0)
    return -1;
  conn_capture_port(c->fd);
  c->rd = ms_reader_new(proto, NULL);
  return 0;
}

void ms_engine_conn_close(struct ms_conn *c) {
  ms_tls_close(c->tls);
  c->tls = NULL;
  ms_net_close(c->fd);
  c->fd = -1;
  ms_reader_free(c->rd);
  c->rd = NULL;
  free(c->rx);
  c->rx = NULL;
  c->rxoff = c->rxlen = 0;
  c->skip_line = false;
}

int ms_engine_conn_send(struct ms_conn *c, const void *buf, size_t len,
                        double timeout, volatile sig_atomic_t *stop, char *err,
                        size_t errlen) {
  if (c->fd < 0) {
    snprintf(err, errlen, "the connection is closed");
    return MS_NET_ERR;
  }
  if (c->tls)
    return ms_tls_send_all(c->tls, buf, len, timeout, stop, err, errlen);
  c->sent = true;
  return ms_net_send_all(c->fd, buf, len, timeout, stop, err, errlen);
}

ssize_t ms_engine_conn_recv(struct ms_conn *c, void *buf, size_t cap,
                            double timeout, volatile sig_atomic_t *stop,
                            char *err, size_t errlen) {
  if (c->tls)
    return ms_tls_recv(c->tls, buf, cap, timeout, stop, err, errlen);
  return ms_net_recv(c->fd, buf, cap, timeout, stop, err, errlen);
}

/* Feed what is buffered; true when a reply is complete (or the reader
 * gave up on a flood, which ends the usefulness of the connection). */
static bool conn_feed(struct ms_conn *c, struct ms_reply *out) {
  while (c->rxoff < c->rxlen) {
    if (c->skip_line) { /* the rest of a line cut by a discard */
      const char *lf = memchr(c->rx + c->rxoff, '\n', c->rxlen - c->rxoff);
      c->rxoff = lf ? (size_t)(lf - c->rx) + 1 : c->rxlen;
      c->skip_line = !lf;
      continue;
    }
    size_t used = 0;
    enum ms_read_status st =
        ms_reader_feed(c->rd, c->rx + c->rxoff, c->rxlen - c->rxoff, &used);
    c->rxoff += used;
    if (st == MS_READ_ERROR)
      c->broken = true;
    if (st != MS_READ_MORE) {
      ms_reader_take(c->rd, out);
      return true;
    }
    if (used == 0) /* cannot happen with a sane reader: do not spin */
      c->rxoff = c->rxlen;
  }
  c->rxoff = c->rxlen = 0;
  return false;
}

int ms_engine_conn_read(struct ms_conn *c, double end,
                        volatile sig_atomic_t *stop, struct ms_reply *out,
                        char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (c->fd < 0 || !c->rd) {
    snprintf(err, errlen, "the connection is closed");
    return MS_NET_ERR;
  }
  for (;;) {
    if (conn_feed(c, out))
      return 1;
    if (c->eof) {
      if (ms_reader_eof(c->rd) != MS_READ_MORE) {
        ms_reader_take(c->rd, out);
        return 1;
      }
      return 0;
    }
    double left = end - ms_now();
    if (left <= 0)
      return MS_NET_TIMEOUT;
    if (c->sent && !c->tls) {
      c->sent = false;
      int w = ms_net_wait_readable(c->fd, left, stop);
      if (w == MS_NET_ERR)
        snprintf(err, errlen, "waiting for the reply failed: %s",
                 strerror(errno));
      if (w != 1)
        return w;
    }
    ssize_t n = conn_rx_recv(c, left, stop);
    if (n > 0) {
      c->rxoff = 0;
      c->rxlen = (size_t)n;
    } else if (n == 0) {
      c->eof = true;
    } else {
      if (n == MS_NET_ERR)
        snprintf(err, errlen, "%s", c->why);
      return (int)n;
    }
  }
}

size_t ms_engine_conn_unsolicited(struct ms_conn *c, char *buf, size_t cap) {
  if (c->fd < 0)
    return 0;
  if (c->rxoff >= c->rxlen && !c->eof) {
    ssize_t n = conn_rx_recv(c, 0, NULL);
    c->rxoff = 0;
    c->rxlen = n > 0 ? (size_t)n : 0;
    if (n == 0)
      c->eof = true;
  }
  size_t have = c->rxlen - c->rxoff;
  size_t k = have < cap ? have : cap;
  if (k)
    memcpy(buf, c->rx + c->rxoff, k);
  if (have == 0 && c->rd && ms_reader_pending(c->rd))
    return 1; /* part of a line was already fed */
  return have;
}

/* Receive buffers a discard drops at most (the buffer grows to 16 KiB:
 * about 1 MiB): what a flood sends after that is read, and dropped, in
 * whole lines later. */
#define CONN_DRAIN_MAX 64

size_t ms_engine_conn_discard(struct ms_conn *c) {
  bool mid = false;
  size_t lines = c->rd ? ms_reader_drop(c->rd, &mid) : 0;
  /* A line begun before the bytes dropped here; counted already when a
   * previous discard cut it. */
  bool begun = c->skip_line || mid, counted = c->skip_line;
  size_t lf = 0, bytes = 0;
  char lastb = '\n';
  for (int round = 0; c->fd >= 0; round++) {
    for (size_t i = c->rxoff; i < c->rxlen; i++)
      lf += c->rx[i] == '\n';
    if (c->rxlen > c->rxoff) {
      bytes += c->rxlen - c->rxoff;
      lastb = c->rx[c->rxlen - 1];
    }
    c->rxoff = c->rxlen = 0;
    if (c->eof || round + 1 >= CONN_DRAIN_MAX)
      break;
    ssize_t n = conn_rx_recv(c, 0, NULL);
    if (n == 0)
      c->eof = true;
    if (n <= 0)
      break;
    c->rxlen = (size_t)n;
  }
  if (lf > 0) {
    lines += lf - (counted ? 1 : 0);
    c->skip_line = lastb != '\n';
  } else {
    c->skip_line = begun || bytes > 0;
  }
  if (c->skip_line && (lf > 0 || !counted))
    lines++; /* the line cut now, dropped up to its LF when it comes */
  return lines;
}

int ms_engine_conn_tls(struct ms_conn *c, struct ms_tls_ctx *x,
                       const char *host, double timeout, bool implicit,
                       volatile sig_atomic_t *stop, struct ms_tls_result *info,
                       size_t *plain, char *peek, size_t cap,
                       enum ms_tls_fail *why, char *err, size_t errlen) {
  *plain = 0;
  if (c->fd < 0 || c->eof) {
    snprintf(err, errlen, "the connection is closed");
    *why = MS_TLS_CLOSED;
    return -1;
  }
  /* What arrived before our ClientHello cannot be TLS: the server spoke
   * in plaintext after its reply (buffered here or still in the socket). */
  size_t n = ms_engine_conn_unsolicited(c, peek, cap);
  *plain = n;
  ms_engine_conn_discard(c);
  c->skip_line = false;    /* TLS bytes from here on, not lines */
  if (n > 0 && implicit) { /* a greeting where TLS was due */
    char *q = ms_report_text_safe(peek, n < cap ? n : cap);
    snprintf(err, errlen,
             "the server spoke in plaintext ('%.60s') where the TLS "
             "handshake was due: it does not speak TLS on this port",
             q);
    free(q);
    *why = MS_TLS_PLAINTEXT;
    return -1;
  }
  if (c->eof) {
    snprintf(err, errlen,
             "the server closed the connection before the TLS "
             "handshake");
    *why = MS_TLS_CLOSED;
    return -1;
  }
  c->tls =
      ms_tls_handshake(x, c->fd, host, timeout, stop, info, why, err, errlen);
  if (!c->tls)
    return -1;
  /* A new reader: nothing of the plaintext dialogue carries over. */
  ms_reader_free(c->rd);
  c->rd = ms_reader_new(c->proto, NULL);
  return 0;
}
