/* proto_smtp: SMTP protocol knowledge (stub; real implementation follows). */
#include "mailspec/proto.h"

#include "util.h"

bool ms_smtp_is_data(const char *line) { return ms_streq_ci(line, "DATA"); }

bool ms_smtp_is_bdat(const char *line, size_t *len, bool *last) {
  (void)line;
  *len = 0;
  *last = false;
  return false;
}

bool ms_smtp_known_command(const char *line) {
  (void)line;
  return true;
}

const char *ms_smtp_code_text(int code) {
  (void)code;
  return "";
}
