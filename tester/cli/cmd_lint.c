/* cmd_lint: `mailspec lint PATH...` loads every transcript and suite
 * without touching the network and prints what is wrong with them as
 * file:line:col: message (warnings too) on stderr.  Exit 2 if any error,
 * else 0. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "cmd.h"
#include "mailspec/mailspec.h"
#include "util.h"

void ms_cmd_usage_lint(FILE *out) {
  fputs("usage: mailspec lint [-q|-v] [--catalogue DIR]... PATH...\n"
        "\n"
        "Check transcripts and suites without a network.  PATH is a "
        "transcript, a\n"
        "suite or a directory (every *.yaml below it).  Problems are "
        "printed as\n"
        "file:line:col: message on stderr.\n"
        "\n"
        "  -q, --quiet   no summary line\n"
        "  -v, --verbose also name each file that is OK\n"
        "  --catalogue DIR  check covers: ids against the requirement\n"
        "                catalogues in DIR (repeatable; default:\n"
        "                requirements/ beside the suites, and under each\n"
        "                directory PATH, its suites/ or ../suites/)\n"
        "\n"
        "Exit status: 0 no errors (warnings allowed), 2 an error or a "
        "usage error.\n",
        out);
}

/* Does a suite of the plan define the variable a loader warning names?
 * The loader warns "${name} is not defined under vars: here" for every
 * variable a transcript leaves to its suite or to -D; when the suite is
 * part of what is being linted, the warning is noise. */
static bool lint_var_supplied(const struct ms_plan *plan, const char *msg) {
  if (!plan || !msg || strncmp(msg, "${", 2) != 0 ||
      !strstr(msg, "} is not defined under vars: here"))
    return false;
  const char *name = msg + 2;
  size_t n = strcspn(name, "}");
  for (size_t s = 0; s < plan->nsuites; s++)
    for (size_t v = 0; v < plan->suites[s]->nvars; v++)
      if (strlen(plan->suites[s]->vars[v].name) == n &&
          !strncmp(plan->suites[s]->vars[v].name, name, n))
        return true;
  return false;
}

static void lint_print(const struct ms_diags *d, const struct ms_plan *plan,
                       size_t *nerr, size_t *nwarn) {
  for (size_t i = 0; i < d->n; i++) {
    const struct ms_diag *g = &d->v[i];
    if (g->warning && lint_var_supplied(plan, g->msg))
      continue;
    char *text = ms_diag_text(g);
    fprintf(stderr, "%s\n", text);
    free(text);
    if (g->warning)
      (*nwarn)++;
    else
      (*nerr)++;
  }
}

static const struct option lint_opts[] = {
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"catalogue", required_argument, NULL, 'C'},
    {NULL, 0, NULL, 0}};

static void lint_summary(size_t ok, size_t bad, size_t nerr, size_t nwarn) {
  printf("%zu transcript%s OK", ok, ok == 1 ? "" : "s");
  if (bad)
    printf(", %zu with errors", bad);
  if (nerr || nwarn)
    printf(" (%zu error%s, %zu warning%s)", nerr, nerr == 1 ? "" : "s", nwarn,
           nwarn == 1 ? "" : "s");
  printf("\n");
}

struct lint_counts {
  size_t nerr, nwarn, ok, bad;
};

/* Load and check every transcript of PLAN; covers: ids against CAT when
 * a catalogue was found. */
static void lint_transcripts(const struct ms_plan *plan,
                             const struct ms_catalogue *cat, int verbosity,
                             struct lint_counts *k) {
  for (size_t i = 0; i < plan->n; i++) {
    struct ms_diags td = {0};
    struct ms_transcript *t = ms_transcript_load(plan->items[i].path, &td);
    if (t && cat->n)
      ms_catalogue_check_covers(cat, t, &td);
    size_t before = k->nerr;
    lint_print(&td, plan, &k->nerr, &k->nwarn);
    if (!t && k->nerr == before) { /* a loader that failed silently */
      fprintf(stderr, "%s: cannot load the transcript\n", plan->items[i].path);
      k->nerr++;
    }
    if (k->nerr > before)
      k->bad++;
    else
      k->ok++;
    if (verbosity > 0 && t && k->nerr == before)
      fprintf(stderr, "%s: OK\n", plan->items[i].path);
    ms_transcript_free(t);
    ms_diags_free(&td);
  }
}

/* PATHS without the catalogue files: those are linted as catalogues. */
static size_t lint_transcript_paths(char **paths, size_t n, char **out) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!ms_catalogue_is_file(paths[i]))
      out[k++] = paths[i];
  return k;
}

int ms_cmd_lint(const struct ms_cli *g, int argc, char **argv) {
  int verbosity = g->verbosity, c;
  char **dirs = NULL;
  size_t ndirs = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "qvh", lint_opts, NULL)) != -1) {
    switch (c) {
    case 'q':
      verbosity = -1;
      break;
    case 'v':
      verbosity = 1;
      break;
    case 'C':
      dirs = xrealloc(dirs, (ndirs + 1) * sizeof *dirs);
      dirs[ndirs++] = optarg;
      break;
    case 'h':
      ms_cmd_usage_lint(stdout);
      free(dirs);
      return MS_EXIT_PASS;
    default:
      fprintf(stderr,
              "mailspec lint: unknown option '%s'\nTry `mailspec "
              "help lint`.\n",
              argv[optind - 1]);
      free(dirs);
      return MS_EXIT_USAGE;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "mailspec lint: no PATH given\nTry `mailspec help "
                    "lint`.\n");
    free(dirs);
    return MS_EXIT_USAGE;
  }
  struct lint_counts k = {0};
  struct ms_diags d = {0};
  struct ms_plan plan = {0};
  struct ms_catalogue cat = {0};
  size_t npaths = (size_t)(argc - optind);
  char **tpaths = xcalloc(npaths + 1, sizeof *tpaths);
  size_t ntpaths = lint_transcript_paths(argv + optind, npaths, tpaths);
  int prc = ms_plan_build(&plan, tpaths, ntpaths, &d);
  prc |= ms_catalogue_discover(&cat, dirs, ndirs, argv + optind, npaths, &plan,
                               &d);
  lint_print(&d, NULL, &k.nerr, &k.nwarn);
  ms_diags_free(&d);
  lint_transcripts(&plan, &cat, verbosity, &k);
  if (plan.n == 0 && cat.nrfcs == 0 && prc == 0 && k.nerr == 0) {
    fprintf(stderr, "mailspec lint: no transcripts found in the given "
                    "paths\n");
    k.nerr++;
  }
  if (verbosity >= 0)
    lint_summary(k.ok, k.bad, k.nerr, k.nwarn);
  ms_plan_free(&plan);
  ms_catalogue_free(&cat);
  free(tpaths);
  free(dirs);
  return k.nerr > 0 || prc != 0 ? MS_EXIT_USAGE : MS_EXIT_PASS;
}
