/* cli_define: -D NAME=VALUE (run, replay).  Values from env:/file: are
 * secrets: kept apart so that every output can redact them. */
#include "cli_define.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "util.h"

/* A secret value (even of a -D later overridden) is never shown. */
static void define_secret(struct ms_defines *d, const char *value,
                          bool secret) {
  if (!secret)
    return;
  d->secrets = xrealloc(d->secrets, (d->nsecrets + 1) * sizeof *d->secrets);
  d->secrets[d->nsecrets++] = xstrdup(value);
}

/* Transcript-safe names: a letter or '_' first, then [A-Za-z0-9_.-]. */
static int define_name(const char *arg, const char *eq, char *err,
                       size_t errlen) {
  if (!isalpha((unsigned char)arg[0]) && arg[0] != '_') {
    snprintf(err, errlen,
             "-D: a variable name starts with a letter or "
             "'_': '%s'",
             arg);
    return -1;
  }
  for (const char *p = arg; p < eq; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.') {
      snprintf(err, errlen,
               "-D: bad character in variable name '%s' "
               "(letters, digits, _ - . only)",
               arg);
      return -1;
    }
  return 0;
}

int ms_cli_define(struct ms_defines *d, const char *arg, char *err,
                  size_t errlen) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg) {
    snprintf(err, errlen, "-D expects NAME=VALUE, not '%s'", arg);
    return -1;
  }
  if (define_name(arg, eq, err, errlen) < 0)
    return -1;
  char *value = NULL, why[400];
  bool secret = false;
  if (ms_secret_resolve(eq + 1, &value, &secret, why, sizeof why) < 0) {
    snprintf(err, errlen, "-D %.*s=%s", (int)(eq - arg), arg, why);
    return -1;
  }
  /* A value may not smuggle a line end into a command: it would become a
   * second command on the wire (RFC 5321 §2.3.8). */
  if (strpbrk(value, "\r\n")) {
    free(value); /* not quoted: it may be a secret */
    snprintf(err, errlen, "-D: the value of '%.*s' contains a line end",
             (int)(eq - arg), arg);
    return -1;
  }
  size_t len = (size_t)(eq - arg);
  define_secret(d, value, secret);
  for (size_t i = 0; i < d->n; i++)
    if (strncmp(d->v[i].name, arg, len) == 0 && d->v[i].name[len] == '\0') {
      free(d->v[i].value);
      d->v[i].value = value;
      return 0;
    }
  d->v = xrealloc(d->v, (d->n + 1) * sizeof *d->v);
  d->v[d->n].name = xstrndup(arg, len);
  d->v[d->n].value = value;
  d->n++;
  return 0;
}

void ms_cli_defines_free(struct ms_defines *d) {
  for (size_t i = 0; i < d->n; i++) {
    free(d->v[i].name);
    free(d->v[i].value);
  }
  free(d->v);
  for (size_t i = 0; i < d->nsecrets; i++)
    free(d->secrets[i]);
  free(d->secrets);
  d->v = NULL;
  d->secrets = NULL;
  d->n = d->nsecrets = 0;
}
