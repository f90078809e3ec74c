/* plan: command-line PATHs to the ordered list of transcripts to run.
 * A PATH is a transcript, a suite (its transcripts, in its order, with
 * the suite attached) or a directory (every *.yaml below it, sorted by
 * path; suites found there contribute their transcripts, waiver files
 * and requirement catalogues there are skipped).  Each
 * transcript runs once: the first mention wins.  A PATH that does not
 * exist is looked for by name (plan_find.c). */
#include "mailspec/transcript.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalogue.h"
#include "plan_path.h"
#include "util.h"

#define PLAN_MAX_DEPTH 32

static void plan_add(struct ms_plan *p, size_t *cap, const char *path,
                     const struct ms_suite *suite) {
  char *clean = ms_plan_path_clean(path);
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->items[i].path, clean) == 0) {
      free(clean);
      return;
    }
  xgrow((void **)&p->items, cap, p->n, sizeof p->items[0]);
  p->items[p->n].path = clean;
  p->items[p->n].suite = suite;
  p->items[p->n].index = p->n; /* run --shard keeps it; merge sorts by it */
  p->n++;
}

/* A file: a suite contributes its transcripts, anything else is one. */
static void plan_file(struct ms_plan *p, size_t *cap, const char *path,
                      struct ms_diags *d) {
  if (!ms_suite_is_suite(path)) {
    plan_add(p, cap, path, NULL);
    return;
  }
  struct ms_suite *s = ms_suite_load(path, d);
  if (!s)
    return;
  p->suites = xrealloc(p->suites, (p->nsuites + 1) * sizeof *p->suites);
  p->suites[p->nsuites++] = s;
  for (size_t i = 0; i < s->ntranscripts; i++)
    plan_add(p, cap, s->transcripts[i], s);
}

struct plan_list {
  char **v;
  size_t n, cap;
};

static bool plan_is_yaml(const char *name) {
  size_t n = strlen(name);
  return n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

/* Collect every *.yaml below DIR (hidden entries and symbolic links to
 * directories skipped: no loops). */
static void plan_walk(const char *dir, int depth, struct plan_list *l,
                      struct ms_diags *d) {
  DIR *dp = opendir(dir);
  if (!dp) {
    ms_diags_add(d, false, dir, 0, 0, "cannot read directory: %s",
                 strerror(errno));
    return;
  }
  struct dirent *e;
  while ((e = readdir(dp))) {
    if (e->d_name[0] == '.')
      continue;
    char *path = xasprintf("%s/%s", dir, e->d_name);
    struct stat st, lst;
    if (lstat(path, &lst) == 0 && stat(path, &st) == 0) {
      if (S_ISDIR(st.st_mode) && !S_ISLNK(lst.st_mode) &&
          depth < PLAN_MAX_DEPTH) {
        plan_walk(path, depth + 1, l, d);
      } else if (S_ISREG(st.st_mode) && plan_is_yaml(e->d_name)) {
        xgrow((void **)&l->v, &l->cap, l->n, sizeof l->v[0]);
        l->v[l->n++] = path;
        path = NULL;
      }
    }
    free(path);
  }
  closedir(dp);
}

static int plan_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void plan_dir(struct ms_plan *p, size_t *cap, const char *dir,
                     struct ms_diags *d) {
  struct plan_list l = {0};
  char *top = xstrdup(dir);
  size_t n = strlen(top);
  while (n > 1 && top[n - 1] == '/')
    top[--n] = '\0';
  plan_walk(top, 0, &l, d);
  qsort(l.v, l.n, sizeof l.v[0], plan_cmp);
  for (size_t i = 0; i < l.n; i++) {
    if (!ms_suite_is_waivers(l.v[i]) && !ms_catalogue_is_file(l.v[i]))
      plan_file(p, cap, l.v[i], d);
    free(l.v[i]);
  }
  free(l.v);
  free(top);
}

/* PATH as given when it exists, else found by name in the search
 * directories (plan_find.c: `mailspec run rfc5321` from anywhere); NULL
 * with a diagnostic that names where it was looked for. */
static char *plan_resolve(const char *path, struct ms_diags *d) {
  int err = access(path, F_OK) == 0 ? 0 : errno;
  char *found = ms_plan_find(path, MS_FIND_SUITE);
  if (found)
    return found;
  if (path[0] == '/' || strncmp(path, "./", 2) == 0 ||
      strncmp(path, "../", 3) == 0) {
    ms_diags_add(d, false, path, 0, 0, "%s", strerror(err));
    return NULL;
  }
  char *where = ms_plan_find_where();
  ms_diags_add(d, false, path, 0, 0,
               "%s, and no suite or transcript of that name in %s "
               "(`mailspec suites` lists the bundled suites)",
               strerror(err), where);
  free(where);
  return NULL;
}

int ms_plan_build(struct ms_plan *p, char *const *paths, size_t npaths,
                  struct ms_diags *d) {
  size_t errs0 = d->nerrors, cap = 0;
  memset(p, 0, sizeof *p);
  for (size_t i = 0; i < npaths; i++) {
    char *path = plan_resolve(paths[i], d);
    if (!path)
      continue;
    struct stat st;
    if (stat(path, &st) != 0)
      ms_diags_add(d, false, path, 0, 0, "%s", strerror(errno));
    else if (S_ISDIR(st.st_mode))
      plan_dir(p, &cap, path, d);
    else
      plan_file(p, &cap, path, d);
    free(path);
  }
  return d->nerrors > errs0 ? -1 : 0;
}

void ms_plan_free(struct ms_plan *p) {
  for (size_t i = 0; i < p->n; i++)
    free(p->items[i].path);
  free(p->items);
  for (size_t i = 0; i < p->nsuites; i++)
    ms_suite_free(p->suites[i]);
  free(p->suites);
  memset(p, 0, sizeof *p);
}
