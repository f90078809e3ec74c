/* cmd_lint: `mailspec lint PATH...` loads every transcript and suite
 * without touching the network and prints what is wrong with them as
 * file:line:col: message (warnings too) on stderr.  Exit 2 if any error,
 * else 0. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "mailspec/mailspec.h"
#include "util.h"

void ms_cmd_usage_lint(FILE *out) {
  fputs("usage: mailspec lint [-q|-v] PATH...\n"
        "\n"
        "Check transcripts and suites without a network.  PATH is a "
        "transcript, a\n"
        "suite or a directory (every *.yaml below it).  Problems are "
        "printed as\n"
        "file:line:col: message on stderr.\n"
        "\n"
        "  -q, --quiet   no summary line\n"
        "  -v, --verbose also name each file that is OK\n"
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
    fprintf(stderr, "%s", g->file ? g->file : "mailspec");
    if (g->line > 0)
      fprintf(stderr, ":%d", g->line);
    if (g->line > 0 && g->col > 0)
      fprintf(stderr, ":%d", g->col);
    fprintf(stderr, ": %s%s\n", g->warning ? "warning: " : "",
            g->msg ? g->msg : "");
    if (g->warning)
      (*nwarn)++;
    else
      (*nerr)++;
  }
}

static const struct option lint_opts[] = {{"quiet", no_argument, NULL, 'q'},
                                          {"verbose", no_argument, NULL, 'v'},
                                          {"help", no_argument, NULL, 'h'},
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

int ms_cmd_lint(const struct ms_cli *g, int argc, char **argv) {
  int verbosity = g->verbosity, c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "qvh", lint_opts, NULL)) != -1) {
    switch (c) {
    case 'q':
      verbosity = -1;
      break;
    case 'v':
      verbosity = 1;
      break;
    case 'h':
      ms_cmd_usage_lint(stdout);
      return MS_EXIT_PASS;
    default:
      fprintf(stderr,
              "mailspec lint: unknown option '%s'\nTry `mailspec "
              "help lint`.\n",
              argv[optind - 1]);
      return MS_EXIT_USAGE;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "mailspec lint: no PATH given\nTry `mailspec help "
                    "lint`.\n");
    return MS_EXIT_USAGE;
  }
  size_t nerr = 0, nwarn = 0, ok = 0, bad = 0;
  struct ms_diags d = {0};
  struct ms_plan plan = {0};
  int prc = ms_plan_build(&plan, argv + optind, (size_t)(argc - optind), &d);
  lint_print(&d, NULL, &nerr, &nwarn);
  ms_diags_free(&d);
  for (size_t i = 0; i < plan.n; i++) {
    struct ms_diags td = {0};
    struct ms_transcript *t = ms_transcript_load(plan.items[i].path, &td);
    size_t before = nerr;
    lint_print(&td, &plan, &nerr, &nwarn);
    if (!t && nerr == before) { /* a loader that failed silently */
      fprintf(stderr, "%s: cannot load the transcript\n", plan.items[i].path);
      nerr++;
    }
    if (nerr > before)
      bad++;
    else
      ok++;
    if (verbosity > 0 && t && nerr == before)
      fprintf(stderr, "%s: OK\n", plan.items[i].path);
    ms_transcript_free(t);
    ms_diags_free(&td);
  }
  if (plan.n == 0 && prc == 0 && nerr == 0) {
    fprintf(stderr, "mailspec lint: no transcripts found in the given "
                    "paths\n");
    nerr++;
  }
  if (verbosity >= 0)
    lint_summary(ok, bad, nerr, nwarn);
  ms_plan_free(&plan);
  return nerr > 0 || prc != 0 ? MS_EXIT_USAGE : MS_EXIT_PASS;
}
