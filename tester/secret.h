/* secret: values that must never be shown.  -D NAME=env:VAR and
 * -D NAME=file:PATH read a value from the environment or a file and mark
 * it secret; the engine also marks the passwords of auth:/apop: steps.
 * Every text that reaches a report, the live view or a message goes
 * through ms_secrets_scrub(), which shows each secret as <redacted>. */
#ifndef MS_SECRET_H
#define MS_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define MS_SECRET_SHOWN "<redacted>"

/* Resolve a -D value: "env:NAME" is the environment variable NAME,
 * "file:PATH" the content of PATH (one final line end dropped); both are
 * secrets (*SECRET true).  Anything else is taken literally.  *VALUE is
 * a new string.  Returns 0, or -1 with ERR (which never holds the
 * value). */
int ms_secret_resolve(const char *spec, char **value, bool *secret, char *err,
                      size_t errlen);

/* A set of secret strings (copies). */
struct ms_secrets {
  char **v;
  size_t n, cap;
};
/* Values shorter than this are not searched for in free text: "x"
 * would turn every "x" of a report into <redacted>.  (The lines that
 * carry a password, PASS, APOP, AUTH, are masked whatever its length.) */
#define MS_SECRET_MIN 4

/* Add VALUE (ignored when shorter than MS_SECRET_MIN or already there). */
void ms_secrets_add(struct ms_secrets *s, const char *value);
/* Add LEN bytes at VALUE. */
void ms_secrets_addn(struct ms_secrets *s, const char *value, size_t len);
/* TEXT with every occurrence of every secret replaced by <redacted>
 * (longest first); NULL when TEXT is NULL.  Caller frees. */
char *ms_secrets_scrub(const struct ms_secrets *s, const char *text);
/* The same in place: *P is replaced when it held a secret. */
void ms_secrets_scrub_in(const struct ms_secrets *s, char **p);
/* Does TEXT hold a secret? */
bool ms_secrets_found(const struct ms_secrets *s, const char *text);
void ms_secrets_free(struct ms_secrets *s);

#endif
