/* net: client sockets for the live engine.  Every wait has a timeout
 * and gives up early when *STOP becomes non-zero (Ctrl-C), so no call
 * here can hang a run.  Sockets are non-blocking and close-on-exec. */
#ifndef MS_NET_H
#define MS_NET_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Has a stop been requested?  The flag is set by a signal handler on
 * one thread and read by the -j workers: an atomic load (GCC/Clang
 * builtin; sig_atomic_t alone is only safe within one thread). */
static inline bool ms_net_stopped(volatile sig_atomic_t *stop) {
  return stop && __atomic_load_n(stop, __ATOMIC_RELAXED) != 0;
}

/* Results of ms_net_recv() besides a byte count (> 0) and EOF (0). */
#define MS_NET_ERR (-1)     /* error: message in ERR */
#define MS_NET_TIMEOUT (-2) /* nothing within the timeout */
#define MS_NET_STOP (-3)    /* *STOP was set */

/* Connect to HOST:PORT (IPv4, IPv6, or a name via getaddrinfo; every
 * address is tried in turn within TIMEOUT seconds overall).  Returns a
 * connected non-blocking fd, or -1 with a message in ERR. */
int ms_net_connect(const char *host, const char *port, double timeout,
                   volatile sig_atomic_t *stop, char *err, size_t errlen);

/* Send all LEN bytes within TIMEOUT seconds.  0, MS_NET_ERR (the peer
 * closed: EPIPE/ECONNRESET), MS_NET_TIMEOUT or MS_NET_STOP. */
int ms_net_send_all(int fd, const void *buf, size_t len, double timeout,
                    volatile sig_atomic_t *stop, char *err, size_t errlen);

/* Receive up to CAP bytes, waiting at most TIMEOUT seconds (0: do not
 * wait, only take what is already there).  > 0 bytes, 0 at EOF (a reset
 * counts as EOF, with its text in ERR), or MS_NET_*. */
ssize_t ms_net_recv(int fd, void *buf, size_t cap, double timeout,
                    volatile sig_atomic_t *stop, char *err, size_t errlen);

/* Wait until FD is readable (or closed), at most TIMEOUT seconds: 1,
 * MS_NET_TIMEOUT, MS_NET_STOP or MS_NET_ERR.  Right after a command the
 * reply is never there yet: polling first saves a recv() that would
 * only say EAGAIN. */
int ms_net_wait_readable(int fd, double timeout, volatile sig_atomic_t *stop);

/* The local address as an SMTP address literal for EHLO (RFC 5321
 * §4.1.3): "[127.0.0.1]" or "[IPv6:::1]". */
void ms_net_local_literal(int fd, char *buf, size_t len);

/* Sleep SECONDS (pause:, pacing, a mailbox poll), giving up early when
 * *STOP is set: 0 or MS_NET_STOP.  On an event-loop worker this yields
 * to the other sessions instead of blocking the thread. */
int ms_net_sleep(double seconds, volatile sig_atomic_t *stop);

/* Close FD (ignores -1). */
void ms_net_close(int fd);

#endif
