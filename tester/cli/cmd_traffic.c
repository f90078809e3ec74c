/* cmd_traffic: options and messages shared by import, record, replay. */
#include "cmd_traffic.h"

#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

static int traffic_port(const char *cmd, const char *arg, uint16_t **ports,
                        size_t *n) {
  char *end;
  errno = 0;
  long v = strtol(arg, &end, 10);
  if (errno || *end || v < 1 || v > 65535) {
    fprintf(stderr, "mailspec %s: --port: \"%s\" is not a port (1-65535)\n",
            cmd, arg);
    return -1;
  }
  *ports = xrealloc(*ports, (*n + 1) * sizeof **ports);
  (*ports)[(*n)++] = (uint16_t)v;
  return 0;
}

static int traffic_size(const char *cmd, const char *arg, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(arg, &end, 10);
  if (errno || *end || v < 1024 || arg[0] == '-') {
    fprintf(stderr,
            "mailspec %s: --max-session-bytes takes a number of "
            "bytes (at least 1024), not \"%s\"\n",
            cmd, arg);
    return -1;
  }
  *out = (size_t)v;
  return 0;
}

int ms_traffic_opt(const char *cmd, int c, const char *arg,
                   struct ms_import_opts *o, uint16_t **ports, size_t *nports) {
  switch (c) {
  case 'o':
    o->outdir = arg;
    return 0;
  case 'p':
    return traffic_port(cmd, arg, ports, nports);
  case MS_TOPT_KEEP:
    o->keep_secrets = true;
    return 0;
  case MS_TOPT_GAPS:
    o->allow_gaps = true;
    return 0;
  case MS_TOPT_STEPS:
    o->force_steps = true;
    return 0;
  case MS_TOPT_CONV:
    if (strcmp(arg, "rfc821") == 0) {
      o->conv = MS_CONV_RFC821;
    } else if (strcmp(arg, "rfc5321") == 0) {
      o->conv = MS_CONV_RFC5321;
    } else {
      fprintf(stderr,
              "mailspec %s: --convention is rfc5321 or rfc821, not "
              "\"%s\"\n",
              cmd, arg);
      return -1;
    }
    return 0;
  case MS_TOPT_MAXSESS:
    return traffic_size(cmd, arg, &o->max_session_bytes);
  default:
    return 1;
  }
}

int ms_traffic_cli_opt(const char *cmd, int c, const char *arg, char **argv,
                       struct ms_cli *g, void (*usage)(FILE *)) {
  switch (c) {
  case 'q':
    g->verbosity = -1;
    return 0;
  case 'v':
    g->verbosity = 1;
    return 0;
  case MS_TOPT_COLOR:
    return ms_cli_color_set(g, arg) < 0 ? -1 : 0;
  case 'h':
    usage(stdout);
    return 1;
  case ':':
    fprintf(stderr, "mailspec %s: option '%s' needs a value\n", cmd,
            argv[optind - 1]);
    return -1;
  default:
    fprintf(stderr,
            "mailspec %s: unknown option '%s' (see mailspec %s "
            "--help)\n",
            cmd, argv[optind - 1], cmd);
    return -1;
  }
}

int ms_traffic_mkdir(const char *cmd, const char *dir) {
  char *p = xstrdup(dir);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    if (mkdir(p, 0755) < 0 && errno != EEXIST) {
      fprintf(stderr, "mailspec %s: cannot create %s: %s\n", cmd, p,
              strerror(errno));
      free(p);
      return -1;
    }
    *s = '/';
  }
  int rc = mkdir(p, 0755), e = errno;
  struct stat st;
  if ((rc < 0 && e != EEXIST) || stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr,
            "mailspec %s: cannot use %s as the output directory: "
            "%s\n",
            cmd, p, rc < 0 && e != EEXIST ? strerror(e) : "not a directory");
    free(p);
    return -1;
  }
  free(p);
  return 0;
}

void ms_traffic_summary(const char *cmd, const struct ms_import_counts *n,
                        const char *dir, int verbosity) {
  if (verbosity < 0)
    return;
  fprintf(stderr,
          "mailspec %s: %llu transcript%s written to %s (%llu TCP session%s: "
          "%llu not SMTP/POP3, %llu on TLS ports, %llu empty; %llu with "
          "gaps, %llu in steps: form)\n",
          cmd, (unsigned long long)n->written, n->written == 1 ? "" : "s",
          dir ? dir : ".", (unsigned long long)n->sessions,
          n->sessions == 1 ? "" : "s", (unsigned long long)n->not_mail,
          (unsigned long long)n->tls_only, (unsigned long long)n->empty,
          (unsigned long long)n->with_gaps, (unsigned long long)n->steps_form);
  if (n->over_limit)
    fprintf(stderr,
            "mailspec %s: %llu session%s cut at the size limit "
            "(--max-session-bytes): their transcripts say so and "
            "are not replayable\n",
            cmd, (unsigned long long)n->over_limit,
            n->over_limit == 1 ? "" : "s");
}

void ms_traffic_usage_opts(FILE *out, const char *cmd) {
  bool replay = strcmp(cmd, "replay") == 0;
  fputs(replay ? "  -o, --output DIR      keep the transcripts in DIR (created "
                 "if missing;\n"
                 "                        default: a private temporary "
                 "directory, removed\n"
                 "                        afterwards)\n"
               : "  -o, --output DIR      where transcripts go (created if "
                 "missing; default .)\n",
        out);
  fputs("  -p, --port N          one more server port (repeatable)\n", out);
  if (!replay)
    fputs("      --keep-secrets    keep AUTH/PASS/APOP secrets (default: "
          "${secretN}\n"
          "                        variables with the value REDACTED, said in "
          "notes:)\n",
          out);
  fputs("      --allow-gaps      keep transcripts with capture gaps "
        "replayable\n"
        "      --steps           always write the steps: form\n"
        "      --convention C    rfc5321 (C:/S:, default) or rfc821 (S:/R:, "
        "SMTP only)\n"
        "      --max-session-bytes N  bytes kept per direction (default 64 "
        "MiB)\n",
        out);
}
