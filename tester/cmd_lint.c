/* cmd_lint: `mailspec lint` (placeholder). */
#include <stdio.h>

#include "cmd.h"
#include "mailspec/mailspec.h"

int ms_cmd_lint(const struct ms_cli *g, int argc, char **argv) {
  (void)g;
  (void)argc;
  (void)argv;
  fprintf(stderr, "mailspec lint: not implemented yet\n");
  return MS_EXIT_USAGE;
}

void ms_cmd_usage_lint(FILE *out) {
  fprintf(out, "usage: mailspec lint PATH...\n");
}
