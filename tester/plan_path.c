/* plan_path: lexical path arithmetic for plans, suites and transcripts
 * (a leaf: suite.c and transcript.c join paths without depending on the
 * plan builder, which depends on them). */
#include "plan_path.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mailspec/transcript.h"
#include "util.h"

/* Lexical clean-up: "a/./b" -> "a/b", "a/x/../b" -> "a/b", "a//b" ->
 * "a/b".  Leading ".." of a relative path stay; "/.." is "/". */
char *ms_plan_path_clean(const char *path) {
  size_t n = strlen(path), nc = 0;
  bool abs = path[0] == '/';
  const char **cp = xmalloc((n / 2 + 2) * sizeof *cp);
  size_t *cl = xmalloc((n / 2 + 2) * sizeof *cl);
  for (const char *p = path; *p;) {
    while (*p == '/')
      p++;
    size_t k = strcspn(p, "/");
    bool dot = k == 1 && p[0] == '.';
    bool dotdot = k == 2 && p[0] == '.' && p[1] == '.';
    if (k == 0 || dot) {
      /* nothing */
    } else if (dotdot && nc > 0 &&
               !(cl[nc - 1] == 2 && memcmp(cp[nc - 1], "..", 2) == 0)) {
      nc--;
    } else if (!(dotdot && abs)) {
      cp[nc] = p;
      cl[nc++] = k;
    }
    p += k;
  }
  char *out = xmalloc(n + 2);
  size_t o = 0;
  if (abs)
    out[o++] = '/';
  for (size_t i = 0; i < nc; i++) {
    if (i > 0)
      out[o++] = '/';
    memcpy(out + o, cp[i], cl[i]);
    o += cl[i];
  }
  if (o == 0)
    out[o++] = '.';
  out[o] = '\0';
  free(cp);
  free(cl);
  return out;
}

char *ms_plan_path_join(const char *base, const char *rel) {
  if (rel[0] == '/' || !strchr(base, '/'))
    return ms_plan_path_clean(rel);
  const char *slash = strrchr(base, '/');
  char *joined = xasprintf("%.*s/%s", (int)(slash - base), base, rel);
  char *r = ms_plan_path_clean(joined);
  free(joined);
  return r;
}
