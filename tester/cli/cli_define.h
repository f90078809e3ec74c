/* cli_define: the -D NAME=VALUE option of run and replay. */
#ifndef MS_CLI_DEFINE_H
#define MS_CLI_DEFINE_H

#include <stddef.h>

#include "mailspec/transcript.h"

struct ms_defines {
  struct ms_var *v; /* the last -D for a name wins */
  size_t n;
  char **secrets; /* values read with env:/file:, never shown */
  size_t nsecrets;
};

/* Add ARG ("NAME=VALUE", "NAME=env:VAR", "NAME=file:PATH").  0, or -1
 * with the reason in ERR (which never holds a secret value). */
int ms_cli_define(struct ms_defines *d, const char *arg, char *err,
                  size_t errlen);
void ms_cli_defines_free(struct ms_defines *d);

#endif
