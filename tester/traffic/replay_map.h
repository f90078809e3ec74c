/* replay_map: what `mailspec replay` keeps of each transcript it
 * imported (which capture, session and packets its lines came from, the
 * secrets it stands for), the one look at the target's greeting that
 * tells its protocol, and the results mapped back onto the capture. */
#ifndef MS_REPLAY_MAP_H
#define MS_REPLAY_MAP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "import.h"
#include "mailspec/result.h"

struct ms_replay_item {
  char *path;    /* the transcript */
  char *capture; /* the capture it came from (NULL: live) */
  uint64_t session;
  enum ms_protocol proto;
  uint64_t *frames; /* frames[L - 1]: the packet of line L (0: none) */
  size_t nlines;
};

struct ms_replay_map {
  struct ms_replay_item *v;
  size_t n, cap;
};

/* Keep W (the import's WRITTEN callback). */
void ms_replay_map_add(struct ms_replay_map *m,
                       const struct ms_import_written *w);
/* Sort by path (the order transcripts run in). */
void ms_replay_map_sort(struct ms_replay_map *m);
void ms_replay_map_free(struct ms_replay_map *m);

/* Connect to HOST:PORT and read its greeting: 1 and *PROTO when it is
 * SMTP's ("220 ...", RFC 5321 §4.2) or POP3's ("+OK", RFC 1939 §4),
 * with a printable copy of it in GREET; 0 when it tells nothing (no
 * answer, another protocol, TLS from the first byte); QUIT is sent
 * before closing.  Nothing else is sent. */
int ms_replay_greeting(const char *host, const char *port, double timeout,
                       volatile sig_atomic_t *stop, enum ms_protocol *proto,
                       char *greet, size_t greetlen);

/* Results point at what the user still has: every transcript result
 * names its capture (pcap); with KEEP false (the transcripts were in a
 * temporary directory, now gone) its path becomes the capture and each
 * step's line the capture's frame (Wireshark's numbering) of the reply
 * it judged.  A SKIP for a session of the other protocol than the
 * target's (PROTO, when KNOWN) gets REASON. */
void ms_replay_map_results(const struct ms_replay_map *m, bool keep,
                           struct ms_run_result *res, bool known,
                           enum ms_protocol proto, const char *reason);

#endif
