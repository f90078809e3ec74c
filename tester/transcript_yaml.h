/* transcript_yaml: one YAML document as a small tree, built from
 * libyaml's event API with every node's position, for the transcript,
 * suite, waiver and world loaders (the one file that drives libyaml,
 * issue 16).  Aliases are refused (no billion laughs), depth and node
 * count are bounded, duplicate mapping keys are errors. */
#ifndef MS_TRANSCRIPT_YAML_H
#define MS_TRANSCRIPT_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "mailspec/transcript.h"

enum ms_ynode_kind { MS_YSCALAR, MS_YSEQ, MS_YMAP };

/* How a scalar was written (libyaml's yaml_scalar_style_t, same values). */
enum ms_ystyle {
  MS_YSTYLE_ANY,
  MS_YSTYLE_PLAIN,
  MS_YSTYLE_SINGLE_QUOTED,
  MS_YSTYLE_DOUBLE_QUOTED,
  MS_YSTYLE_LITERAL, /* | */
  MS_YSTYLE_FOLDED   /* > */
};

struct ms_ynode {
  enum ms_ynode_kind kind;
  int line, col; /* 1-based start mark */
  /* scalar */
  char *str; /* NUL-terminated copy (may hold NULs: see len) */
  size_t len;
  enum ms_ystyle style;
  bool plain_implicit, quoted_implicit;
  char *tag; /* explicit tag or NULL */
  /* sequence: items; mapping: key, value, key, value, ... */
  struct ms_ynode **kids;
  size_t nkids, cap;
};

/* Parse BUF (one document).  Returns the root, or NULL with errors in D
 * (also NULL with no error for an empty document: check D). */
struct ms_ynode *ms_transcript_yaml_parse(const char *name, const char *buf,
                                          size_t len, struct ms_diags *d);
/* The same for text whose first line is line LINE0 of NAME (a world
 * embedded in a transcript); WHAT ("world: " or "") heads every message. */
struct ms_ynode *ms_transcript_yaml_parse_at(const char *name, const char *buf,
                                             size_t len, int line0,
                                             const char *what,
                                             struct ms_diags *d);
void ms_transcript_yaml_free(struct ms_ynode *n);
/* Re-emit N as a YAML document; NULL if libyaml refuses. Caller frees. */
char *ms_transcript_yaml_emit(const struct ms_ynode *n);
/* Mapping lookup (the value node), or NULL. */
const struct ms_ynode *ms_transcript_yaml_get(const struct ms_ynode *map,
                                              const char *key);
/* A plain scalar with no text: what `key:` and `key: #comment` give. */
bool ms_transcript_yaml_empty_plain(const struct ms_ynode *n);
/* A boolean scalar: 1 for true/yes, 0 for false/no (any case), -1 for
 * anything else (the caller says what is wrong where). */
int ms_transcript_yaml_bool(const struct ms_ynode *n);
/* "scalar", "list" or "mapping", for messages. */
const char *ms_transcript_yaml_kind(const struct ms_ynode *n);

/* Value helpers: each checks the node and reports into D with FILE.
 * A single non-empty scalar value of key K, or NULL. */
const char *ms_transcript_yaml_scalar(const char *file,
                                      const struct ms_ynode *k,
                                      const struct ms_ynode *v,
                                      struct ms_diags *d);
/* A list of words without blanks (tags:, requires:) appended to *OUT. */
void ms_transcript_yaml_words(const char *file, const struct ms_ynode *k,
                              const struct ms_ynode *v, struct ms_diags *d,
                              char ***out, size_t *n);
/* A duration in seconds (> 0) from scalar N; WHAT names it in messages.
 * Returns 0, or -1 after a diagnostic. */
int ms_transcript_yaml_seconds(const char *file, const struct ms_ynode *n,
                               const char *what, struct ms_diags *d,
                               double *out);
/* A time in seconds, 0 or more (at:, think:), from scalar N: as
 * ms_transcript_yaml_seconds() but 0 is fine. */
int ms_transcript_yaml_offset(const char *file, const struct ms_ynode *n,
                              const char *what, struct ms_diags *d,
                              double *out);
/* A mapping of variable names to string values. */
void ms_transcript_yaml_vars(const char *file, const struct ms_ynode *v,
                             struct ms_diags *d, struct ms_var **out,
                             size_t *n);

/* Free what ms_transcript_yaml_words()/_vars() filled. */
void ms_transcript_yaml_words_free(char **v, size_t n);
void ms_transcript_yaml_vars_free(struct ms_var *v, size_t n);

#endif
