/* evloop: one epoll loop per worker thread, running that worker's
 * sessions as fibers (issue 17).  A session waits for a socket or a
 * timer by yielding (ms_evloop_wait); the loop resumes it when epoll
 * says the socket is ready, when its deadline passes, or when a stop
 * (Ctrl-C) is requested.  net.c's waits go through here, so the engine
 * above them reads as blocking code and runs as an event machine. */
#ifndef MS_EVLOOP_H
#define MS_EVLOOP_H

#include <signal.h>
#include <stdbool.h>

#include "fiber.h"

struct ms_evloop;

/* The caller is not a fiber on a loop: wait the blocking way. */
#define MS_EVLOOP_NONE (-10)

struct ms_evloop *ms_evloop_new(void);
void ms_evloop_free(struct ms_evloop *l);

/* Start FN(ARG) as a fiber of L (run by ms_evloop_run): false when its
 * stack cannot be had. */
bool ms_evloop_spawn(struct ms_evloop *l, ms_fiber_fn fn, void *arg);

/* Run L on this thread until every fiber has ended. */
void ms_evloop_run(struct ms_evloop *l);

/* From a fiber: wait until FD has EVENTS (POLLIN/POLLOUT; FD < 0: only
 * the deadline) or the monotonic time END.  1 ready, 0 deadline,
 * MS_NET_STOP, or MS_EVLOOP_NONE when not on a loop. */
int ms_evloop_wait(int fd, short events, double end,
                   volatile sig_atomic_t *stop);

/* The owner of FD got EAGAIN for EVENTS (POLLIN/POLLOUT): forget that it
 * was ready, so the next wait waits for a new edge. */
void ms_evloop_unready(int fd, short events);

/* FD is about to be closed: its number may come back as another socket,
 * which must be registered anew. */
void ms_evloop_forget(int fd);

#endif
