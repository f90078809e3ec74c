/* catalogue_find: where lint and coverage find the requirement
 * catalogues (see ms_catalogue_discover() in catalogue.h).  Kept apart
 * from the run plan: a catalogue is never a transcript. */
#include "catalogue.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "transcript_yaml.h"
#include "util.h"

#define CATALOGUE_PEEK_BYTES (16u << 20)

bool ms_catalogue_is_file(const char *path) {
  size_t len = 0;
  char *buf = ms_read_file(path, CATALOGUE_PEEK_BYTES, &len);
  if (!buf)
    return false;
  struct ms_diags d = {0};
  struct ms_ynode *root = ms_transcript_yaml_parse(path, buf, len, &d);
  bool yes = root && root->kind == MS_YMAP &&
             ms_transcript_yaml_get(root, "requirements") &&
             !ms_transcript_yaml_get(root, "transcripts");
  ms_transcript_yaml_free(root);
  ms_diags_free(&d);
  free(buf);
  return yes;
}

static int find_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool find_is_yaml(const char *name) {
  size_t n = strlen(name);
  return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

int ms_catalogue_load_dir(struct ms_catalogue *c, const char *dir,
                          struct ms_diags *d) {
  DIR *dp = opendir(dir);
  if (!dp) {
    ms_diags_add(d, false, dir, 0, 0, "cannot read directory: %s",
                 strerror(errno));
    return -1;
  }
  char **v = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(dp))) {
    if (!find_is_yaml(e->d_name))
      continue;
    xgrow((void **)&v, &cap, n, sizeof v[0]);
    v[n++] = xasprintf("%s/%s", dir, e->d_name);
  }
  closedir(dp);
  if (n > 1)
    qsort(v, n, sizeof v[0], find_cmp);
  int loaded = 0, bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (ms_catalogue_is_file(v[i])) {
      if (ms_catalogue_load(c, v[i], d) == 0)
        loaded++;
      else
        bad++;
    }
    free(v[i]);
  }
  free(v);
  return bad ? -1 : loaded;
}

struct find_seen {
  char **v;
  size_t n, cap;
};

/* Load DIR's catalogues once (by real path); a missing DIR is no error
 * unless REQUIRED. */
static int find_dir(struct ms_catalogue *c, struct find_seen *seen,
                    const char *dir, bool required, struct ms_diags *d) {
  struct stat st;
  char real[PATH_MAX];
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || !realpath(dir, real)) {
    if (required)
      ms_diags_add(d, false, dir, 0, 0, "--catalogue: not a directory");
    return required ? -1 : 0;
  }
  for (size_t i = 0; i < seen->n; i++)
    if (strcmp(seen->v[i], real) == 0)
      return 0;
  xgrow((void **)&seen->v, &seen->cap, seen->n, sizeof seen->v[0]);
  seen->v[seen->n++] = xstrdup(real);
  return ms_catalogue_load_dir(c, dir, d) < 0 ? -1 : 0;
}

/* The directory of FILE ("." when it has none) joined with SUB. */
static char *find_beside(const char *file, const char *sub) {
  const char *slash = strrchr(file, '/');
  if (!slash)
    return xstrdup(sub);
  return xasprintf("%.*s/%s", (int)(slash - file), file, sub);
}

int ms_catalogue_discover(struct ms_catalogue *c, char *const *dirs,
                          size_t ndirs, char *const *paths, size_t npaths,
                          const struct ms_plan *plan, struct ms_diags *d) {
  struct find_seen seen = {0};
  int rc = 0;
  for (size_t i = 0; i < ndirs; i++)
    rc |= find_dir(c, &seen, dirs[i], true, d);
  for (size_t i = 0; i < npaths; i++) {
    struct stat st;
    if (stat(paths[i], &st) != 0)
      continue; /* the plan reports it */
    if (!S_ISDIR(st.st_mode)) {
      if (ms_catalogue_is_file(paths[i]))
        rc |= ms_catalogue_load(c, paths[i], d);
      continue;
    }
    if (ndirs > 0)
      continue;
    const char *subs[] = {"", "/requirements", "/suites/requirements",
                          "/../suites/requirements"};
    for (size_t k = 0; k < 4; k++) {
      char *dir = xasprintf("%s%s", paths[i], subs[k]);
      rc |= find_dir(c, &seen, dir, false, d);
      free(dir);
    }
  }
  for (size_t i = 0; ndirs == 0 && plan && i < plan->nsuites; i++) {
    char *dir = find_beside(plan->suites[i]->path, "requirements");
    rc |= find_dir(c, &seen, dir, false, d);
    free(dir);
  }
  for (size_t i = 0; i < seen.n; i++)
    free(seen.v[i]);
  free(seen.v);
  return rc ? -1 : 0;
}
