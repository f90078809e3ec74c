/* cmd: the CLI's subcommands.  cli.c parses global options and
 * dispatches; each subcommand lives in cmd_NAME.c and returns an exit
 * status (enum ms_exit).  ARGV[0] is the subcommand name. */
#ifndef MS_CMD_H
#define MS_CMD_H

#include <stdbool.h>
#include <stdio.h>

/* Global options, parsed by cli.c before the subcommand. */
struct ms_cli {
  int verbosity;  /* -q: -1, -v: 1 */
  bool color;     /* resolved from --color and NO_COLOR for stdout */
  bool color_err; /* the same for stderr */
};

int ms_cmd_run(const struct ms_cli *g, int argc, char **argv);
int ms_cmd_lint(const struct ms_cli *g, int argc, char **argv);
int ms_cmd_serve(const struct ms_cli *g, int argc, char **argv);
int ms_cmd_import(const struct ms_cli *g, int argc, char **argv);
int ms_cmd_record(const struct ms_cli *g, int argc, char **argv);
int ms_cmd_replay(const struct ms_cli *g, int argc, char **argv);
int ms_cmd_diff(const struct ms_cli *g, int argc, char **argv);
int ms_cmd_merge(const struct ms_cli *g, int argc, char **argv);
int ms_cmd_coverage(const struct ms_cli *g, int argc, char **argv);
int ms_cmd_suites(const struct ms_cli *g, int argc, char **argv);

/* Per-subcommand help text (for `mailspec help CMD` and CMD --help). */
void ms_cmd_usage_run(FILE *out);
void ms_cmd_usage_lint(FILE *out);

/* cli.c: the whole CLI (main() only calls this). */
int ms_cli_main(int argc, char **argv);
/* cli_color.c: resolve --color=WHEN ("auto", "always", "never"; NULL = auto)
 * for the stream FD: auto means a terminal and NO_COLOR unset or empty
 * (https://no-color.org).  Returns 0/1, or -1 for an unknown WHEN. */
int ms_cli_color(const char *when, int fd);
/* Apply a subcommand's own -q/-v/--color to G (they may come after the
 * command too).  Returns 0, or -1 with a message on stderr. */
int ms_cli_color_set(struct ms_cli *g, const char *when);

#endif
