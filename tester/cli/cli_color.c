/* cli_color: --color=WHEN for the CLI and its commands (a leaf: the
 * commands ask it without depending on the dispatcher in cli.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

int ms_cli_color(const char *when, int fd) {
  if (!when || strcmp(when, "auto") == 0) {
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
      return 0;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
      return 0;
    return isatty(fd) ? 1 : 0;
  }
  if (strcmp(when, "always") == 0)
    return 1;
  if (strcmp(when, "never") == 0)
    return 0;
  return -1;
}

int ms_cli_color_set(struct ms_cli *g, const char *when) {
  int out = ms_cli_color(when, STDOUT_FILENO);
  int err = ms_cli_color(when, STDERR_FILENO);
  if (out < 0 || err < 0) {
    fprintf(stderr,
            "mailspec: --color: expected auto, always or never, not '%s'\n",
            when);
    return -1;
  }
  g->color = out == 1;
  g->color_err = err == 1;
  return 0;
}
