/* catalogue: the requirement catalogues (suites/requirements/rfcNNNN.yaml,
 * format in suites/requirements/README.md): every requirement sentence of
 * an RFC with its id, level, whom it binds and whether a client can
 * observe it.  `mailspec coverage` counts transcripts' covers: against
 * them; `mailspec lint` checks that every covers: id exists.  Loading is
 * pure apart from reading the files named; every problem is a
 * file:line:col diagnostic. */
#ifndef MS_CATALOGUE_H
#define MS_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>

#include "mailspec/transcript.h"

enum ms_req_level {
  MS_REQ_MUST = 0,
  MS_REQ_MUST_NOT,
  MS_REQ_SHOULD,
  MS_REQ_SHOULD_NOT,
  MS_REQ_MAY
};
enum ms_req_binds { MS_BINDS_SERVER = 0, MS_BINDS_CLIENT, MS_BINDS_BOTH };
enum ms_req_observe {
  MS_OBSERVE_UNSET = 0, /* client requirements need not say */
  MS_OBSERVE_WIRE,
  MS_OBSERVE_DELIVERY,
  MS_OBSERVE_NONE
};

struct ms_requirement {
  char *id;      /* "5321-4.1.1.1-3" */
  char *section; /* "4.1.1.1" */
  char *quote;
  char *why;    /* observe: none: why no client can see it */
  char *note;   /* judgement calls, cross references */
  char *config; /* the server set-up the requirement presupposes */
  enum ms_req_level level;
  enum ms_req_binds binds;
  enum ms_req_observe observe;
  unsigned rfc;     /* 5321 */
  const char *file; /* the catalogue's path (owned by the catalogue) */
  int line, col;
};

struct ms_catalogue_rfc {
  unsigned rfc;
  char *title;
  char *path;
};

struct ms_catalogue {
  struct ms_requirement *v;
  size_t n, cap;
  struct ms_catalogue_rfc *rfcs; /* one per file loaded */
  size_t nrfcs, rfcs_cap;
};

/* Is the YAML file at PATH a catalogue (top-level requirements:)? */
bool ms_catalogue_is_file(const char *path);
/* Append the catalogue in PATH to C.  Returns 0, or -1 with diagnostics
 * in D (the file's requirements are then not added).  A PATH already
 * loaded (same file) is skipped. */
int ms_catalogue_load(struct ms_catalogue *c, const char *path,
                      struct ms_diags *d);
/* The same from memory (NAME for messages). */
int ms_catalogue_parse(struct ms_catalogue *c, const char *name,
                       const char *buf, size_t len, struct ms_diags *d);
/* Every catalogue file directly in DIR (*.yaml with requirements:, sorted
 * by name).  Returns how many files were loaded, or -1 on errors. */
int ms_catalogue_load_dir(struct ms_catalogue *c, const char *dir,
                          struct ms_diags *d);
void ms_catalogue_free(struct ms_catalogue *c);

const struct ms_requirement *ms_catalogue_find(const struct ms_catalogue *c,
                                               const char *id);
/* Counts for coverage: binds server or both; and a client can observe
 * it (wire or delivery). */
bool ms_requirement_server(const struct ms_requirement *r);
bool ms_requirement_observable(const struct ms_requirement *r);
const char *ms_req_level_name(enum ms_req_level l);     /* "MUST NOT" */
const char *ms_req_observe_name(enum ms_req_observe o); /* "wire" */

/* Check T's covers: against C: an unknown id is an error at the
 * covers: entry (file:line:col), an id no client can observe a
 * warning.  Returns the number of errors added. */
size_t ms_catalogue_check_covers(const struct ms_catalogue *c,
                                 const struct ms_transcript *t,
                                 struct ms_diags *d);

/* Where lint and coverage find the catalogues for the PATHs they are
 * given: DIRS (--catalogue) when any, else requirements/ beside each suite
 * of PLAN, and for each directory PATH: catalogue files in it, in
 * PATH/requirements, PATH/suites/requirements and PATH/../suites/
 * requirements (transcripts/ beside suites/).  Catalogue files named as
 * PATHs are loaded too.  Each directory is read once. */
int ms_catalogue_discover(struct ms_catalogue *c, char *const *dirs,
                          size_t ndirs, char *const *paths, size_t npaths,
                          const struct ms_plan *plan, struct ms_diags *d);

#endif
