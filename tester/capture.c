/* capture: one live libpcap handle per test session (see capture.h).
 * pcap_create + immediate mode (since libpcap 1.5 Linux captures are not
 * immediate by default: short loopback sessions would sit in the ring
 * buffer), snaplen 262144 (65535 truncates on Linux lo, whose MTU is
 * 65536), a reader thread that copies packets into a bounded buffer; at
 * stop the packets of the session's connections are written with
 * pcap_dump. */
#include "capture.h"

#include <pcap/pcap.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linktype.h"
#include "util.h"

#define CAPTURE_SNAPLEN 262144
#define CAPTURE_TIMEOUT_MS 20
#define CAPTURE_DRAIN_IDLE 0.1 /* s without a packet: the kernel is empty */
#define CAPTURE_DRAIN_DONE                                                     \
  0.02                        /* the same once every connection has closed     \
                               */
#define CAPTURE_DRAIN_MAX 2.0 /* s at most spent draining */
#define CAPTURE_MAX_PORTS 64
#define CAPTURE_RING_BYTES (16 << 20)

struct cap_pkt {
  struct pcap_pkthdr h;
  size_t off; /* into data */
};

struct ms_capture {
  pcap_t *p;
  int dlt;
  unsigned server_port;
  pthread_t thread;
  pthread_mutex_t mu;
  bool running;       /* the thread is alive */
  volatile bool stop; /* ask the thread to end */
  double last_pkt;    /* ms_now() of the last packet */
  unsigned char *data;
  size_t len, cap, max;
  struct cap_pkt *pk;
  size_t npk, cappk;
  bool overflow;
  unsigned ports[CAPTURE_MAX_PORTS];
  unsigned char closed[CAPTURE_MAX_PORTS]; /* CAP_FIN_* bits per port */
  size_t nports;
  size_t scanned;   /* packets already looked at for FIN/RST */
  unsigned dropped; /* pcap_stats' ps_drop at stop: the ring overflowed */
};

/* How far a connection has closed, as seen in the capture. */
enum { CAP_FIN_CLIENT = 1, CAP_FIN_SERVER = 2, CAP_RST = 4 };

static void capture_cb(unsigned char *user, const struct pcap_pkthdr *h,
                       const unsigned char *bytes) {
  struct ms_capture *c = (struct ms_capture *)user;
  pthread_mutex_lock(&c->mu);
  c->last_pkt = ms_now();
  if (c->len + h->caplen > c->max) {
    c->overflow = true; /* bounded: the rest of the session is not kept */
  } else {
    if (c->len + h->caplen > c->cap) {
      size_t n = c->cap ? c->cap : 65536;
      while (n < c->len + h->caplen)
        n *= 2;
      c->data = xrealloc(c->data, n);
      c->cap = n;
    }
    memcpy(c->data + c->len, bytes, h->caplen);
    xgrow((void **)&c->pk, &c->cappk, c->npk, sizeof *c->pk);
    c->pk[c->npk++] = (struct cap_pkt){*h, c->len};
    c->len += h->caplen;
  }
  pthread_mutex_unlock(&c->mu);
}

static void *capture_main(void *arg) {
  struct ms_capture *c = arg;
  while (!c->stop) {
    int n = pcap_dispatch(c->p, -1, capture_cb, (unsigned char *)c);
    if (n == PCAP_ERROR || n == PCAP_ERROR_BREAK)
      break;
  }
  return NULL;
}

static int capture_filter(pcap_t *p, const char *expr, char *err,
                          size_t errlen) {
  struct bpf_program prog;
  if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
      pcap_setfilter(p, &prog) < 0) {
    snprintf(err, errlen, "capture filter \"%s\": %s", expr, pcap_geterr(p));
    return -1;
  }
  pcap_freecode(&prog);
  return 0;
}

pcap_t *ms_capture_open(const char *iface, const char *filter, int timeout_ms,
                        bool *perm, char *err, size_t errlen) {
  char ebuf[PCAP_ERRBUF_SIZE] = "";
  if (perm)
    *perm = false;
  pcap_t *p = pcap_create(iface, ebuf);
  if (!p) {
    snprintf(err, errlen, "capture on %s: %s", iface, ebuf);
    return NULL;
  }
  pcap_set_snaplen(p, CAPTURE_SNAPLEN); /* 65535 truncates on Linux lo */
  pcap_set_promisc(p, 0);
  pcap_set_timeout(p, timeout_ms);
  pcap_set_immediate_mode(p, 1);
  /* In immediate mode libpcap uses TPACKET_V2, one frame per packet
   * sized for lo's 64 KiB MTU: 4 MiB held only ~60 packets, and a reader
   * thread not scheduled for a while on a loaded machine lost the end of
   * a session.  16 MiB holds ~240; drops are counted anyway. */
  pcap_set_buffer_size(p, CAPTURE_RING_BYTES);
  int rc = pcap_activate(p);
  if (rc < 0) { /* > 0 is a warning (e.g. promiscuous mode unsupported) */
    if (perm)
      *perm = rc == PCAP_ERROR_PERM_DENIED;
    snprintf(err, errlen, "capture on %s: %s%s", iface,
             rc == PCAP_ERROR_PERM_DENIED
                 ? "no permission to capture (run as root or give the "
                   "binary CAP_NET_RAW): "
                 : "",
             pcap_geterr(p));
    pcap_close(p);
    return NULL;
  }
  if (capture_filter(p, filter, err, errlen) < 0) {
    pcap_close(p);
    return NULL;
  }
  return p;
}

struct ms_capture *ms_capture_start(const struct ms_capture_opts *o, bool *perm,
                                    char *err, size_t errlen) {
  if (perm)
    *perm = false;
  if (!o || o->server_port == 0 || o->server_port > 65535) {
    snprintf(err, errlen, "capture: no server port given");
    return NULL;
  }
  const char *iface = o->iface ? o->iface : "lo";
  char expr[256];
  if (o->server_addr && *o->server_addr)
    snprintf(expr, sizeof expr, "tcp port %u and host %s", o->server_port,
             o->server_addr);
  else
    snprintf(expr, sizeof expr, "tcp port %u", o->server_port);
  pcap_t *p =
      ms_capture_open(iface, expr, CAPTURE_TIMEOUT_MS, perm, err, errlen);
  if (!p)
    return NULL;
  struct ms_capture *c = xcalloc(1, sizeof *c);
  c->p = p;
  c->dlt = pcap_datalink(p);
  c->server_port = o->server_port;
  c->max = o->max_bytes ? o->max_bytes : 64u << 20;
  c->last_pkt = ms_now();
  pthread_mutex_init(&c->mu, NULL);
  if (pthread_create(&c->thread, NULL, capture_main, c) != 0) {
    snprintf(err, errlen, "capture: cannot start the reader thread");
    pthread_mutex_destroy(&c->mu);
    pcap_close(p);
    free(c);
    return NULL;
  }
  c->running = true;
  return c;
}

void ms_capture_add_client_port(struct ms_capture *c, unsigned port) {
  if (!c)
    return;
  pthread_mutex_lock(&c->mu);
  if (c->nports < CAPTURE_MAX_PORTS)
    c->ports[c->nports++] = port;
  pthread_mutex_unlock(&c->mu);
}

/* Is the packet one of the session's connections? */
static bool capture_keep(const struct ms_capture *c, const struct cap_pkt *k) {
  if (c->nports == 0)
    return true; /* no client port told: everything the filter let in */
  struct ms_tcpseg s;
  if (ms_link_decode(ms_link_from_dlt(c->dlt), c->data + k->off, k->h.caplen,
                     &s) != MS_LINK_TCP)
    return false;
  for (size_t i = 0; i < c->nports; i++)
    if ((s.sport == c->server_port && s.dport == c->ports[i]) ||
        (s.dport == c->server_port && s.sport == c->ports[i]))
      return true;
  return false;
}

/* Note the FINs and RSTs of the session's connections among the packets
 * not looked at yet.  Called with the mutex held. */
static void capture_scan(struct ms_capture *c) {
  for (; c->scanned < c->npk; c->scanned++) {
    const struct cap_pkt *k = &c->pk[c->scanned];
    struct ms_tcpseg sg;
    if (ms_link_decode(ms_link_from_dlt(c->dlt), c->data + k->off, k->h.caplen,
                       &sg) != MS_LINK_TCP)
      continue;
    for (size_t i = 0; i < c->nports; i++) {
      bool from_client = sg.sport == c->ports[i] && sg.dport == c->server_port;
      bool from_server = sg.dport == c->ports[i] && sg.sport == c->server_port;
      if (!from_client && !from_server)
        continue;
      if (sg.flags & 0x04) /* RST */
        c->closed[i] |= CAP_RST;
      if (sg.flags & 0x01) /* FIN */
        c->closed[i] |= from_client ? CAP_FIN_CLIENT : CAP_FIN_SERVER;
    }
  }
}

/* Every connection told has closed (both FINs, or a RST)? */
static bool capture_all_closed(const struct ms_capture *c) {
  if (c->nports == 0)
    return false;
  for (size_t i = 0; i < c->nports; i++)
    if (!(c->closed[i] & CAP_RST) &&
        (c->closed[i] & (CAP_FIN_CLIENT | CAP_FIN_SERVER)) !=
            (CAP_FIN_CLIENT | CAP_FIN_SERVER))
      return false;
  return true;
}

/* Let the kernel hand over what it still holds (the FIN/ACK exchange of
 * a session that just closed), then stop the thread.  "No packet for a
 * while" alone is not enough: on a loaded machine the reader thread may
 * not have run yet, so wait until every connection's close was seen
 * (then only a short idle for the last ACK), within a hard limit. */
static void capture_drain(struct ms_capture *c) {
  double start = ms_now();
  for (;;) {
    pthread_mutex_lock(&c->mu);
    double idle = ms_now() - c->last_pkt;
    capture_scan(c);
    bool closed = capture_all_closed(c);
    bool known = c->nports > 0;
    pthread_mutex_unlock(&c->mu);
    double need = closed ? CAPTURE_DRAIN_DONE : CAPTURE_DRAIN_IDLE;
    if ((idle >= need && (closed || !known)) ||
        ms_now() - start >= CAPTURE_DRAIN_MAX)
      break;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  c->stop = true;
  pcap_breakloop(c->p);
  pthread_join(c->thread, NULL);
  c->running = false;
  struct pcap_stat st;
  if (pcap_stats(c->p, &st) == 0)
    c->dropped = st.ps_drop;
}

static long capture_write(struct ms_capture *c, const char *path, char *err,
                          size_t errlen) {
  pcap_t *dead = pcap_open_dead(c->dlt, CAPTURE_SNAPLEN);
  pcap_dumper_t *d = dead ? pcap_dump_open(dead, path) : NULL;
  if (!d) {
    snprintf(err, errlen, "%s: %s", path,
             dead ? pcap_geterr(dead) : "cannot open");
    if (dead)
      pcap_close(dead);
    return -1;
  }
  long n = 0;
  for (size_t i = 0; i < c->npk; i++) {
    if (!capture_keep(c, &c->pk[i]))
      continue;
    pcap_dump((unsigned char *)d, &c->pk[i].h, c->data + c->pk[i].off);
    n++;
  }
  bool bad = pcap_dump_flush(d) != 0;
  pcap_dump_close(d);
  pcap_close(dead);
  if (bad) {
    snprintf(err, errlen, "%s: write error", path);
    return -1;
  }
  if (c->overflow)
    snprintf(err, errlen,
             "%s: the session exceeded the capture buffer; "
             "later packets are missing",
             path);
  else if (c->dropped)
    snprintf(err, errlen,
             "%s: incomplete: the kernel dropped %u packet%s "
             "(the capture thread was not scheduled in time)",
             path, c->dropped, c->dropped == 1 ? "" : "s");
  return n;
}

long ms_capture_stop(struct ms_capture *c, const char *path, char *err,
                     size_t errlen) {
  if (!c) {
    snprintf(err, errlen, "capture: not started");
    return -1;
  }
  if (err && errlen)
    err[0] = '\0';
  if (c->running)
    capture_drain(c);
  long n = path ? capture_write(c, path, err, errlen) : 0;
  pcap_close(c->p);
  pthread_mutex_destroy(&c->mu);
  free(c->data);
  free(c->pk);
  free(c);
  return n;
}
