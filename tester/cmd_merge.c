/* cmd_merge: `mailspec merge` (placeholder: replaced by its implementation). */
#include <stdio.h>

#include "cmd.h"
#include "mailspec/mailspec.h"

int ms_cmd_merge(const struct ms_cli *g, int argc, char **argv) {
  (void)g;
  (void)argc;
  (void)argv;
  fprintf(stderr, "mailspec merge: not implemented yet\n");
  return MS_EXIT_USAGE;
}
