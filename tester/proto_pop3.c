/* proto_pop3: POP3 protocol knowledge (stub; real implementation follows). */
#include "mailspec/proto.h"

#include "util.h"

bool ms_pop3_multiline(const char *line) {
  return ms_prefix_ci(line, "RETR") || ms_prefix_ci(line, "TOP") ||
         ms_streq_ci(line, "LIST") || ms_streq_ci(line, "UIDL") ||
         ms_streq_ci(line, "CAPA");
}

bool ms_pop3_known_command(const char *line) {
  (void)line;
  return true;
}
