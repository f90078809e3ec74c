/* cmd_diff: `mailspec diff BASE.json NEW.json`: what changed between two
 * runs, test by test and step by step.  This is how an admin checks a
 * server upgrade: run the suite before and after, then diff.
 *
 *   regressions      a transcript or a step that passed (or was skipped
 *                    or waived) and now fails or errors
 *   new passes       failed or errored before, passes now
 *   changed codes    a step whose reply code changed while its verdict
 *                    did not, even when both pass (250 -> 251)
 *   other changes    any other verdict change (PASS -> SKIP, ...)
 *   added, removed   transcripts only in NEW or only in BASE
 *
 * Transcripts are matched by id and suite, steps by session and index.
 * Exit 1 when anything regressed, 0 otherwise, 2 on bad input. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "escape.h"
#include "mailspec/mailspec.h"
#include "report_diff.h"
#include "result_json.h"
#include "util.h"

enum diff_kind {
  DIFF_REGRESSION = 0,
  DIFF_NEW_PASS,
  DIFF_CODE,
  DIFF_OTHER,
  DIFF_ADDED,
  DIFF_REMOVED,
  DIFF_NKINDS
};

static const char *const diff_titles[DIFF_NKINDS] = {
    "regressions",   "new passes", "changed reply codes",
    "other changes", "added",      "removed"};
static const char *const diff_title1[DIFF_NKINDS] = {
    "regression",   "new pass", "changed reply code",
    "other change", "added",    "removed"};

/* Each section is collected in a memory stream, printed in order. */
struct diff_out {
  FILE *f[DIFF_NKINDS];
  char *buf[DIFF_NKINDS];
  size_t len[DIFF_NKINDS];
  size_t n[DIFF_NKINDS];
};

static void diff_usage(FILE *out) {
  fputs("usage: mailspec diff [-q] BASE.json NEW.json\n"
        "\n"
        "Compare two JSON results (`mailspec run -r json:FILE`) test by "
        "test and\nstep by step: regressions (new failures), new passes, "
        "reply codes that\nchanged even where both pass (250 -> 251), other "
        "verdict changes, added\nand removed transcripts.\n"
        "\n"
        "  -q, --quiet   print only the header and the summary line\n"
        "\n"
        "Exit status: 0 nothing regressed, 1 something regressed, 2 bad "
        "input.\n",
        out);
}

static bool diff_bad(enum ms_verdict v) {
  return v == MS_FAIL || v == MS_ERROR || v == MS_NOTRUN;
}

static void diff_text(FILE *f, const char *s) {
  ms_esc_plain(f, s, false);
}

static bool diff_same(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The Nth transcript of R with T's id and suite, where T is the Kth of
 * its kind in its own run (so duplicates pair up in order). */
static const struct ms_transcript_result *
diff_find(const struct ms_run_result *r, const struct ms_transcript_result *t,
          size_t k) {
  for (size_t i = 0; i < r->n; i++)
    if (diff_same(r->v[i].id, t->id) && diff_same(r->v[i].suite, t->suite) &&
        k-- == 0)
      return &r->v[i];
  return NULL;
}

/* How many transcripts before index I of R share its id and suite. */
static size_t diff_rank(const struct ms_run_result *r, size_t i) {
  size_t k = 0;
  for (size_t j = 0; j < i; j++)
    if (diff_same(r->v[j].id, r->v[i].id) &&
        diff_same(r->v[j].suite, r->v[i].suite))
      k++;
  return k;
}

static const struct ms_step_result *
diff_step_find(const struct ms_transcript_result *t,
               const struct ms_step_result *s) {
  for (size_t i = 0; i < t->nsteps; i++)
    if (t->steps[i].session == s->session && t->steps[i].step == s->step)
      return &t->steps[i];
  return NULL;
}

static void diff_name(FILE *f, const struct ms_transcript_result *t) {
  fputs("  ", f);
  diff_text(f, t->id ? t->id : t->path);
  if (t->suite) {
    fputs(" (", f);
    diff_text(f, t->suite);
    fputc(')', f);
  }
}

static void diff_level(FILE *f, const struct ms_transcript_result *t) {
  const char *lv = ms_level_name(t->level);
  if ((lv && *lv) || t->rfc) {
    fputs("  [", f);
    diff_text(f, lv && *lv ? lv : "");
    fputs(lv && *lv && t->rfc ? " " : "", f);
    diff_text(f, t->rfc);
    fputc(']', f);
  }
}

/* First line of S (for "was: ..."). */
static void diff_first_line(FILE *f, const char *s) {
  const char *nl = strchr(s, '\n');
  char *line = nl ? xstrndup(s, (size_t)(nl - s)) : xstrdup(s);
  diff_text(f, line);
  if (nl)
    fputs(" ...", f);
  free(line);
}

/* A step that went bad: the new diff, and what the server said before. */
static void diff_step_regression(FILE *f, const struct ms_transcript_result *t,
                                 const struct ms_step_result *s,
                                 const struct ms_step_result *old) {
  char *where = ms_report_diff_where(t, s);
  char *d = ms_report_diff_step(t, s, 20);
  fputs("    ", f);
  diff_text(f, where);
  fprintf(f, ": %s -> %s",
          old ? ms_verdict_name(old->verdict) : "(no such step)",
          ms_verdict_name(s->verdict));
  if (s->reason) {
    fputs(": ", f);
    diff_text(f, s->reason);
  }
  fputc('\n', f);
  for (char *p = d; *p;) { /* indent the diff under the step */
    char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    char *line = xstrndup(p, len);
    fputs("    ", f);
    diff_text(f, line);
    fputc('\n', f);
    free(line);
    p += len + (nl ? 1 : 0);
  }
  if (old && old->got) {
    fputs("        was: ", f);
    diff_first_line(f, old->got);
    fputc('\n', f);
  }
  free(where);
  free(d);
}

/* Steps of NEW that went bad while they were fine (or absent) in OLD. */
static size_t diff_steps_bad(FILE *f, const struct ms_transcript_result *old,
                             const struct ms_transcript_result *nw) {
  size_t n = 0;
  for (size_t i = 0; i < nw->nsteps; i++) {
    const struct ms_step_result *s = &nw->steps[i];
    const struct ms_step_result *o = diff_step_find(old, s);
    if (!diff_bad(s->verdict) || (o && diff_bad(o->verdict)))
      continue;
    diff_step_regression(f, nw, s, o);
    n++;
  }
  return n;
}

/* Reply codes that changed in steps present in both. */
static void diff_codes(struct diff_out *o,
                       const struct ms_transcript_result *old,
                       const struct ms_transcript_result *nw) {
  FILE *f = o->f[DIFF_CODE];
  for (size_t i = 0; i < nw->nsteps; i++) {
    const struct ms_step_result *s = &nw->steps[i];
    const struct ms_step_result *b = diff_step_find(old, s);
    /* a step whose verdict changed is told in its own section */
    if (!b || b->code == s->code || b->verdict != s->verdict)
      continue;
    char *where = ms_report_diff_where(nw, s);
    diff_name(f, nw);
    fputs(": ", f);
    diff_text(f, where);
    fprintf(f, ": %d -> %d (both %s)\n", b->code, s->code,
            ms_verdict_name(s->verdict));
    if (s->sent) {
      fputs("      ", f);
      diff_first_line(f, s->sent);
      fputc('\n', f);
    }
    fputs("      - ", f);
    diff_first_line(f, b->got ? b->got : "(no reply)");
    fputs("\n      + ", f);
    diff_first_line(f, s->got ? s->got : "(no reply)");
    fputc('\n', f);
    free(where);
    o->n[DIFF_CODE]++;
  }
}

static void diff_verdicts(FILE *f, const struct ms_transcript_result *old,
                          const struct ms_transcript_result *nw) {
  diff_name(f, nw);
  fprintf(f, ": %s -> %s", ms_verdict_name(old->verdict),
          ms_verdict_name(nw->verdict));
  diff_level(f, nw);
  if (nw->reason && nw->verdict != MS_PASS) {
    fputs(": ", f);
    diff_text(f, nw->reason);
  }
  fputc('\n', f);
}

static void diff_pair(struct diff_out *o,
                      const struct ms_transcript_result *old,
                      const struct ms_transcript_result *nw) {
  bool was_bad = diff_bad(old->verdict), is_bad = diff_bad(nw->verdict);
  if (is_bad) {
    /* a new failure of the transcript, or of a step in it */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    size_t steps = m ? diff_steps_bad(m, old, nw) : 0;
    if (m)
      fclose(m);
    if (!was_bad || steps) {
      diff_verdicts(o->f[DIFF_REGRESSION], old, nw);
      if (buf)
        fputs(buf, o->f[DIFF_REGRESSION]);
      o->n[DIFF_REGRESSION]++;
    } else if (old->verdict != nw->verdict) {
      diff_verdicts(o->f[DIFF_OTHER], old, nw);
      o->n[DIFF_OTHER]++;
    }
    free(buf);
  } else if (was_bad && nw->verdict == MS_PASS) {
    diff_verdicts(o->f[DIFF_NEW_PASS], old, nw);
    o->n[DIFF_NEW_PASS]++;
  } else if (old->verdict != nw->verdict) {
    diff_verdicts(o->f[DIFF_OTHER], old, nw);
    o->n[DIFF_OTHER]++;
  }
  diff_codes(o, old, nw);
}

static void diff_lonely(struct diff_out *o, enum diff_kind k,
                        const struct ms_transcript_result *t) {
  diff_name(o->f[k], t);
  fprintf(o->f[k], ": %s%s", k == DIFF_REMOVED ? "was " : "",
          ms_verdict_name(t->verdict));
  diff_level(o->f[k], t);
  fputc('\n', o->f[k]);
  o->n[k]++;
}

static void diff_compare(struct diff_out *o, const struct ms_run_result *base,
                         const struct ms_run_result *nw) {
  for (size_t i = 0; i < nw->n; i++) {
    const struct ms_transcript_result *old =
        diff_find(base, &nw->v[i], diff_rank(nw, i));
    if (old)
      diff_pair(o, old, &nw->v[i]);
    else
      diff_lonely(o, DIFF_ADDED, &nw->v[i]);
  }
  for (size_t i = 0; i < base->n; i++)
    if (!diff_find(nw, &base->v[i], diff_rank(base, i)))
      diff_lonely(o, DIFF_REMOVED, &base->v[i]);
}

static const char *diff_greeting(const struct ms_run_result *r) {
  for (size_t i = 0; i < r->n; i++)
    if (r->v[i].greeting)
      return r->v[i].greeting;
  return NULL;
}

static void diff_header(const char *bpath, const struct ms_run_result *b,
                        const char *npath, const struct ms_run_result *n) {
  printf("mailspec diff: ");
  diff_text(stdout, bpath);
  printf(" (%zu transcripts) -> ", b->n);
  diff_text(stdout, npath);
  printf(" (%zu transcripts)\n", n->n);
  const char *gb = diff_greeting(b), *gn = diff_greeting(n);
  if (!diff_same(gb, gn)) {
    fputs("server: ", stdout);
    diff_text(stdout, gb ? gb : "(none)");
    fputs(" -> ", stdout);
    diff_text(stdout, gn ? gn : "(none)");
    fputc('\n', stdout);
  }
}

static void diff_print(struct diff_out *o, bool quiet) {
  for (int k = 0; k < DIFF_NKINDS; k++) {
    fclose(o->f[k]);
    if (!quiet && o->n[k])
      printf("\n%s (%zu):\n%s", diff_titles[k], o->n[k], o->buf[k]);
    free(o->buf[k]);
  }
  printf("%s", quiet ? "" : "\n");
  for (int k = 0; k < DIFF_NKINDS; k++)
    printf("%s%zu %s", k ? ", " : "", o->n[k],
           o->n[k] == 1 ? diff_title1[k] : diff_titles[k]);
  printf("\n");
}

static const struct option diff_opts[] = {{"quiet", no_argument, NULL, 'q'},
                                          {"verbose", no_argument, NULL, 'v'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};

int ms_cmd_diff(const struct ms_cli *g, int argc, char **argv) {
  bool quiet = g->verbosity < 0;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "qvh", diff_opts, NULL)) != -1) {
    if (c == 'q') {
      quiet = true;
    } else if (c == 'v') {
      quiet = false;
    } else if (c == 'h') {
      diff_usage(stdout);
      return MS_EXIT_PASS;
    } else {
      fprintf(stderr, "mailspec diff: unknown option '%s'\n", argv[optind - 1]);
      diff_usage(stderr);
      return MS_EXIT_USAGE;
    }
  }
  if (argc - optind != 2) {
    fprintf(stderr, "mailspec diff: two JSON results expected, BASE and NEW\n");
    diff_usage(stderr);
    return MS_EXIT_USAGE;
  }
  struct ms_run_result base, nw;
  char err[512];
  if (ms_result_json_load(argv[optind], &base, err, sizeof err) != 0) {
    fprintf(stderr, "mailspec diff: %s\n", err);
    return MS_EXIT_USAGE;
  }
  if (ms_result_json_load(argv[optind + 1], &nw, err, sizeof err) != 0) {
    fprintf(stderr, "mailspec diff: %s\n", err);
    ms_run_free(&base);
    return MS_EXIT_USAGE;
  }
  struct diff_out o = {0};
  for (int k = 0; k < DIFF_NKINDS; k++)
    if (!(o.f[k] = open_memstream(&o.buf[k], &o.len[k]))) {
      perror("mailspec diff");
      exit(MS_EXIT_USAGE);
    }
  diff_header(argv[optind], &base, argv[optind + 1], &nw);
  diff_compare(&o, &base, &nw);
  size_t regressions = o.n[DIFF_REGRESSION];
  diff_print(&o, quiet);
  ms_run_free(&base);
  ms_run_free(&nw);
  return regressions ? MS_EXIT_FAIL : MS_EXIT_PASS;
}
