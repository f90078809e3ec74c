/* cmd_merge: `mailspec merge [-r FORMAT[:FILE]]... RESULT.json...` joins
 * the JSON results of shards (`mailspec run --shard K/N -r json:FILE`)
 * into one result and writes it through the same report writers as
 * `run`.  Transcripts keep the order of the files given, then their
 * order inside each file.  The same transcript (id and suite) in two
 * files means the shards overlap: an error, not a silent double count.
 *
 * Exit status as for `run` (0, 1 FAIL, 3 ERROR, 2 when a shard had a
 * transcript that did not load; --strict: a SHOULD failure fails too),
 * and 2 for bad input or usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "escape.h"
#include "cli_report.h"
#include "mailspec/mailspec.h"
#include "result_json.h"
#include "util.h"

static void merge_usage(FILE *out) {
  fputs("usage: mailspec merge [-r FORMAT[:FILE]]... [--strict] "
        "RESULT.json...\n"
        "\n"
        "Join the JSON results of shards (`mailspec run --shard K/N -r "
        "json:FILE`)\ninto one report.  FORMAT is text, junit, json, tap, "
        "html or md; FILE\ndefaults to stdout.  Without -r the text report "
        "goes to stdout.\n"
        "\n"
        "  -r, --report FORMAT[:FILE]  write a report (repeatable)\n"
        "      --strict                SHOULD failures fail the merge too\n"
        "  -q, --quiet / -v, --verbose  text report detail\n"
        "\n"
        "Exit status: 0 all passed, 1 a failure, 2 bad input or usage, 3 "
        "nothing\nfailed but something could not be judged.\n",
        out);
}

static bool merge_same(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Move every transcript of SRC to the end of DST (SRC is left empty). */
static void merge_take(struct ms_run_result *dst, struct ms_run_result *src) {
  dst->v = xrealloc(dst->v, (dst->n + src->n + 1) * sizeof *dst->v);
  memcpy(dst->v + dst->n, src->v, src->n * sizeof *src->v);
  dst->n += src->n;
  free(src->v);
  src->v = NULL;
  src->n = 0;
}

/* Run-level facts: targets listed once each, the run spans from the
 * earliest start to the latest end. */
static void merge_header(struct ms_run_result *dst,
                         const struct ms_run_result *src, double *end) {
  if (src->target && !dst->target) {
    dst->target = xstrdup(src->target);
  } else if (src->target && !strstr(dst->target, src->target)) {
    char *t = xasprintf("%s, %s", dst->target, src->target);
    free(dst->target);
    dst->target = t;
  }
  if (src->started > 0 && (dst->started == 0 || src->started < dst->started))
    dst->started = src->started;
  double e = src->started + src->elapsed_ms / 1000;
  if (src->started > 0 && e > *end)
    *end = e;
  dst->interrupted |= src->interrupted;
  dst->ninvalid += src->ninvalid;
}

/* A transcript (id and suite) in two inputs: overlapping shards. */
static int merge_overlap(const struct ms_run_result *r, size_t from,
                         char *const *names, const size_t *origin) {
  for (size_t i = from; i < r->n; i++)
    for (size_t j = 0; j < from; j++)
      if (origin[j] != origin[i] && merge_same(r->v[i].id, r->v[j].id) &&
          merge_same(r->v[i].suite, r->v[j].suite)) {
        fputs("mailspec merge: transcript ", stderr);
        ms_esc_plain(stderr, r->v[i].id, false);
        fprintf(stderr,
                " is in both %s and %s (overlapping shards, or a "
                "file given twice)\n",
                names[origin[j]], names[origin[i]]);
        return -1;
      }
  return 0;
}

static int merge_cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

static int merge_by_index(const void *a, const void *b) {
  const struct ms_transcript_result *x = a, *y = b;
  return (x->plan_index > y->plan_index) - (x->plan_index < y->plan_index);
}

/* Shards of one run (--shard K/N) carry each transcript's position in
 * the whole plan: merged, they list in the unsharded order.  Slices run
 * apart (every file counting from 0) or results without it keep the
 * order of the files.  The indices being distinct, the sort is stable. */
static void merge_plan_order(struct ms_run_result *r) {
  if (r->n < 2)
    return;
  size_t *ix = xmalloc(r->n * sizeof *ix);
  for (size_t i = 0; i < r->n; i++)
    ix[i] = r->v[i].plan_index;
  qsort(ix, r->n, sizeof *ix, merge_cmp_size);
  bool distinct = true;
  for (size_t i = 1; i < r->n && distinct; i++)
    distinct = ix[i] != ix[i - 1];
  free(ix);
  if (distinct)
    qsort(r->v, r->n, sizeof *r->v, merge_by_index);
}

static int merge_load(struct ms_run_result *out, char *const *paths, size_t n) {
  size_t *origin = NULL;
  double end = 0;
  ms_run_init(out);
  for (size_t i = 0; i < n; i++) {
    struct ms_run_result part;
    char err[512];
    if (ms_result_json_load(paths[i], &part, err, sizeof err) != 0) {
      fprintf(stderr, "mailspec merge: %s\n", err);
      free(origin);
      return -1;
    }
    size_t from = out->n;
    merge_header(out, &part, &end);
    merge_take(out, &part);
    ms_run_free(&part);
    origin = xrealloc(origin, (out->n + 1) * sizeof *origin);
    for (size_t j = from; j < out->n; j++)
      origin[j] = i;
    /* quadratic, but only across files: fine for thousands of tests */
    if (merge_overlap(out, from, paths, origin) != 0) {
      free(origin);
      return -1;
    }
  }
  free(origin);
  merge_plan_order(out);
  if (end > out->started && out->started > 0)
    out->elapsed_ms = (end - out->started) * 1000;
  ms_run_count(out);
  return 0;
}

enum { MERGE_OPT_STRICT = 256 };

static const struct option merge_opts[] = {
    {"report", required_argument, NULL, 'r'},
    {"strict", no_argument, NULL, MERGE_OPT_STRICT},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

/* Options into REP, O and STRICT.  Returns -1 (usage), 0, or 1 for
 * --help. */
static int merge_args(int argc, char **argv, struct ms_cli_reports *rep,
                      struct ms_report_opts *o, bool *strict) {
  int c;
  char err[256];
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":r:qvh", merge_opts, NULL)) != -1) {
    switch (c) {
    case 'r':
      if (ms_cli_reports_add(rep, optarg, err, sizeof err) != 0) {
        fprintf(stderr, "mailspec merge: -r %s\n", err);
        return -1;
      }
      break;
    case MERGE_OPT_STRICT:
      *strict = true;
      break;
    case 'q':
      o->verbosity = -1;
      break;
    case 'v':
      o->verbosity = 1;
      break;
    case 'h':
      merge_usage(stdout);
      return 1;
    case ':':
      fprintf(stderr, "mailspec merge: option '%s' needs a value\n",
              argv[optind - 1]);
      return -1;
    default:
      fprintf(stderr, "mailspec merge: unknown option '%s'\n",
              argv[optind - 1]);
      return -1;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "mailspec merge: no JSON result given\n");
    return -1;
  }
  return 0;
}

int ms_cmd_merge(const struct ms_cli *g, int argc, char **argv) {
  struct ms_cli_reports rep = {0};
  struct ms_report_opts o = {g->color, g->verbosity};
  bool strict = false;
  int a = merge_args(argc, argv, &rep, &o, &strict);
  if (a != 0) {
    ms_cli_reports_free(&rep);
    if (a < 0)
      merge_usage(stderr);
    return a < 0 ? MS_EXIT_USAGE : MS_EXIT_PASS;
  }
  ms_cli_reports_default(&rep);
  struct ms_run_result r;
  int rc = MS_EXIT_USAGE;
  if (merge_load(&r, argv + optind, (size_t)(argc - optind)) == 0) {
    rc = ms_cli_reports_write(&rep, &r, &o, false, "merge") == 0
             ? ms_run_exit_status_strict(&r, strict)
             : MS_EXIT_USAGE;
  }
  ms_run_free(&r);
  ms_cli_reports_free(&rep);
  return rc;
}
