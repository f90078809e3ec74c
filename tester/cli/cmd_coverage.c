/* cmd_coverage: `mailspec coverage PATH...` loads the requirement
 * catalogues and the transcripts under PATH and prints, per RFC and level,
 * how many requirements the transcripts' covers: reach, then every
 * observable requirement without a test (Markdown, or JSON with -r json). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "coverage.h"
#include "mailspec/mailspec.h"
#include "util.h"

static void coverage_usage(FILE *out) {
  fputs("usage: mailspec coverage [-r md|json] [-o FILE] [--catalogue DIR]... "
        "PATH...\n"
        "Count the requirements of the RFC catalogues (suites/requirements/)\n"
        "that the transcripts under PATH (transcripts, suites, directories)\n"
        "name in covers:, per RFC and level, and list every requirement a\n"
        "client can observe that no transcript covers.\n"
        "\n"
        "  -r, --format md|json  Markdown (default) or JSON\n"
        "  -o, --output FILE     write the report to FILE (replaced\n"
        "                        atomically; a symlink there is refused)\n"
        "                        instead of stdout\n"
        "      --catalogue DIR   read the catalogues in DIR (repeatable)\n"
        "                        instead of requirements/ beside the suites\n"
        "                        and under each directory PATH\n"
        "  -h, --help            this text\n"
        "\n"
        "Exit status: 0 written; 2 bad usage, no catalogue found, a\n"
        "catalogue or transcript that does not load, a covers: id that is\n"
        "in no catalogue, or FILE not writable.\n",
        out);
}

struct coverage_opts {
  const char *outpath;
  bool json;
  char **dirs;
  size_t ndirs;
};

struct coverage_job {
  const struct ms_coverage *cv;
  bool json;
};

static int coverage_write(FILE *out, void *ctx) {
  const struct coverage_job *j = ctx;
  if (j->json)
    ms_coverage_json(j->cv, out);
  else
    ms_coverage_markdown(j->cv, out);
  return ferror(out) ? -1 : 0;
}

/* Options into O; returns -1 when the command is done (help: *RC 0, or a
 * usage error: *RC 2). */
static int coverage_opts(int argc, char **argv, struct coverage_opts *o,
                         int *rc) {
  static const struct option opts[] = {
      {"help", no_argument, NULL, 'h'},
      {"output", required_argument, NULL, 'o'},
      {"format", required_argument, NULL, 'r'},
      {"catalogue", required_argument, NULL, 'C'},
      {NULL, 0, NULL, 0}};
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":ho:r:", opts, NULL)) != -1) {
    if (c == 'h') {
      coverage_usage(stdout);
      return *rc = MS_EXIT_PASS, -1;
    } else if (c == 'o') {
      o->outpath = optarg;
    } else if (c == 'r' && (!strcmp(optarg, "md") || !strcmp(optarg, "json"))) {
      o->json = optarg[0] == 'j';
    } else if (c == 'r') {
      fprintf(stderr, "mailspec coverage: -r takes md or json, not '%s'\n",
              optarg);
      return *rc = MS_EXIT_USAGE, -1;
    } else if (c == 'C') {
      o->dirs = xrealloc(o->dirs, (o->ndirs + 1) * sizeof *o->dirs);
      o->dirs[o->ndirs++] = optarg;
    } else {
      fprintf(stderr,
              c == ':' ? "mailspec coverage: option '%s' needs a value\n"
                       : "mailspec coverage: unknown option '%s' (see "
                         "mailspec coverage --help)\n",
              argv[optind - 1]);
      return *rc = MS_EXIT_USAGE, -1;
    }
  }
  if (optind >= argc) {
    fputs("mailspec coverage: no PATH given\n", stderr);
    coverage_usage(stderr);
    return *rc = MS_EXIT_USAGE, -1;
  }
  return 0;
}

/* Load the transcripts of PLAN into ITEMS (and TS, to free); their
 * covers: checked against CAT.  Returns MS_EXIT_USAGE if any fails. */
static int coverage_load(const struct ms_plan *plan,
                         const struct ms_catalogue *cat,
                         struct ms_transcript **ts,
                         struct ms_coverage_item *items, size_t *n,
                         struct ms_diags *d) {
  int rc = MS_EXIT_PASS;
  for (size_t i = 0; i < plan->n; i++) {
    ts[i] = ms_transcript_load(plan->items[i].path, d);
    if (!ts[i] || ms_catalogue_check_covers(cat, ts[i], d))
      rc = MS_EXIT_USAGE;
    if (!ts[i])
      continue;
    items[*n].t = ts[i];
    items[*n].suite = plan->items[i].suite ? plan->items[i].suite->title : NULL;
    (*n)++;
  }
  return rc;
}

/* PATHS without the catalogue files (those are not transcripts). */
static size_t coverage_transcript_paths(char **paths, size_t n, char **out) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!ms_catalogue_is_file(paths[i]))
      out[k++] = paths[i];
  return k;
}

static int coverage_report(const struct coverage_opts *o,
                           const struct ms_coverage *cv) {
  struct coverage_job j = {cv, o->json};
  char err[512];
  if (!o->outpath || strcmp(o->outpath, "-") == 0)
    return coverage_write(stdout, &j) ? MS_EXIT_USAGE : MS_EXIT_PASS;
  if (ms_report_write_path(o->outpath, coverage_write, &j, err, sizeof err) <
      0) {
    fprintf(stderr, "mailspec coverage: %s\n", err);
    return MS_EXIT_USAGE;
  }
  return MS_EXIT_PASS;
}

int ms_cmd_coverage(const struct ms_cli *g, int argc, char **argv) {
  (void)g;
  struct coverage_opts o = {0};
  int rc = MS_EXIT_PASS;
  if (coverage_opts(argc, argv, &o, &rc)) {
    free(o.dirs);
    return rc;
  }
  char **paths = argv + optind;
  size_t npaths = (size_t)(argc - optind);
  char **tpaths = xcalloc(npaths + 1, sizeof *tpaths);
  size_t ntpaths = coverage_transcript_paths(paths, npaths, tpaths);
  struct ms_diags d = {0};
  struct ms_plan plan = {0};
  struct ms_catalogue cat = {0};
  if (ms_plan_build(&plan, tpaths, ntpaths, &d) ||
      ms_catalogue_discover(&cat, o.dirs, o.ndirs, paths, npaths, &plan, &d))
    rc = MS_EXIT_USAGE;
  if (cat.n == 0 && d.nerrors == 0) {
    fputs("mailspec coverage: no requirement catalogue found: give the "
          "suites directory (its requirements/), a catalogue file, or "
          "--catalogue DIR\n",
          stderr);
    rc = MS_EXIT_USAGE;
  }
  struct ms_transcript **ts = xcalloc(plan.n + 1, sizeof *ts);
  struct ms_coverage_item *items = xcalloc(plan.n + 1, sizeof *items);
  size_t n = 0;
  if (rc == MS_EXIT_PASS)
    rc = coverage_load(&plan, &cat, ts, items, &n, &d);
  ms_diags_print_errors(&d, stderr);
  if (cat.n > 0 && (rc == MS_EXIT_PASS || n > 0)) {
    struct ms_coverage cv;
    ms_coverage_build(&cv, &cat, items, n);
    int wrc = coverage_report(&o, &cv);
    rc = wrc ? wrc : rc;
    ms_coverage_free(&cv);
  }
  for (size_t i = 0; i < plan.n; i++)
    ms_transcript_free(ts[i]);
  free(ts);
  free(items);
  free(tpaths);
  free(o.dirs);
  ms_catalogue_free(&cat);
  ms_plan_free(&plan);
  ms_diags_free(&d);
  return rc;
}
