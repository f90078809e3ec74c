/* suite: a suite file lists transcripts (paths and globs relative to the
 * suite's own directory, expanded with glob(3), each glob sorted, in the
 * order written) plus defaults: vars, level, tags, waivers.
 * Format: suites/README.md. */
#include "mailspec/transcript.h"

#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "transcript_yaml.h"
#include "util.h"

#define SUITE_MAX_BYTES (16u << 20)

/* Parse PATH as YAML; NULL (with diagnostics in D) when unreadable. */
static struct ms_ynode *suite_tree(const char *path, struct ms_diags *d) {
  size_t len = 0;
  char *buf = ms_read_file(path, SUITE_MAX_BYTES, &len);
  if (!buf) {
    ms_diags_add(d, false, path, 0, 0, "cannot read: %s", strerror(errno));
    return NULL;
  }
  struct ms_ynode *root = ms_transcript_yaml_parse(path, buf, len, d);
  free(buf);
  return root;
}

/* Does the top-level mapping of PATH have KEY (and not NOT, if given)? */
static bool suite_has_key(const char *path, const char *key,
                          const char * not ) {
  struct ms_diags d = {0};
  struct ms_ynode *root = suite_tree(path, &d);
  bool yes = root && ms_transcript_yaml_get(root, key) != NULL &&
             !(not &&ms_transcript_yaml_get(root, not ));
  ms_transcript_yaml_free(root);
  ms_diags_free(&d);
  return yes;
}

bool ms_suite_is_suite(const char *path) {
  return suite_has_key(path, "transcripts", NULL);
}

bool ms_suite_is_waivers(const char *path) {
  return suite_has_key(path, "waivers", "transcripts");
}

static void suite_add(struct ms_suite *s, size_t *cap, const char *path) {
  for (size_t i = 0; i < s->ntranscripts; i++)
    if (strcmp(s->transcripts[i], path) == 0)
      return; /* listed twice (a glob and a name): run it once */
  xgrow((void **)&s->transcripts, cap, s->ntranscripts,
        sizeof s->transcripts[0]);
  s->transcripts[s->ntranscripts++] = xstrdup(path);
}

/* One entry of transcripts:, a path or a glob(7) pattern. */
static void suite_entry(struct ms_suite *s, size_t *cap,
                        const struct ms_ynode *e, struct ms_diags *d) {
  if (e->kind != MS_YSCALAR || e->len == 0 || e->len != strlen(e->str)) {
    ms_diags_add(d, false, s->path, e->line, e->col,
                 "each entry of transcripts: is a path or a glob such as "
                 "../transcripts/rfc821/*.yaml");
    return;
  }
  char *pattern = ms_plan_path_join(s->path, e->str);
  glob_t g;
  int rc = glob(pattern, 0, NULL, &g);
  if (rc != 0) {
    ms_diags_add(d, false, s->path, e->line, e->col,
                 rc == GLOB_NOMATCH
                     ? "no file matches \"%s\" (looked for %s: paths are "
                       "relative to the suite's directory)"
                     : "cannot expand \"%s\" (%s): unreadable directory",
                 e->str, pattern);
    globfree(&g);
    free(pattern);
    return;
  }
  for (size_t i = 0; i < g.gl_pathc; i++) {
    struct stat st;
    if (stat(g.gl_pathv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      ms_diags_add(d, false, s->path, e->line, e->col,
                   "\"%s\" is a directory: list DIR/*.yaml instead",
                   g.gl_pathv[i]);
      continue;
    }
    suite_add(s, cap, g.gl_pathv[i]);
  }
  globfree(&g);
  free(pattern);
}

static void suite_transcripts(struct ms_suite *s, const struct ms_ynode *k,
                              const struct ms_ynode *v, struct ms_diags *d) {
  size_t cap = 0;
  if (v->kind != MS_YSEQ || v->nkids == 0) {
    const struct ms_ynode *at = v->kind == MS_YSEQ ? k : v;
    ms_diags_add(d, false, s->path, at->line, at->col,
                 "transcripts: is a non-empty list of paths and globs");
    return;
  }
  for (size_t i = 0; i < v->nkids; i++)
    suite_entry(s, &cap, v->kids[i], d);
}

static void suite_key(struct ms_suite *s, const struct ms_ynode *k,
                      const struct ms_ynode *v, struct ms_diags *d) {
  const char *key = k->str, *val;
  if (strcmp(key, "transcripts") == 0) {
    suite_transcripts(s, k, v, d);
  } else if (strcmp(key, "title") == 0) {
    if ((val = ms_transcript_yaml_scalar(s->path, k, v, d)))
      free(s->title), s->title = xstrdup(val);
  } else if (strcmp(key, "notes") == 0) {
    ms_transcript_yaml_scalar(s->path, k, v, d);
  } else if (strcmp(key, "vars") == 0) {
    ms_transcript_yaml_vars(s->path, v, d, &s->vars, &s->nvars);
  } else if (strcmp(key, "tags") == 0) {
    ms_transcript_yaml_words(s->path, k, v, d, &s->tags, &s->ntags);
  } else if (strcmp(key, "level") == 0) {
    if ((val = ms_transcript_yaml_scalar(s->path, k, v, d)) &&
        !ms_level_parse(val, &s->level))
      ms_diags_add(d, false, s->path, v->line, v->col,
                   "unknown level \"%s\": MUST, SHOULD or MAY", val);
  } else if (strcmp(key, "waivers") == 0) {
    if ((val = ms_transcript_yaml_scalar(s->path, k, v, d)))
      free(s->waivers), s->waivers = ms_plan_path_join(s->path, val);
  } else {
    ms_diags_add(d, false, s->path, k->line, k->col,
                 "unknown key \"%s\" in a suite (known: title, transcripts, "
                 "vars, level, tags, waivers, notes)",
                 key);
  }
}

struct ms_suite *ms_suite_load(const char *path, struct ms_diags *d) {
  size_t errs0 = d->nerrors;
  struct ms_ynode *root = suite_tree(path, d);
  if (!root) {
    if (d->nerrors == errs0)
      ms_diags_add(d, false, path, 1, 1, "empty suite: it needs transcripts:");
    return NULL;
  }
  struct ms_suite *s = xcalloc(1, sizeof *s);
  s->path = xstrdup(path);
  if (root->kind != MS_YMAP)
    ms_diags_add(d, false, path, root->line, root->col,
                 "a suite is a YAML mapping with title: and transcripts:");
  for (size_t i = 0; root->kind == MS_YMAP && i + 1 < root->nkids; i += 2)
    suite_key(s, root->kids[i], root->kids[i + 1], d);
  if (root->kind == MS_YMAP && !ms_transcript_yaml_get(root, "transcripts"))
    ms_diags_add(d, false, path, root->line, root->col,
                 "a suite lists its transcripts under transcripts:");
  ms_transcript_yaml_free(root);
  if (d->nerrors > errs0) {
    ms_suite_free(s);
    return NULL;
  }
  return s;
}

void ms_suite_free(struct ms_suite *s) {
  if (!s)
    return;
  ms_transcript_yaml_words_free(s->transcripts, s->ntranscripts);
  ms_transcript_yaml_vars_free(s->vars, s->nvars);
  ms_transcript_yaml_words_free(s->tags, s->ntags);
  free(s->path);
  free(s->title);
  free(s->waivers);
  free(s);
}
