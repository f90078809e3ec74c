/* capture: record one test session to a pcap file while it runs (used
 * by `mailspec run --pcap DIR`).  Implemented in tester/capture.c.
 *
 * Usage from the engine:
 *   c = ms_capture_start(&o, err, sizeof err);   // before connect()
 *   ... connect(); ms_capture_add_client_port(c, local port); ...
 *   ms_capture_stop(c, "DIR/name.pcap", err, sizeof err);
 *
 * The live handle sees every TCP packet to or from the server port on
 * the interface (BPF filter); only the packets of the connections whose
 * client ports were added are written, so parallel sessions (-j N) to the
 * same server each get their own file.  Without capture permission
 * ms_capture_start() returns NULL and sets *PERM so the caller can say so
 * once and go on without capture. */
#ifndef MS_CAPTURE_H
#define MS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

struct ms_capture_opts {
  const char *iface;       /* NULL: "lo" (only loopback is ever used) */
  const char *server_addr; /* numeric address of the target, or NULL */
  unsigned server_port;    /* the target's port (required) */
  size_t max_bytes;        /* cap on buffered packet bytes; 0: 64 MiB */
};

struct ms_capture;
struct pcap; /* libpcap's pcap_t */

/* The one live-capture opener (run --pcap and record): IFACE in immediate
 * mode, snaplen 262144, a 16 MiB ring, TIMEOUT_MS per read, BPF FILTER.
 * NULL on failure: ERR says why and *PERM (if non-NULL) is true when the
 * cause is missing privileges (root or CAP_NET_RAW). */
struct pcap *ms_capture_open(const char *iface, const char *filter,
                             int timeout_ms, bool *perm, char *err,
                             size_t errlen);

/* Open and activate the live capture (immediate mode, snaplen 262144)
 * and start its reader thread.  NULL on failure: ERR says why and *PERM
 * (if non-NULL) is true when the cause is missing privileges. */
struct ms_capture *ms_capture_start(const struct ms_capture_opts *o, bool *perm,
                                    char *err, size_t errlen);

/* The session's client side: keep the packets of connections using this
 * local port (may be called several times: sessions: opens several). */
void ms_capture_add_client_port(struct ms_capture *c, unsigned port);

/* Stop, drain what the kernel still holds, write the kept packets to
 * PATH (pcap, not pcapng; NULL: discard) and free C.  Returns the number
 * of packets written, or -1 with ERR; a file written but known to lack
 * packets (buffer limit, kernel drops) also gets a warning in ERR. */
long ms_capture_stop(struct ms_capture *c, const char *path, char *err,
                     size_t errlen);

#endif
