/* transcript_covers: parse covers: (see transcript_covers.h). */
#include "transcript_covers.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* RFC number, '-', section (digits or a capital, then .digits), '-', N. */
bool ms_transcript_covers_id_ok(const char *id) {
  const char *p = id;
  if (!isdigit((unsigned char)*p))
    return false;
  while (isdigit((unsigned char)*p))
    p++;
  if (*p++ != '-')
    return false;
  if (isupper((unsigned char)*p))
    p++;
  else if (!isdigit((unsigned char)*p))
    return false;
  while (isdigit((unsigned char)*p) ||
         (*p == '.' && isdigit((unsigned char)p[1])))
    p++;
  if (*p++ != '-' || !isdigit((unsigned char)*p) || *p == '0')
    return false;
  while (isdigit((unsigned char)*p))
    p++;
  return *p == '\0';
}

void ms_transcript_covers_parse(const char *file, const struct ms_ynode *k,
                                const struct ms_ynode *v, struct ms_diags *d,
                                struct ms_cover **out, size_t *n) {
  if (v->kind != MS_YSEQ) {
    ms_diags_add(d, false, file, v->line, v->col,
                 "%s: takes a list of requirement ids, e.g. %s: "
                 "[5321-4.1.1.10-1, 5321-4.1.1.10-2]",
                 k->str, k->str);
    return;
  }
  *out = xrealloc(*out, (*n + v->nkids + 1) * sizeof **out);
  for (size_t i = 0; i < v->nkids; i++) {
    const struct ms_ynode *w = v->kids[i];
    if (w->kind != MS_YSCALAR || w->len != strlen(w->str) ||
        !ms_transcript_covers_id_ok(w->str)) {
      ms_diags_add(d, false, file, w->line, w->col,
                   "each entry of covers: is a requirement id RFC-SECTION-N "
                   "from suites/requirements/, e.g. 5321-4.1.1.1-3");
      continue;
    }
    bool dup = false;
    for (size_t j = 0; j < *n && !dup; j++)
      dup = strcmp((*out)[j].id, w->str) == 0;
    if (dup) {
      ms_diags_add(d, true, file, w->line, w->col, "covers: names %s twice",
                   w->str);
      continue;
    }
    (*out)[*n].id = xstrdup(w->str);
    (*out)[*n].line = w->line;
    (*out)[*n].col = w->col;
    (*n)++;
  }
}

void ms_transcript_covers_free(struct ms_cover *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i].id);
  free(v);
}
