/* net: non-blocking client sockets with timeouts (see net.h). */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "util.h"

/* Poll in slices so that a stop request is noticed within this long. */
#define NET_SLICE_MS 100

__attribute__((format(printf, 3, 4))) static void
net_msg(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* Wait for EVENTS on FD until the absolute monotonic time END.
 * 1 ready, 0 timeout, MS_NET_STOP, MS_NET_ERR (errno). */
static int net_wait(int fd, short events, double end,
                    volatile sig_atomic_t *stop) {
  if (ms_net_stopped(stop))
    return MS_NET_STOP;
  if (end <= ms_now())
    return 0;
  /* A session on an event-loop worker yields here (issue 17). */
  int r = ms_evloop_wait(fd, events, end, stop);
  if (r != MS_EVLOOP_NONE)
    return r;
  for (;;) {
    if (ms_net_stopped(stop))
      return MS_NET_STOP;
    double left = end - ms_now();
    if (left <= 0)
      return 0;
    int ms = (int)(left * 1000) + 1;
    if (ms > NET_SLICE_MS)
      ms = NET_SLICE_MS;
    struct pollfd p = {.fd = fd, .events = events};
    r = poll(&p, 1, ms);
    if (r > 0)
      return 1;
    if (r < 0 && errno != EINTR)
      return MS_NET_ERR;
  }
}

/* One address: 0 connected, 1 failed (try the next), or MS_NET_STOP /
 * MS_NET_TIMEOUT (give up).  *FDP gets the socket on success. */
static int net_try(const struct addrinfo *ai, double end,
                   volatile sig_atomic_t *stop, int *fdp, int *eno) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  ai->ai_protocol);
  if (fd < 0) {
    *eno = errno;
    return 1;
  }
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
    *eno = errno;
    ms_net_close(fd);
    return 1;
  }
  int w = net_wait(fd, POLLOUT, end, stop);
  if (w != 1) {
    *eno = w == MS_NET_ERR ? errno : ETIMEDOUT;
    ms_net_close(fd);
    return w == MS_NET_ERR ? 1 : (w == 0 ? MS_NET_TIMEOUT : w);
  }
  int soerr = 0;
  socklen_t sl = sizeof soerr;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
    soerr = errno;
  if (soerr) {
    *eno = soerr;
    ms_net_close(fd);
    return 1;
  }
  /* Lock-step exchanges are small: do not let Nagle delay them. */
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  *fdp = fd;
  return 0;
}

static int net_connect_list(const struct addrinfo *list, struct addrinfo *res,
                            double timeout, volatile sig_atomic_t *stop,
                            char *err, size_t errlen);

/* A numeric address (the usual 127.0.0.1 or ::1) as one addrinfo, no
 * getaddrinfo: it costs a session more CPU and stack than the rest of
 * its connect (make bench; a held session's stack is its memory). */
static bool net_numeric(const char *host, const char *port,
                        struct sockaddr_storage *ss, struct addrinfo *ai) {
  char *end = NULL;
  unsigned long p = strtoul(port, &end, 10);
  if (!*port || *end || p > 65535)
    return false;
  memset(ss, 0, sizeof *ss);
  memset(ai, 0, sizeof *ai);
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)p);
    ai->ai_addrlen = sizeof *s4;
  } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)p);
    ai->ai_addrlen = sizeof *s6;
  } else {
    return false;
  }
  ai->ai_family = ss->ss_family;
  ai->ai_socktype = SOCK_STREAM;
  ai->ai_addr = (struct sockaddr *)ss;
  return true;
}

int ms_net_connect(const char *host, const char *port, double timeout,
                   volatile sig_atomic_t *stop, char *err, size_t errlen) {
  struct sockaddr_storage ss;
  struct addrinfo num;
  if (net_numeric(host, port, &ss, &num))
    return net_connect_list(&num, NULL, timeout, stop, err, errlen);
  struct addrinfo hints = {.ai_family = AF_UNSPEC,
                           .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_NUMERICSERV};
  /* No AI_ADDRCONFIG: it would hide ::1 on a host with only loopback. */
  struct addrinfo *res = NULL;
  int g = getaddrinfo(host, port, &hints, &res);
  if (g != 0) {
    net_msg(err, errlen, "cannot resolve '%s': %s", host, gai_strerror(g));
    return -1;
  }
  return net_connect_list(res, res, timeout, stop, err, errlen);
}

/* Try each address of LIST in turn; frees RES (getaddrinfo's) if set. */
static int net_connect_list(const struct addrinfo *list, struct addrinfo *res,
                            double timeout, volatile sig_atomic_t *stop,
                            char *err, size_t errlen) {
  double end = ms_now() + timeout;
  int fd = -1, eno = ECONNREFUSED, r = 1;
  for (const struct addrinfo *ai = list; ai && r == 1; ai = ai->ai_next)
    r = net_try(ai, end, stop, &fd, &eno);
  if (res)
    freeaddrinfo(res);
  if (r == 0)
    return fd;
  if (r == MS_NET_STOP)
    net_msg(err, errlen, "interrupted");
  else if (r == MS_NET_TIMEOUT || eno == ETIMEDOUT) {
    net_msg(err, errlen, "no connection within %g s", timeout);
  } else
    net_msg(err, errlen, "%s", strerror(eno));
  return -1;
}

int ms_net_send_all(int fd, const void *buf, size_t len, double timeout,
                    volatile sig_atomic_t *stop, char *err, size_t errlen) {
  const char *p = buf;
  double end = ms_now() + timeout;
  while (len > 0) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n > 0) {
      p += n;
      len -= (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      net_msg(err, errlen, "send failed: %s", strerror(errno));
      return MS_NET_ERR;
    }
    ms_evloop_unready(fd, POLLOUT);
    int w = net_wait(fd, POLLOUT, end, stop);
    if (w == 0) {
      net_msg(err, errlen, "the server stopped reading (send timed out)");
      return MS_NET_TIMEOUT;
    }
    if (w != 1)
      return w;
  }
  return 0;
}

ssize_t ms_net_recv(int fd, void *buf, size_t cap, double timeout,
                    volatile sig_atomic_t *stop, char *err, size_t errlen) {
  double end = ms_now() + timeout;
  for (;;) {
    ssize_t n = recv(fd, buf, cap, 0);
    if (n >= 0)
      return n;
    if (errno == EINTR)
      continue;
    if (errno == ECONNRESET) {
      net_msg(err, errlen, "connection reset by the server");
      return 0;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      net_msg(err, errlen, "receive failed: %s", strerror(errno));
      return MS_NET_ERR;
    }
    ms_evloop_unready(fd, POLLIN);
    if (timeout <= 0)
      return MS_NET_TIMEOUT;
    int w = net_wait(fd, POLLIN, end, stop);
    if (w == 0)
      return MS_NET_TIMEOUT;
    if (w != 1)
      return w;
  }
}

int ms_net_wait_readable(int fd, double timeout, volatile sig_atomic_t *stop) {
  int w = net_wait(fd, POLLIN, ms_now() + timeout, stop);
  return w == 0 ? MS_NET_TIMEOUT : w;
}

void ms_net_local_literal(int fd, char *buf, size_t len) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  char a[INET6_ADDRSTRLEN] = "127.0.0.1";
  if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
    if (ss.ss_family == AF_INET6) {
      const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
      if (inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a)) {
        snprintf(buf, len, "[IPv6:%s]", a);
        return;
      }
    } else if (ss.ss_family == AF_INET) {
      const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
      inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
    }
  }
  snprintf(buf, len, "[%s]", a);
}

int ms_net_sleep(double seconds, volatile sig_atomic_t *stop) {
  /* A wait on no socket: poll(2) ignores a negative fd, the loop too. */
  int r = net_wait(-1, 0, ms_now() + seconds, stop);
  return r == MS_NET_STOP ? r : 0;
}

void ms_net_close(int fd) {
  ms_evloop_forget(fd);
  if (fd >= 0)
    close(fd);
}
