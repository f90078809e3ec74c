/* cmd_run: `mailspec run [-t HOST:PORT|URL|builtin] [-D NAME=VALUE]...
 * [-j N] [--timeout SECONDS] [-r FORMAT[:FILE]]... [--cafile FILE]
 * [--insecure] [--keylog FILE] [-q|-v] [PATH...]`
 *
 * A PATH that does not exist is looked for by name (plan_find.c:
 * `rfc5321` is the bundled suites/rfc5321.yaml); with no PATH at all the
 * target's protocol picks the default suites (rfc5321 and esmtp, or
 * pop3-capa and rfc1939 for pop3:// and pop3s://).
 *
 * Builds the plan, runs it, writes the reports.  Ctrl-C (SIGINT) or
 * SIGTERM stops the run cleanly: reports are written for what finished,
 * the rest is NOTRUN, and the exit status is 128 + the signal (130 for
 * Ctrl-C). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "cli_define.h"
#include "cli_jobs.h"
#include "cli_report.h"
#include "cli_run.h"
#include "cmd.h"
#include "mailspec/mailspec.h"
#include "mailspec/waiver.h"
#include "privs.h"
#include "util.h"

#define RUN_MAX_TIMEOUT 86400.0

void ms_cmd_usage_run(FILE *out) {
  fputs("usage: mailspec run [-t HOST:PORT|URL|builtin] [-D NAME=VALUE]... "
        "[-j N]\n"
        "                    [--timeout SECONDS] [-r FORMAT[:FILE]]...\n"
        "                    [--deadline SECONDS] [--waivers FILE]... "
        "[--strict]\n"
        "                    [--shard K/N] [--repeat N] [--pcap DIR "
        "[--pcap-required]]\n"
        "                    [--cafile FILE] [--insecure] [--keylog FILE] "
        "[--pop3 URL]\n"
        "                    [-q|-v] [PATH...]\n"
        "\n"
        "Replay transcripts against a server and judge its replies by code.\n"
        "PATH is a transcript, a suite, or a directory (every *.yaml below "
        "it, sorted).\n"
        "A PATH that does not exist is looked for by name: rfc5321 is the "
        "bundled\n"
        "suite (`mailspec suites` lists them and where they are).  With no "
        "PATH,\n"
        "the target's protocol picks the default suites: rfc5321 and esmtp, "
        "or\n"
        "pop3-capa and rfc1939 for pop3:// and pop3s://.\n"
        "\n"
        "  -t, --target T        HOST:PORT, [IPv6]:PORT, NAME:PORT, a URL "
        "smtp://HOST,\n"
        "                        smtps://HOST (implicit TLS, port 465), "
        "pop3://HOST,\n"
        "                        pop3s://HOST (995), or builtin (the "
        "default: a\n"
        "                        reference server started for each "
        "transcript)\n"
        "      --pop3 URL        the mailbox side: pop3://HOST[:PORT] "
        "(pop3s://), where\n"
        "                        delivery checks (target: pop3 sessions) "
        "read back what\n"
        "                        the target delivered; log in with -D "
        "user=... -D pass=...\n"
        "                        (-t builtin serves both sides itself)\n"
        "  -D, --define N=V      set variable ${N} (overrides the "
        "transcript's vars:);\n"
        "                        V = env:NAME or file:PATH reads a secret, "
        "shown only\n"
        "                        as <redacted>\n"
        "  -j, --jobs N          run N transcripts at once (default 1; report "
        "order is\n"
        "                        unchanged); N is bounded only by the "
        "open-file limit,\n"
        "                        raised to its hard limit when needed\n"
        "      --timeout S       seconds to wait for each reply (default 30)\n"
        "      --deadline S      seconds allowed for a whole transcript "
        "(default none)\n"
        "  -r, --report F[:FILE] report format text, junit, json, tap, html "
        "or md, to\n"
        "                        FILE or stdout; repeatable (default: text "
        "to stdout)\n"
        "      --waivers FILE    known departures of this server: covered "
        "FAILs are\n"
        "                        WAIVED (repeatable; suites may name one too; "
        "a name\n"
        "                        such as postfix finds the bundled "
        "waivers/postfix.yaml)\n"
        "      --strict          SHOULD failures fail the run too (MUST "
        "always does,\n"
        "                        MAY never does)\n"
        "      --shard K/N       run only the K-th of N deterministic slices "
        "(default\n"
        "                        from CI_NODE_INDEX/CI_NODE_TOTAL); join with "
        "merge\n"
        "      --pcap DIR        capture each transcript's sessions (loopback) "
        "into\n"
        "                        DIR/<id>.pcap, linked from the reports\n"
        "      --pcap-required   exit 2 when capturing is not permitted "
        "(default: say\n"
        "                        so once and run without capture)\n"
        "      --repeat N        run each transcript N times (one result per "
        "run)\n"
        "      --cafile FILE     verify server certificates against these "
        "CAs (PEM)\n"
        "                        instead of the system's store\n"
        "      --insecure        do not fail on a bad certificate (it is "
        "still recorded)\n"
        "      --keylog FILE     append TLS keys to FILE (SSLKEYLOGFILE "
        "format, for\n"
        "                        Wireshark)\n"
        "  -q, --quiet           report only failures and the summary\n"
        "  -v, --verbose         show every exchange live on stderr (S:/R: "
        "form)\n"
        "      --color=WHEN      auto, always or never (NO_COLOR is "
        "honoured)\n"
        "\n"
        "Exit status: 0 all passed (skips allowed), 1 a FAIL, 2 usage error "
        "or invalid\n"
        "transcript, 3 nothing failed but something could not be judged "
        "(ERROR),\n"
        "130 interrupted.\n",
        out);
}

struct run_args {
  struct ms_cli g;
  struct ms_engine_opts eo;
  struct ms_defines defs; /* -D, secrets apart */
  struct ms_cli_reports reports;
  bool strict;           /* --strict: SHOULD failures fail the run */
  size_t shard, nshards; /* --shard K/N (1-based K), 0 = all */
  char **waivers;        /* --waivers FILE, in order */
  size_t nwaivers;
  char **paths;
  size_t npaths;
  bool pcap_required; /* --pcap-required */
  size_t repeat;      /* --repeat N, >= 1 */
};

/* The message is escaped as a whole: arguments may hold any byte. */
__attribute__((format(printf, 1, 2))) static int
run_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  char *safe = ms_report_text_safe(msg, strlen(msg));
  fprintf(stderr, "mailspec run: %s\nTry `mailspec help run`.\n", safe);
  free(safe);
  free(msg);
  return -1;
}

static int run_define(struct run_args *a, const char *arg) {
  char err[512];
  if (ms_cli_define(&a->defs, arg, err, sizeof err) < 0)
    return run_usage_error("%s", err);
  return 0;
}

static int run_seconds(const char *opt, const char *arg, double *out) {
  char *end;
  errno = 0;
  double v = strtod(arg, &end);
  if (errno || end == arg || *end || !(v > 0) || v > RUN_MAX_TIMEOUT) {
    return run_usage_error("%s expects seconds (0 < S <= %g), not '%s'", opt,
                           RUN_MAX_TIMEOUT, arg);
  }
  *out = v;
  return 0;
}

static int run_jobs(const char *arg, int *out) {
  char err[256];
  if (ms_cli_jobs_parse(arg, out, err, sizeof err) < 0)
    return run_usage_error("%s", err);
  return 0;
}

static int run_report_add(struct run_args *a, const char *spec) {
  char err[256];
  if (ms_cli_reports_add(&a->reports, spec, err, sizeof err) < 0)
    return run_usage_error("%s", err);
  return 0;
}

/* "K/N": the K-th (1-based) of N deterministic slices. */
static int run_shard(struct run_args *a, const char *what, const char *arg) {
  unsigned long k, n;
  char slash, extra;
  if (sscanf(arg, "%lu%c%lu%c", &k, &slash, &n, &extra) != 3 || slash != '/' ||
      k < 1 || n < 1 || k > n || n > 100000 ||
      strspn(arg, "0123456789/") != strlen(arg))
    return run_usage_error("%s expects K/N with 1 <= K <= N, not '%s'", what,
                           arg);
  a->shard = k;
  a->nshards = n;
  return 0;
}

/* GitLab's parallel: jobs say which slice they are (CI_NODE_INDEX is
 * 1-based); --shard wins over them. */
static int run_shard_env(struct run_args *a) {
  const char *k = getenv("CI_NODE_INDEX"), *n = getenv("CI_NODE_TOTAL");
  if (a->nshards || !k || !n || !*k || !*n)
    return 0;
  char *spec = xasprintf("%s/%s", k, n);
  int rc = run_shard(a, "CI_NODE_INDEX/CI_NODE_TOTAL", spec);
  free(spec);
  return rc;
}

enum {
  OPT_TIMEOUT = 256,
  OPT_DEADLINE,
  OPT_COLOR,
  OPT_WAIVERS,
  OPT_STRICT,
  OPT_SHARD,
  OPT_CAFILE,
  OPT_INSECURE,
  OPT_KEYLOG,
  OPT_PCAP,
  OPT_PCAP_REQUIRED,
  OPT_REPEAT,
  OPT_POP3
};

static const struct option run_opts[] = {
    {"target", required_argument, NULL, 't'},
    {"define", required_argument, NULL, 'D'},
    {"jobs", required_argument, NULL, 'j'},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"deadline", required_argument, NULL, OPT_DEADLINE},
    {"report", required_argument, NULL, 'r'},
    {"waivers", required_argument, NULL, OPT_WAIVERS},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"cafile", required_argument, NULL, OPT_CAFILE},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"keylog", required_argument, NULL, OPT_KEYLOG},
    {"pcap", required_argument, NULL, OPT_PCAP},
    {"pcap-required", no_argument, NULL, OPT_PCAP_REQUIRED},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"pop3", required_argument, NULL, OPT_POP3},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

/* --repeat N: 1..1000000 (a benchmark's 10,000 sessions fit). */
static int run_repeat(const char *arg, size_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long n = strtoul(arg, &end, 10);
  if (!isdigit((unsigned char)arg[0]) || *end || errno || n < 1 || n > 1000000)
    return run_usage_error("--repeat: \"%s\" is not a count from 1 to "
                           "1000000",
                           arg);
  *out = n;
  return 0;
}

/* No PATH: the default suites of the target's protocol (SMTP unless the
 * URL says pop3:// or pop3s://; builtin and a bare HOST:PORT are SMTP),
 * said on stderr so that nobody wonders what ran. */
static void run_default_paths(struct run_args *a, const char *target) {
  const struct ms_target *t = &a->eo.target;
  enum ms_protocol proto = t->has_proto ? t->proto : MS_PROTO_SMTP;
  const char *const *names = ms_plan_default_suites(proto);
  size_t n = 0;
  while (names[n])
    n++;
  a->paths = (char **)(uintptr_t)names;
  a->npaths = n;
  fprintf(stderr,
          "mailspec run: no PATH given: running the default %s "
          "suites for %s:",
          ms_proto_ops(proto)->name, target);
  for (size_t i = 0; i < n; i++)
    fprintf(stderr, " %s", names[i]);
  fprintf(stderr, "%s\n",
          proto == MS_PROTO_POP3 ? ""
                                 : " (pop3://HOST for the POP3 ones; "
                                   "`mailspec suites` lists them all)");
}

/* --pop3 URL: a POP3 server (pop3://, pop3s://, or HOST:PORT). */
static int run_pop3(struct run_args *a, const char *arg) {
  char err[512];
  if (ms_target_parse(&a->eo.pop3, arg, err, sizeof err) < 0)
    return run_usage_error("--pop3: %s", err);
  if (a->eo.pop3.builtin ||
      (a->eo.pop3.has_proto && a->eo.pop3.proto != MS_PROTO_POP3)) {
    ms_target_free(&a->eo.pop3);
    return run_usage_error("--pop3 takes the mailbox side's POP3 server, "
                           "pop3://HOST[:PORT] or pop3s://HOST[:PORT], not "
                           "'%s'",
                           arg);
  }
  a->eo.pop3.has_proto = true;
  a->eo.pop3.proto = MS_PROTO_POP3;
  return 0;
}

/* 0 parsed, 1 --help shown, -1 usage error (message printed). */
static int run_parse(struct run_args *a, int argc, char **argv) {
  const char *target = "builtin";
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":t:D:j:r:qvh", run_opts, NULL)) != -1) {
    switch (c) {
    case 't':
      target = optarg;
      break;
    case 'D':
      if (run_define(a, optarg) < 0)
        return -1;
      break;
    case 'j':
      if (run_jobs(optarg, &a->eo.jobs) < 0)
        return -1;
      break;
    case OPT_TIMEOUT:
      if (run_seconds("--timeout", optarg, &a->eo.timeout) < 0)
        return -1;
      break;
    case OPT_DEADLINE:
      if (run_seconds("--deadline", optarg, &a->eo.deadline) < 0)
        return -1;
      break;
    case 'r':
      if (run_report_add(a, optarg) < 0)
        return -1;
      break;
    case OPT_WAIVERS:
      a->waivers = xrealloc(a->waivers, (a->nwaivers + 1) * sizeof *a->waivers);
      a->waivers[a->nwaivers++] = optarg;
      break;
    case OPT_STRICT:
      a->strict = true;
      break;
    case OPT_SHARD:
      if (run_shard(a, "--shard", optarg) < 0)
        return -1;
      break;
    case OPT_CAFILE:
      a->eo.cafile = optarg;
      break;
    case OPT_INSECURE:
      a->eo.insecure = true;
      break;
    case OPT_KEYLOG:
      a->eo.keylog = optarg;
      break;
    case OPT_PCAP:
      a->eo.pcap_dir = optarg;
      break;
    case OPT_PCAP_REQUIRED:
      a->pcap_required = true;
      break;
    case OPT_REPEAT:
      if (run_repeat(optarg, &a->repeat) < 0)
        return -1;
      break;
    case OPT_POP3:
      ms_target_free(&a->eo.pop3);
      if (run_pop3(a, optarg) < 0)
        return -1;
      break;
    case 'q':
      a->g.verbosity = -1;
      break;
    case 'v':
      a->g.verbosity = 1;
      break;
    case OPT_COLOR:
      if (ms_cli_color_set(&a->g, optarg) < 0)
        return -1;
      break;
    case 'h':
      ms_cmd_usage_run(stdout);
      return 1;
    case ':':
      return run_usage_error("option '%s' needs a value", argv[optind - 1]);
    default:
      return run_usage_error("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (run_shard_env(a) < 0)
    return -1;
  char err[512];
  if (ms_target_parse(&a->eo.target, target, err, sizeof err) < 0)
    return run_usage_error("-t: %s", err);
  if (a->eo.target.builtin && a->eo.pop3.host)
    return run_usage_error("%s", "--pop3 names the mailbox side of a real "
                                 "server; -t builtin serves both sides "
                                 "itself");
  /* One TLS context for the run: a bad --cafile or --keylog is a usage
   * error now, not an ERROR in every transcript. */
  if (a->eo.cafile || a->eo.keylog || !a->eo.target.builtin) {
    a->eo.tls_ctx = ms_engine_tls_new(&a->eo, err, sizeof err);
    if (!a->eo.tls_ctx)
      return run_usage_error("%s", err);
  }
  a->paths = argv + optind;
  a->npaths = (size_t)(argc - optind);
  if (a->npaths == 0)
    run_default_paths(a, target);
  return 0;
}

static void run_args_free(struct run_args *a) {
  ms_cli_defines_free(&a->defs);
  ms_cli_reports_free(&a->reports);
  free(a->waivers);
  ms_target_free(&a->eo.target);
  ms_target_free(&a->eo.pop3);
  ms_engine_tls_free(a->eo.tls_ctx);
}

/* Waivers from --waivers and from the suites of the plan turn covered
 * FAILs into WAIVED (an expired waiver keeps the FAIL).  -1 when a
 * waiver file is invalid (exit 2); its diagnostics are on stderr. */
static int run_waivers(const struct run_args *a, const struct ms_plan *plan,
                       struct ms_run_result *res) {
  struct ms_waivers w;
  struct ms_diags d = {0};
  memset(&w, 0, sizeof w);
  int rc = 0;
  for (size_t i = 0; i < a->nwaivers; i++) {
    /* --waivers postfix: the bundled waivers/postfix.yaml (plan_find.c) */
    char *file = ms_plan_find(a->waivers[i], MS_FIND_WAIVERS);
    rc |= ms_waivers_load(&w, file ? file : a->waivers[i], &d);
    free(file);
  }
  for (size_t i = 0; i < plan->nsuites; i++) {
    const char *f = plan->suites[i]->waivers;
    bool seen = false;
    for (size_t j = 0; j < i && f && !seen; j++)
      seen =
          plan->suites[j]->waivers && strcmp(plan->suites[j]->waivers, f) == 0;
    if (f && !seen)
      rc |= ms_waivers_load(&w, f, &d);
  }
  ms_diags_print_errors(&d, stderr);
  if (d.nerrors > 0)
    rc = -1;
  ms_diags_free(&d);
  if (w.n > 0)
    ms_waivers_apply(&w, res, NULL, stderr);
  ms_waivers_free(&w);
  return rc;
}

/* The K-th slice of PLAN: every N-th transcript from the K-th on, so
 * that slices stay balanced and each run of the same plan agrees.  The
 * items are borrowed (only SUB->items is to be freed). */
/* --pcap DIR: make DIR and try the capture once, up front.  Without
 * the permission (not root, no CAP_NET_RAW) the run goes on without
 * capture, said once; --pcap-required makes that a usage error (-1). */
static int run_pcap_check(struct run_args *a) {
  const char *dir = a->eo.pcap_dir;
  if (!dir)
    return 0;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "mailspec run: --pcap %s: %s\n", dir, strerror(errno));
    return -1;
  }
  char err[256] = "";
  bool perm = false;
  struct ms_capture_opts co = {NULL, NULL, 9, 0};
  struct ms_capture *c = ms_capture_start(&co, &perm, err, sizeof err);
  if (c) {
    ms_capture_stop(c, NULL, err, sizeof err);
    /* Capturing works: of root, keep only what it and the report files
     * need, before any worker thread starts (issue 8). */
    if (ms_privs_keep_capture(err, sizeof err) < 0) {
      fprintf(stderr, "mailspec run: --pcap: %s\n", err);
      return -1;
    }
    return 0;
  }
  /* ERR says "no permission to capture (needs root or CAP_NET_RAW)" */
  (void)perm;
  fprintf(stderr, "mailspec run: --pcap %s: %s\n", dir, err);
  if (a->pcap_required)
    return -1;
  fprintf(stderr, "mailspec run: running without capture\n");
  a->eo.pcap_dir = NULL;
  return 0;
}

/* -j N against the open-file limit (cli_jobs.c), once the number of
 * sessions is known: the engine never runs more at once than that. */
static int run_jobs_fit(const struct run_args *a, size_t nsessions) {
  char err[512];
  if (ms_cli_jobs_fit(&a->eo, nsessions, err, sizeof err) == 0)
    return 0;
  fprintf(stderr, "mailspec run: %s\n", err);
  return -1;
}

/* --repeat N: every item N times in a row (same index: a merge keeps
 * them together); the items are borrowed. */
static void run_repeat_plan(const struct run_args *a, struct ms_plan *sub) {
  size_t n = a->repeat;
  if (n <= 1 || sub->n == 0)
    return;
  struct ms_plan_item *v = xcalloc(sub->n * n, sizeof *v);
  for (size_t i = 0; i < sub->n; i++)
    for (size_t k = 0; k < n; k++)
      v[i * n + k] = sub->items[i];
  if (a->nshards)
    free(sub->items); /* the slice's own array */
  sub->items = v;
  sub->n *= n;
}

static void run_slice(const struct run_args *a, const struct ms_plan *plan,
                      struct ms_plan *sub) {
  *sub = *plan;
  if (a->nshards == 0)
    return;
  sub->items = xcalloc(plan->n ? plan->n : 1, sizeof *sub->items);
  sub->n = 0;
  for (size_t i = a->shard - 1; i < plan->n; i += a->nshards)
    sub->items[sub->n++] = plan->items[i];
}

/* Failures that do not fail the run are said so on stderr. */
static void run_level_note(const struct ms_run_result *r, bool strict) {
  size_t should = 0, may = 0;
  for (size_t i = 0; i < r->n; i++)
    if (r->v[i].verdict == MS_FAIL && !ms_result_fail_counts(&r->v[i], strict))
      *(r->v[i].level == MS_LEVEL_MAY ? &may : &should) += 1;
  if (should)
    fprintf(stderr,
            "mailspec run: %zu SHOULD failure%s do%s not fail the "
            "run (use --strict)\n",
            should, should == 1 ? "" : "s", should == 1 ? "es" : "");
  if (may)
    fprintf(stderr, "mailspec run: %zu MAY failure%s never fail%s the run\n",
            may, may == 1 ? "" : "s", may == 1 ? "s" : "");
}

/* The one-line progress display for a terminal: "[37/120] id". */
static void run_progress(void *ctx, size_t done, size_t total,
                         const struct ms_transcript_result *t) {
  FILE *out = ctx;
  const char *id = t->id ? t->id : (t->path ? t->path : "");
  char *safe = ms_report_text_safe(id, strlen(id));
  fprintf(out, "\r\033[K[%zu/%zu] %.60s", done, total, safe);
  fflush(out);
  free(safe);
}

/* Reports go out even after Ctrl-C; a report that cannot be written is
 * an error of the run (exit 2 unless something worse). */
static int run_write_reports(const struct run_args *a,
                             const struct ms_run_result *res) {
  struct ms_report_opts ro = {.color = a->g.color, .verbosity = a->g.verbosity};
  return ms_cli_reports_write(&a->reports, res, &ro, true, "run");
}

int ms_cmd_run(const struct ms_cli *g, int argc, char **argv) {
  struct run_args a;
  memset(&a, 0, sizeof a);
  a.g = *g;
  ms_engine_opts_init(&a.eo);
  a.repeat = 1;
  int p = run_parse(&a, argc, argv);
  if (p != 0) {
    run_args_free(&a);
    return p > 0 ? MS_EXIT_PASS : MS_EXIT_USAGE;
  }
  struct ms_diags d = {0};
  struct ms_plan plan = {0};
  int prc = ms_plan_build(&plan, a.paths, a.npaths, &d);
  ms_diags_print_errors(&d, stderr);
  bool plan_bad = prc != 0 || d.nerrors > 0;
  ms_diags_free(&d);
  for (size_t i = 0; i < plan.n; i++)
    plan.items[i].index = i; /* a slice keeps it: merge sorts by it */
  struct ms_plan slice;
  run_slice(&a, &plan, &slice);
  run_repeat_plan(&a, &slice);
  if (run_pcap_check(&a) < 0 || (plan.n > 0 && run_jobs_fit(&a, slice.n) < 0)) {
    if (slice.items != plan.items)
      free(slice.items);
    ms_plan_free(&plan);
    run_args_free(&a);
    return MS_EXIT_USAGE;
  }
  if (plan.n == 0) {
    if (!plan_bad)
      fprintf(stderr, "mailspec run: no transcripts found in the given "
                      "paths\n");
    ms_plan_free(&plan);
    run_args_free(&a);
    return MS_EXIT_USAGE;
  }
  ms_cli_run_engine_opts(&a.eo, &a.g, &a.defs);
  bool progress = a.g.verbosity == 0 && isatty(STDOUT_FILENO) &&
                  ms_cli_reports_text_on_stdout(&a.reports);
  if (progress) {
    a.eo.progress = run_progress;
    a.eo.progress_ctx = stdout;
  }
  /* Only text reports: passing steps are never shown, do not keep them. */
  a.eo.drop_passed_steps = ms_cli_reports_text_only(&a.reports);
  a.eo.drop_passed_meta = a.eo.drop_passed_steps && a.g.verbosity < 0;
  ms_cli_run_signals();
  struct ms_run_result res;
  ms_run_init(&res);
  ms_engine_run_plan(&a.eo, &slice, &res);
  if (progress) {
    fputs("\r\033[K", stdout);
    fflush(stdout);
  }
  if (run_waivers(&a, &plan, &res) < 0)
    plan_bad = true;
  ms_cli_reports_default(&a.reports);
  int wrc = run_write_reports(&a, &res);
  int rc = ms_cli_run_status(&res, a.strict, plan_bad, wrc);
  run_level_note(&res, a.strict);
  ms_run_free(&res);
  if (slice.items != plan.items)
    free(slice.items);
  ms_plan_free(&plan);
  run_args_free(&a);
  return rc;
}
