/* linktype: from a captured frame to the TCP segment inside it.  Pure.
 * Link types are the LINKTYPE_* values stored in files
 * (www.tcpdump.org/linktypes.html); live handles map their DLT_* value
 * with ms_link_from_dlt().  The payload length comes from the IP header
 * (never from the frame: Ethernet padding is not data) and is clamped to
 * what was captured; the rest is reported as missing. */
#ifndef MS_LINKTYPE_H
#define MS_LINKTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_LT_NULL 0
#define MS_LT_EN10MB 1
#define MS_LT_RAW 101
#define MS_LT_LOOP 108
#define MS_LT_LINUX_SLL 113
#define MS_LT_IPV4 228
#define MS_LT_IPV6 229
#define MS_LT_LINUX_SLL2 276

/* TCP flags (RFC 9293 §3.1). */
#define MS_TH_FIN 0x01
#define MS_TH_SYN 0x02
#define MS_TH_RST 0x04
#define MS_TH_PSH 0x08
#define MS_TH_ACK 0x10

struct ms_tcpseg {
  int af;                /* 4 or 6 */
  unsigned char src[16]; /* IPv4 uses the first 4 bytes */
  unsigned char dst[16];
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t flags;
  const unsigned char *payload;
  uint32_t len;     /* payload bytes present */
  uint32_t missing; /* payload bytes the IP header announces beyond them */
};

enum ms_link_status {
  MS_LINK_TCP = 0,  /* SEG is filled */
  MS_LINK_OTHER,    /* not TCP over IP (ARP, UDP, ...): ignore */
  MS_LINK_FRAGMENT, /* an IP fragment: not reassembled, counted */
  MS_LINK_SHORT,    /* headers cut by the snap length: counted */
  MS_LINK_BAD,      /* malformed headers */
  MS_LINK_UNKNOWN   /* a link type we do not decode */
};

/* Decode one frame of link type LT. */
enum ms_link_status ms_link_decode(int lt, const unsigned char *p,
                                   size_t caplen, struct ms_tcpseg *seg);
/* Is LT one we decode? */
bool ms_link_supported(int lt);
/* "EN10MB", "LINUX_SLL2", ... or "LINKTYPE_<n>". */
const char *ms_link_name(int lt, char *buf, size_t len);
/* Map a libpcap DLT_* value (platform-dependent) to a LINKTYPE_* value. */
int ms_link_from_dlt(int dlt);
/* Render ADDR of family AF ("10.0.0.1", "::1") into BUF. */
const char *ms_link_addr(int af, const unsigned char *addr, char *buf,
                         size_t len);

#endif
