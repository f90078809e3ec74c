/* tcp_reasm: TCP segments in (in capture order), per-connection byte
 * streams out, in order, through callbacks.  Pure: no I/O.
 *
 * - Flows are keyed by the 4-tuple; a SYN after FIN/RST (or with a new
 *   ISN after data) on a known 4-tuple starts a new session.
 * - Sequence numbers become 64-bit stream offsets by serial arithmetic
 *   (RFC 1982), so the 2^32 wrap is invisible.
 * - Out-of-order bytes wait in a ring with a bitmap of the bytes held:
 *   every segment costs time linear in its own length (no per-segment
 *   list to search: Linux CVE-2018-5390 / FreeBSD SA-18:08 went
 *   quadratic there).
 * - Overlaps: the first copy wins (RFC 9293 §3.10.7.4); different bytes
 *   in a later copy are reported as a conflict.
 * - Gaps are declared when the peer ACKs past a hole, when the window
 *   bound is exceeded, and when the session ends with bytes missing.
 * - Hard bounds: bytes held out of order per direction and in total,
 *   open flows (the least recently active flow is closed first), idle
 *   time (capture clock). */
#ifndef MS_TCP_REASM_H
#define MS_TCP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linktype.h"

/* Direction of a byte stream within a session. */
#define MS_DIR_C2S 0 /* client to server */
#define MS_DIR_S2C 1 /* server to client */

struct ms_conn_info {
  uint64_t index; /* session number in order of first packet (from 0) */
  int af;         /* 4 or 6 */
  unsigned char addr[2][16]; /* [MS_DIR_C2S] client, [MS_DIR_S2C] server */
  uint16_t port[2];          /* client port, server port */
  bool saw_syn;              /* the handshake is in the capture */
  uint64_t first_frame;
  uint64_t first_ts_ns;
};

struct ms_reasm_stats {
  uint64_t segments;     /* TCP segments seen */
  uint64_t rexmit_bytes; /* payload bytes seen again (same bytes) */
  uint64_t conflicts;    /* overlaps with different bytes */
  uint64_t conflict_bytes;
  uint64_t first_conflict_frame; /* 0: none */
  uint64_t ooo_segments;         /* segments that arrived ahead of a hole */
  uint64_t gaps;                 /* holes declared */
  uint64_t gap_bytes;
  uint64_t truncated_bytes; /* payload not captured (caplen < len) */
  uint64_t keepalives;
  uint64_t stray; /* packets of a closed session, ignored */
  /* segments from each side, by MS_DIR_*: a side that sent no byte may
   * still be in the capture (its ACKs), or not at all */
  uint64_t dir_segments[2];
  uint64_t last_frame; /* the session's last packet */
};

/* Callbacks.  USER is what open() returned for the session. */
struct ms_reasm_cb {
  void *ctx;
  void *(*open)(void *ctx, const struct ms_conn_info *ci);
  /* N in-order bytes of direction DIR; FRAME/TS: the packet that made
   * them available. */
  void (*data)(void *user, int dir, const unsigned char *p, size_t n,
               uint64_t frame, uint64_t ts_ns);
  /* LEN bytes of DIR are missing; WHY says how we know. */
  void (*gap)(void *user, int dir, uint64_t len, uint64_t frame,
              const char *why);
  /* Compare N bytes at stream offset OFF of DIR (already delivered) with
   * P: how many differ (0: a faithful copy), -1 unknown.  May be NULL. */
  int (*compare)(void *user, int dir, uint64_t off, const unsigned char *p,
                 size_t n);
  /* The session ended (WHY: "fin", "rst", "end of capture", ...) at
   * FRAME (its last packet when the end of the capture closed it).  STATS
   * are this session's.  USER is not used again. */
  void (*close)(void *user, const char *why, uint64_t frame,
                const struct ms_reasm_stats *stats);
};

struct ms_reasm_limits {
  size_t max_flows; /* open sessions (default 65536) */
  size_t window;    /* bytes held ahead of a hole per direction
                       (default 1 MiB) */
  size_t max_held;  /* bytes held out of order in total (64 MiB) */
  double idle;      /* seconds of capture time before an idle session
                       is closed; 0 = never (default 600) */
  const uint16_t *server_ports; /* ports that mark the server side */
  size_t nserver_ports;
};
#define MS_REASM_LIMITS_DEFAULT                                                \
  { 65536, 1u << 20, 64u << 20, 600, NULL, 0 }

struct ms_reasm;

struct ms_reasm *ms_reasm_new(const struct ms_reasm_limits *lim,
                              const struct ms_reasm_cb *cb);
/* Feed one decoded segment, FRAME and TS of its packet. */
void ms_reasm_segment(struct ms_reasm *r, const struct ms_tcpseg *seg,
                      uint64_t frame, uint64_t ts_ns);
/* End of the capture: every open session is flushed and closed. */
void ms_reasm_finish(struct ms_reasm *r, uint64_t frame);
/* Totals over all sessions so far. */
const struct ms_reasm_stats *ms_reasm_totals(const struct ms_reasm *r);
/* Currently open sessions and bytes held out of order (for tests). */
size_t ms_reasm_open_flows(const struct ms_reasm *r);
size_t ms_reasm_held_bytes(const struct ms_reasm *r);
/* Frees remaining sessions without callbacks (call finish first). */
void ms_reasm_free(struct ms_reasm *r);

#endif
