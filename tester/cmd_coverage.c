/* cmd_coverage: `mailspec coverage PATH...` prints, as Markdown, the RFC
 * clauses against the transcripts that check them (gaps included). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "coverage.h"
#include "mailspec/mailspec.h"
#include "util.h"

static void coverage_usage(FILE *out) {
  fputs("usage: mailspec coverage [-o FILE] PATH...\n"
        "Print a Markdown table of the RFC clauses cited by the transcripts\n"
        "under PATH (transcripts, suites, directories), with the clauses\n"
        "no transcript checks marked as gaps.\n"
        "\n"
        "  -o, --output FILE  write the table to FILE (replaced atomically; a\n"
        "                     symlink there is refused) instead of stdout\n"
        "  -h, --help         this text\n"
        "\n"
        "Exit status: 0 written, 2 bad usage, a transcript that does not\n"
        "load, or FILE not writable.\n",
        out);
}

/* Errors only: warnings are `mailspec lint`'s business. */
static void coverage_print_diags(const struct ms_diags *d) {
  for (size_t i = 0; i < d->n; i++)
    if (!d->v[i].warning)
      fprintf(stderr, "%s:%d:%d: %s: %s\n", d->v[i].file, d->v[i].line,
              d->v[i].col, d->v[i].warning ? "warning" : "error", d->v[i].msg);
}

struct coverage_job {
  const struct ms_coverage_item *items;
  size_t n;
};

static int coverage_write(FILE *out, void *ctx) {
  const struct coverage_job *j = ctx;
  ms_coverage_markdown(j->items, j->n, out);
  return ferror(out) ? -1 : 0;
}

int ms_cmd_coverage(const struct ms_cli *g, int argc, char **argv) {
  (void)g;
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                       {"output", required_argument, NULL, 'o'},
                                       {NULL, 0, NULL, 0}};
  const char *outpath = NULL;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
    if (c == 'h') {
      coverage_usage(stdout);
      return MS_EXIT_PASS;
    }
    if (c == 'o') {
      outpath = optarg;
      continue;
    }
    fprintf(stderr,
            c == ':' ? "mailspec coverage: option '%s' needs a "
                       "value\n"
                     : "mailspec coverage: unknown option '%s' (see "
                       "mailspec coverage --help)\n",
            argv[optind - 1]);
    return MS_EXIT_USAGE;
  }
  if (optind >= argc) {
    fputs("mailspec coverage: no PATH given\n", stderr);
    coverage_usage(stderr);
    return MS_EXIT_USAGE;
  }
  struct ms_diags d = {0};
  struct ms_plan plan = {0};
  int rc = MS_EXIT_PASS;
  if (ms_plan_build(&plan, argv + optind, (size_t)(argc - optind), &d)) {
    coverage_print_diags(&d);
    ms_diags_free(&d);
    ms_plan_free(&plan);
    return MS_EXIT_USAGE;
  }
  struct ms_transcript **ts = xcalloc(plan.n, sizeof *ts);
  struct ms_coverage_item *items = xcalloc(plan.n, sizeof *items);
  size_t n = 0;
  for (size_t i = 0; i < plan.n; i++) {
    ts[i] = ms_transcript_load(plan.items[i].path, &d);
    if (!ts[i]) {
      rc = MS_EXIT_USAGE;
      continue;
    }
    items[n].t = ts[i];
    items[n].suite = plan.items[i].suite ? plan.items[i].suite->title : NULL;
    n++;
  }
  coverage_print_diags(&d);
  struct coverage_job j = {items, n};
  char err[512];
  if (!outpath || strcmp(outpath, "-") == 0)
    coverage_write(stdout, &j);
  else if (ms_report_write_path(outpath, coverage_write, &j, err, sizeof err) <
           0) {
    fprintf(stderr, "mailspec coverage: %s\n", err);
    rc = MS_EXIT_USAGE;
  }
  for (size_t i = 0; i < plan.n; i++)
    if (ts[i])
      ms_transcript_free(ts[i]);
  free(ts);
  free(items);
  ms_plan_free(&plan);
  ms_diags_free(&d);
  return rc;
}
