/* msgcheck: the delivery check model (struct ms_msgcheck, one message:,
 * no_message:, notification: or no_notification: step) as the script
 * keeps it: freeing it and listing its templates.  Apart from
 * transcript_message.c, which builds checks into the script, so that the
 * script (script.c) frees them without calling back into their loader
 * (issue 16: no dependency circles). */
#include "msgcheck.h"

#include <stdlib.h>

static void msgcheck_fields_free(struct ms_msg_field *f, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(f[i].name);
    free(f[i].re);
  }
  free(f);
}

void ms_msgcheck_free(struct ms_msgcheck *m) {
  if (!m)
    return;
  free(m->token);
  msgcheck_fields_free(m->header, m->nheader);
  msgcheck_fields_free(m->count, m->ncount);
  msgcheck_fields_free(m->added, m->nadded);
  free(m->not_added);
  msgcheck_fields_free(m->body, m->nbody);
  msgcheck_fields_free(m->not_body, m->nnot_body);
  free(m->user);
  free(m->pass);
  free(m);
}

/* Every template of M, for the variable checks of the loader. */
size_t ms_msgcheck_templates(const struct ms_msgcheck *m, const char **out,
                             size_t cap) {
  size_t n = 0;
#define MSG_PUT(x)                                                             \
  do {                                                                         \
    if ((x) && n < cap)                                                        \
      out[n++] = (x);                                                          \
  } while (0)
  MSG_PUT(m->token);
  MSG_PUT(m->user);
  MSG_PUT(m->pass);
  MSG_PUT(m->not_added);
  for (size_t i = 0; i < m->nbody; i++)
    MSG_PUT(m->body[i].re);
  for (size_t i = 0; i < m->nnot_body; i++)
    MSG_PUT(m->not_body[i].re);
  for (size_t i = 0; i < m->nheader; i++)
    MSG_PUT(m->header[i].re);
  for (size_t i = 0; i < m->nadded; i++)
    MSG_PUT(m->added[i].re);
#undef MSG_PUT
  return n;
}
