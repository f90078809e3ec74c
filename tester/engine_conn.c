/* engine_conn: one client connection feeding a reply reader (see
 * engine_int.h).  Memory stays bounded whatever the server sends: the
 * receive buffer is fixed, and the reader has hard limits. */
#include <string.h>

#include "engine_int.h"
#include "util.h"

int ms_engine_conn_open(struct ms_conn *c, enum ms_protocol proto,
                        const char *host, const char *port, double timeout,
                        volatile sig_atomic_t *stop, char *err,
                        size_t errlen) {
  c->fd = -1;
  c->eof = c->broken = false;
  c->rd = NULL;
  c->proto = proto;
  c->rxoff = c->rxlen = 0;
  c->why[0] = '\0';
  c->fd = ms_net_connect(host, port, timeout, stop, err, errlen);
  if (c->fd < 0)
    return -1;
  c->rd = ms_reader_new(proto, NULL);
  return 0;
}

void ms_engine_conn_close(struct ms_conn *c) {
  ms_net_close(c->fd);
  c->fd = -1;
  ms_reader_free(c->rd);
  c->rd = NULL;
  c->rxoff = c->rxlen = 0;
}

int ms_engine_conn_send(struct ms_conn *c, const void *buf, size_t len,
                        double timeout, volatile sig_atomic_t *stop,
                        char *err, size_t errlen) {
  if (c->fd < 0) {
    snprintf(err, errlen, "the connection is closed");
    return MS_NET_ERR;
  }
  return ms_net_send_all(c->fd, buf, len, timeout, stop, err, errlen);
}

/* Feed what is buffered; true when a reply is complete (or the reader
 * gave up on a flood, which ends the usefulness of the connection). */
static bool conn_feed(struct ms_conn *c, struct ms_reply *out) {
  while (c->rxoff < c->rxlen) {
    size_t used = 0;
    enum ms_read_status st = ms_reader_feed(c->rd, c->rx + c->rxoff,
                                            c->rxlen - c->rxoff, &used);
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
    ssize_t n = ms_net_recv(c->fd, c->rx, sizeof c->rx, left, stop, c->why,
                            sizeof c->why);
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
    ssize_t n = ms_net_recv(c->fd, c->rx, sizeof c->rx, 0, NULL, c->why,
                            sizeof c->why);
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

void ms_engine_conn_discard(struct ms_conn *c) {
  c->rxoff = c->rxlen = 0;
  if (c->rd && ms_reader_pending(c->rd)) {
    ms_reader_free(c->rd);
    c->rd = ms_reader_new(c->proto, NULL);
  }
}
