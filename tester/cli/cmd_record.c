/* cmd_record: `mailspec record -i IFACE [-f FILTER] [-o DIR] [--count N]
 * [--duration S]`: live capture, one transcript written as each SMTP or
 * POP3 session ends.  As root, privileges are dropped once the device is
 * open (to the sudo user, else the owner of DIR, else nobody). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pcap/pcap.h>
#include <pwd.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "cmd.h"
#include "cmd_traffic.h"
#include "import.h"
#include "linktype.h"
#include "mailspec/mailspec.h"
#include "util.h"

#define RECORD_TIMEOUT_MS 100

static volatile sig_atomic_t record_stop;

static void record_on_signal(int sig) {
  (void)sig;
  record_stop = 1;
}

static void record_usage(FILE *out) {
  fputs("usage: mailspec record -i IFACE [-f FILTER] [-o DIR] [--count N]\n"
        "                       [--duration S] [--port N]... "
        "[--keep-secrets]\n"
        "\n"
        "Capture live traffic and write one transcript per SMTP or POP3 "
        "session\n"
        "as soon as it ends (as `mailspec import` would from a capture "
        "file).\n"
        "Stops after --count transcripts, after --duration seconds, or on\n"
        "Ctrl-C; sessions still open then are written as they stand.\n"
        "\n"
        "  -i, --interface IFACE  the device to capture on (e.g. lo)\n"
        "  -f, --filter FILTER    a pcap filter (default: TCP on ports 25, "
        "587,\n"
        "                         2525, 110 and every --port)\n"
        "      --count N          stop after N transcripts\n"
        "      --duration S       stop after S seconds\n"
        "  -q, --quiet            errors only (no paths, no summary)\n"
        "  -v, --verbose          also a detail line per transcript on "
        "stderr\n"
        "      --color WHEN       auto, always or never\n",
        out);
  ms_traffic_usage_opts(out, "record");
  fputs("Capturing needs root or CAP_NET_RAW; as root, privileges are "
        "dropped\n"
        "right after the device is opened (to SUDO_UID, else the owner of "
        "DIR,\n"
        "else nobody).\n"
        "Exit status: 0 stopped (count, duration or a signal), 2 bad usage "
        "or\n"
        "the device cannot be opened.\n",
        out);
}

enum { OPT_COUNT = MS_TOPT_FIRST_FREE, OPT_DURATION };

static const struct option record_opts[] = {
    MS_TRAFFIC_LONGOPTS,
    {"interface", required_argument, NULL, 'i'},
    {"filter", required_argument, NULL, 'f'},
    {"count", required_argument, NULL, OPT_COUNT},
    {"duration", required_argument, NULL, OPT_DURATION},
    MS_TRAFFIC_CLI_LONGOPTS,
    {NULL, 0, NULL, 0}};

struct record_args {
  struct ms_cli g;
  struct ms_import_opts io;
  uint16_t *ports;
  size_t nports;
  const char *iface, *filter;
  unsigned long long count; /* 0: no limit */
  double duration;          /* 0: no limit */
  unsigned long long written;
};

static int record_number(const char *opt, const char *arg, double *out) {
  char *end;
  errno = 0;
  double v = strtod(arg, &end);
  if (errno || *end || end == arg || !(v > 0)) {
    fprintf(stderr,
            "mailspec record: %s takes a positive number, not "
            "\"%s\"\n",
            opt, arg);
    return -1;
  }
  *out = v;
  return 0;
}

static int record_parse(struct record_args *a, int argc, char **argv) {
  int c;
  double v;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:p:i:f:qvh", record_opts, NULL)) !=
         -1) {
    int r = ms_traffic_opt("record", c, optarg, &a->io, &a->ports, &a->nports);
    if (r < 0)
      return -1;
    if (r == 0)
      continue;
    switch (c) {
    case 'i':
      a->iface = optarg;
      break;
    case 'f':
      a->filter = optarg;
      break;
    case OPT_COUNT:
      if (record_number("--count", optarg, &v) < 0)
        return -1;
      a->count = (unsigned long long)v;
      break;
    case OPT_DURATION:
      if (record_number("--duration", optarg, &a->duration) < 0)
        return -1;
      break;
    default:
      r = ms_traffic_cli_opt("record", c, optarg, argv, &a->g, record_usage);
      if (r != 0)
        return r;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "mailspec record: unexpected argument '%s'\n",
            argv[optind]);
    return -1;
  }
  if (!a->iface) {
    fprintf(stderr, "mailspec record: -i IFACE is required (e.g. -i lo)\n");
    return -1;
  }
  return 0;
}

/* The default filter: TCP on the mail ports and every --port. */
static char *record_default_filter(const struct record_args *a) {
  static const unsigned base[] = {25, 587, 2525, 110};
  char *f = xstrdup("tcp and (");
  for (size_t i = 0; i < 4 + a->nports; i++) {
    unsigned p = i < 4 ? base[i] : a->ports[i - 4];
    char *n = xasprintf("%s%sport %u", f, i ? " or " : "", p);
    free(f);
    f = n;
  }
  char *n = xasprintf("%s)", f);
  free(f);
  return n;
}

static pcap_t *record_open(const struct record_args *a, int *lt) {
  char err[PCAP_ERRBUF_SIZE + 256];
  char *expr = a->filter ? xstrdup(a->filter) : record_default_filter(a);
  pcap_t *p =
      ms_capture_open(a->iface, expr, RECORD_TIMEOUT_MS, NULL, err, sizeof err);
  free(expr);
  if (!p) {
    fprintf(stderr, "mailspec record: %s\n", err);
    return NULL;
  }
  *lt = ms_link_from_dlt(pcap_datalink(p));
  if (!ms_link_supported(*lt)) {
    char n[32];
    fprintf(stderr, "mailspec record: %s: link type %s is not supported\n",
            a->iface, ms_link_name(*lt, n, sizeof n));
    pcap_close(p);
    return NULL;
  }
  return p;
}

/* Could UID/GID write into DIR (the whole path traversed)?  Asked with
 * the effective ids switched, then switched back. */
static bool record_can_write(const char *dir, uid_t uid, gid_t gid) {
  if (setegid(gid) != 0)
    return false;
  if (seteuid(uid) != 0) {
    if (setegid(0) != 0)
      return false;
    return false;
  }
  bool ok = faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == 0;
  if (seteuid(0) != 0 || setegid(0) != 0)
    return false;
  return ok;
}

/* As root: give up root once the device is open.  Target: the sudo user,
 * else the owner of DIR (when not root), else nobody; DIR must stay
 * writable for it, else root is kept and we say why. */
static int record_drop_privileges(const char *dir, int verbosity) {
  if (geteuid() != 0)
    return 0;
  uid_t uid = 0;
  gid_t gid = 0;
  const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
  struct stat st;
  struct passwd *pw;
  if (su && sg && atol(su) > 0) {
    uid = (uid_t)atol(su);
    gid = (gid_t)atol(sg);
  } else if (stat(dir, &st) == 0 && st.st_uid != 0) {
    uid = st.st_uid;
    gid = st.st_gid;
  } else if ((pw = getpwnam("nobody"))) {
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  if (uid == 0)
    return 0;
  if (!record_can_write(dir, uid, gid)) {
    if (verbosity >= 0)
      fprintf(stderr,
              "mailspec record: keeping root: uid %ld cannot write "
              "into %s (give it an unprivileged owner on a path "
              "that user can reach, or run through sudo)\n",
              (long)uid, dir);
    return 0;
  }
  if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
    fprintf(stderr, "mailspec record: cannot drop privileges: %s\n",
            strerror(errno));
    return -1;
  }
  if (verbosity > 0)
    fprintf(stderr, "mailspec record: capturing as uid %ld, gid %ld\n",
            (long)uid, (long)gid);
  return 0;
}

static void record_written(void *ctx, const struct ms_import_written *w) {
  struct record_args *a = ctx;
  (void)w;
  a->written++;
  if (a->count && a->written >= a->count)
    record_stop = 1;
}

struct record_loop {
  struct ms_importer *im;
  int lt;
  uint64_t frame;
};

static void record_packet(unsigned char *user, const struct pcap_pkthdr *h,
                          const unsigned char *bytes) {
  struct record_loop *l = (struct record_loop *)user;
  uint64_t ts =
      (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec * 1000u;
  ms_importer_packet(l->im, l->lt, bytes, h->caplen, ++l->frame, ts);
}

static void record_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = record_on_signal;
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

static void record_loop(struct record_args *a, pcap_t *p, int lt) {
  char name[128], when[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
  snprintf(name, sizeof name, "%s-%s", a->iface, when);
  a->io.written = record_written;
  a->io.written_ctx = a;
  a->io.ports = a->ports;
  a->io.nports = a->nports;
  a->io.verbosity = a->g.verbosity;
  struct ms_importer *im = ms_importer_new(&a->io);
  ms_importer_begin(im, name, a->iface);
  /* at: counts from now, when recording began (replay --pace) */
  struct timespec t0;
  clock_gettime(CLOCK_REALTIME, &t0);
  ms_importer_origin(im,
                     (uint64_t)t0.tv_sec * 1000000000u + (uint64_t)t0.tv_nsec);
  struct record_loop l = {im, lt, 0};
  double end = a->duration > 0 ? ms_now() + a->duration : 0;
  /* Non-blocking reads behind our own poll(): a signal, --duration and
   * --count are noticed within RECORD_TIMEOUT_MS whatever the kernel's
   * ring buffer does (libpcap retries poll() on EINTR by itself). */
  char ebuf[PCAP_ERRBUF_SIZE];
  int fd = pcap_setnonblock(p, 1, ebuf) == 0 ? pcap_get_selectable_fd(p) : -1;
  while (!record_stop && (end == 0 || ms_now() < end)) {
    if (fd >= 0) {
      struct pollfd pfd = {fd, POLLIN, 0};
      int pr = poll(&pfd, 1, RECORD_TIMEOUT_MS);
      if (pr < 0 && errno != EINTR) {
        fprintf(stderr, "mailspec record: poll: %s\n", strerror(errno));
        break;
      }
      if (pr <= 0)
        continue;
    }
    int n = pcap_dispatch(p, -1, record_packet, (unsigned char *)&l);
    if (n == PCAP_ERROR) {
      fprintf(stderr, "mailspec record: %s: %s\n", a->iface, pcap_geterr(p));
      break;
    }
    fflush(stdout);
  }
  struct pcap_stat ps;
  if (pcap_stats(p, &ps) == 0 && ps.ps_drop > 0)
    fprintf(stderr,
            "mailspec record: the kernel dropped %u packets: "
            "transcripts may show gaps\n",
            ps.ps_drop);
  ms_importer_end(im); /* sessions still open are written as they stand */
  fflush(stdout);
  ms_traffic_summary("record", ms_importer_counts(im), a->io.outdir,
                     a->g.verbosity);
  ms_importer_free(im);
}

int ms_cmd_record(const struct ms_cli *g, int argc, char **argv) {
  struct record_args a;
  memset(&a, 0, sizeof a);
  a.g = *g;
  a.io.conv = MS_CONV_RFC5321;
  int p = record_parse(&a, argc, argv);
  if (p != 0) {
    free(a.ports);
    return p > 0 ? MS_EXIT_PASS : MS_EXIT_USAGE;
  }
  const char *dir = a.io.outdir ? a.io.outdir : ".";
  int lt = 0;
  pcap_t *h = NULL;
  int rc = MS_EXIT_USAGE;
  if (ms_traffic_mkdir("record", dir) < 0 || !(h = record_open(&a, &lt)))
    goto out;
  if (record_drop_privileges(dir, a.g.verbosity) < 0)
    goto out;
  record_signals();
  if (a.g.verbosity >= 0)
    fprintf(stderr,
            "mailspec record: capturing on %s; transcripts go to "
            "%s (Ctrl-C to stop)\n",
            a.iface, dir);
  record_loop(&a, h, lt);
  rc = MS_EXIT_PASS;
out:
  if (h)
    pcap_close(h);
  free(a.ports);
  return rc;
}
