/* cli: global options, help, version and the dispatch table to the
 * ms_cmd_* functions of cmd.h.  Each subcommand parses its own options;
 * the global ones (-q, -v, --color) may come before the command. */
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "mailspec/mailspec.h"

struct cli_cmd {
  const char *name;
  int (*fn)(const struct ms_cli *g, int argc, char **argv);
  const char *summary;
};

static const struct cli_cmd cli_cmds[] = {
    {"run", ms_cmd_run, "replay transcripts against a server and judge it"},
    {"lint", ms_cmd_lint, "check transcripts and suites without a network"},
    {"serve", ms_cmd_serve, "run the reference SMTP/POP3 server"},
    {"import", ms_cmd_import, "turn a packet capture into a transcript"},
    {"record", ms_cmd_record, "record a live session as a transcript"},
    {"replay", ms_cmd_replay, "replay captured traffic against a server"},
    {"diff", ms_cmd_diff, "compare two JSON results (regressions)"},
    {"merge", ms_cmd_merge, "join JSON results of shards into one report"},
    {"coverage", ms_cmd_coverage,
     "which RFC requirements the transcripts cover"},
    {"suites", ms_cmd_suites, "list the bundled suites run by name"},
};
#define CLI_NCMDS (sizeof cli_cmds / sizeof cli_cmds[0])

static const struct cli_cmd *cli_find(const char *name) {
  for (size_t i = 0; i < CLI_NCMDS; i++)
    if (strcmp(cli_cmds[i].name, name) == 0)
      return &cli_cmds[i];
  return NULL;
}

static void cli_usage(FILE *out) {
  fprintf(out, "usage: mailspec [-q|-v] [--color=auto|always|never] COMMAND "
               "[ARGS...]\n"
               "       mailspec --help | --version | help [COMMAND]\n"
               "\n"
               "SMTP/POP3 conformance tester and traffic replayer.\n"
               "\n"
               "Commands:\n");
  for (size_t i = 0; i < CLI_NCMDS; i++)
    fprintf(out, "  %-9s %s\n", cli_cmds[i].name, cli_cmds[i].summary);
  fprintf(out,
          "\n"
          "Global options:\n"
          "  -q, --quiet          print only failures and the summary\n"
          "  -v, --verbose        show every exchange live (S:/R: form)\n"
          "      --color=WHEN     auto (default: on a terminal, unless "
          "NO_COLOR is set),\n"
          "                       always or never\n"
          "  -h, --help           this help; `mailspec help COMMAND` for "
          "one command\n"
          "  -V, --version        print the version\n"
          "\n"
          "Exit status: 0 all passed (skips allowed), 1 a FAIL, 2 usage "
          "error or invalid\n"
          "transcript, 3 nothing failed but something could not be judged, "
          "130 interrupted.\n"
          "See mailspec(1).\n");
}

/* `mailspec help [CMD]` and `CMD --help`: run and lint print their own
 * usage; the others are asked with --help. */
static int cli_help(const struct ms_cli *g, const char *name) {
  if (!name) {
    cli_usage(stdout);
    return MS_EXIT_PASS;
  }
  const struct cli_cmd *c = cli_find(name);
  if (!c) {
    fprintf(stderr,
            "mailspec: help: unknown command '%s' (try "
            "`mailspec --help`)\n",
            name);
    return MS_EXIT_USAGE;
  }
  if (c->fn == ms_cmd_run) {
    ms_cmd_usage_run(stdout);
    return MS_EXIT_PASS;
  }
  if (c->fn == ms_cmd_lint) {
    ms_cmd_usage_lint(stdout);
    return MS_EXIT_PASS;
  }
  char *argv[] = {(char *)(uintptr_t)c->name, (char *)(uintptr_t) "--help",
                  NULL};
  optind = 0; /* glibc: reinitialise getopt for the subcommand */
  return c->fn(g, 2, argv);
}

enum { CLI_OPT_COLOR = 256 };

static const struct option cli_opts[] = {
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"color", required_argument, NULL, CLI_OPT_COLOR},
    {"colour", required_argument, NULL, CLI_OPT_COLOR},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

int ms_cli_main(int argc, char **argv) {
  /* A server that vanishes must give EPIPE on send, not kill the run. */
  signal(SIGPIPE, SIG_IGN);
  struct ms_cli g = {0};
  ms_cli_color_set(&g, NULL);
  const char *color = NULL;
  int c;
  opterr = 0;
  /* '+': stop at the command name, its options are its own. */
  while ((c = getopt_long(argc, argv, "+qvhV", cli_opts, NULL)) != -1) {
    switch (c) {
    case 'q':
      g.verbosity = -1;
      break;
    case 'v':
      g.verbosity = 1;
      break;
    case CLI_OPT_COLOR:
      color = optarg;
      break;
    case 'h':
      cli_usage(stdout);
      return MS_EXIT_PASS;
    case 'V':
      printf("mailspec %s\n", MAILSPEC_VERSION);
      return MS_EXIT_PASS;
    default:
      if (optopt)
        fprintf(stderr, "mailspec: unknown option '-%c'\n", optopt);
      else
        fprintf(stderr, "mailspec: unknown or incomplete option '%s'\n",
                argv[optind - 1]);
      fprintf(stderr, "Try `mailspec --help`.\n");
      return MS_EXIT_USAGE;
    }
  }
  if (color && ms_cli_color_set(&g, color) < 0)
    return MS_EXIT_USAGE;
  if (optind >= argc) {
    cli_usage(stderr);
    return MS_EXIT_USAGE;
  }
  const char *name = argv[optind];
  if (strcmp(name, "help") == 0)
    return cli_help(&g, optind + 1 < argc ? argv[optind + 1] : NULL);
  const struct cli_cmd *cmd = cli_find(name);
  if (!cmd) {
    fprintf(stderr,
            "mailspec: unknown command '%s'\nTry `mailspec "
            "--help` for the list of commands.\n",
            name);
    return MS_EXIT_USAGE;
  }
  char **sub = argv + optind;
  int subc = argc - optind;
  optind = 0; /* glibc: full reinitialisation for the subcommand */
  opterr = 1;
  return cmd->fn(&g, subc, sub);
}
