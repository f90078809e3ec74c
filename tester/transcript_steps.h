/* transcript_steps: the `steps:` list form of a transcript (see
 * transcripts/README.md), on top of the script builder. */
#ifndef MS_TRANSCRIPT_STEPS_H
#define MS_TRANSCRIPT_STEPS_H

#include <stdbool.h>
#include <stddef.h>

#include "script.h"
#include "transcript_yaml.h"

/* Append the steps of the YAML list SEQ to S. */
void ms_transcript_steps_parse(struct ms_script *s, const struct ms_ynode *seq);
/* Role letters used by one-key items of SEQ. */
void ms_transcript_steps_roles(const struct ms_ynode *seq, struct ms_roles *r);
/* Decode C escapes (\r \n \t \0 \\ \" \xHH) of TEXT into *OUT (NUL-
 * terminated, may hold NULs).  Returns 0, or -1 with ERR naming the bad
 * escape and its offset in *BAD. */
int ms_transcript_steps_unescape(const char *text, size_t len, char **out,
                                 size_t *outlen, size_t *bad, char *err,
                                 size_t errlen);

/* transcript_skip.c: skip_on: and skip_reason: of mapping M (an expect:
 * or auth: item) into ST.  Returns 0, or -1 after a diagnostic. */
int ms_transcript_skip_opts(const char *file, enum ms_protocol proto,
                            const struct ms_ynode *m, struct ms_diags *d,
                            struct ms_step *st);

/* transcript_secure.c: starttls:, tls:, auth:, apop: items.  ITEM is the
 * list item (for its position), V the value of its key. */
void ms_transcript_secure_starttls(struct ms_script *s,
                                   const struct ms_ynode *item,
                                   const struct ms_ynode *v);
void ms_transcript_secure_tls(struct ms_script *s, const struct ms_ynode *item,
                              const struct ms_ynode *v);
void ms_transcript_secure_auth(struct ms_script *s, const struct ms_ynode *item,
                               const struct ms_ynode *v);
void ms_transcript_secure_apop(struct ms_script *s, const struct ms_ynode *item,
                               const struct ms_ynode *v);

#endif
