/* cmd_run: `mailspec run` (placeholder). */
#include <stdio.h>

#include "cmd.h"
#include "mailspec/mailspec.h"

void ms_cmd_usage_run(FILE *out) {
  fprintf(out, "usage: mailspec run [-t HOST:PORT|builtin] PATH...\n");
}

int ms_cmd_run(const struct ms_cli *g, int argc, char **argv) {
  (void)g;
  (void)argc;
  (void)argv;
  fprintf(stderr, "mailspec run: not implemented yet\n");
  return MS_EXIT_USAGE;
}
