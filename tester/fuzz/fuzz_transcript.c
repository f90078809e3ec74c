/* libFuzzer target: the transcript loader (YAML + S:/R: script parser).
 * Any input must give a transcript or diagnostics, never a crash/leak.
 * A transcript that loads then goes through what the engine does with
 * it before any network: every client step's wire bytes (variable
 * expansion, dot-stuffing, C escapes) and every text regex compiled. */
#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mailspec/transcript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_regex(const char *re) {
  regex_t rx;
  if (re && regcomp(&rx, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) == 0)
    regfree(&rx);
}

static void fz_steps(const struct ms_transcript *t) {
  static const struct ms_var ovr[] = {{(char *)(uintptr_t) "user", (char *)(uintptr_t) "u${x}"}};
  for (size_t s = 0; s < t->nsessions; s++)
    for (size_t i = 0; i < t->sessions[s].nsteps; i++) {
      const struct ms_step *st = &t->sessions[s].steps[i];
      if (st->kind == MS_STEP_SEND) {
        char *wire = NULL, err[256];
        size_t len = 0;
        if (ms_step_wire(st, t->vars, t->nvars, ovr, 1, &wire, &len, err,
                         sizeof err) == 0)
          free(wire);
      } else if (st->kind == MS_STEP_EXPECT) {
        fz_regex(st->text_re);
        fz_regex(st->not_re);
        fz_regex(st->each_re);
      }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ms_diags d = {0};
  struct ms_transcript *t =
      ms_transcript_parse("fuzz.yaml", (const char *)data, size, &d);
  if (t) {
    fz_steps(t);
    ms_transcript_free(t);
  }
  ms_diags_free(&d);
  return 0;
}
