/* vars: ${name} expansion and wire bytes of SEND steps (stub). */
#include "mailspec/transcript.h"

#include <stdio.h>
#include <stdlib.h>

#include "util.h"

char *ms_vars_expand(const char *text, size_t len, const struct ms_var *vars,
                     size_t nvars, const struct ms_var *overrides,
                     size_t noverrides, size_t *outlen, char *err,
                     size_t errlen) {
  (void)vars, (void)nvars, (void)overrides, (void)noverrides, (void)err,
      (void)errlen;
  *outlen = len;
  return xmemdup(text, len);
}

int ms_step_wire(const struct ms_step *s, const struct ms_var *vars,
                 size_t nvars, const struct ms_var *overrides,
                 size_t noverrides, char **out, size_t *outlen, char *err,
                 size_t errlen) {
  (void)s, (void)vars, (void)nvars, (void)overrides, (void)noverrides;
  *out = NULL;
  *outlen = 0;
  snprintf(err, errlen, "not implemented");
  return -1;
}
