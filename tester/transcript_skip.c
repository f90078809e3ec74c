/* transcript_skip: the skip_on: and skip_reason: options of a step that
 * reads a reply (expect:, auth:).  A requirement that presupposes a
 * set-up a conforming server may lack ("the server refuses senders the
 * user may not use", "its authentication buffer is smaller than this
 * line") is judged where the reply shows the set-up, and SKIPPED where
 * the reply shows it is absent:
 *
 *   - expect: 550
 *     skip_on: 250
 *     skip_reason: the server lets this user send as anyone
 *
 * The engine (engine_judge.c) judges a reply by expect: first; only a
 * reply that expect: does not accept and skip_on: does is a SKIP. */
#include <string.h>

#include "transcript_steps.h"
#include "util.h"

int ms_transcript_skip_opts(const char *file, enum ms_protocol proto,
                            const struct ms_ynode *m, struct ms_diags *d,
                            struct ms_step *st) {
  const struct ms_ynode *on = m ? ms_transcript_yaml_get(m, "skip_on") : NULL;
  const struct ms_ynode *why =
      m ? ms_transcript_yaml_get(m, "skip_reason") : NULL;
  char err[256];
  if (why && !on) {
    ms_diags_add(d, false, file, why->line, why->col,
                 "skip_reason: explains a skip_on: pattern; give skip_on: "
                 "too (the replies that show the set-up is absent)");
    return -1;
  }
  if (!on)
    return 0;
  if (on->kind != MS_YSCALAR || ms_transcript_yaml_empty_plain(on) ||
      ms_pattern_parse(&st->skip_pat, proto, on->str, err, sizeof err) < 0) {
    ms_diags_add(d, false, file, on->line, on->col,
                 "skip_on: takes a reply pattern such as 250 or 250|251%s%s",
                 on->kind == MS_YSCALAR ? ": " : "",
                 on->kind == MS_YSCALAR ? err : "");
    memset(&st->skip_pat, 0, sizeof st->skip_pat);
    return -1;
  }
  if (why && (why->kind != MS_YSCALAR || ms_transcript_yaml_empty_plain(why))) {
    ms_diags_add(d, false, file, why->line, why->col,
                 "skip_reason: takes one line of text (why a reply matching "
                 "skip_on: means the test does not apply)");
    memset(&st->skip_pat, 0, sizeof st->skip_pat);
    return -1;
  }
  st->skip_why = why ? xstrdup(why->str) : NULL;
  return 0;
}
