/* fiber: a session's own stack on an event-loop worker (see evloop.h).
 * The engine's code stays straight-line: where it would block (a read,
 * a connect, a pause) it yields, and the worker's loop resumes it when
 * the socket is ready or its timer is due.  One worker thread runs many
 * fibers, one at a time; a fiber never moves to another thread. */
#ifndef MS_FIBER_H
#define MS_FIBER_H

#include <stdbool.h>
#include <stddef.h>

struct ms_fiber;
typedef void (*ms_fiber_fn)(void *arg);

/* A fiber that will run FN(ARG) on its own stack when first resumed;
 * NULL when the stack cannot be mapped. */
struct ms_fiber *ms_fiber_new(ms_fiber_fn fn, void *arg);

/* Run F from the thread's own stack until it yields or ends: true when
 * FN has returned (F may then be freed). */
bool ms_fiber_resume(struct ms_fiber *f);

/* From inside a fiber, back to whoever resumed it. */
void ms_fiber_yield(void);

/* Give back the stack pages below the caller's frame (a fiber about to
 * sleep long: a session held open then costs a page or two of stack,
 * not the deepest it ever went).  Nothing when not in a fiber. */
void ms_fiber_trim(void);

/* The fiber running on this thread, NULL on the thread's own stack. */
struct ms_fiber *ms_fiber_current(void);

/* One pointer of per-fiber storage (the thread's own when no fiber
 * runs): what was thread-local before sessions shared threads. */
void **ms_fiber_local(void);

void ms_fiber_free(struct ms_fiber *f);

#endif
