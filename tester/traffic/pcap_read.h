/* pcap_read: a small reader of capture files of our own (no libpcap), so
 * that pcapng files whose interfaces have different link types (which
 * libpcap 1.10 refuses: one pcap_datalink() per handle) are read too, and
 * every packet carries its own link type.  Formats:
 *  - pcap: both byte orders, microsecond (a1b2c3d4) and nanosecond
 *    (a1b23c4d) magic;
 *  - pcapng: several sections (each with its own byte order), interfaces
 *    with if_tsresol/if_tsoffset, EPB, SPB and the obsolete PB; other
 *    blocks are skipped.
 * A file cut short ends with a warning (the packets before it are kept);
 * a record that cannot be right (length over the hard limit, unknown
 * interface) is an error naming the file offset. */
#ifndef MS_PCAP_READ_H
#define MS_PCAP_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Largest record accepted (pcapng's own reader limit is 16 MiB). */
#define MS_PCAP_MAX_RECORD (16u * 1024 * 1024)

struct ms_pcap_pkt {
  int linktype;              /* LINKTYPE_* of the packet's interface */
  uint64_t ts_ns;            /* nanoseconds since the epoch */
  uint32_t caplen;           /* bytes present in DATA */
  uint32_t wirelen;          /* bytes the packet had on the wire */
  const unsigned char *data; /* valid until the next ms_pcap_next() */
  uint64_t frame;            /* 1-based packet number, as Wireshark counts */
};

struct ms_pcap_reader;

/* Open PATH ("-" is stdin).  NULL with ERR on failure. */
struct ms_pcap_reader *ms_pcap_open(const char *path, char *err, size_t errlen);
/* Read from an open FILE (not closed by ms_pcap_close()); NAME is used in
 * messages. */
struct ms_pcap_reader *ms_pcap_open_fp(FILE *fp, const char *name, char *err,
                                       size_t errlen);
/* Next packet: 1, 0 at the end (see ms_pcap_warning()), -1 on an error
 * (see ms_pcap_error()). */
int ms_pcap_next(struct ms_pcap_reader *r, struct ms_pcap_pkt *p);
/* "pcap" or "pcapng". */
const char *ms_pcap_format(const struct ms_pcap_reader *r);
/* The link type of the first interface (pcap: the file's), -1 if none. */
int ms_pcap_first_linktype(const struct ms_pcap_reader *r);
/* The message of the last error, or of the warning that ended the file
 * (truncation), or NULL. */
const char *ms_pcap_error(const struct ms_pcap_reader *r);
const char *ms_pcap_warning(const struct ms_pcap_reader *r);
void ms_pcap_close(struct ms_pcap_reader *r);

#endif
