/* import: capture files (or live packets) to one transcript per SMTP or
 * POP3 session.  Sessions are recognised by port (25, 587, 2525, 110 and
 * --port N) or, on other ports, from their first lines; the bytes of
 * anything else are dropped as soon as that is clear. */
#include "import_int.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "linktype.h"
#include "pcap_read.h"
#include "util.h"

#define DETECT_MAX                                                             \
  1024 /* bytes looked at before calling a session not mail                    \
        */

static const uint16_t mail_ports[] = {25, 587, 2525, 110};
static const uint16_t tls_ports[] = {465, 995};

bool ms_import_mail_port(uint16_t p) {
  for (size_t i = 0; i < sizeof mail_ports / sizeof mail_ports[0]; i++)
    if (mail_ports[i] == p)
      return true;
  return false;
}

static bool imp_tls_port(uint16_t p) {
  return p == tls_ports[0] || p == tls_ports[1];
}

static bool imp_user_port(const struct ms_importer *im, uint16_t p) {
  for (size_t i = 0; i < im->o.nports; i++)
    if (im->o.ports[i] == p)
      return true;
  return false;
}

/* ---- recognising SMTP and POP3 ------------------------------------------ */

/* What the first line of one side says.  Greeting-shaped bytes are not
 * enough: the client's side must speak the protocol too (an FTP server
 * greets with 220, Redis answers +OK). */
enum det_kind {
  DK_WAIT,        /* no complete line yet: more bytes may tell */
  DK_EMPTY,       /* nothing sent */
  DK_JUNK,        /* bytes that are no text line */
  DK_TEXT,        /* a text line of some other protocol */
  DK_SMTP_GREET,  /* 220/421/554 */
  DK_SMTP_REPLY,  /* another SMTP reply (a capture begun mid-session) */
  DK_POP3_STATUS, /* +OK / -ERR */
  DK_SMTP_CMD,    /* a command of SMTP only */
  DK_POP3_CMD,    /* a command of POP3 only */
  DK_BOTH_CMD     /* QUIT, NOOP, RSET, AUTH: either */
};

static bool det_server(enum det_kind k) {
  return k == DK_SMTP_GREET || k == DK_SMTP_REPLY || k == DK_POP3_STATUS;
}

static bool det_client(enum det_kind k) {
  return k == DK_SMTP_CMD || k == DK_POP3_CMD || k == DK_BOTH_CMD;
}

/* The protocol a kind names: 0 SMTP, 1 POP3, -1 none or either. */
static int det_proto(enum det_kind k) {
  if (k == DK_SMTP_GREET || k == DK_SMTP_REPLY || k == DK_SMTP_CMD)
    return MS_PROTO_SMTP;
  if (k == DK_POP3_STATUS || k == DK_POP3_CMD)
    return MS_PROTO_POP3;
  return -1;
}

static enum det_kind det_line_kind(const char *t) {
  if (ms_smtp_greeting_line(t))
    return DK_SMTP_GREET;
  if (ms_smtp_reply_line(t))
    return DK_SMTP_REPLY;
  if (ms_pop3_status_line(t))
    return DK_POP3_STATUS;
  bool smtp = ms_smtp_known_command(t), pop3 = ms_pop3_known_command(t);
  if (smtp && pop3)
    return DK_BOTH_CMD;
  return smtp ? DK_SMTP_CMD : pop3 ? DK_POP3_CMD : DK_TEXT;
}

/* The kind of one side from its first bytes P[0..N). */
static enum det_kind det_side(const unsigned char *p, size_t n, bool final) {
  if (n == 0)
    return DK_EMPTY;
  const unsigned char *lf = memchr(p, '\n', n < DETECT_MAX ? n : DETECT_MAX);
  if (!lf && n < DETECT_MAX && !final)
    return DK_WAIT;
  size_t k = lf ? (size_t)(lf - p) : (n < DETECT_MAX ? n : DETECT_MAX);
  if (k && p[k - 1] == '\r')
    k--;
  char t[DETECT_MAX + 1];
  for (size_t i = 0; i < k; i++)
    if ((p[i] < 0x20 && p[i] != '\t') || p[i] >= 0x7F)
      return DK_JUNK;
  memcpy(t, p, k);
  t[k] = '\0';
  return k ? det_line_kind(t) : DK_TEXT;
}

/* The first line of P[0..N) as text in T (CAP bytes): its length, or -1
 * when it is not complete. */
static long det_first_line(const unsigned char *p, size_t n, char *t,
                           size_t cap) {
  const unsigned char *lf = memchr(p, '\n', n < DETECT_MAX ? n : DETECT_MAX);
  if (!lf)
    return -1;
  size_t k = (size_t)(lf - p);
  if (k && p[k - 1] == '\r')
    k--;
  if (k >= cap)
    k = cap - 1;
  memcpy(t, p, k);
  t[k] = '\0';
  return (long)(lf - p) + 1;
}

/* SMTP off the mail ports, when the client's first command is a verb of
 * both protocols (QUIT, NOOP, RSET, AUTH: FTP has QUIT and AUTH too):
 * does the server's reply after its greeting fit that command (RFC 5321
 * §4.3.2; FTP answers AUTH TLS with 234)?  1 yes, 0 no, -1 not yet. */
static int det_smtp_reply_fits(const unsigned char *c, size_t nc,
                               const unsigned char *s, size_t ns, bool final) {
  char cmd[128], line[128];
  if (det_first_line(c, nc, cmd, sizeof cmd) < 0)
    return final ? 0 : -1;
  size_t off = 0;
  char code[4] = "";
  for (;;) { /* step over the greeting's lines ("220-", then "220 ") */
    long k = det_first_line(s + off, ns - off, line, sizeof line);
    if (k < 0)
      return final ? 0 : -1;
    off += (size_t)k;
    if (!code[0]) {
      memcpy(code, line, 3);
      code[3] = '\0';
    }
    if (!(strncmp(line, code, 3) == 0 && line[3] == '-'))
      break;
  }
  long k = det_first_line(s + off, ns - off, line, sizeof line);
  if (k < 0)
    return final ? 0 : -1;
  return ms_smtp_reply_line(line) && ms_smtp_reply_fits(cmd, atoi(line));
}

int ms_import_detect(const unsigned char *c2s, size_t nc,
                     const unsigned char *s2c, size_t ns, bool final,
                     int port_proto, enum ms_protocol *proto, bool *swap) {
  enum det_kind a = det_side(c2s, nc, final), b = det_side(s2c, ns, final);
  /* which side is the server: the one that replies, else the other one
   * of the side that commands */
  bool server_a = det_server(a) || det_client(b);
  if ((det_server(a) && det_server(b)) || (det_client(a) && det_client(b)))
    return 0;
  enum det_kind srv = server_a ? a : b, cli = server_a ? b : a;
  if (srv == DK_WAIT || cli == DK_WAIT)
    return -1;
  if (!final && (srv == DK_EMPTY || cli == DK_EMPTY))
    return cli == DK_TEXT ? 0 : -1; /* what the silent side says decides */
  int ps = det_proto(srv), pc = det_proto(cli), p;
  if (det_server(srv) && det_client(cli)) { /* both speak: they must agree */
    if (ps >= 0 && pc >= 0 && ps != pc)
      return 0;
    if (pc < 0 && port_proto < 0) { /* QUIT, AUTH TLS may be FTP's */
      if (ps != MS_PROTO_SMTP)
        return 0;
      int fits = server_a ? det_smtp_reply_fits(s2c, ns, c2s, nc, final)
                          : det_smtp_reply_fits(c2s, nc, s2c, ns, final);
      if (fits <= 0)
        return fits;
    }
    p = ps;
  } else if (det_server(srv) && (cli == DK_EMPTY || cli == DK_JUNK)) {
    /* The client said nothing, or nothing of any text protocol: only a
     * mail port makes the server's side enough. */
    if (port_proto < 0)
      return 0;
    p = ps;
  } else if (det_client(cli) && srv == DK_EMPTY) { /* the server is silent */
    if (!final)
      return -1;
    p = pc >= 0 ? pc : port_proto;
    if (p < 0)
      return 0;
  } else if (det_client(cli) && (srv == DK_TEXT || srv == DK_JUNK) &&
             port_proto >= 0 && (pc < 0 || pc == port_proto)) {
    p = port_proto; /* begun mid-session: the server's side mid-reply */
  } else {
    return 0; /* neither side speaks SMTP or POP3 */
  }
  *proto = (enum ms_protocol)p;
  *swap = server_a;
  return 1;
}

/* ---- reassembler callbacks ------------------------------------------------
 */

static void *imp_open(void *ctx, const struct ms_conn_info *ci) {
  struct ms_importer *im = ctx;
  struct isess *x = xcalloc(1, sizeof *x);
  x->im = im;
  x->s.ci = *ci;
  x->s.timed = im->origin_set;
  x->s.origin_ns = im->origin_ns;
  size_t max = im->o.max_session_bytes ? im->o.max_session_bytes : 64u << 20;
  ms_imp_dir_init(&x->s.d[0], max);
  ms_imp_dir_init(&x->s.d[1], max);
  im->n.sessions++;
  uint16_t cp = ci->port[MS_DIR_C2S], sp = ci->port[MS_DIR_S2C];
  x->state = SS_UNDECIDED;
  if (imp_tls_port(sp) || imp_tls_port(cp)) {
    x->tls_port = true;
    x->state = SS_IGNORE;
  } else if (ms_import_mail_port(sp) || imp_user_port(im, sp) ||
             ms_import_mail_port(cp) || imp_user_port(im, cp)) {
    x->by_port = true; /* the port names a protocol; the content decides */
    x->s.proto = (sp == 110 || cp == 110) ? MS_PROTO_POP3 : MS_PROTO_SMTP;
  }
  return x;
}

/* Decide, once the first lines tell (or the session ended): mail, with
 * its protocol and roles, or not (its bytes are dropped at once). */
static void imp_detect(struct isess *x, bool final) {
  enum ms_protocol proto;
  bool swap = false;
  const struct ms_imp_dir *c = &x->s.d[0], *s = &x->s.d[1];
  int rc = ms_import_detect(c->p, c->len, s->p, s->len, final,
                            x->by_port ? (int)x->s.proto : -1, &proto, &swap);
  if (rc < 0)
    return;
  if (rc == 0) {
    x->state = SS_IGNORE;
    x->im->kept -= x->s.d[0].len + x->s.d[1].len;
    ms_imp_dir_free(&x->s.d[0]);
    ms_imp_dir_free(&x->s.d[1]);
    return;
  }
  x->state = SS_MAIL;
  x->s.proto = proto;
  if (swap)
    ms_imp_session_swap(&x->s);
}

/* Room left under max_stored_bytes for N more bytes.  Sessions queued for
 * the writer count until written; before refusing bytes, wait for them,
 * so that what is kept never depends on how far the writer got. */
static size_t imp_room(struct ms_importer *im, size_t n) {
  size_t max = im->o.max_stored_bytes ? im->o.max_stored_bytes : 1u << 30;
  size_t stored =
      im->kept - atomic_load_explicit(&im->freed, memory_order_relaxed);
  if (n > (stored < max ? max - stored : 0)) {
    ms_import_writer_drain(im);
    stored = im->kept - atomic_load_explicit(&im->freed, memory_order_relaxed);
  }
  return stored < max ? max - stored : 0;
}

static void imp_data(void *user, int dir, const unsigned char *p, size_t n,
                     uint64_t frame, uint64_t ts) {
  struct isess *x = user;
  if (x->state == SS_IGNORE)
    return;
  struct ms_importer *im = x->im;
  struct ms_imp_dir *d = &x->s.d[x->s.swapped ? 1 - dir : dir];
  size_t room = imp_room(im, n);
  if (n > room) { /* all sessions together hold too much: this one stops */
    d->dropped += n - room;
    n = room;
  }
  size_t before = d->len;
  ms_imp_dir_add_ts(d, p, n, frame, ts);
  im->kept += d->len - before;
  if (x->state == SS_UNDECIDED)
    imp_detect(x, false);
}

static void imp_gap(void *user, int dir, uint64_t len, uint64_t frame,
                    const char *why) {
  struct isess *x = user;
  if (x->state == SS_IGNORE)
    return;
  ms_imp_dir_gap(&x->s.d[x->s.swapped ? 1 - dir : dir], len, frame, why);
}

/* Retransmitted bytes against what was kept (only while the store's
 * offsets are the stream's: no gap, nothing dropped). */
static int imp_compare(void *user, int dir, uint64_t off,
                       const unsigned char *p, size_t n) {
  struct isess *x = user;
  if (x->state == SS_IGNORE)
    return -1;
  const struct ms_imp_dir *d = &x->s.d[x->s.swapped ? 1 - dir : dir];
  if (d->ngaps || d->dropped || off + n > d->len)
    return -1;
  int differ = 0;
  for (size_t i = 0; i < n; i++)
    differ += d->p[off + i] != p[i];
  return differ;
}

static void imp_close(void *user, const char *why, uint64_t frame,
                      const struct ms_reasm_stats *st) {
  struct isess *x = user;
  struct ms_importer *im = x->im;
  x->s.close_why = why;
  x->s.close_frame = frame;
  x->s.st = *st;
  if (x->s.swapped) { /* the reassembler's directions, ours reversed */
    x->s.st.dir_segments[0] = st->dir_segments[1];
    x->s.st.dir_segments[1] = st->dir_segments[0];
  }
  bool empty =
      x->s.d[0].len + x->s.d[0].ngaps + x->s.d[1].len + x->s.d[1].ngaps == 0;
  if (x->state == SS_UNDECIDED && !empty)
    imp_detect(x, true);
  if (x->s.d[0].dropped || x->s.d[1].dropped)
    im->n.over_limit++;
  if (x->tls_port)
    im->n.tls_only++;
  else if (x->state == SS_IGNORE) /* its bytes were dropped on deciding */
    im->n.not_mail++;
  else if (empty)
    im->n.empty++;
  else if (x->state != SS_MAIL)
    im->n.not_mail++;
  else {
    ms_import_writer_submit(im, x); /* X is the writer's now */
    return;
  }
  ms_import_writer_release(im, x);
}

/* ---- captures
 * ------------------------------------------------------------------ */

static void imp_set_base(struct ms_importer *im, const char *name) {
  const char *b = strrchr(name, '/');
  b = b ? b + 1 : name;
  if (strcmp(name, "-") == 0)
    b = "stdin";
  char *base = xstrdup(*b ? b : "capture");
  static const char *const ext[] = {".pcapng", ".pcap", ".cap", ".dmp"};
  for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
    size_t n = strlen(base), k = strlen(ext[i]);
    if (n > k && strcmp(base + n - k, ext[i]) == 0) {
      base[n - k] = '\0';
      break;
    }
  }
  for (char *p = base; *p; p++)
    if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7F)
      *p = '_';
  /* two captures with the same name in one run must not overwrite */
  char *unique = xstrdup(base);
  for (int k = 2;; k++) {
    bool used = false;
    for (size_t i = 0; i < im->nbases; i++)
      used = used || strcmp(im->bases[i], unique) == 0;
    if (!used)
      break;
    free(unique);
    unique = xasprintf("%s-%d", base, k);
  }
  free(base);
  xgrow((void **)&im->bases, &im->capbases, im->nbases, sizeof *im->bases);
  im->bases[im->nbases++] = xstrdup(unique);
  free(im->base);
  im->base = unique;
}

void ms_importer_begin(struct ms_importer *im, const char *name,
                       const char *iface) {
  free(im->capture);
  free(im->iface);
  im->capture = iface ? NULL : xstrdup(name);
  im->iface = iface ? xstrdup(iface) : NULL;
  imp_set_base(im, name);
  im->origin_set = false; /* each capture file counts from its own start */
  struct ms_reasm_limits lim = im->o.limits;
  struct ms_reasm_limits def = MS_REASM_LIMITS_DEFAULT;
  if (!lim.window)
    lim = def;
  lim.server_ports = im->sports;
  lim.nserver_ports = im->nsports;
  struct ms_reasm_cb cb = {im,      imp_open,    imp_data,
                           imp_gap, imp_compare, imp_close};
  im->r = ms_reasm_new(&lim, &cb);
  im->nunknown_lt = 0;
}

static void imp_unknown_lt(struct ms_importer *im, int lt) {
  for (size_t i = 0; i < im->nunknown_lt; i++)
    if (im->unknown_lt[i] == (unsigned long long)lt)
      return;
  if (im->nunknown_lt < sizeof im->unknown_lt / sizeof im->unknown_lt[0])
    im->unknown_lt[im->nunknown_lt++] = (unsigned long long)lt;
  char name[32];
  ms_import_writer_drain(im);
  ms_import_msg(im,
                "%s: link type %s is not supported (supported: EN10MB with "
                "VLAN tags, LINUX_SLL, LINUX_SLL2, NULL, LOOP, RAW, IPV4, "
                "IPV6); its packets are skipped",
                im->capture ? im->capture : im->iface,
                ms_link_name(lt, name, sizeof name));
}

void ms_importer_packet(struct ms_importer *im, int lt, const unsigned char *p,
                        uint32_t caplen, uint64_t frame, uint64_t ts_ns) {
  struct ms_tcpseg seg;
  im->n.packets++;
  im->n.bytes += caplen;
  if (!im->origin_set)
    ms_importer_origin(im, ts_ns);
  switch (ms_link_decode(lt, p, caplen, &seg)) {
  case MS_LINK_TCP:
    im->n.tcp_packets++;
    ms_reasm_segment(im->r, &seg, frame, ts_ns);
    break;
  case MS_LINK_FRAGMENT:
    im->n.fragments++;
    break;
  case MS_LINK_SHORT:
  case MS_LINK_BAD:
    im->n.undecodable++;
    break;
  case MS_LINK_UNKNOWN:
    im->n.undecodable++;
    imp_unknown_lt(im, lt);
    break;
  case MS_LINK_OTHER:
    break;
  }
}

void ms_importer_origin(struct ms_importer *im, uint64_t ts_ns) {
  im->origin_ns = ts_ns;
  im->origin_set = true;
}

void ms_importer_end(struct ms_importer *im) {
  if (!im->r)
    return;
  ms_reasm_finish(im->r, 0);
  ms_reasm_free(im->r);
  im->r = NULL;
  ms_import_writer_drain(im);
}

int ms_importer_file(struct ms_importer *im, const char *path) {
  char err[512];
  struct ms_pcap_reader *rd = ms_pcap_open(path, err, sizeof err);
  if (!rd) {
    ms_import_writer_drain(im);
    ms_import_msg(im, "%s", err);
    im->errors = true;
    return -1;
  }
  uint64_t before_tcp = im->n.tcp_packets, before_pk = im->n.packets;
  ms_importer_begin(im, path, NULL);
  struct ms_pcap_pkt pk;
  int rc;
  while ((rc = ms_pcap_next(rd, &pk)) == 1)
    ms_importer_packet(im, pk.linktype, pk.data, pk.caplen, pk.frame, pk.ts_ns);
  if (rc < 0 || ms_pcap_warning(rd))
    ms_import_writer_drain(im);
  if (rc < 0)
    ms_import_msg(im, "%s (the sessions read so far are kept)",
                  ms_pcap_error(rd));
  else if (ms_pcap_warning(rd))
    ms_import_msg(im, "%s (the sessions read so far are kept)",
                  ms_pcap_warning(rd));
  ms_importer_end(im);
  if (im->n.packets > before_pk && im->n.tcp_packets == before_tcp &&
      im->nunknown_lt > 0) {
    ms_import_msg(im, "%s: no packet could be decoded", path);
    rc = -1;
  }
  ms_pcap_close(rd);
  if (rc < 0)
    im->errors = true;
  return rc < 0 ? -1 : 0;
}

/* ---- lifetime
 * ----------------------------------------------------------------- */

struct ms_importer *ms_importer_new(const struct ms_import_opts *o) {
  struct ms_importer *im = xcalloc(1, sizeof *im);
  im->o = *o;
  atomic_init(&im->freed, 0);
  ms_import_writer_init(im);
  size_t np = sizeof mail_ports / sizeof mail_ports[0];
  im->sports = xmalloc((np + 2 + o->nports) * sizeof *im->sports);
  for (size_t i = 0; i < np; i++)
    im->sports[im->nsports++] = mail_ports[i];
  im->sports[im->nsports++] = tls_ports[0];
  im->sports[im->nsports++] = tls_ports[1];
  for (size_t i = 0; i < o->nports; i++)
    im->sports[im->nsports++] = o->ports[i];
  return im;
}

const struct ms_import_counts *
ms_importer_counts(const struct ms_importer *im) {
  return &im->n;
}

void ms_importer_free(struct ms_importer *im) {
  if (!im)
    return;
  ms_importer_end(im);
  ms_import_writer_free(im);
  for (size_t i = 0; i < im->nbases; i++)
    free(im->bases[i]);
  free(im->bases);
  free(im->base);
  free(im->capture);
  free(im->iface);
  free(im->sports);
  free(im);
}
