/* cli_jobs: -j N of run and replay (cli_jobs.h).  -j has no fixed upper
 * bound: what limits it is RLIMIT_NOFILE, checked before the run
 * against what each session holds, so that a run too wide for the limit
 * is refused up front (exit 2, saying how many fit) instead of failing
 * sessions half-way with "Too many open files". */
#include "cli_jobs.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

/* What one session holds at once, read from the engine:
 * - the connection to the target (engine_conn.c): 1;
 * - with --pop3, the mailbox connection of delivery checks
 *   (engine_mailbox.c): 1;
 * - with --pcap, the session's capture handle, and at its end the pcap
 *   file it writes while the handle is still open (capture.c): 2;
 * - with -t builtin, the reference server started for each transcript
 *   (engine_item.c eng_builtin_start, server/server.c): its listener,
 *   its wake-up pipe (2), the accepted connection and one more while an
 *   old one of a reconnecting transcript is being reaped (2); for a
 *   transcript that reads the mailbox also the POP3 listener, the POP3
 *   client and its accepted end (+1 being reaped), and the relay's next
 *   hop (listener, wake-up pipe, the relay's connection and its accepted
 *   end): 14 beside the client's connection, plus 1 for the nonce's
 *   /dev/urandom (engine_delivery.c).  Transcripts are loaded lazily,
 *   so whether one reads the mailbox is not known here: every builtin
 *   session is counted at that worst. */
enum {
  JOBS_FD_CONN = 1,
  JOBS_FD_POP3 = 1,
  JOBS_FD_PCAP = 2,
  JOBS_FD_BUILTIN = 15,
};

int ms_cli_jobs_parse(const char *arg, int *out, char *err, size_t errlen) {
  char *end = NULL;
  errno = 0;
  long v = isdigit((unsigned char)arg[0]) ? strtol(arg, &end, 10) : 0;
  if (!end || *end || errno || v < 1 || v > INT_MAX) {
    snprintf(err, errlen,
             "-j expects a whole number of sessions, 1 or more, not '%s'", arg);
    return -1;
  }
  *out = (int)v;
  return 0;
}

size_t ms_cli_jobs_per_session(const struct ms_engine_opts *eo) {
  size_t n = JOBS_FD_CONN;
  if (eo->target.builtin)
    n += JOBS_FD_BUILTIN;
  else if (eo->pop3.host)
    n += JOBS_FD_POP3;
  if (eo->pcap_dir)
    n += JOBS_FD_PCAP;
  return n;
}

static size_t jobs_reserve(void) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return MS_CLI_JOBS_RESERVE + (cpus > 8 ? 2 * (size_t)(cpus - 8) : 0);
}

/* Raise the soft limit towards the hard one (to NEED at least, when
 * the hard limit is "unlimited", which the kernel caps at nr_open). */
static void jobs_raise(struct rlimit *rl, rlim_t need) {
  struct rlimit up = *rl;
  up.rlim_cur = rl->rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &up) != 0 && need <= rl->rlim_max) {
    up.rlim_cur = need;
    (void)setrlimit(RLIMIT_NOFILE, &up);
  }
  getrlimit(RLIMIT_NOFILE, rl);
}

static void jobs_limit_text(rlim_t v, char *buf, size_t cap) {
  if (v == RLIM_INFINITY)
    snprintf(buf, cap, "unlimited");
  else
    snprintf(buf, cap, "%llu", (unsigned long long)v);
}

/* Why a session holds what it holds, for the message. */
static const char *jobs_why(const struct ms_engine_opts *eo) {
  if (eo->target.builtin)
    return eo->pcap_dir ? "the connection, the reference server -t builtin "
                          "starts for each transcript, and the --pcap capture"
                        : "the connection and the reference server -t "
                          "builtin starts for each transcript";
  if (eo->pop3.host)
    return eo->pcap_dir ? "the server connection, the --pop3 mailbox and "
                          "the --pcap capture"
                        : "the server connection and the --pop3 mailbox";
  return eo->pcap_dir ? "the server connection and the --pcap capture"
                      : "the server connection";
}

int ms_cli_jobs_fit(const struct ms_engine_opts *eo, size_t nsessions,
                    char *err, size_t errlen) {
  size_t jobs = eo->jobs < 1 ? 1 : (size_t)eo->jobs;
  if (nsessions == 0)
    return 0; /* nothing runs */
  if (jobs > nsessions)
    jobs = nsessions; /* the engine never runs more at once */
  size_t per = ms_cli_jobs_per_session(eo), reserve = jobs_reserve();
  rlim_t need = (rlim_t)jobs * per + reserve;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return 0; /* nothing known: the engine reports what fails */
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
    jobs_raise(&rl, need);
  /* One at a time has no smaller -j to suggest: let it try (the reserve
   * is generous), the engine reports what fails. */
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need || jobs == 1)
    return 0;
  size_t fit = rl.rlim_cur > reserve ? (rl.rlim_cur - reserve) / per : 0;
  char soft[32], hard[32];
  jobs_limit_text(rl.rlim_cur, soft, sizeof soft);
  jobs_limit_text(rl.rlim_max, hard, sizeof hard);
  char runs[64] = "";
  if (jobs < (size_t)eo->jobs)
    snprintf(runs, sizeof runs, " (%zu sessions to run)", nsessions);
  snprintf(err, errlen,
           "-j %d%s: the open-file limit (%s, hard limit %s) holds %zu "
           "session%s at once (%zu descriptor%s each for %s, plus %zu kept "
           "in reserve); raise it with ulimit -n, or give a smaller -j",
           eo->jobs, runs, soft, hard, fit, fit == 1 ? "" : "s", per,
           per == 1 ? "" : "s", jobs_why(eo), reserve);
  return -1;
}
