/* result_json: a JSON report (reports/schema.json, version 1) read back
 * into the result model: the inverse of report_json.c.  Used by
 * `mailspec diff` and `mailspec merge`. */
#ifndef MS_RESULT_JSON_H
#define MS_RESULT_JSON_H

#include <stddef.h>

#include "json.h"
#include "mailspec/result.h"

/* The newest format version this build reads and writes. */
#define MS_RESULT_JSON_VERSION 1
/* Largest result file read (bytes). */
#define MS_RESULT_JSON_MAX (512u * 1024 * 1024)

/* Fill R (initialised here) from the parsed document ROOT.  NAME prefixes
 * messages: "NAME:LINE:COL: transcripts[2].verdict: ...".  Returns 0, or
 * -1 with ERR (R is then empty). */
int ms_result_json_from(const struct ms_json *root, const char *name,
                        struct ms_run_result *r, char *err, size_t errlen);
/* Parse BUF and fill R. */
int ms_result_json_read(const char *buf, size_t len, const char *name,
                        struct ms_run_result *r, char *err, size_t errlen);
/* Read the file at PATH ("-" is stdin) and fill R. */
int ms_result_json_load(const char *path, struct ms_run_result *r, char *err,
                        size_t errlen);

#endif
