/* catalogue: load and check requirement catalogues (see catalogue.h).
 * The YAML tree comes from transcript_yaml.c (positions, no aliases,
 * duplicate keys refused). */
#include "catalogue.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "transcript_yaml.h"
#include "util.h"

#define CATALOGUE_MAX_BYTES (16u << 20)

struct cload {
  const char *file; /* owned by the catalogue's rfcs entry */
  struct ms_diags *d;
  size_t errs0;
};

static void cat_err(struct cload *L, const struct ms_ynode *n, const char *fmt,
                    ...) __attribute__((format(printf, 3, 4)));
static void cat_err(struct cload *L, const struct ms_ynode *n, const char *fmt,
                    ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  ms_diags_add(L->d, false, L->file, n->line, n->col, "%s", msg);
  free(msg);
}

static const char *const level_names[] = {"MUST", "MUST NOT", "SHOULD",
                                          "SHOULD NOT", "MAY"};
static const char *const binds_names[] = {"server", "client", "both"};
static const char *const observe_names[] = {"", "wire", "delivery", "none"};

const char *ms_req_level_name(enum ms_req_level l) {
  return (unsigned)l < 5 ? level_names[l] : "";
}

const char *ms_req_observe_name(enum ms_req_observe o) {
  return (unsigned)o < 4 ? observe_names[o] : "";
}

bool ms_requirement_server(const struct ms_requirement *r) {
  return r->binds != MS_BINDS_CLIENT;
}

bool ms_requirement_observable(const struct ms_requirement *r) {
  return ms_requirement_server(r) &&
         (r->observe == MS_OBSERVE_WIRE || r->observe == MS_OBSERVE_DELIVERY);
}

/* The index of S in NAMES[N], or -1. */
static int cat_enum(const char *s, const char *const *names, int n) {
  for (int i = 0; i < n; i++)
    if (names[i][0] && strcmp(s, names[i]) == 0)
      return i;
  return -1;
}

/* A string scalar value (not empty), or NULL with an error. */
static const char *cat_text(struct cload *L, const struct ms_ynode *k,
                            const struct ms_ynode *v) {
  const char *s = ms_transcript_yaml_scalar(L->file, k, v, L->d);
  if (s && v->len != strlen(s)) {
    cat_err(L, v, "%s: holds a NUL byte", k->str);
    return NULL;
  }
  return s;
}

/* "4.1.1.1", "D", "D.1", "F.2": digits or one capital, then .digits. */
static bool cat_section_ok(const char *s) {
  if (!isdigit((unsigned char)*s) &&
      !(isupper((unsigned char)*s) && (s[1] == '\0' || s[1] == '.')))
    return false;
  for (const char *p = s; *p; p++) {
    if (*p == '.') {
      if (!isdigit((unsigned char)p[1]))
        return false;
    } else if (!isdigit((unsigned char)*p) && p != s) {
      return false;
    }
  }
  return true;
}

struct cat_fields {
  const struct ms_ynode *id, *level, *binds, *observe, *why;
};

static void cat_field(struct cload *L, struct ms_requirement *r,
                      struct cat_fields *f, const struct ms_ynode *k,
                      const struct ms_ynode *v) {
  static const char *const keys[] = {"id",    "section", "level",
                                     "binds", "observe", "why",
                                     "quote", "note",    "config"};
  char **text[] = {&r->id,  &r->section, NULL,     NULL,      NULL,
                   &r->why, &r->quote,   &r->note, &r->config};
  const struct ms_ynode **pos[] = {&f->id,    NULL,        &f->level,
                                   &f->binds, &f->observe, &f->why,
                                   NULL,      NULL,        NULL};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    if (strcmp(k->str, keys[i]) != 0)
      continue;
    const char *s = cat_text(L, k, v);
    if (pos[i])
      *pos[i] = s ? v : NULL;
    if (s && text[i])
      *text[i] = xstrdup(s);
    return;
  }
  cat_err(L, k,
          "unknown key \"%s\" in a requirement (known: id, section, level, "
          "binds, observe, why, quote, note, config)",
          k->str);
}

/* The enums, and the rules between fields (format: README.md). */
static void cat_check(struct cload *L, struct ms_requirement *r,
                      const struct cat_fields *f, const struct ms_ynode *m) {
  int e;
  if (f->level && (e = cat_enum(f->level->str, level_names, 5)) < 0)
    cat_err(L, f->level,
            "level: is MUST, MUST NOT, SHOULD, SHOULD NOT or "
            "MAY (REQUIRED/SHALL are MUST, RECOMMENDED is SHOULD)");
  else if (f->level)
    r->level = (enum ms_req_level)e;
  if (f->binds && (e = cat_enum(f->binds->str, binds_names, 3)) < 0)
    cat_err(L, f->binds, "binds: is server, client or both");
  else if (f->binds)
    r->binds = (enum ms_req_binds)e;
  if (f->observe && (e = cat_enum(f->observe->str, observe_names, 4)) < 0)
    cat_err(L, f->observe, "observe: is wire, delivery or none");
  else if (f->observe)
    r->observe = (enum ms_req_observe)e;
  const char *miss = !r->id        ? "id"
                     : !r->section ? "section"
                     : !f->level   ? "level"
                     : !f->binds   ? "binds"
                     : !r->quote   ? "quote"
                                   : NULL;
  if (miss && L->d->nerrors == L->errs0)
    cat_err(L, m, "this requirement has no %s:", miss);
  if (!miss && r->binds != MS_BINDS_CLIENT && r->observe == MS_OBSERVE_UNSET)
    cat_err(L, m, "%s binds the server: say observe: wire, delivery or none",
            r->id);
  if (r->observe == MS_OBSERVE_NONE && !r->why && f->observe)
    cat_err(L, f->observe,
            "observe: none needs why: (one line: why no client can see it)");
  if (r->why && r->observe != MS_OBSERVE_NONE && f->why)
    ms_diags_add(L->d, true, L->file, f->why->line, f->why->col,
                 "why: explains observe: none; %s is not none", r->id);
}

/* id is RFC-SECTION-N with this file's rfc: and the entry's section:. */
static void cat_check_id(struct cload *L, const struct ms_requirement *r,
                         unsigned rfc, const struct ms_ynode *at) {
  if (!r->id || !r->section)
    return;
  if (!cat_section_ok(r->section)) {
    cat_err(L, at,
            "section: \"%s\" is not a section number such as 4.1.1.1 "
            "or D.1",
            r->section);
    return;
  }
  char *want = xasprintf("%u-%s-", rfc, r->section);
  size_t n = strlen(want);
  const char *num = r->id + n;
  bool ok = strncmp(r->id, want, n) == 0 && isdigit((unsigned char)*num) &&
            *num != '0';
  while (ok && *num)
    ok = isdigit((unsigned char)*num++);
  if (!ok)
    cat_err(L, at,
            "id: \"%s\" is not %sN (RFC, section, then the number of "
            "the requirement in its section, from 1)",
            r->id, want);
  free(want);
}

static void cat_req_free(struct ms_requirement *r) {
  free(r->id);
  free(r->section);
  free(r->quote);
  free(r->why);
  free(r->note);
  free(r->config);
}

/* One entry of requirements:, appended to C unless it has errors. */
static void cat_entry(struct cload *L, struct ms_catalogue *c, unsigned rfc,
                      const struct ms_ynode *m) {
  if (m->kind != MS_YMAP) {
    cat_err(L, m, "%s",
            "each requirement is a mapping: id:, section:, level:, "
            "binds:, observe:, quote:");
    return;
  }
  size_t errs0 = L->d->nerrors;
  struct ms_requirement r = {0};
  struct cat_fields f = {0};
  for (size_t i = 0; i + 1 < m->nkids; i += 2)
    cat_field(L, &r, &f, m->kids[i], m->kids[i + 1]);
  L->errs0 = errs0;
  cat_check(L, &r, &f, m);
  cat_check_id(L, &r, rfc, f.id ? f.id : m);
  const struct ms_requirement *dup = r.id ? ms_catalogue_find(c, r.id) : NULL;
  if (dup)
    cat_err(L, f.id ? f.id : m, "id %s is used twice (first at %s:%d)", r.id,
            dup->file, dup->line);
  if (L->d->nerrors > errs0) {
    cat_req_free(&r);
    return;
  }
  r.rfc = rfc;
  r.file = L->file;
  r.line = m->line;
  r.col = m->col;
  xgrow((void **)&c->v, &c->cap, c->n, sizeof c->v[0]);
  c->v[c->n++] = r;
}

/* rfc: a positive number, not loaded before. */
static unsigned cat_rfc(struct cload *L, const struct ms_catalogue *c,
                        const struct ms_ynode *k, const struct ms_ynode *v) {
  const char *s = cat_text(L, k, v);
  char *end = NULL;
  unsigned long n = s ? strtoul(s, &end, 10) : 0;
  if (!s || !isdigit((unsigned char)*s) || *end || n == 0 || n > 99999) {
    if (s)
      cat_err(L, v, "rfc: is the RFC's number, e.g. 5321, not \"%s\"", s);
    return 0;
  }
  for (size_t i = 0; i < c->nrfcs; i++)
    if (c->rfcs[i].rfc == n)
      cat_err(L, v, "RFC %lu has a catalogue already (%s)", n, c->rfcs[i].path);
  return (unsigned)n;
}

static int cat_root(struct cload *L, struct ms_catalogue *c,
                    const struct ms_ynode *root) {
  const struct ms_ynode *reqs = NULL, *reqk = NULL, *title = NULL;
  unsigned rfc = 0;
  size_t errs0 = L->d->nerrors;
  for (size_t i = 0; i + 1 < root->nkids; i += 2) {
    const struct ms_ynode *k = root->kids[i], *v = root->kids[i + 1];
    if (strcmp(k->str, "rfc") == 0)
      rfc = cat_rfc(L, c, k, v);
    else if (strcmp(k->str, "title") == 0)
      title = cat_text(L, k, v) ? v : NULL;
    else if (strcmp(k->str, "requirements") == 0)
      reqs = v, reqk = k;
    else
      cat_err(L, k,
              "unknown key \"%s\" (a catalogue has rfc:, title: and "
              "requirements:)",
              k->str);
  }
  if (!rfc && L->d->nerrors == errs0)
    cat_err(L, root, "%s", "no rfc: (the RFC's number, e.g. rfc: 5321)");
  if (!reqs || reqs->kind != MS_YSEQ || reqs->nkids == 0) {
    cat_err(L, reqs ? reqs : root, "%s",
            "requirements: is a non-empty list of requirements");
    return -1;
  }
  (void)reqk;
  if (L->d->nerrors > errs0)
    return -1;
  size_t n0 = c->n;
  for (size_t i = 0; i < reqs->nkids; i++)
    cat_entry(L, c, rfc, reqs->kids[i]);
  if (L->d->nerrors > errs0) { /* all or nothing: drop what was added */
    for (size_t i = n0; i < c->n; i++)
      cat_req_free(&c->v[i]);
    c->n = n0;
    return -1;
  }
  c->rfcs[c->nrfcs - 1].rfc = rfc;
  c->rfcs[c->nrfcs - 1].title = title ? xstrdup(title->str) : NULL;
  return 0;
}

int ms_catalogue_parse(struct ms_catalogue *c, const char *name,
                       const char *buf, size_t len, struct ms_diags *d) {
  for (size_t i = 0; i < c->nrfcs; i++)
    if (strcmp(c->rfcs[i].path, name) == 0)
      return 0;
  size_t errs0 = d->nerrors;
  struct ms_ynode *root = ms_transcript_yaml_parse(name, buf, len, d);
  if (!root || root->kind != MS_YMAP) {
    if (d->nerrors == errs0)
      ms_diags_add(d, false, name, root ? root->line : 1, root ? root->col : 1,
                   "a catalogue is a mapping with rfc:, title: and "
                   "requirements:");
    ms_transcript_yaml_free(root);
    return -1;
  }
  /* The path lives in rfcs[] so that requirements can point at it. */
  xgrow((void **)&c->rfcs, &c->rfcs_cap, c->nrfcs, sizeof c->rfcs[0]);
  struct ms_catalogue_rfc *f = &c->rfcs[c->nrfcs++];
  memset(f, 0, sizeof *f);
  f->path = xstrdup(name);
  struct cload L = {.file = f->path, .d = d};
  int rc = cat_root(&L, c, root);
  ms_transcript_yaml_free(root);
  return rc;
}

int ms_catalogue_load(struct ms_catalogue *c, const char *path,
                      struct ms_diags *d) {
  size_t len = 0;
  char *buf = ms_read_file(path, CATALOGUE_MAX_BYTES, &len);
  if (!buf) {
    ms_diags_add(d, false, path, 0, 0, "cannot read: %s", strerror(errno));
    return -1;
  }
  int rc = ms_catalogue_parse(c, path, buf, len, d);
  free(buf);
  return rc;
}

void ms_catalogue_free(struct ms_catalogue *c) {
  for (size_t i = 0; i < c->n; i++)
    cat_req_free(&c->v[i]);
  free(c->v);
  for (size_t i = 0; i < c->nrfcs; i++) {
    free(c->rfcs[i].title);
    free(c->rfcs[i].path);
  }
  free(c->rfcs);
  memset(c, 0, sizeof *c);
}

const struct ms_requirement *ms_catalogue_find(const struct ms_catalogue *c,
                                               const char *id) {
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->v[i].id, id) == 0)
      return &c->v[i];
  return NULL;
}

size_t ms_catalogue_check_covers(const struct ms_catalogue *c,
                                 const struct ms_transcript *t,
                                 struct ms_diags *d) {
  size_t errs = 0;
  for (size_t i = 0; i < t->ncovers; i++) {
    const struct ms_cover *cv = &t->covers[i];
    const struct ms_requirement *r = ms_catalogue_find(c, cv->id);
    if (!r) {
      ms_diags_add(d, false, t->path, cv->line, cv->col,
                   "covers: %s is not in the requirement catalogues "
                   "(suites/requirements/)",
                   cv->id);
      errs++;
    } else if (!ms_requirement_observable(r)) {
      ms_diags_add(d, true, t->path, cv->line, cv->col,
                   "covers: %s %s: coverage does not count it", cv->id,
                   r->binds == MS_BINDS_CLIENT
                       ? "binds the client only"
                       : "is marked observe: none (no client can see it)");
    }
  }
  return errs;
}
