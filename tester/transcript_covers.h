/* transcript_covers: the covers: key of a transcript, the requirement ids
 * (suites/requirements/, format in suites/requirements/README.md) that
 * the transcript checks.  Only the form of each id is checked here; that
 * it exists is ms_catalogue_check_covers()'s business (catalogue.h), for
 * lint and coverage, which load the catalogues. */
#ifndef MS_TRANSCRIPT_COVERS_H
#define MS_TRANSCRIPT_COVERS_H

#include "transcript_yaml.h"

/* covers: [5321-4.1.1.1-3, ...] (value V of key K) appended to *OUT. */
void ms_transcript_covers_parse(const char *file, const struct ms_ynode *k,
                                const struct ms_ynode *v, struct ms_diags *d,
                                struct ms_cover **out, size_t *n);
void ms_transcript_covers_free(struct ms_cover *v, size_t n);
/* Is ID of the form RFC-SECTION-N ("5321-4.1.1.1-3", "5321-D-1")? */
bool ms_transcript_covers_id_ok(const char *id);

#endif
