/* cmd_replay: `mailspec replay -t HOST:PORT CAPTURE...`: import the
 * captures into transcripts (a private temporary directory unless -o),
 * then run them against the target like `mailspec run`: reply codes are
 * compared, reply texts (queue ids, dates) are not.
 *
 * Captured secrets are written as ${secretN_sK} variables and handed to
 * the engine as secret -D values: they are sent, and every output shows
 * them redacted.  The target's greeting is read once first: sessions of
 * the other protocol are SKIPped and never send a line.  Reports point
 * at the capture and its frames unless -o kept the transcripts. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdint.h>
#include <unistd.h>
#include <dirent.h>

#include "cli_define.h"
#include "cli_jobs.h"
#include "cli_report.h"
#include "cli_run.h"
#include "cmd.h"
#include "cmd_traffic.h"
#include "import.h"
#include "mailspec/mailspec.h"
#include "replay_map.h"
#include "util.h"

static void replay_usage(FILE *out) {
  fputs("usage: mailspec replay -t HOST:PORT [-r FORMAT[:FILE]]... [-j N]\n"
        "                       [--timeout S] [-D NAME=VALUE]... [-o DIR]\n"
        "                       [--port N]... [--allow-gaps] [--pace F] "
        "CAPTURE...\n"
        "\n"
        "Import the SMTP/POP3 sessions of each capture (as `mailspec "
        "import`)\n"
        "and run them against HOST:PORT in one step.  Reply codes are "
        "compared,\n"
        "reply texts are not.  The server's greeting is read once first: "
        "sessions\n"
        "of the other protocol are SKIPped without sending a line.  "
        "Captured\n"
        "secrets (AUTH, PASS, APOP) are sent as captured but never written "
        "or\n"
        "shown: transcripts hold ${secretN_sK} variables, every output "
        "shows\n"
        "<redacted>.  Without -o, the transcripts live in a private "
        "temporary\n"
        "directory removed afterwards, and reports point at the capture: "
        "FILE:N\n"
        "there is the capture and the frame (packet) number of the "
        "reply.\n"
        "Transcripts with capture gaps are not replayable (an ERROR) "
        "unless\n"
        "--allow-gaps.\n"
        "\n"
        "  -t, --target HOST:PORT  the server to replay against (required)\n"
        "  -r, --report FORMAT[:FILE]  text (default), json, junit, tap, "
        "html, md;\n"
        "                          json feeds `mailspec diff`\n"
        "  -j, --jobs N            sessions at once (default 1; with --pace, "
        "all;\n"
        "                          bounded only by the open-file limit, "
        "raised to\n"
        "                          its hard limit when needed)\n"
        "      --pace F            replay at the capture's pace, F times "
        "faster (1:\n"
        "                          as captured, 4: four times faster, 0.5: "
        "half as\n"
        "                          fast): sessions start at their captured "
        "offsets / F\n"
        "                          and overlap as captured; each client "
        "batch waits\n"
        "                          its captured think time / F.  At the end: "
        "how far\n"
        "                          behind schedule it fell at worst\n"
        "      --timeout S         per reply, seconds (default 30)\n"
        "  -D, --define NAME=VALUE  a variable (as in run: VALUE may be "
        "env:VAR or\n"
        "                          file:PATH, a secret never shown in "
        "any output)\n",
        out);
  ms_traffic_usage_opts(out, "replay");
  fputs("Exit: as `mailspec run` (0 all passed, 1 a FAIL, 2 usage, an "
        "unreadable\ncapture or no session to replay, 3 ERROR).\n",
        out);
}

enum { OPT_TIMEOUT = MS_TOPT_FIRST_FREE, OPT_PACE };

static const struct option replay_opts[] = {
    MS_TRAFFIC_LONGOPTS,
    {"target", required_argument, NULL, 't'},
    {"report", required_argument, NULL, 'r'},
    {"jobs", required_argument, NULL, 'j'},
    {"define", required_argument, NULL, 'D'},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"pace", required_argument, NULL, OPT_PACE},
    MS_TRAFFIC_CLI_LONGOPTS,
    {NULL, 0, NULL, 0}};

struct replay_args {
  struct ms_cli g;
  struct ms_import_opts io;
  struct ms_engine_opts eo;
  uint16_t *ports;
  size_t nports;
  struct ms_defines defs; /* -D, secrets apart */
  struct ms_cli_reports reports;
  const char *target;
  struct ms_replay_map map; /* the transcripts written */
  bool kept;                /* -o: they stay */
  double pace;              /* --pace F, 0: as fast as it can */
  const char *pace_arg;     /* F as given */
};

/* A transcript was written: keep where it came from, and its secrets as
 * secret -D values (names unique in the run). */
static void replay_written(void *ctx, const struct ms_import_written *w) {
  struct replay_args *a = ctx;
  ms_replay_map_add(&a->map, w);
  struct ms_defines *d = &a->defs;
  for (size_t i = 0; i < w->nsecrets; i++) {
    d->v = xrealloc(d->v, (d->n + 1) * sizeof *d->v);
    d->v[d->n].name = xstrdup(w->secrets[i].name);
    d->v[d->n++].value = xstrdup(w->secrets[i].value);
    d->secrets = xrealloc(d->secrets, (d->nsecrets + 1) * sizeof *d->secrets);
    d->secrets[d->nsecrets++] = xstrdup(w->secrets[i].value);
  }
}

static int replay_define(struct replay_args *a, const char *arg) {
  char err[512];
  if (ms_cli_define(&a->defs, arg, err, sizeof err) < 0) {
    fprintf(stderr, "mailspec replay: %s\n", err);
    return -1;
  }
  return 0;
}

static int replay_number(const char *opt, const char *arg, double min,
                         double *out) {
  char *end;
  errno = 0;
  double v = strtod(arg, &end);
  if (errno || *end || end == arg || v < min) {
    fprintf(stderr, "mailspec replay: %s takes a number, not \"%s\"\n", opt,
            arg);
    return -1;
  }
  *out = v;
  return 0;
}

/* --pace F: a decimal greater than 0 (how many times faster than the
 * capture; a day of traffic at 1e6 is still a day divided, not zero). */
static int replay_pace(struct replay_args *a, const char *arg) {
  char *end;
  errno = 0;
  double v = strtod(arg, &end);
  if (errno || *end || end == arg || !(v > 0) || !isfinite(v) || v > 1e6) {
    fprintf(stderr,
            "mailspec replay: --pace takes a number greater than 0 (how "
            "many times faster than captured: 1 as captured, 4 four times "
            "faster, 0.5 half as fast), not \"%s\"\n",
            arg);
    return -1;
  }
  a->pace = v;
  a->pace_arg = arg;
  return 0;
}

static int replay_report_add(struct replay_args *a, const char *spec) {
  char err[256];
  if (ms_cli_reports_add(&a->reports, spec, err, sizeof err) < 0) {
    fprintf(stderr, "mailspec replay: -r: %s\n", err);
    return -1;
  }
  return 0;
}

/* 0 parsed, 1 help shown, -1 usage error (printed). */
static int replay_parse(struct replay_args *a, int argc, char **argv) {
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:p:t:r:j:D:qvh", replay_opts, NULL)) !=
         -1) {
    if (c == MS_TOPT_KEEP) {
      fprintf(stderr, "mailspec replay: --keep-secrets writes captured "
                      "secrets into transcripts; replay keeps them in "
                      "memory only (sent, never written or shown): use "
                      "mailspec import --keep-secrets for such "
                      "transcripts\n");
      return -1;
    }
    int r = ms_traffic_opt("replay", c, optarg, &a->io, &a->ports, &a->nports);
    if (r < 0)
      return -1;
    if (r == 0)
      continue;
    switch (c) {
    case 't':
      a->target = optarg;
      break;
    case 'r':
      if (replay_report_add(a, optarg) < 0)
        return -1;
      break;
    case 'j': {
      char jerr[256]; /* bounded by the open-file limit: replay_run */
      if (ms_cli_jobs_parse(optarg, &a->eo.jobs, jerr, sizeof jerr) < 0) {
        fprintf(stderr, "mailspec replay: %s\n", jerr);
        return -1;
      }
      break;
    }
    case 'D':
      if (replay_define(a, optarg) < 0)
        return -1;
      break;
    case OPT_TIMEOUT:
      if (replay_number("--timeout", optarg, 0.001, &a->eo.timeout) < 0)
        return -1;
      break;
    case OPT_PACE:
      if (replay_pace(a, optarg) < 0)
        return -1;
      break;
    default:
      r = ms_traffic_cli_opt("replay", c, optarg, argv, &a->g, replay_usage);
      if (r != 0)
        return r;
    }
  }
  if (!a->target) {
    fprintf(stderr, "mailspec replay: -t HOST:PORT is required (the server "
                    "to replay against)\n");
    return -1;
  }
  char err[256];
  if (ms_target_parse(&a->eo.target, a->target, err, sizeof err) < 0) {
    fprintf(stderr, "mailspec replay: -t: %s\n", err);
    return -1;
  }
  if (optind >= argc) {
    fprintf(stderr, "mailspec replay: no CAPTURE given\n");
    return -1;
  }
  return 0;
}

/* Remove the private directory and what import wrote into it. */
static void replay_cleanup(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d))) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      char *p = xasprintf("%s/%s", dir, e->d_name);
      unlink(p);
      free(p);
    }
    closedir(d);
  }
  rmdir(dir);
}

static int replay_reports(const struct replay_args *a,
                          const struct ms_run_result *res) {
  struct ms_report_opts ro = {.color = a->g.color, .verbosity = a->g.verbosity};
  return ms_cli_reports_write(&a->reports, res, &ro, true, "replay");
}

static void replay_free(struct replay_args *a) {
  ms_cli_defines_free(&a->defs);
  ms_cli_reports_free(&a->reports);
  ms_replay_map_free(&a->map);
  free(a->ports);
  ms_target_free(&a->eo.target);
}

/* Why nothing can be replayed, from the import's counts. */
static void replay_nothing(const struct ms_import_counts *n, int ncaps) {
  fprintf(stderr,
          "mailspec replay: no SMTP or POP3 session to replay in the given "
          "capture%s (%llu TCP session%s: %llu on TLS ports 465/995, TLS "
          "from the first byte, which no capture shows in clear; %llu not "
          "SMTP/POP3; %llu empty)\n",
          ncaps > 1 ? "s" : "", (unsigned long long)n->sessions,
          n->sessions == 1 ? "" : "s", (unsigned long long)n->tls_only,
          (unsigned long long)n->not_mail, (unsigned long long)n->empty);
}

/* Import every capture: -1 when one could not be read, 0 when nothing
 * is there to replay (said why), else 1. */
static int replay_import(struct replay_args *a, char **caps, int ncaps) {
  a->io.ports = a->ports;
  a->io.nports = a->nports;
  a->io.keep_secrets = false; /* the values go to the engine, not files */
  a->io.replay_info = true;
  a->io.verbosity = -1; /* no list of files */
  a->io.written = replay_written;
  a->io.written_ctx = a;
  struct ms_importer *im = ms_importer_new(&a->io);
  bool ok = true;
  for (int i = 0; i < ncaps; i++)
    if (ms_importer_file(im, caps[i]) < 0)
      ok = false;
  ms_traffic_summary("replay", ms_importer_counts(im), a->io.outdir,
                     a->g.verbosity > 0 ? 0 : -1);
  if (a->map.n == 0 && ok)
    replay_nothing(ms_importer_counts(im), ncaps);
  ms_importer_free(im);
  ms_replay_map_sort(&a->map);
  return !ok ? -1 : a->map.n > 0;
}

/* Ids relative to the output directory ("smtp-errors-0001"): two replays
 * of one capture, into a temporary directory each, must give the same
 * ids, or `mailspec diff` sees every test as removed and added. */
static void replay_ids(const struct replay_args *a, struct ms_run_result *r) {
  const char *dir = a->io.outdir;
  size_t n = dir ? strlen(dir) : 0;
  while (n > 1 && dir[n - 1] == '/')
    n--;
  for (size_t i = 0; n && i < r->n; i++) {
    char *id = r->v[i].id;
    if (id && strncmp(id, dir, n) == 0 && id[n] == '/' && id[n + 1]) {
      char *rel = xstrdup(id + n + 1);
      free(id);
      r->v[i].id = rel;
    }
  }
}

/* The target's protocol from its greeting (unless it is builtin or a
 * URL said it): sessions of the other one SKIP before any client line.
 * True when known; *WHY is the SKIP's reason (caller frees). */
static bool replay_probe(struct replay_args *a, enum ms_protocol *proto,
                         char **why) {
  struct ms_target *g = &a->eo.target;
  *why = NULL;
  if (g->builtin || g->tls)
    return false;
  if (g->has_proto) {
    *proto = g->proto;
    return true;
  }
  bool seen[MS_PROTO_COUNT] = {false};
  for (size_t i = 0; i < a->map.n; i++)
    seen[a->map.v[i].proto] = true;
  char greet[128];
  if (!ms_replay_greeting(g->host, g->port, a->eo.timeout, a->eo.stop, proto,
                          greet, sizeof greet))
    return false;
  const char *other = NULL; /* a session of another protocol */
  for (int p = 0; p < MS_PROTO_COUNT; p++)
    if (seen[p] && (enum ms_protocol)p != *proto)
      other = ms_proto_ops((enum ms_protocol)p)->name;
  if (!other)
    return true; /* every session is of the target's protocol */
  const char *is = ms_proto_ops(*proto)->name;
  *why = xasprintf("the server at %s speaks %s (its greeting: %s); this "
                   "session is %s: not replayed against it",
                   a->target, is, greet, other);
  /* the engine SKIPs them before connecting; the reason is ours */
  g->has_proto = true;
  g->proto = *proto;
  return true;
}

/* With --pace, the schedule starts now.  True when the run is paced
 * (LOG made). */
static bool replay_pace_begin(struct replay_args *a, struct ms_pace_log *log) {
  if (a->pace <= 0 || ms_pace_log_init(log) < 0)
    return false;
  a->eo.pace = a->pace;
  a->eo.pace_log = log;
  a->eo.epoch = ms_now();
  return true;
}

/* Where the worst lateness was: the session and the line, and where that
 * line came from in the capture when the transcripts are gone. */
static void replay_pace_where(const struct replay_args *a,
                              const struct ms_pace_log *l, size_t n, char *buf,
                              size_t cap) {
  const struct ms_replay_item *it = NULL;
  for (size_t i = 0; i < a->map.n && !it; i++)
    if (l->path && strcmp(a->map.v[i].path, l->path) == 0)
      it = &a->map.v[i];
  int k = snprintf(buf, cap, "session %zu of %zu %s", l->item + 1, n,
                   l->start ? "at its start" : "at a client batch");
  if (k < 0 || (size_t)k >= cap || !it)
    return;
  if (a->kept)
    snprintf(buf + k, cap - (size_t)k, ", %s:%d", it->path, l->line);
  else if (!l->start && l->line > 0 && (size_t)l->line <= it->nlines &&
           it->frames[l->line - 1])
    snprintf(buf + k, cap - (size_t)k, ", %s frame %llu",
             it->capture ? it->capture : "live capture",
             (unsigned long long)it->frames[l->line - 1]);
  else
    snprintf(buf + k, cap - (size_t)k, ", %s TCP session %llu",
             it->capture ? it->capture : "live capture",
             (unsigned long long)it->session);
}

/* How far behind schedule the paced replay fell at worst: a replay that
 * could not keep up says so. */
static void replay_pace_report(const struct replay_args *a,
                               const struct ms_pace_log *l, size_t n) {
  if (l->points == 0) {
    fprintf(stderr,
            "mailspec replay: --pace %s: no session carried its timing "
            "(at:, think:): nothing was paced\n",
            a->pace_arg);
    return;
  }
  char where[1024];
  replay_pace_where(a, l, n, where, sizeof where);
  fprintf(stderr,
          "mailspec replay: --pace %s: at worst %.3f s behind schedule "
          "(%s)%s\n",
          a->pace_arg, l->worst, where,
          l->worst >= 0.1 ? ": the replay could not keep the capture's pace"
                          : "");
}

static int replay_run(struct replay_args *a) {
  struct ms_diags d = {0};
  struct ms_plan plan = {0};
  char **paths = xmalloc((a->map.n + 1) * sizeof *paths);
  for (size_t i = 0; i < a->map.n; i++)
    paths[i] = a->map.v[i].path;
  int prc = ms_plan_build(&plan, paths, a->map.n, &d);
  free(paths);
  ms_diags_print_errors(&d, stderr);
  ms_diags_free(&d);
  ms_cli_run_engine_opts(&a->eo, &a->g, &a->defs);
  /* -j not given: one session at a time, or with --pace all of them. */
  if (a->eo.jobs == 0)
    a->eo.jobs = a->pace > 0 && plan.n > 1 ? (int)plan.n : 1;
  char jerr[512]; /* -j against the open-file limit (cli_jobs.c) */
  if (ms_cli_jobs_fit(&a->eo, plan.n, jerr, sizeof jerr) < 0) {
    fprintf(stderr, "mailspec replay: %s\n", jerr);
    ms_plan_free(&plan);
    return MS_EXIT_USAGE;
  }
  enum ms_protocol proto = MS_PROTO_SMTP;
  char *why = NULL;
  bool known = replay_probe(a, &proto, &why);
  struct ms_run_result res;
  ms_run_init(&res);
  struct ms_pace_log log;
  bool paced = replay_pace_begin(a, &log);
  ms_engine_run_plan(&a->eo, &plan, &res);
  if (paced) {
    replay_pace_report(a, &log, plan.n);
    ms_pace_log_free(&log);
  }
  ms_replay_map_results(&a->map, a->kept, &res, known, proto, why);
  free(why);
  replay_ids(a, &res);
  int wrc = replay_reports(a, &res);
  int rc = ms_cli_run_status(&res, true, prc != 0, wrc);
  ms_run_free(&res);
  ms_plan_free(&plan);
  return rc;
}

int ms_cmd_replay(const struct ms_cli *g, int argc, char **argv) {
  struct replay_args a;
  memset(&a, 0, sizeof a);
  a.g = *g;
  a.io.conv = MS_CONV_RFC5321;
  ms_engine_opts_init(&a.eo);
  a.eo.jobs = 0; /* not given: 1, or with --pace every session at once */
  int p = replay_parse(&a, argc, argv);
  if (p != 0) {
    replay_free(&a);
    return p > 0 ? MS_EXIT_PASS : MS_EXIT_USAGE;
  }
  char tmpl[] = "/tmp/mailspec-replay-XXXXXX";
  const char *tmpdir = NULL;
  a.kept = a.io.outdir != NULL;
  if (a.io.outdir) {
    if (ms_traffic_mkdir("replay", a.io.outdir) < 0) {
      replay_free(&a);
      return MS_EXIT_USAGE;
    }
  } else {
    const char *base = getenv("TMPDIR");
    char *t = base && *base ? xasprintf("%s/mailspec-replay-XXXXXX", base)
                            : xstrdup(tmpl);
    if (!mkdtemp(t)) { /* mode 0700: the transcripts hold secrets */
      fprintf(stderr,
              "mailspec replay: cannot create a temporary "
              "directory: %s\n",
              strerror(errno));
      free(t);
      replay_free(&a);
      return MS_EXIT_USAGE;
    }
    tmpdir = t;
    a.io.outdir = tmpdir;
  }
  ms_cli_run_signals();
  int imported = replay_import(&a, argv + optind, argc - optind);
  int rc;
  if (a.map.n == 0) {
    rc = MS_EXIT_USAGE; /* as `mailspec run` given no transcript */
  } else {
    rc = replay_run(&a);
    if (imported < 0 && rc == MS_EXIT_PASS)
      rc = MS_EXIT_USAGE;
  }
  if (tmpdir) {
    replay_cleanup(tmpdir);
    free((char *)(uintptr_t)tmpdir);
  }
  replay_free(&a);
  return rc;
}
