/* cmd_suites: `mailspec suites` lists the suites that `mailspec run NAME`
 * finds by name, directory by directory in the order they are searched
 * (plan_find.c), each with its number of transcripts, its protocols and
 * its title.  A name found twice runs the first one; the later ones are
 * marked "shadowed".  Exit 0, or 2 when a suite does not load (its
 * file:line:col diagnostics are on stderr). */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "mailspec/mailspec.h"
#include "util.h"

#define SUITES_NAME_W 20

static void suites_usage(FILE *out) {
  fputs("usage: mailspec suites\n"
        "\n"
        "List the suites that `mailspec run NAME` and `mailspec lint NAME` "
        "find by\n"
        "name, with their number of transcripts, protocols and title, in "
        "the order\n"
        "they are searched: the current directory, each directory of "
        "MAILSPEC_PATH,\n"
        "the tree of this binary, the installed share directory.  In each, "
        "a suite\n"
        "is DIR/NAME.yaml or DIR/suites/NAME.yaml.  Suites marked * run "
        "when\n"
        "`mailspec run` is given no PATH.\n"
        "\n"
        "Exit status: 0, or 2 when a suite does not load.\n",
        out);
}

struct suites_seen {
  char **v;
  size_t n, cap;
};

static bool suites_seen_has(const struct suites_seen *s, const char *name) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->v[i], name) == 0)
      return true;
  return false;
}

static bool suites_is_default(const char *name) {
  for (int p = 0; p < MS_PROTO_COUNT; p++)
    for (const char *const *d = ms_plan_default_suites((enum ms_protocol)p); *d;
         d++)
      if (strcmp(*d, name) == 0)
        return true;
  return false;
}

/* "smtp", "pop3" or "smtp+pop3": the protocols of S's transcripts. */
static const char *suites_protocols(const struct ms_suite *s,
                                    struct ms_diags *d) {
  bool seen[MS_PROTO_COUNT] = {false};
  for (size_t i = 0; i < s->ntranscripts; i++) {
    struct ms_transcript *t = ms_transcript_load(s->transcripts[i], d);
    if (!t)
      continue;
    seen[t->protocol] = true;
    ms_transcript_free(t);
  }
  bool smtp = seen[MS_PROTO_SMTP], pop3 = seen[MS_PROTO_POP3];
  return smtp && pop3 ? "smtp+pop3" : pop3 ? "pop3" : smtp ? "smtp" : "-";
}

/* By name: "rfc1939" before "rfc1939-classroom" (the paths share their
 * directory and end in ".yaml"). */
static int suites_cmp(const void *a, const void *b) {
  const char *x = *(char *const *)a, *y = *(char *const *)b;
  size_t nx = strlen(x) - 5, ny = strlen(y) - 5;
  int c = strncmp(x, y, nx < ny ? nx : ny);
  return c ? c : (nx > ny) - (nx < ny);
}

/* The *.yaml files of DIR that are suites, sorted; their count in *N. */
static char **suites_in(const char *dir, size_t *n) {
  DIR *dp = opendir(dir);
  char **v = NULL;
  size_t cap = 0;
  *n = 0;
  if (!dp)
    return NULL;
  struct dirent *e;
  while ((e = readdir(dp))) {
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".yaml"))
      continue;
    char *path = strcmp(dir, ".") == 0 ? xstrdup(e->d_name)
                                       : xasprintf("%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
        ms_suite_is_suite(path)) {
      xgrow((void **)&v, &cap, *n, sizeof *v);
      v[(*n)++] = path;
    } else {
      free(path);
    }
  }
  closedir(dp);
  if (*n)
    qsort(v, *n, sizeof *v, suites_cmp);
  return v;
}

/* One line per suite of DIR.  Returns the number of suites listed; *BAD
 * is set when one did not load. */
static size_t suites_list_dir(const char *dir, const char *why,
                              struct suites_seen *seen, bool *bad) {
  size_t n;
  char **files = suites_in(dir, &n);
  if (n)
    printf("%s (%s):\n", dir, why);
  for (size_t i = 0; i < n; i++) {
    const char *base = strrchr(files[i], '/');
    base = base ? base + 1 : files[i];
    char *name = xstrndup(base, strlen(base) - 5);
    struct ms_diags d = {0};
    struct ms_suite *s = ms_suite_load(files[i], &d);
    const char *protos = s ? suites_protocols(s, &d) : "-";
    bool shadowed = suites_seen_has(seen, name);
    char *label = xasprintf("%s%s", name, suites_is_default(name) ? " *" : "");
    printf("  %-*s %5zu  %-9s %s%s\n", SUITES_NAME_W, label,
           s ? s->ntranscripts : 0, protos,
           s && s->title ? s->title : "(invalid: see stderr)",
           shadowed ? "  [shadowed by the one above]" : "");
    if (d.nerrors)
      *bad = true;
    ms_diags_print_errors(&d, stderr);
    ms_diags_free(&d);
    ms_suite_free(s);
    free(label);
    if (!shadowed) {
      xgrow((void **)&seen->v, &seen->cap, seen->n, sizeof *seen->v);
      seen->v[seen->n++] = name;
    } else {
      free(name);
    }
    free(files[i]);
  }
  free(files);
  return n;
}

int ms_cmd_suites(const struct ms_cli *g, int argc, char **argv) {
  (void)g;
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      suites_usage(stdout);
      return MS_EXIT_PASS;
    }
    fprintf(stderr,
            "mailspec suites: unknown option '%s'\nTry `mailspec help "
            "suites`.\n",
            argv[optind - 1]);
    return MS_EXIT_USAGE;
  }
  if (optind < argc) {
    fprintf(stderr, "mailspec suites: no arguments expected ('%s')\n",
            argv[optind]);
    return MS_EXIT_USAGE;
  }
  struct ms_search_dirs dirs;
  ms_plan_search_dirs(&dirs);
  struct suites_seen seen = {0};
  bool bad = false;
  size_t total = 0;
  for (size_t i = 0; i < dirs.n; i++) {
    const char *d = dirs.v[i].dir;
    char *sub =
        strcmp(d, ".") == 0 ? xstrdup("suites") : xasprintf("%s/suites", d);
    const char *const places[] = {sub, d};
    for (size_t k = 0; k < 2; k++)
      total += suites_list_dir(places[k], dirs.v[i].why, &seen, &bad);
    free(sub);
  }
  char *where = ms_plan_find_where();
  if (total == 0)
    printf("No suites found.  Searched, in this order: %s\n", where);
  else
    printf("\n* runs when `mailspec run` is given no PATH (rfc5321 and esmtp; "
           "pop3-capa and\n  rfc1939 for pop3://).  Searched, in this order: "
           "%s\n",
           where);
  free(where);
  for (size_t i = 0; i < seen.n; i++)
    free(seen.v[i]);
  free(seen.v);
  ms_plan_search_dirs_free(&dirs);
  return bad ? MS_EXIT_USAGE : MS_EXIT_PASS;
}
