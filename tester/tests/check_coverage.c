/* Unit tests for the requirement catalogues (catalogue.c), covers:
 * (transcript_covers.c) and the coverage report (coverage.c,
 * coverage_json.c): counts per RFC and level, gaps listed, every error
 * with its file:line:col. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "json.h"
#include "transcript_covers.h"

/* Two server requirements (one observable on the wire, one not), one
 * delivery MUST NOT, a SHOULD and a client MUST. */
static const char CAT[] = "rfc: 9999\n"
                          "title: Test Protocol\n"
                          "requirements:\n"
                          "  - id: 9999-4.1-1\n"
                          "    section: \"4.1\"\n"
                          "    level: MUST\n"
                          "    binds: server\n"
                          "    observe: wire\n"
                          "    quote: \"servers MUST answer | pipes\"\n"
                          "  - id: 9999-4.1-2\n"
                          "    section: \"4.1\"\n"
                          "    level: MUST NOT\n"
                          "    binds: both\n"
                          "    observe: delivery\n"
                          "    config: \"a relay\"\n"
                          "    quote: \"MUST NOT drop\"\n"
                          "  - id: 9999-4.1-3\n"
                          "    section: \"4.1\"\n"
                          "    level: SHOULD\n"
                          "    binds: server\n"
                          "    observe: none\n"
                          "    why: \"timing\"\n"
                          "    quote: \"SHOULD wait\"\n"
                          "  - id: 9999-D-1\n"
                          "    section: \"D\"\n"
                          "    level: SHOULD NOT\n"
                          "    binds: server\n"
                          "    observe: wire\n"
                          "    quote: \"SHOULD NOT say\"\n"
                          "  - id: 9999-4.2-1\n"
                          "    section: \"4.2\"\n"
                          "    level: MUST\n"
                          "    binds: client\n"
                          "    quote: \"clients MUST send\"\n";

static struct ms_catalogue cat_of(const char *text, struct ms_diags *d) {
  struct ms_catalogue c = {0};
  ms_catalogue_parse(&c, "req.yaml", text, strlen(text), d);
  return c;
}

/* The first diagnostic of D as "line:col: message". */
static char *first_diag(const struct ms_diags *d) {
  static char buf[512];
  if (d->n == 0)
    return strcpy(buf, "(none)");
  snprintf(buf, sizeof buf, "%d:%d: %s", d->v[0].line, d->v[0].col,
           d->v[0].msg);
  return buf;
}

START_TEST(test_catalogue_ok) {
  struct ms_diags d = {0};
  struct ms_catalogue c = cat_of(CAT, &d);
  ck_assert_msg(d.nerrors == 0, "%s", first_diag(&d));
  ck_assert_uint_eq(c.n, 5);
  const struct ms_requirement *r = ms_catalogue_find(&c, "9999-4.1-2");
  ck_assert_ptr_nonnull(r);
  ck_assert_int_eq(r->level, MS_REQ_MUST_NOT);
  ck_assert_int_eq(r->binds, MS_BINDS_BOTH);
  ck_assert_str_eq(r->config, "a relay");
  ck_assert(ms_requirement_observable(r));
  ck_assert(!ms_requirement_observable(ms_catalogue_find(&c, "9999-4.1-3")));
  ck_assert(!ms_requirement_observable(ms_catalogue_find(&c, "9999-4.2-1")));
  ck_assert_int_eq(ms_catalogue_find(&c, "9999-D-1")->line, 24);
  ms_catalogue_free(&c);
  ms_diags_free(&d);
}
END_TEST

/* Each broken entry is an error at its own line:col. */
static const struct {
  const char *entry; /* one requirement, appended to a valid head */
  const char *want;  /* "line:col: ...substring" */
} BAD[] = {
    {"  - {id: 9999-1-1, section: \"1\", level: OUGHT, binds: server, "
     "observe: wire, quote: q}\n",
     "4:41: level: is MUST"},
    {"  - {id: 9999-1-1, section: \"1\", level: MUST, binds: server, "
     "quote: q}\n",
     "4:5: 9999-1-1 binds the server: say observe:"},
    {"  - {id: 9999-1-1, section: \"1\", level: MUST, binds: server, "
     "observe: none, quote: q}\n",
     "4:71: observe: none needs why:"},
    {"  - {id: 9999-2-1, section: \"1\", level: MUST, binds: client, "
     "quote: q}\n",
     "4:10: id: \"9999-2-1\" is not 9999-1-N"},
    {"  - {id: 9999-1-1, section: \"1\", level: MUST, binds: client}\n",
     "4:5: this requirement has no quote:"},
    {"  - {id: 9999-1-1, section: \"1\", level: MUST, binds: client, "
     "quote: q, colour: red}\n",
     "4:72: unknown key \"colour\""},
    {"  - {id: 9999-1-1, section: \"1\", level: MUST, binds: client, "
     "quote: q}\n"
     "  - {id: 9999-1-1, section: \"1\", level: MUST, binds: client, "
     "quote: r}\n",
     "5:10: id 9999-1-1 is used twice (first at req.yaml:4)"},
};

START_TEST(test_catalogue_errors) {
  char text[1024];
  snprintf(text, sizeof text, "rfc: 9999\ntitle: T\nrequirements:\n%s",
           BAD[_i].entry);
  struct ms_diags d = {0};
  struct ms_catalogue c = cat_of(text, &d);
  ck_assert_msg(d.nerrors > 0, "no error for %s", BAD[_i].entry);
  const char *got = first_diag(&d);
  char head[32];
  snprintf(head, sizeof head, "%.*s", (int)strcspn(BAD[_i].want, " "),
           BAD[_i].want);
  ck_assert_msg(strncmp(got, head, strlen(head)) == 0 &&
                    strstr(got, strchr(BAD[_i].want, ' ') + 1),
                "want %s, got %s", BAD[_i].want, got);
  ck_assert_uint_eq(c.n, 0); /* a file with errors adds nothing */
  ms_catalogue_free(&c);
  ms_diags_free(&d);
}
END_TEST

START_TEST(test_cover_ids) {
  ck_assert(ms_transcript_covers_id_ok("5321-4.1.1.1-3"));
  ck_assert(ms_transcript_covers_id_ok("5321-D-1"));
  ck_assert(ms_transcript_covers_id_ok("5321-F.2-10"));
  ck_assert(ms_transcript_covers_id_ok("1939-5-31"));
  ck_assert(!ms_transcript_covers_id_ok("5321-4.1-0"));
  ck_assert(!ms_transcript_covers_id_ok("5321-4.1"));
  ck_assert(!ms_transcript_covers_id_ok("RFC5321-4.1-1"));
  ck_assert(!ms_transcript_covers_id_ok("5321-4..1-1"));
  ck_assert(!ms_transcript_covers_id_ok("5321-4.1-1x"));
}
END_TEST

static struct ms_transcript *tr(const char *name, const char *covers,
                                struct ms_diags *d) {
  char yaml[512];
  snprintf(yaml, sizeof yaml,
           "title: t\nconvention: rfc5321\ncovers: %s\nsteps:\n  - S: 220\n",
           covers);
  return ms_transcript_parse(name, yaml, strlen(yaml), d);
}

START_TEST(test_covers_loader) {
  struct ms_diags d = {0};
  struct ms_transcript *t = tr("a.yaml", "[9999-4.1-1, 9999-D-1]", &d);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(t->ncovers, 2);
  ck_assert_str_eq(t->covers[1].id, "9999-D-1");
  ck_assert_int_eq(t->covers[1].line, 3);
  ck_assert_int_eq(t->covers[1].col, 22);
  ms_transcript_free(t);
  ck_assert_ptr_null(tr("b.yaml", "[9999-4.1-1, RFC 9999 §4.1]", &d));
  ck_assert_int_eq(d.v[d.n - 1].line, 3);
  ck_assert_int_eq(d.v[d.n - 1].col, 22);
  ck_assert_ptr_nonnull(strstr(d.v[d.n - 1].msg, "RFC-SECTION-N"));
  ck_assert_ptr_null(tr("c.yaml", "9999-4.1-1", &d));
  ck_assert_ptr_nonnull(strstr(d.v[d.n - 1].msg, "takes a list"));
  ms_diags_free(&d);
}
END_TEST

START_TEST(test_check_covers) {
  struct ms_diags d = {0};
  struct ms_catalogue c = cat_of(CAT, &d);
  struct ms_transcript *t =
      tr("x.yaml", "[9999-4.1-1, 9999-7-1, 9999-4.1-3]", &d);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(ms_catalogue_check_covers(&c, t, &d), 1);
  ck_assert_uint_eq(d.n, 2);
  ck_assert(!d.v[0].warning);
  ck_assert_int_eq(d.v[0].col, 22);
  ck_assert_ptr_nonnull(strstr(d.v[0].msg, "9999-7-1 is not in"));
  ck_assert(d.v[1].warning); /* observe: none: covered by nothing */
  ck_assert_ptr_nonnull(strstr(d.v[1].msg, "observe: none"));
  ms_transcript_free(t);
  ms_catalogue_free(&c);
  ms_diags_free(&d);
}
END_TEST

/* Two transcripts: one covers the wire MUST and the delivery MUST NOT,
 * one covers the SHOULD NOT; nothing covers the rest. */
struct fixture {
  struct ms_diags d;
  struct ms_catalogue c;
  struct ms_transcript *a, *b, *none;
  struct ms_coverage_item items[3];
  struct ms_coverage cv;
};

static void fixture_init(struct fixture *f, bool cover_should) {
  memset(f, 0, sizeof *f);
  f->c = cat_of(CAT, &f->d);
  f->a = tr("transcripts/t/a.yaml", "[9999-4.1-1, 9999-4.1-2]", &f->d);
  f->b = tr("transcripts/t/b.yaml",
            cover_should ? "[9999-D-1, 9999-4.1-1]" : "[]", &f->d);
  f->none = tr("transcripts/t/c.yaml", "[]", &f->d);
  f->items[0].t = f->a;
  f->items[1].t = f->b;
  f->items[2].t = f->none;
  ms_coverage_build(&f->cv, &f->c, f->items, 3);
}

static void fixture_free(struct fixture *f) {
  ms_coverage_free(&f->cv);
  ms_transcript_free(f->a);
  ms_transcript_free(f->b);
  ms_transcript_free(f->none);
  ms_catalogue_free(&f->c);
  ms_diags_free(&f->d);
}

START_TEST(test_tally) {
  struct fixture f;
  fixture_init(&f, false);
  struct ms_coverage_count k[MS_COV_NGROUPS + 1];
  ms_coverage_tally(&f.cv, 9999, k);
  /* MUST: 9999-4.1-1 (wire), 9999-4.1-2 (delivery), 9999-4.2-1 (client) */
  ck_assert_uint_eq(k[MS_COV_MUST].total, 3);
  ck_assert_uint_eq(k[MS_COV_MUST].server, 2);
  ck_assert_uint_eq(k[MS_COV_MUST].wire, 1);
  ck_assert_uint_eq(k[MS_COV_MUST].delivery, 1);
  ck_assert_uint_eq(k[MS_COV_MUST].covered, 2);
  ck_assert_uint_eq(k[MS_COV_MUST].covered_delivery, 1);
  /* SHOULD: 9999-4.1-3 (none) and 9999-D-1 (SHOULD NOT, wire) */
  ck_assert_uint_eq(k[MS_COV_SHOULD].total, 2);
  ck_assert_uint_eq(k[MS_COV_SHOULD].wire, 1);
  ck_assert_uint_eq(k[MS_COV_SHOULD].covered, 0);
  ck_assert_uint_eq(k[MS_COV_NGROUPS].total, 5);
  ck_assert_uint_eq(k[MS_COV_NGROUPS].covered, 2);
  ck_assert(ms_coverage_gap(&f.cv, 3));  /* 9999-D-1 */
  ck_assert(!ms_coverage_gap(&f.cv, 2)); /* observe: none is no gap */
  ck_assert_uint_eq(f.cv.with_covers, 1);
  fixture_free(&f);
  fixture_init(&f, true);
  ms_coverage_tally(&f.cv, 0, k);
  ck_assert_uint_eq(k[MS_COV_SHOULD].covered, 1);
  ck_assert_uint_eq(f.cv.nby[0], 2); /* 9999-4.1-1: a and b */
  fixture_free(&f);
}
END_TEST

static char *render(const struct ms_coverage *cv, bool json) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  if (json)
    ms_coverage_json(cv, out);
  else
    ms_coverage_markdown(cv, out);
  fclose(out);
  return buf;
}

START_TEST(test_markdown) {
  struct fixture f;
  fixture_init(&f, false);
  char *md = render(&f.cv, false);
  ck_assert_ptr_nonnull(
      strstr(md, "| RFC 9999 | MUST | 2 of 2 (100 %) | 1 of 1 (100 %) | 1 of 1 "
                 "(100 %) | 2 | 3 |"));
  ck_assert_ptr_nonnull(strstr(
      md, "| RFC 9999 | SHOULD | 0 of 1 (0 %) | 0 of 1 (0 %) | 0 of 0 | 2 "
          "| 2 |"));
  ck_assert_ptr_nonnull(strstr(md, "### RFC 9999 Test Protocol: 1\n"));
  ck_assert_ptr_nonnull(
      strstr(md, "| 9999-D-1 | D | SHOULD NOT | wire | \"SHOULD NOT say\" |"));
  ck_assert_ptr_null(strstr(md, "| 9999-4.1-3 |")); /* not observable */
  ck_assert_ptr_nonnull(strstr(md, "| 9999-4.1-1 | MUST | wire | `t/a` |"));
  ck_assert_ptr_nonnull(strstr(md, "3 transcripts, 1 with `covers:`."));
  ck_assert_ptr_nonnull(strstr(md, "requirement: 2\n\n`t/b`, `t/c`\n"));
  free(md);
  fixture_free(&f);
}
END_TEST

/* Without transcript a, 9999-4.1-1 (a quote with a '|') is a gap. */
START_TEST(test_markdown_escapes) {
  struct fixture f;
  fixture_init(&f, false);
  ms_coverage_free(&f.cv);
  ms_coverage_build(&f.cv, &f.c, f.items + 1, 2);
  char *md = render(&f.cv, false);
  ck_assert_ptr_nonnull(strstr(md, "\"servers MUST answer \\| pipes\""));
  ck_assert_ptr_nonnull(strstr(md, "(config: a relay)"));
  free(md);
  fixture_free(&f);
}
END_TEST

START_TEST(test_json) {
  struct fixture f;
  fixture_init(&f, true);
  char *js = render(&f.cv, true);
  char err[200];
  struct ms_json *j = ms_json_parse(js, strlen(js), NULL, err, sizeof err);
  ck_assert_msg(j != NULL, "%s", err);
  const struct ms_json *reqs = ms_json_get(j, "requirements");
  ck_assert_uint_eq(reqs->n, 5);
  const struct ms_json *by = ms_json_get(&reqs->items[0], "covered_by");
  ck_assert_uint_eq(by->n, 2);
  ck_assert_str_eq(by->items[1].str, "t/b");
  const struct ms_json *lv =
      ms_json_get(&ms_json_get(j, "rfcs")->items[0], "levels");
  ck_assert_uint_eq(lv->n, 4);
  ck_assert_int_eq((int)ms_json_get(&lv->items[1], "covered")->num, 1);
  ck_assert_int_eq(ms_json_get(&reqs->items[4], "observable")->b, false);
  ms_json_free(j);
  free(js);
  fixture_free(&f);
}
END_TEST

Suite *make_coverage_suite(void);
Suite *make_coverage_suite(void) {
  Suite *s = suite_create("coverage");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_catalogue_ok);
  tcase_add_loop_test(tc, test_catalogue_errors, 0,
                      (int)(sizeof BAD / sizeof BAD[0]));
  tcase_add_test(tc, test_cover_ids);
  tcase_add_test(tc, test_covers_loader);
  tcase_add_test(tc, test_check_covers);
  tcase_add_test(tc, test_tally);
  tcase_add_test(tc, test_markdown);
  tcase_add_test(tc, test_markdown_escapes);
  tcase_add_test(tc, test_json);
  suite_add_tcase(s, tc);
  return s;
}
