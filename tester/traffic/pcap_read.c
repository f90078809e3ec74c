/* pcap_read: pcap and pcapng files, read with one big buffer (no mmap:
 * pages of a mapped 300 MB file would all count as resident memory).
 * Formats: pcap (wiki.wireshark.org/Development/LibpcapFileFormat,
 * draft-ietf-opsawg-pcap) and pcapng (draft-ietf-opsawg-pcapng §4). */
#include "pcap_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define PCAP_BUFSZ (1u << 20)
#define PCAPNG_MAX_IFACES 4096

/* pcapng block types (draft-ietf-opsawg-pcapng §10.1). */
#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_PB 0x00000002u /* obsolete Packet Block */
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u
#define BOM_MAGIC 0x1A2B3C4Du

struct pcap_iface {
  int linktype;
  uint32_t snaplen;
  uint64_t units; /* timestamp units per second (if_tsresol) */
  int64_t offset; /* seconds added (if_tsoffset) */
};

struct ms_pcap_reader {
  FILE *fp;
  bool own_fp;
  char *name;
  unsigned char *buf;
  size_t cap, pos, end; /* valid bytes are buf[pos..end) */
  uint64_t consumed;    /* file offset of buf[pos] */
  bool eof;
  bool ng;
  bool swap;
  bool nano; /* pcap: nanosecond magic */
  int linktype;
  uint32_t snaplen;
  struct pcap_iface *ifs;
  size_t nifs, ifcap;
  uint64_t frame;
  char err[256];
  char warn[256];
};

static void pcap_seterr(struct ms_pcap_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void pcap_seterr(struct ms_pcap_reader *r, const char *fmt, ...) {
  char msg[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(r->err, sizeof r->err, "%s: %s", r->name, msg);
}

static void pcap_setwarn(struct ms_pcap_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void pcap_setwarn(struct ms_pcap_reader *r, const char *fmt, ...) {
  char msg[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(r->warn, sizeof r->warn, "%s: %s", r->name, msg);
}

static uint32_t rd32(const struct ms_pcap_reader *r, const unsigned char *p) {
  if (r->swap)
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
  return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 |
         p[0];
}

static uint16_t rd16(const struct ms_pcap_reader *r, const unsigned char *p) {
  return r->swap ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint64_t rd64(const struct ms_pcap_reader *r, const unsigned char *p) {
  uint64_t a = rd32(r, p), b = rd32(r, p + 4);
  return r->swap ? a << 32 | b : b << 32 | a;
}

/* Make N bytes available at buf+pos.  Returns the number available (< N
 * only at the end of the file, or -1 on a read error). */
static long pcap_fill(struct ms_pcap_reader *r, size_t n) {
  if (r->end - r->pos >= n)
    return (long)n;
  if (r->pos > 0) {
    memmove(r->buf, r->buf + r->pos, r->end - r->pos);
    r->end -= r->pos;
    r->pos = 0;
  }
  if (n > r->cap) {
    size_t nc = r->cap;
    while (nc < n)
      nc *= 2;
    r->buf = xrealloc(r->buf, nc);
    r->cap = nc;
  }
  while (r->end < n && !r->eof) {
    size_t got = fread(r->buf + r->end, 1, r->cap - r->end, r->fp);
    if (got == 0) {
      if (ferror(r->fp)) {
        pcap_seterr(r, "read error: %s", strerror(errno));
        return -1;
      }
      r->eof = true;
    }
    r->end += got;
  }
  return (long)(r->end - r->pos < n ? r->end - r->pos : n);
}

static void pcap_skip(struct ms_pcap_reader *r, size_t n) {
  r->pos += n;
  r->consumed += n;
}

/* ---- pcap ------------------------------------------------------------ */

static int pcap_header(struct ms_pcap_reader *r, const unsigned char *h) {
  uint32_t magic = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 |
                   (uint32_t)h[3] << 24;
  switch (magic) {
  case 0xa1b2c3d4u:
    r->swap = false;
    r->nano = false;
    break;
  case 0xd4c3b2a1u:
    r->swap = true;
    r->nano = false;
    break;
  case 0xa1b23c4du:
    r->swap = false;
    r->nano = true;
    break;
  case 0x4d3cb2a1u:
    r->swap = true;
    r->nano = true;
    break;
  default:
    return -1;
  }
  uint16_t major = rd16(r, h + 4);
  if (major != 2) {
    pcap_seterr(r, "pcap version %u.%u not supported", major, rd16(r, h + 6));
    return -2;
  }
  r->snaplen = rd32(r, h + 16);
  /* The upper bits of the field carry FCS information (pcap draft §4). */
  r->linktype = (int)(rd32(r, h + 20) & 0xFFFFu);
  return 0;
}

static int pcap_next_pcap(struct ms_pcap_reader *r, struct ms_pcap_pkt *p) {
  long got = pcap_fill(r, 16);
  if (got < 0)
    return -1;
  if (got == 0)
    return 0;
  if (got < 16) {
    pcap_setwarn(r, "file truncated: partial record header at offset %llu",
                 (unsigned long long)r->consumed);
    return 0;
  }
  const unsigned char *h = r->buf + r->pos;
  uint32_t sec = rd32(r, h), frac = rd32(r, h + 4);
  uint32_t caplen = rd32(r, h + 8), len = rd32(r, h + 12);
  if (caplen > MS_PCAP_MAX_RECORD) {
    pcap_seterr(r,
                "record at offset %llu claims %u bytes (limit %u): "
                "corrupt file",
                (unsigned long long)r->consumed, caplen, MS_PCAP_MAX_RECORD);
    return -1;
  }
  got = pcap_fill(r, 16 + (size_t)caplen);
  if (got < 0)
    return -1;
  if ((size_t)got < 16 + (size_t)caplen) {
    pcap_setwarn(r,
                 "file truncated: record %llu at offset %llu has %ld of "
                 "%u bytes",
                 (unsigned long long)r->frame + 1,
                 (unsigned long long)r->consumed, got - 16, caplen);
    return 0;
  }
  p->linktype = r->linktype;
  p->ts_ns =
      (uint64_t)sec * 1000000000u + (r->nano ? frac : (uint64_t)frac * 1000u);
  p->caplen = caplen;
  p->wirelen = len < caplen ? caplen : len;
  p->data = r->buf + r->pos + 16;
  p->frame = ++r->frame;
  pcap_skip(r, 16 + (size_t)caplen);
  return 1;
}

/* ---- pcapng ---------------------------------------------------------- */

/* Timestamp units per second from if_tsresol (pcapng §4.2): high bit
 * clear: 10^-v seconds; set: 2^-v seconds. */
static uint64_t pcapng_units(unsigned char v) {
  unsigned e = v & 0x7Fu;
  uint64_t u = 1;
  if (v & 0x80u)
    return e >= 63 ? 0 : (uint64_t)1 << e;
  if (e > 19)
    return 0;
  while (e--)
    u *= 10;
  return u;
}

static uint64_t pcapng_ns(const struct pcap_iface *ifc, uint64_t ts) {
  uint64_t u = ifc->units;
  uint64_t ns = ts / u * 1000000000u;
  uint64_t rem = ts % u;
  if (u <= 18000000000u) /* rem * 1e9 still fits in 64 bits */
    ns += rem * 1000000000u / u;
  else
    ns += (uint64_t)((double)rem * 1e9 / (double)u);
  return ns + (uint64_t)ifc->offset * 1000000000u;
}

static void pcapng_idb_options(struct ms_pcap_reader *r, struct pcap_iface *f,
                               const unsigned char *o, size_t n) {
  while (n >= 4) {
    uint16_t code = rd16(r, o), len = rd16(r, o + 2);
    size_t padded = ((size_t)len + 3u) & ~(size_t)3u;
    if (code == 0 || padded + 4 > n)
      break;
    if (code == 9 && len >= 1) {
      uint64_t u = pcapng_units(o[4]);
      if (u)
        f->units = u;
    } else if (code == 14 && len >= 8) {
      f->offset = (int64_t)rd64(r, o + 4);
    }
    o += 4 + padded;
    n -= 4 + padded;
  }
}

static int pcapng_idb(struct ms_pcap_reader *r, const unsigned char *b,
                      size_t n) {
  if (n < 8) {
    pcap_seterr(r, "interface block at offset %llu too short",
                (unsigned long long)r->consumed);
    return -1;
  }
  if (r->nifs >= PCAPNG_MAX_IFACES) {
    pcap_seterr(r, "more than %d interfaces", PCAPNG_MAX_IFACES);
    return -1;
  }
  xgrow((void **)&r->ifs, &r->ifcap, r->nifs, sizeof *r->ifs);
  struct pcap_iface *f = &r->ifs[r->nifs++];
  f->linktype = rd16(r, b);
  f->snaplen = rd32(r, b + 4);
  f->units = 1000000;
  f->offset = 0;
  pcapng_idb_options(r, f, b + 8, n - 8);
  if (r->linktype < 0)
    r->linktype = f->linktype;
  return 0;
}

/* Section header: sets the byte order of everything up to the next. */
static int pcapng_shb(struct ms_pcap_reader *r, const unsigned char *blk) {
  const unsigned char *m = blk + 8;
  uint32_t le = (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 |
                (uint32_t)m[3] << 24;
  if (le == BOM_MAGIC)
    r->swap = false;
  else if (le == 0x4D3C2B1Au)
    r->swap = true;
  else {
    pcap_seterr(r, "bad byte-order magic in section header at offset %llu",
                (unsigned long long)r->consumed);
    return -1;
  }
  uint16_t major = rd16(r, blk + 12);
  if (major != 1) {
    pcap_seterr(r, "pcapng version %u not supported", major);
    return -1;
  }
  r->nifs = 0; /* interface ids are per section */
  return 0;
}

static int pcapng_packet(struct ms_pcap_reader *r, uint32_t type,
                         const unsigned char *b, size_t n,
                         struct ms_pcap_pkt *p) {
  uint32_t ifid, caplen, len;
  uint64_t ts = 0;
  const unsigned char *data;
  if (type == BT_EPB || type == BT_PB) {
    if (n < 20)
      goto short_block;
    ifid = type == BT_EPB ? rd32(r, b) : rd16(r, b);
    ts = (uint64_t)rd32(r, b + 4) << 32 | rd32(r, b + 8);
    caplen = rd32(r, b + 12);
    len = rd32(r, b + 16);
    data = b + 20;
    if (caplen > n - 20)
      goto short_block;
  } else { /* SPB: no timestamp, one interface (pcapng §4.4) */
    if (n < 4)
      goto short_block;
    ifid = 0;
    len = rd32(r, b);
    caplen = (uint32_t)(n - 4);
    if (len < caplen)
      caplen = len;
    data = b + 4;
  }
  if (ifid >= r->nifs) {
    pcap_seterr(r,
                "packet at offset %llu names interface %u, but only %zu "
                "are described",
                (unsigned long long)r->consumed, ifid, r->nifs);
    return -1;
  }
  if (type == BT_SPB && r->ifs[0].snaplen && caplen > r->ifs[0].snaplen)
    caplen = r->ifs[0].snaplen;
  p->linktype = r->ifs[ifid].linktype;
  p->ts_ns = type == BT_SPB ? 0 : pcapng_ns(&r->ifs[ifid], ts);
  p->caplen = caplen;
  p->wirelen = len < caplen ? caplen : len;
  p->data = data;
  p->frame = ++r->frame;
  return 1;
short_block:
  pcap_seterr(r, "packet block at offset %llu is shorter than its fields",
              (unsigned long long)r->consumed);
  return -1;
}

static int pcap_next_ng(struct ms_pcap_reader *r, struct ms_pcap_pkt *p) {
  for (;;) {
    long got = pcap_fill(r, 12);
    if (got < 0)
      return -1;
    if (got == 0)
      return 0;
    if (got < 12) {
      pcap_setwarn(r, "file truncated: partial block header at offset %llu",
                   (unsigned long long)r->consumed);
      return 0;
    }
    const unsigned char *h = r->buf + r->pos;
    uint32_t type = (uint32_t)h[0] | (uint32_t)h[1] << 8 |
                    (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    if (type == BT_SHB) { /* palindromic type; its body sets the order */
      got = pcap_fill(r, 16);
      if (got < 0)
        return -1;
      if (got < 16) {
        pcap_setwarn(r,
                     "file truncated: partial section header at offset "
                     "%llu",
                     (unsigned long long)r->consumed);
        return 0;
      }
      h = r->buf + r->pos;
      if (pcapng_shb(r, h) < 0)
        return -1;
    } else {
      type = rd32(r, h);
    }
    uint32_t blen = rd32(r, h + 4);
    if (blen < 12 || blen % 4 != 0 || blen > MS_PCAP_MAX_RECORD) {
      pcap_seterr(r, "block at offset %llu has a bad length %u: corrupt file",
                  (unsigned long long)r->consumed, blen);
      return -1;
    }
    got = pcap_fill(r, blen);
    if (got < 0)
      return -1;
    if ((size_t)got < blen) {
      pcap_setwarn(r,
                   "file truncated: block at offset %llu has %ld of %u "
                   "bytes",
                   (unsigned long long)r->consumed, got, blen);
      return 0;
    }
    const unsigned char *b = r->buf + r->pos + 8;
    size_t n = blen - 12;
    int rc = 0;
    if (type == BT_IDB)
      rc = pcapng_idb(r, b, n);
    else if (type == BT_EPB || type == BT_SPB || type == BT_PB)
      rc = pcapng_packet(r, type, b, n, p);
    if (rc < 0)
      return -1;
    pcap_skip(r, blen);
    if (rc == 1)
      return 1; /* DATA stays valid: the buffer only moves on the next fill */
  }
}

/* ---- public ------------------------------------------------------------ */

struct ms_pcap_reader *ms_pcap_open_fp(FILE *fp, const char *name, char *err,
                                       size_t errlen) {
  struct ms_pcap_reader *r = xcalloc(1, sizeof *r);
  r->fp = fp;
  r->name = xstrdup(name);
  r->cap = PCAP_BUFSZ;
  r->buf = xmalloc(r->cap);
  r->linktype = -1;
  long got = pcap_fill(r, 24);
  if (got < 24) {
    if (got >= 0)
      pcap_seterr(r, "%s",
                  got == 0 ? "empty file" : "too short for a capture file");
    goto fail;
  }
  const unsigned char *h = r->buf;
  if (h[0] == 0x0A && h[1] == 0x0D && h[2] == 0x0D && h[3] == 0x0A) {
    r->ng = true; /* blocks are read lazily, the SHB included */
    return r;
  }
  int rc = pcap_header(r, h);
  if (rc == -1)
    pcap_seterr(r, "not a pcap or pcapng file (magic %02x%02x%02x%02x)", h[0],
                h[1], h[2], h[3]);
  if (rc < 0)
    goto fail;
  pcap_skip(r, 24);
  return r;
fail:
  snprintf(err, errlen, "%s", r->err);
  r->fp = NULL;
  ms_pcap_close(r);
  return NULL;
}

struct ms_pcap_reader *ms_pcap_open(const char *path, char *err,
                                    size_t errlen) {
  bool std = strcmp(path, "-") == 0;
  FILE *fp = std ? stdin : fopen(path, "rb");
  if (!fp) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return NULL;
  }
  struct ms_pcap_reader *r = ms_pcap_open_fp(fp, path, err, errlen);
  if (!r) {
    if (!std)
      fclose(fp);
    return NULL;
  }
  r->own_fp = !std;
  return r;
}

int ms_pcap_next(struct ms_pcap_reader *r, struct ms_pcap_pkt *p) {
  if (r->err[0] || r->warn[0])
    return r->err[0] ? -1 : 0;
  return r->ng ? pcap_next_ng(r, p) : pcap_next_pcap(r, p);
}

const char *ms_pcap_format(const struct ms_pcap_reader *r) {
  return r->ng ? "pcapng" : "pcap";
}

int ms_pcap_first_linktype(const struct ms_pcap_reader *r) {
  return r->linktype;
}

const char *ms_pcap_error(const struct ms_pcap_reader *r) {
  return r->err[0] ? r->err : NULL;
}

const char *ms_pcap_warning(const struct ms_pcap_reader *r) {
  return r->warn[0] ? r->warn : NULL;
}

void ms_pcap_close(struct ms_pcap_reader *r) {
  if (!r)
    return;
  if (r->own_fp && r->fp)
    fclose(r->fp);
  free(r->buf);
  free(r->ifs);
  free(r->name);
  free(r);
}
