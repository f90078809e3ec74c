/* plan_find: where a PATH that does not exist is looked for, so that an
 * installed mailspec runs its bundled suites by name from any directory
 * (`mailspec run -t mx:25 rfc5321`).  The search directories, in order:
 *
 *   1. the current directory;
 *   2. each directory of MAILSPEC_PATH (colon-separated);
 *   3. the tree the running binary sits in, when the binary's directory or
 *      its parent holds suites/ and transcripts/ (a clone's ./mailspec or
 *      build/mailspec, an unpacked bundle);
 *   4. the installed share directory, MS_DATADIR, compiled in from PREFIX
 *      by the Makefile.
 *
 * In each directory D, NAME is tried as D/NAME, D/NAME.yaml,
 * D/suites/NAME and D/suites/NAME.yaml (waiver files: also below
 * D/suites/waivers/).  A PATH that exists is always used as given, and an
 * absolute one or one starting with ./ or ../ is never looked for. */
#include "mailspec/transcript.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#ifndef MS_DATADIR
#define MS_DATADIR "/usr/local/share/mailspec"
#endif

#define FIND_EXE_MAX 4096

const char *ms_plan_datadir(void) {
  return MS_DATADIR;
}

static bool find_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool find_is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static void find_add(struct ms_search_dirs *s, size_t *cap, const char *dir,
                     const char *why) {
  if (!*dir)
    return;
  char *real = realpath(dir, NULL);
  for (size_t i = 0; real && i < s->n; i++) {
    char *other = realpath(s->v[i].dir, NULL);
    bool same = other && strcmp(other, real) == 0;
    free(other);
    if (same) {
      free(real);
      return; /* listed already: the first place wins */
    }
  }
  free(real);
  xgrow((void **)&s->v, cap, s->n, sizeof s->v[0]);
  s->v[s->n].dir = xstrdup(dir);
  s->v[s->n].why = why;
  s->n++;
}

/* The directory of the running binary, or its parent, when it is a tree
 * with suites/ and transcripts/ (Linux: /proc/self/exe). */
static char *find_exe_tree(void) {
  char exe[FIND_EXE_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return NULL;
  exe[n] = '\0';
  for (int up = 0; up < 2; up++) {
    char *slash = strrchr(exe, '/');
    if (!slash)
      return NULL;
    *slash = '\0';
    if (!*exe)
      return NULL;
    char *suites = xasprintf("%s/suites", exe);
    char *trans = xasprintf("%s/transcripts", exe);
    bool tree = find_is_dir(suites) && find_is_dir(trans);
    free(suites);
    free(trans);
    if (tree)
      return xstrdup(exe);
  }
  return NULL;
}

void ms_plan_search_dirs(struct ms_search_dirs *s) {
  size_t cap = 0;
  memset(s, 0, sizeof *s);
  find_add(s, &cap, ".", "current directory");
  const char *env = getenv("MAILSPEC_PATH");
  if (env) {
    char *copy = xstrdup(env), *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d;
         d = strtok_r(NULL, ":", &save))
      find_add(s, &cap, d, "MAILSPEC_PATH");
    free(copy);
  }
  char *tree = find_exe_tree();
  if (tree)
    find_add(s, &cap, tree, "this binary's tree");
  free(tree);
  find_add(s, &cap, MS_DATADIR, "installed");
}

void ms_plan_search_dirs_free(struct ms_search_dirs *s) {
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i].dir);
  free(s->v);
  memset(s, 0, sizeof *s);
}

/* Is NAME a path to take as given (never looked for)? */
static bool find_explicit(const char *name) {
  return name[0] == '/' || strncmp(name, "./", 2) == 0 ||
         strncmp(name, "../", 3) == 0 || strcmp(name, ".") == 0 ||
         strcmp(name, "..") == 0;
}

static bool find_has_yaml(const char *name) {
  size_t n = strlen(name);
  return n >= 5 && strcmp(name + n - 5, ".yaml") == 0;
}

/* DIR/SUB NAME[.yaml] if it is a file (or, with no suffix, a directory):
 * the joined path, else NULL. */
static char *find_try(const char *dir, const char *sub, const char *name,
                      bool yaml) {
  char *p = strcmp(dir, ".") == 0
                ? xasprintf("%s%s%s", sub, name, yaml ? ".yaml" : "")
                : xasprintf("%s/%s%s%s", dir, sub, name, yaml ? ".yaml" : "");
  if (yaml ? find_is_file(p) : access(p, F_OK) == 0)
    return p;
  free(p);
  return NULL;
}

char *ms_plan_find(const char *name, enum ms_find_kind kind) {
  static const char *const suite_subs[] = {"", "suites/", NULL};
  static const char *const waiver_subs[] = {"", "suites/waivers/", "waivers/",
                                            "suites/", NULL};
  if (access(name, F_OK) == 0)
    return xstrdup(name);
  if (!*name || find_explicit(name))
    return NULL;
  const char *const *subs = kind == MS_FIND_WAIVERS ? waiver_subs : suite_subs;
  struct ms_search_dirs s;
  ms_plan_search_dirs(&s);
  char *hit = NULL;
  for (size_t i = 0; !hit && i < s.n; i++)
    for (size_t j = 0; !hit && subs[j]; j++) {
      hit = find_try(s.v[i].dir, subs[j], name, false);
      if (!hit && !find_has_yaml(name))
        hit = find_try(s.v[i].dir, subs[j], name, true);
    }
  ms_plan_search_dirs_free(&s);
  return hit;
}

char *ms_plan_find_where(void) {
  struct ms_search_dirs s;
  ms_plan_search_dirs(&s);
  size_t len = 1;
  for (size_t i = 0; i < s.n; i++)
    len += strlen(s.v[i].dir) + 2;
  char *out = xcalloc(1, len);
  for (size_t i = 0; i < s.n; i++) {
    if (i > 0)
      strcat(out, ", ");
    strcat(out, s.v[i].dir);
  }
  ms_plan_search_dirs_free(&s);
  return out;
}

/* The suites run when `mailspec run` is given no PATH: the protocol's
 * core RFC and its extensions (h2spec-style: the target says what to
 * test).  POP3: rfc1939 last, since its last transcript (update-deletes)
 * empties the maildrop that pop3-capa's transcripts read. */
const char *const *ms_plan_default_suites(enum ms_protocol proto) {
  return ms_proto_ops(proto)->default_suites;
}
