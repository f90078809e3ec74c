/* cmd_serve: `mailspec serve`, the reference server in the foreground
 * until SIGINT or SIGTERM.  The ready file gets the bound ADDR:PORT once
 * connections are accepted (written to a temporary name and renamed, so
 * a reader never sees half of it). */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "util.h"
#include "mailspec/mailspec.h"

void ms_fault_help(FILE *out); /* fault.c */

#define SERVE_MAX_FAULTS 16

struct serve_opts {
  const char *listen, *world, *ready, *spool;
  const char *pop3_listen; /* --pop3-listen: the POP3 side, same store */
  enum ms_protocol protocol;
  enum ms_profile profile;
  const char *faults[SERVE_MAX_FAULTS];
  size_t nfaults;
  bool verbose;
  const char *tls_cert, *tls_key; /* issue 7 */
  bool tls_implicit, require_tls_for_auth;
};

static void serve_usage(FILE *out) {
  fprintf(
      out,
      "usage: mailspec serve [--listen ADDR:PORT] [--protocol smtp|pop3]\n"
      "                      [--profile rfc821|rfc5321] [--world FILE]\n"
      "                      [--fault NAME]... [--ready-file FILE] "
      "[--spool DIR] [-v]\n"
      "                      [--tls-cert FILE --tls-key FILE] "
      "[--tls implicit]\n"
      "                      [--require-tls-for-auth] [--pop3-listen "
      "ADDR:PORT]\n"
      "\n"
      "Run the reference server: a real server on a real socket that "
      "does what\n"
      "RFC 821/5321 (SMTP) and RFC 1939 (POP3) say, for classrooms and "
      "as the\n"
      "known-good peer of the tests.  SIGINT or SIGTERM stops it.\n"
      "\n"
      "Options:\n"
      "  -l, --listen ADDR:PORT  where to listen (default "
      "127.0.0.1:2525 for SMTP,\n"
      "                          127.0.0.1:2110 for POP3; port 0 picks a "
      "free one)\n"
      "  -p, --protocol PROTO    smtp (default) or pop3\n"
      "  -P, --profile PROFILE   rfc5321 (default): EHLO, SIZE, 8BITMIME, "
      "PIPELINING,\n"
      "                          ENHANCEDSTATUSCODES, VRFY 252, "
      "SEND/SOML/SAML/TURN 502;\n"
      "                          rfc821: all fourteen commands of RFC 821 "
      "§4.1\n"
      "  -w, --world FILE        users, lists, maildrops (YAML, see "
      "transcripts/WORLD.md),\n"
      "                          applied over the built-in world\n"
      "  -f, --fault NAME        break one rule on purpose (repeatable):\n");
  ms_fault_help(out);
  fprintf(
      out,
      "      --pop3-listen ADDR:PORT\n"
      "                          also serve POP3 there, on the same "
      "store: mail\n"
      "                          delivered over SMTP to a local user "
      "lands in the\n"
      "                          POP3 maildrop of that name (delivery "
      "checks, run\n"
      "                          --pop3)\n"
      "  -r, --ready-file FILE   write the bound ADDR:PORT there once "
      "accepting\n"
      "                          (a second line: the POP3 side's)\n"
      "  -s, --spool DIR         also keep accepted mail as an mbox per "
      "recipient\n"
      "  -v, --verbose           print every exchange live, in S:/R: form\n"
      "      --tls-cert FILE     the TLS certificate (PEM, chain allowed) "
      "for\n"
      "                          STARTTLS/STLS; without it a self-signed "
      "EC P-256\n"
      "                          certificate for the world's hostname is "
      "made at start\n"
      "      --tls-key FILE      its private key (PEM)\n"
      "      --tls implicit      TLS from the first octet (SMTPS 465, POP3S "
      "995 style)\n"
      "                          instead of STARTTLS/STLS\n"
      "      --require-tls-for-auth\n"
      "                          AUTH (and POP3 USER/PASS/APOP) only after "
      "TLS: not\n"
      "                          advertised before, 538 / -ERR if tried "
      "(without it,\n"
      "                          SMTP offers CRAM-MD5 before TLS, PLAIN and "
      "LOGIN only\n"
      "                          inside it: RFC 4954 §4)\n"
      "  -h, --help              this help\n"
      "\n"
      "Exit status: 0 stopped by a signal, 2 usage error or invalid "
      "world file,\n"
      "3 the server could not start (e.g. the port is taken).\n");
}

static int serve_bad(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int serve_bad(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "mailspec serve: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry `mailspec serve --help`.\n");
  va_end(ap);
  return MS_EXIT_USAGE;
}

/* --protocol NAME: "smtp" or "pop3", as written (lower case). */
static int serve_protocol(struct serve_opts *o, const char *arg) {
  const struct ms_proto_ops *ops = ms_proto_ops_by_key(arg);
  if (!ops || strcmp(arg, ops->key) != 0)
    return serve_bad("--protocol: expected smtp or pop3, not '%s'", arg);
  o->protocol = ops->proto;
  return 0;
}

static int serve_option(struct serve_opts *o, int c, const char *arg) {
  switch (c) {
  case 'l':
    o->listen = arg;
    return 0;
  case 'p':
    return serve_protocol(o, arg);
  case 'P':
    if (!strcmp(arg, "rfc821"))
      o->profile = MS_PROFILE_RFC821;
    else if (!strcmp(arg, "rfc5321"))
      o->profile = MS_PROFILE_RFC5321;
    else
      return serve_bad("--profile: expected rfc821 or rfc5321, not '%s'", arg);
    return 0;
  case 'w':
    o->world = arg;
    return 0;
  case 'f':
    if (!ms_fault_known(arg))
      return serve_bad("--fault: unknown fault '%s' (see --help)", arg);
    if (o->nfaults == SERVE_MAX_FAULTS)
      return serve_bad("--fault: too many faults (%s)", arg);
    o->faults[o->nfaults++] = arg;
    return 0;
  case 'r':
    o->ready = arg;
    return 0;
  case 's':
    o->spool = arg;
    return 0;
  case 'v':
    o->verbose = true;
    return 0;
  case 'C':
    o->tls_cert = arg;
    return 0;
  case 'K':
    o->tls_key = arg;
    return 0;
  case 'T':
    if (strcmp(arg, "implicit") != 0)
      return serve_bad("--tls: expected 'implicit', not '%s' (STARTTLS is "
                       "always offered)",
                       arg);
    o->tls_implicit = true;
    return 0;
  case 'A':
    o->require_tls_for_auth = true;
    return 0;
  case 'O':
    o->pop3_listen = arg;
    return 0;
  default:
    return serve_bad("%s", "bad option");
  }
}

static const struct option serve_long[] = {
    {"listen", required_argument, NULL, 'l'},
    {"protocol", required_argument, NULL, 'p'},
    {"profile", required_argument, NULL, 'P'},
    {"world", required_argument, NULL, 'w'},
    {"fault", required_argument, NULL, 'f'},
    {"ready-file", required_argument, NULL, 'r'},
    {"spool", required_argument, NULL, 's'},
    {"verbose", no_argument, NULL, 'v'},
    {"tls-cert", required_argument, NULL, 'C'},
    {"tls-key", required_argument, NULL, 'K'},
    {"tls", required_argument, NULL, 'T'},
    {"require-tls-for-auth", no_argument, NULL, 'A'},
    {"pop3-listen", required_argument, NULL, 'O'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

/* 0 to go on, -1 for --help, or an exit status. */
static int serve_parse(struct serve_opts *o, int argc, char **argv) {
  int c;
  while ((c = getopt_long(argc, argv, "l:p:P:w:f:r:s:vh", serve_long, NULL)) !=
         -1) {
    if (c == 'h')
      return -1;
    if (c == '?')
      return serve_bad("%s", "unknown option or missing argument");
    int r = serve_option(o, c, optarg);
    if (r)
      return r;
  }
  if (optind < argc)
    return serve_bad("unexpected argument '%s'", argv[optind]);
  if (!o->tls_cert != !o->tls_key)
    return serve_bad("%s", "--tls-cert and --tls-key go together");
  if (o->pop3_listen && o->protocol != MS_PROTO_SMTP)
    return serve_bad("%s", "--pop3-listen adds a POP3 side to an SMTP "
                           "server; --protocol pop3 serves POP3 alone");
  return 0;
}

static struct ms_world *serve_world(const char *path) {
  struct ms_world *w = ms_world_builtin();
  if (!path)
    return w;
  struct ms_diags d = {0};
  int r = ms_world_apply_file(w, path, &d);
  ms_diags_print(&d, stderr);
  ms_diags_free(&d);
  if (r < 0) {
    ms_world_free(w);
    return NULL;
  }
  return w;
}

static int serve_ready(const char *path, const char *address,
                       const char *pop3) {
  char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "w");
  int ok = f && fprintf(f, "%s\n", address) > 0;
  if (ok && pop3)
    ok = fprintf(f, "%s\n", pop3) > 0;
  if (f && fclose(f) != 0)
    ok = 0;
  if (ok && rename(tmp, path) < 0)
    ok = 0;
  if (!ok) {
    perror(path);
    unlink(tmp);
  }
  free(tmp);
  return ok ? 0 : -1;
}

/* SIGINT and SIGTERM are blocked before the server thread starts and
 * taken here with sigwait(): no handler, no race. */
static void serve_wait(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig;
  while (sigwait(&set, &sig) != 0)
    ;
}

static int serve_run(const struct ms_cli *g, const struct serve_opts *o,
                     struct ms_world *w) {
  struct ms_server_opts so = {o->protocol, o->profile, w,
                              o->faults,   o->nfaults, o->spool,
                              NULL,        false,      o->pop3_listen};
  struct ms_server_tls tls = {.cert = o->tls_cert,
                              .key = o->tls_key,
                              .implicit = o->tls_implicit,
                              .require_tls_for_auth = o->require_tls_for_auth};
  if (o->verbose || g->verbosity > 0) {
    so.live = stdout;
    so.color = g->color;
  }
  const struct ms_proto_ops *ops = ms_proto_ops(o->protocol);
  const char *listen = o->listen ? o->listen : ops->serve_listen;
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, &old);
  char err[512];
  struct ms_server *s = ms_server_start_tls(&so, &tls, listen, err, sizeof err);
  if (!s) {
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    fprintf(stderr, "mailspec serve: %s\n", err);
    return MS_EXIT_ERROR;
  }
  if (g->verbosity >= 0)
    fprintf(stderr, "mailspec serve: %s%s (%s) on %s; Ctrl-C stops\n",
            ops->name, o->tls_implicit ? " over TLS" : "",
            ops->rfc821 && o->profile == MS_PROFILE_RFC821 ? "rfc821"
                                                           : ops->core_rfc,
            ms_server_address(s));
  if (g->verbosity >= 0 && o->pop3_listen)
    fprintf(stderr,
            "mailspec serve: POP3 (rfc1939) on %s, on the same "
            "store\n",
            ms_server_pop3_address(s));
  int rc = MS_EXIT_PASS;
  if (o->ready && serve_ready(o->ready, ms_server_address(s),
                              ms_server_pop3_address(s)) < 0)
    rc = MS_EXIT_ERROR;
  else
    serve_wait();
  ms_server_stop(s);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (o->ready)
    unlink(o->ready);
  return rc;
}

int ms_cmd_serve(const struct ms_cli *g, int argc, char **argv) {
  struct serve_opts o;
  memset(&o, 0, sizeof o);
  int r = serve_parse(&o, argc, argv);
  if (r == -1) {
    serve_usage(stdout);
    return MS_EXIT_PASS;
  }
  if (r)
    return r;
  struct ms_world *w = serve_world(o.world);
  if (!w)
    return MS_EXIT_USAGE;
  int rc = serve_run(g, &o, w);
  ms_world_free(w);
  return rc;
}
