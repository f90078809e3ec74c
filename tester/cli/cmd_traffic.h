/* cmd_traffic: what `mailspec import`, `record` and `replay` share:
 * the import options, the output directory, the summary line. */
#ifndef MS_CMD_TRAFFIC_H
#define MS_CMD_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cmd.h"
#include "import.h"

/* getopt_long values of the shared long options. */
enum {
  MS_TOPT_KEEP = 256,
  MS_TOPT_GAPS,
  MS_TOPT_STEPS,
  MS_TOPT_CONV,
  MS_TOPT_MAXSESS,
  MS_TOPT_COLOR,
  MS_TOPT_FIRST_FREE /* commands number their own options from here */
};

/* The shared options as struct option entries, ending in a zero entry:
 * {"output",'o'}, {"port",'p'}, --keep-secrets, --allow-gaps, --steps,
 * --convention, --max-session-bytes. */
#define MS_TRAFFIC_LONGOPTS                                                    \
  {"output", required_argument, NULL, 'o'},                                    \
      {"port", required_argument, NULL, 'p'},                                  \
      {"keep-secrets", no_argument, NULL, MS_TOPT_KEEP},                       \
      {"allow-gaps", no_argument, NULL, MS_TOPT_GAPS},                         \
      {"steps", no_argument, NULL, MS_TOPT_STEPS},                             \
      {"convention", required_argument, NULL, MS_TOPT_CONV}, {                 \
    "max-session-bytes", required_argument, NULL, MS_TOPT_MAXSESS              \
  }

/* -q, -v, --color and -h, which every traffic command takes. */
#define MS_TRAFFIC_CLI_LONGOPTS                                                \
  {"quiet", no_argument, NULL, 'q'}, {"verbose", no_argument, NULL, 'v'},      \
      {"color", required_argument, NULL, MS_TOPT_COLOR}, {                     \
    "help", no_argument, NULL, 'h'                                             \
  }

/* Handle option C of the shared set: 0 done, -1 error (printed), 1 not a
 * shared option. */
int ms_traffic_opt(const char *cmd, int c, const char *arg,
                   struct ms_import_opts *o, uint16_t **ports, size_t *nports);
/* The options every command ends its getopt switch with: -q, -v,
 * --color, -h (USAGE on stdout), a missing value (':') and an unknown
 * option, named from ARGV[optind - 1].  0 done, 1 help shown, -1 error
 * (printed). */
int ms_traffic_cli_opt(const char *cmd, int c, const char *arg, char **argv,
                       struct ms_cli *g, void (*usage)(FILE *));
/* mkdir -p DIR.  0 or -1 (printed). */
int ms_traffic_mkdir(const char *cmd, const char *dir);
/* The one-line summary on stderr (nothing when VERBOSITY < 0). */
void ms_traffic_summary(const char *cmd, const struct ms_import_counts *n,
                        const char *dir, int verbosity);
/* The shared options' help lines for CMD ("replay" keeps no secrets in
 * files and removes its transcripts unless -o). */
void ms_traffic_usage_opts(FILE *out, const char *cmd);

#endif
