/* cmd_import: `mailspec import [-o DIR] [--port N]... [--keep-secrets]
 * [--allow-gaps] CAPTURE...`: one transcript per SMTP/POP3 session. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_traffic.h"
#include "import.h"
#include "mailspec/mailspec.h"
#include "util.h"

static void import_usage(FILE *out) {
  fputs(
      "usage: mailspec import [-o DIR] [--port N]... [--keep-secrets]\n"
      "                       [--allow-gaps] [--steps] [--convention C]\n"
      "                       CAPTURE...\n"
      "\n"
      "Turn captured SMTP and POP3 traffic (pcap or pcapng) into transcripts,\n"
      "one per TCP session, written as DIR/<capture>-<session>.yaml in the\n"
      "script: form (C:/S: lines).  A session is taken when both sides speak\n"
      "SMTP or POP3 (the server's greeting alone is not enough: an FTP 220\n"
      "is not SMTP); on ports 25, 587, 2525 and 110 (and every --port N) the\n"
      "server's side is enough when the client sent nothing, or no text.\n"
      "\n"
      "\n",
      out);
  ms_traffic_usage_opts(out, "import");
  fputs("  -q, --quiet           do not list the files written\n"
        "  -v, --verbose         say what each transcript holds\n"
        "\n"
        "Secrets are found by their place in the protocol, whatever the\n"
        "mechanism.  After STARTTLS/STLS followed by TLS the rest is opaque:\n"
        "the transcript stops there.  A line the script: form cannot carry\n"
        "byte for byte (bare LF, NUL, non-UTF-8, trailing blanks) makes the\n"
        "whole transcript use steps:.  Whatever is written loads (mailspec\n"
        "lint): a session too big for the loader is cut, and says so.\n"
        "Exit: 0 transcripts written, 1 no SMTP/POP3 session found, 2 usage\n"
        "error or a capture that cannot be read.\n",
        out);
}

static const struct option import_opts[] = {
    MS_TRAFFIC_LONGOPTS, MS_TRAFFIC_CLI_LONGOPTS, {NULL, 0, NULL, 0}};

int ms_cmd_import(const struct ms_cli *g, int argc, char **argv) {
  struct ms_cli gl = *g;
  struct ms_import_opts o;
  memset(&o, 0, sizeof o);
  o.conv = MS_CONV_RFC5321;
  uint16_t *ports = NULL;
  size_t nports = 0;
  int c, rc = MS_EXIT_USAGE;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:p:qvh", import_opts, NULL)) != -1) {
    int r = ms_traffic_opt("import", c, optarg, &o, &ports, &nports);
    if (r < 0)
      goto out;
    if (r == 0)
      continue;
    r = ms_traffic_cli_opt("import", c, optarg, argv, &gl, import_usage);
    if (r != 0) {
      if (r > 0)
        rc = MS_EXIT_PASS; /* --help */
      goto out;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "mailspec import: no CAPTURE given (a pcap or pcapng "
                    "file; see mailspec import --help)\n");
    goto out;
  }
  if (o.outdir && ms_traffic_mkdir("import", o.outdir) < 0)
    goto out;
  o.ports = ports;
  o.nports = nports;
  o.verbosity = gl.verbosity;
  struct ms_importer *im = ms_importer_new(&o);
  bool bad = false;
  for (int i = optind; i < argc; i++)
    if (ms_importer_file(im, argv[i]) < 0)
      bad = true;
  const struct ms_import_counts *n = ms_importer_counts(im);
  fflush(stdout);
  ms_traffic_summary("import", n, o.outdir, gl.verbosity);
  if (n->written == 0 && !bad)
    fprintf(stderr,
            "mailspec import: no SMTP or POP3 session found (sessions "
            "whose client and server both speak it; ports 25, 587, 2525, "
            "110%s)\n",
            nports ? " and --port" : "");
  rc = bad || n->failed ? MS_EXIT_USAGE
       : n->written     ? MS_EXIT_PASS
                        : MS_EXIT_FAIL;
  ms_importer_free(im);
out:
  free(ports);
  return rc;
}
