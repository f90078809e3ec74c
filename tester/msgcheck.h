/* msgcheck: the delivery check model's helpers (see msgcheck.c). */
#ifndef MS_MSGCHECK_H
#define MS_MSGCHECK_H

#include <stddef.h>

#include "mailspec/transcript.h"

void ms_msgcheck_free(struct ms_msgcheck *m);
/* Up to CAP templates of M (token, login, regexes) into OUT: how many. */
size_t ms_msgcheck_templates(const struct ms_msgcheck *m, const char **out,
                             size_t cap);

#endif
