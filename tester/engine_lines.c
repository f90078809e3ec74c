/* engine_lines: `each_line:`, a regex that every line of a reply must
 * match on its own.  `text:` matches the reply as a whole, so it cannot
 * say "on every line": RFC 2034 §4 wants the same enhanced status code
 * at the beginning of each line of a multi-line reply ("When responses
 * are continued across multiple lines the same status code must appear
 * at the beginning of the text in each line of the response").  So the
 * text of the regex's first group, when it has one, must also be the
 * same on every line. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "mailspec/report.h"
#include "rx.h"
#include "util.h"

/* Line I of R as a C string (a NUL in it ends it, as for text:). */
static char *lines_one(const struct ms_reply *r, size_t i) {
  return xmemdup(r->lines[i], strnlen(r->lines[i], r->lens[i]));
}

static char *lines_shown(const char *s, size_t n) {
  return ms_report_text_safe(s, n > 80 ? 80 : n);
}

/* NULL when every line matches RE (its first group alike on each),
 * else why not; *BAD is set when RE does not compile. */
char *ms_engine_each_line(const char *re, const struct ms_reply *r, bool *bad) {
  regex_t rx;
  char err[256];
  *bad = false;
  if (ms_rx_compile(&rx, re, REG_EXTENDED, err, sizeof err) != 0) {
    *bad = true;
    return xasprintf("bad each_line regex /%s/: %s", re, err);
  }
  char *why = NULL, *first = NULL;
  size_t first_at = 0;
  for (size_t i = 0; i < r->nlines && !why; i++) {
    char *line = lines_one(r, i);
    regmatch_t m[2];
    if (regexec(&rx, line, 2, m, 0) != 0) {
      char *shown = lines_shown(line, strlen(line));
      why =
          xasprintf("reply line %zu does not match /%s/: %s", i + 1, re, shown);
      free(shown);
    } else if (rx.re_nsub > 0 && m[1].rm_so >= 0) {
      char *g = xmemdup(line + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
      if (!first) {
        first = g;
        first_at = i + 1;
      } else {
        if (strcmp(first, g) != 0) {
          char *a = lines_shown(first, strlen(first));
          char *b = lines_shown(g, strlen(g));
          why = xasprintf("reply line %zu has \"%s\" where line %zu has "
                          "\"%s\" (the first group of /%s/ must be the same "
                          "on every line)",
                          i + 1, b, first_at, a, re);
          free(a);
          free(b);
        }
        free(g);
      }
    }
    free(line);
  }
  free(first);
  regfree(&rx);
  return why;
}
