/* fault: `--fault NAME[:ARG]`, the rules the reference server breaks on
 * purpose so that a suite can prove it catches the breakage.  Each fault
 * is applied where the rule is kept: in the session that produces the
 * reply (srv_smtp.c, srv_pop3.c) or, for the wire-level ones (bare-lf,
 * slow), in the socket loop (server.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv.h"

struct fault_def {
  const char *name;
  unsigned bit;
  const char *help;
};

static const struct fault_def fault_defs[] = {
    {"rcpt-250", MS_F_RCPT_250, "250 instead of 550 for an unknown recipient"},
    {"mixed-multiline", MS_F_MIXED_MULTI,
     "multi-line replies whose lines differ in code"},
    {"bare-lf", MS_F_BARE_LF, "reply lines end in a bare LF, not CRLF"},
    {"no-unstuff", MS_F_NO_UNSTUFF,
     "keep the leading dot of stuffed data lines"},
    {"greet-554", MS_F_GREET_554, "greet every client with 554 instead of 220"},
    {"close-after-data", MS_F_CLOSE_DATA,
     "close the connection right after DATA's 354"},
    {"slow", MS_F_SLOW, "wait MS milliseconds before every reply"},
    {"pop3-octets", MS_F_POP3_OCTETS,
     "POP3: wrong octet counts in STAT and LIST"},
    {"pop3-early-dele", MS_F_POP3_EARLY_DELE,
     "POP3: DELE removes at once, not after QUIT"},
};
#define FAULT_N (sizeof fault_defs / sizeof fault_defs[0])
#define FAULT_SLOW_MAX 600000u /* ten minutes */

/* Splits "slow:250" into its definition and argument. */
static const struct fault_def *fault_lookup(const char *text,
                                            const char **arg) {
  const char *colon = strchr(text, ':');
  size_t n = colon ? (size_t)(colon - text) : strlen(text);
  *arg = colon ? colon + 1 : NULL;
  for (size_t i = 0; i < FAULT_N; i++)
    if (strlen(fault_defs[i].name) == n &&
        strncmp(fault_defs[i].name, text, n) == 0)
      return &fault_defs[i];
  return NULL;
}

/* Only slow takes an argument: 1..600000 milliseconds. */
static int fault_arg(const struct fault_def *f, const char *arg, unsigned *ms) {
  if (f->bit != MS_F_SLOW)
    return arg ? -1 : 0;
  if (!arg || !*arg || *arg == '-')
    return -1;
  char *end;
  errno = 0;
  unsigned long v = strtoul(arg, &end, 10);
  if (*end || errno || v == 0 || v > FAULT_SLOW_MAX)
    return -1;
  *ms = (unsigned)v;
  return 0;
}

bool ms_fault_known(const char *name) {
  const char *arg;
  unsigned ms = 0;
  const struct fault_def *f = name ? fault_lookup(name, &arg) : NULL;
  return f && fault_arg(f, arg, &ms) == 0;
}

static void fault_names(char *buf, size_t len) {
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < FAULT_N && o < len; i++) {
    int w =
        snprintf(buf + o, len - o, "%s%s%s", i ? ", " : "", fault_defs[i].name,
                 fault_defs[i].bit == MS_F_SLOW ? ":MS" : "");
    if (w < 0)
      break;
    o += (size_t)w;
  }
}

int ms_faults_parse(struct ms_faults *f, const char *const *names, size_t n,
                    char *err, size_t errlen) {
  memset(f, 0, sizeof *f);
  for (size_t i = 0; i < n; i++) {
    const char *arg;
    const struct fault_def *d = fault_lookup(names[i], &arg);
    if (!d) {
      char known[512];
      fault_names(known, sizeof known);
      snprintf(err, errlen, "unknown fault '%s' (known: %s)", names[i], known);
      return -1;
    }
    if (fault_arg(d, arg, &f->slow_ms) < 0) {
      snprintf(err, errlen,
               d->bit == MS_F_SLOW
                   ? "fault '%s': give the delay as slow:MS, 1 to 600000"
                   : "fault '%s' takes no argument",
               names[i]);
      return -1;
    }
    f->bits |= d->bit;
  }
  return 0;
}

/* For `mailspec serve --help` (cmd_serve.c declares it too). */
void ms_fault_help(FILE *out);
void ms_fault_help(FILE *out) {
  for (size_t i = 0; i < FAULT_N; i++)
    fprintf(out, "      %-18s %s\n",
            fault_defs[i].bit == MS_F_SLOW ? "slow:MS" : fault_defs[i].name,
            fault_defs[i].help);
}
