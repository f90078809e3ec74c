/* level: RFC 2119 requirement levels (MUST, SHOULD, MAY) by name, as
 * transcripts, catalogues and reports write them.  Pure. */
#include "mailspec/transcript.h"

#include <string.h>
#include <strings.h>

const char *ms_level_name(enum ms_level l) {
  switch (l) {
  case MS_LEVEL_MUST:
    return "MUST";
  case MS_LEVEL_SHOULD:
    return "SHOULD";
  case MS_LEVEL_MAY:
    return "MAY";
  case MS_LEVEL_NONE:
    break;
  }
  return "";
}

bool ms_level_parse(const char *s, enum ms_level *l) {
  static const enum ms_level all[] = {MS_LEVEL_MUST, MS_LEVEL_SHOULD,
                                      MS_LEVEL_MAY};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if (strcasecmp(s, ms_level_name(all[i])) == 0) {
      *l = all[i];
      return true;
    }
  return false;
}
