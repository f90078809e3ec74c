/* linktype: link layer -> IP -> TCP.  Every header is checked against the
 * captured length before it is read (tcpreplay GHSA-jj65-mrgg-f5fx). */
#include "linktype.h"

#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define MAX_VLAN_TAGS 4
#define MAX_V6_EXT 16

static uint16_t be16(const unsigned char *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

/* ---- TCP ------------------------------------------------------------- */

/* P/N: the TCP header and payload as IP delivered them; AVAIL: how many of
 * the N bytes were captured. */
static enum ms_link_status link_tcp(const unsigned char *p, size_t n,
                                    size_t avail, struct ms_tcpseg *s) {
  if (avail < 20)
    return MS_LINK_SHORT;
  size_t doff = (size_t)(p[12] >> 4) * 4;
  if (doff < 20 || doff > n)
    return MS_LINK_BAD;
  if (avail < doff)
    return MS_LINK_SHORT;
  s->sport = be16(p);
  s->dport = be16(p + 2);
  s->seq = be32(p + 4);
  s->ack = be32(p + 8);
  s->flags = p[13];
  s->payload = p + doff;
  s->len = (uint32_t)(avail - doff);
  s->missing = (uint32_t)(n - avail);
  return MS_LINK_TCP;
}

/* ---- IP -------------------------------------------------------------- */

static enum ms_link_status link_ipv4(const unsigned char *p, size_t cap,
                                     struct ms_tcpseg *s) {
  if (cap < 20)
    return MS_LINK_SHORT;
  if (p[0] >> 4 != 4)
    return MS_LINK_BAD;
  size_t ihl = (size_t)(p[0] & 0x0F) * 4; /* IPv4 options: IHL > 5 */
  size_t total = be16(p + 2);
  if (total == 0)
    total = cap; /* TSO/GSO captures leave it 0: trust the frame */
  if (ihl < 20 || total < ihl)
    return MS_LINK_BAD;
  if (cap < ihl)
    return MS_LINK_SHORT;
  if ((be16(p + 6) & 0x3FFF) != 0) /* MF or a fragment offset */
    return MS_LINK_FRAGMENT;
  if (p[9] != 6)
    return MS_LINK_OTHER;
  s->af = 4;
  memset(s->src, 0, sizeof s->src);
  memset(s->dst, 0, sizeof s->dst);
  memcpy(s->src, p + 12, 4);
  memcpy(s->dst, p + 16, 4);
  /* The IP length, not the frame: Ethernet padding is not payload. */
  size_t avail = cap < total ? cap : total;
  return link_tcp(p + ihl, total - ihl, avail - ihl, s);
}

/* Length of IPv6 extension header NH at P, or 0 if NH is not one. */
static size_t link_v6_ext_len(int nh, const unsigned char *p) {
  switch (nh) {
  case 0:   /* hop-by-hop */
  case 43:  /* routing */
  case 60:  /* destination options */
  case 135: /* mobility */
  case 139: /* HIP */
  case 140: /* shim6 */
    return ((size_t)p[1] + 1) * 8;
  case 51: /* AH: length in 4-octet units minus 2 (RFC 4302 §2.2) */
    return ((size_t)p[1] + 2) * 4;
  case 44: /* fragment */
    return 8;
  default:
    return 0;
  }
}

static enum ms_link_status link_ipv6(const unsigned char *p, size_t cap,
                                     struct ms_tcpseg *s) {
  if (cap < 40)
    return MS_LINK_SHORT;
  if (p[0] >> 4 != 6)
    return MS_LINK_BAD;
  size_t plen = be16(p + 4);
  if (plen == 0)
    plen = cap - 40; /* jumbogram or TSO capture */
  size_t total = 40 + plen;
  size_t avail = cap < total ? cap : total;
  int nh = p[6];
  size_t off = 40;
  for (int i = 0; nh != 6; i++) {
    if (i == MAX_V6_EXT)
      return MS_LINK_BAD;
    if (avail < off + 8)
      return off + 8 > total ? MS_LINK_BAD : MS_LINK_SHORT;
    size_t len = link_v6_ext_len(nh, p + off);
    if (len == 0)
      return MS_LINK_OTHER; /* UDP, ICMPv6, ESP, no next header, ... */
    if (nh == 44 && (be16(p + off + 2) & 0xFFF9) != 0)
      return MS_LINK_FRAGMENT; /* offset or M flag (RFC 8200 §4.5) */
    nh = p[off];
    off += len;
    if (off > total)
      return MS_LINK_BAD;
  }
  if (off > avail)
    return MS_LINK_SHORT;
  s->af = 6;
  memcpy(s->src, p + 8, 16);
  memcpy(s->dst, p + 24, 16);
  return link_tcp(p + off, total - off, avail - off, s);
}

static enum ms_link_status link_ip(const unsigned char *p, size_t cap,
                                   struct ms_tcpseg *s) {
  if (cap < 1)
    return MS_LINK_SHORT;
  switch (p[0] >> 4) {
  case 4:
    return link_ipv4(p, cap, s);
  case 6:
    return link_ipv6(p, cap, s);
  default:
    return MS_LINK_OTHER;
  }
}

static enum ms_link_status link_ethertype(unsigned type, const unsigned char *p,
                                          size_t cap, struct ms_tcpseg *s) {
  if (type == ETHERTYPE_IPV4)
    return link_ipv4(p, cap, s);
  if (type == ETHERTYPE_IPV6)
    return link_ipv6(p, cap, s);
  return MS_LINK_OTHER;
}

/* ---- link layers ------------------------------------------------------- */

static bool link_is_vlan(unsigned type) {
  return type == 0x8100 || type == 0x88A8 || type == 0x9100 || type == 0x9200;
}

static enum ms_link_status link_ether(const unsigned char *p, size_t cap,
                                      struct ms_tcpseg *s) {
  if (cap < 14)
    return MS_LINK_SHORT;
  size_t off = 12;
  unsigned type = be16(p + off);
  for (int tags = 0; link_is_vlan(type); tags++) { /* 802.1Q / QinQ */
    if (tags == MAX_VLAN_TAGS)
      return MS_LINK_BAD;
    off += 4;
    if (cap < off + 2)
      return MS_LINK_SHORT;
    type = be16(p + off);
  }
  off += 2;
  return link_ethertype(type, p + off, cap - off, s);
}

/* DLT_NULL stores the address family in the capturing host's byte order,
 * DLT_LOOP in network order; IPv6 is 10 (Linux), 23 (Windows), 24, 28 or
 * 30 (the BSDs, macOS) (wiki.wireshark.org/NullLoopback).  Accept both
 * orders for both. */
static enum ms_link_status link_null(const unsigned char *p, size_t cap,
                                     struct ms_tcpseg *s) {
  if (cap < 4)
    return MS_LINK_SHORT;
  uint32_t af = be32(p);
  if (af > 0xFFFF)
    af = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
  switch (af) {
  case 2:
    return link_ipv4(p + 4, cap - 4, s);
  case 10:
  case 23:
  case 24:
  case 28:
  case 30:
    return link_ipv6(p + 4, cap - 4, s);
  default:
    return MS_LINK_OTHER;
  }
}

enum ms_link_status ms_link_decode(int lt, const unsigned char *p,
                                   size_t caplen, struct ms_tcpseg *seg) {
  switch (lt) {
  case MS_LT_EN10MB:
    return link_ether(p, caplen, seg);
  case MS_LT_LINUX_SLL: /* 16-byte header, protocol at 14 (pcap/sll.h) */
    if (caplen < 16)
      return MS_LINK_SHORT;
    return link_ethertype(be16(p + 14), p + 16, caplen - 16, seg);
  case MS_LT_LINUX_SLL2: /* 20-byte header, protocol first */
    if (caplen < 20)
      return MS_LINK_SHORT;
    return link_ethertype(be16(p), p + 20, caplen - 20, seg);
  case MS_LT_NULL:
  case MS_LT_LOOP:
    return link_null(p, caplen, seg);
  case MS_LT_RAW:
  case 12: /* DLT_RAW as some platforms wrote it into files */
  case 14:
    return link_ip(p, caplen, seg);
  case MS_LT_IPV4:
    return link_ipv4(p, caplen, seg);
  case MS_LT_IPV6:
    return link_ipv6(p, caplen, seg);
  default:
    return MS_LINK_UNKNOWN;
  }
}

bool ms_link_supported(int lt) {
  switch (lt) {
  case MS_LT_EN10MB:
  case MS_LT_LINUX_SLL:
  case MS_LT_LINUX_SLL2:
  case MS_LT_NULL:
  case MS_LT_LOOP:
  case MS_LT_RAW:
  case 12:
  case 14:
  case MS_LT_IPV4:
  case MS_LT_IPV6:
    return true;
  default:
    return false;
  }
}

const char *ms_link_name(int lt, char *buf, size_t len) {
  const char *n = NULL;
  switch (lt) {
  case MS_LT_NULL:
    n = "NULL";
    break;
  case MS_LT_EN10MB:
    n = "EN10MB";
    break;
  case MS_LT_RAW:
  case 12:
  case 14:
    n = "RAW";
    break;
  case MS_LT_LOOP:
    n = "LOOP";
    break;
  case MS_LT_LINUX_SLL:
    n = "LINUX_SLL";
    break;
  case MS_LT_LINUX_SLL2:
    n = "LINUX_SLL2";
    break;
  case MS_LT_IPV4:
    n = "IPV4";
    break;
  case MS_LT_IPV6:
    n = "IPV6";
    break;
  default:
    break;
  }
  if (n)
    snprintf(buf, len, "%s", n);
  else
    snprintf(buf, len, "LINKTYPE_%d", lt);
  return buf;
}

/* DLT values differ by platform (pcap/dlt.h): compare with the constants,
 * never with numbers. */
int ms_link_from_dlt(int dlt) {
  if (dlt == DLT_NULL)
    return MS_LT_NULL;
  if (dlt == DLT_EN10MB)
    return MS_LT_EN10MB;
  if (dlt == DLT_RAW)
    return MS_LT_RAW;
#ifdef DLT_LOOP
  if (dlt == DLT_LOOP)
    return MS_LT_LOOP;
#endif
#ifdef DLT_LINUX_SLL
  if (dlt == DLT_LINUX_SLL)
    return MS_LT_LINUX_SLL;
#endif
#ifdef DLT_LINUX_SLL2
  if (dlt == DLT_LINUX_SLL2)
    return MS_LT_LINUX_SLL2;
#endif
#ifdef DLT_IPV4
  if (dlt == DLT_IPV4)
    return MS_LT_IPV4;
#endif
#ifdef DLT_IPV6
  if (dlt == DLT_IPV6)
    return MS_LT_IPV6;
#endif
  return dlt;
}

const char *ms_link_addr(int af, const unsigned char *addr, char *buf,
                         size_t len) {
  if (!inet_ntop(af == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
    snprintf(buf, len, "?");
  return buf;
}
