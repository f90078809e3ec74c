/* import: captured TCP sessions to transcripts.
 *
 *   pcap_read -> linktype -> tcp_reasm -> session store (import_session.c)
 *   -> framing (import_smtp.c / import_pop3.c: units) -> layout
 *   -> transcript_write.c (YAML) -> one file per session.
 *
 * A session's bytes are kept until it ends (FIN, RST, idle, end of the
 * capture), then framed and written: by a writer thread while a capture
 * file is read on (import.c), inline when live, so `record` writes each
 * transcript as its session ends.  Everything between the store and the
 * YAML text is pure and is tested without any capture file. */
#ifndef MS_IMPORT_H
#define MS_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mailspec/transcript.h"
#include "tcp_reasm.h"

/* ---- one direction of one session --------------------------------------- */

struct ms_imp_mark { /* bytes from OFF on arrived with packet FRAME */
  uint64_t off, frame;
  uint64_t ts_ns; /* that packet's capture time (0: unknown) */
};
struct ms_imp_gap { /* LEN bytes missing before stored offset OFF */
  uint64_t off, len, frame;
  const char *why; /* static text */
};
struct ms_imp_dir {
  unsigned char *p; /* delivered bytes, gaps left out */
  size_t len, cap;
  size_t max;       /* store no more than this; the rest is counted */
  uint64_t dropped; /* bytes over MAX */
  struct ms_imp_mark *marks;
  size_t nmarks, capmarks;
  struct ms_imp_gap *gaps;
  size_t ngaps, capgaps;
};

struct ms_imp_session {
  struct ms_conn_info ci;
  struct ms_imp_dir d[2]; /* MS_DIR_C2S, MS_DIR_S2C */
  enum ms_protocol proto;
  bool swapped; /* roles reversed after looking at the bytes */
  const char *close_why;
  uint64_t close_frame;
  struct ms_reasm_stats st;
  /* Timing (replay --pace): the capture's origin, the time its sessions'
   * at: counts from; TIMED false when the packets carry no time to trust
   * (a session built by hand) and no timing is written. */
  bool timed;
  uint64_t origin_ns;
};

void ms_imp_dir_init(struct ms_imp_dir *d, size_t max);
void ms_imp_dir_free(struct ms_imp_dir *d);
void ms_imp_dir_add(struct ms_imp_dir *d, const unsigned char *p, size_t n,
                    uint64_t frame);
/* The same with the packet's capture time TS_NS. */
void ms_imp_dir_add_ts(struct ms_imp_dir *d, const unsigned char *p, size_t n,
                       uint64_t frame, uint64_t ts_ns);
/* The capture time of the packet that delivered the byte at offset OFF
 * (0 when unknown). */
uint64_t ms_imp_dir_ts(const struct ms_imp_dir *d, uint64_t off);
void ms_imp_dir_gap(struct ms_imp_dir *d, uint64_t len, uint64_t frame,
                    const char *why);
/* The frame that delivered the byte before offset END (END > 0). */
uint64_t ms_imp_dir_frame(const struct ms_imp_dir *d, uint64_t end);
/* Exchange the two directions (client and server were guessed wrong). */
void ms_imp_session_swap(struct ms_imp_session *s);
void ms_imp_session_free(struct ms_imp_session *s);

/* ---- framing: units ------------------------------------------------------ */

enum ms_unit_kind {
  MS_U_LINE,  /* client: a command line with its line end */
  MS_U_DATA,  /* client: mail data after DATA, through the "." line */
  MS_U_CHUNK, /* client: BDAT chunk octets (RFC 3030) */
  MS_U_SASL,  /* client: an AUTH continuation line (RFC 4954, 5034) */
  MS_U_REPLY, /* server: one reply (all its lines) */
  MS_U_GAP,   /* either: bytes missing from the capture */
  MS_U_TLS,   /* STARTTLS/STLS accepted: the rest is opaque */
  MS_U_REST   /* either: bytes left unread (after TLS, over the limit) */
};

struct ms_unit {
  enum ms_unit_kind kind;
  int dir;
  uint64_t off, len; /* in the direction's store */
  uint64_t frame;    /* packet that completed it */
  bool expects;      /* client: a reply answers it */
  long answers;      /* REPLY: index of the client unit it answers, or -1 */
  int code;          /* REPLY: SMTP code or MS_POP3_*, 0 unreadable */
  bool complete;     /* ends with its terminator (line end, ".", count) */
  bool multiline;    /* REPLY: several lines / POP3 multi-line form */
  size_t red_off, red_len; /* client: secret bytes within the unit */
  uint64_t gap_len;        /* GAP */
  const char *why;         /* GAP, REST: static text */
};

struct ms_frames {
  struct ms_unit *u;
  size_t n, cap;
  size_t nsecrets; /* client units carrying secrets */
  bool tls;        /* stopped at STARTTLS/STLS */
  uint64_t tls_frame;
  bool one_sided; /* a direction is absent from the capture */
  bool pipelined; /* the client sent a command before the reply due */
  size_t ngaps;
  uint64_t gap_bytes;
};

void ms_frames_free(struct ms_frames *f);
struct ms_unit *ms_frames_add(struct ms_frames *f, enum ms_unit_kind kind,
                              int dir);

/* Recognise the protocol from the first line of each side: 1 and sets
 * *PROTO and *SWAP (the directions are reversed), 0 if not mail, -1 if
 * undecided yet (a side may still say more; FINAL: the session ended).
 * Both sides must speak the protocol; one that said nothing (or nothing
 * of any text protocol) is enough only on a mail port, PORT_PROTO (the
 * protocol the port names, -1 for any other port). */
int ms_import_detect(const unsigned char *c2s, size_t nc,
                     const unsigned char *s2c, size_t ns, bool final,
                     int port_proto, enum ms_protocol *proto, bool *swap);

/* Frame a session into units, in order of the conversation (client and
 * server interleaved by the packets that completed them, a reply never
 * before what it answers); import_frame.c. */
void ms_import_frame(const struct ms_imp_session *s, struct ms_frames *out);
/* Protocol framers behind ms_import_frame (units per direction, in order,
 * REPLY.answers filled); import_frame.c lays them out. */
void ms_import_smtp(const struct ms_imp_session *s, bool greeting,
                    struct ms_frames *out);
void ms_import_pop3(const struct ms_imp_session *s, bool greeting,
                    struct ms_frames *out);

/* ---- framing helpers shared by the two protocols (import_framer.c;
 * ms_frames_* import_session.c) ----- */

/* Read one client line from *POS (stops at a gap): returns its length
 * (0 at the end or at a gap) and whether it ends with LF. */
size_t ms_imp_line(const struct ms_imp_dir *d, uint64_t pos, uint64_t *gapi,
                   bool *complete);
/* Offset of the next gap at or after POS (index *GAPI advanced), or the
 * store length if none. */
uint64_t ms_imp_next_gap(const struct ms_imp_dir *d, uint64_t pos,
                         size_t *gapi);

/* The framing state both protocols share: a client cursor, the FIFO of
 * client units that expect a reply, and lazy reply framing (POP3 needs
 * the command to know whether its reply is multi-line, RFC 1939 §3).
 * Unit references are indices into F->u (it moves when it grows). */
struct ms_reader;
struct ms_framer {
  const struct ms_imp_session *s;
  struct ms_frames *f;
  enum ms_protocol proto;
  uint64_t cpos;  /* client cursor */
  size_t cgap;    /* next client gap */
  size_t *exp;    /* client units expecting a reply, in order */
  bool *expmulti; /* POP3: its +OK reply is multi-line */
  size_t nexp, capexp, capmulti;
  size_t *rep; /* reply units, in order (the greeting first) */
  size_t nrep, caprep;
  uint64_t spos; /* server cursor */
  size_t sgap;
  struct ms_reader *rd;
  bool greeting;    /* the first reply is a greeting, not an answer */
  bool server_done; /* no more replies: end of stream or TLS */
};

/* GREETING: the first reply is the server's greeting, not an answer. */
void ms_framer_init(struct ms_framer *fr, const struct ms_imp_session *s,
                    struct ms_frames *f, enum ms_protocol proto, bool greeting);
void ms_framer_free(struct ms_framer *fr);
/* At a client gap: add the GAP unit, step over it, return true. */
bool ms_framer_client_gap(struct ms_framer *fr);
/* Add a client unit of KIND for the next LEN bytes; returns its index. */
size_t ms_framer_client(struct ms_framer *fr, enum ms_unit_kind kind,
                        size_t len, bool complete);
/* Client unit IDX expects a reply (MULTI: POP3 multi-line if +OK).
 * Returns the expectation's number. */
size_t ms_framer_expect(struct ms_framer *fr, size_t idx, bool multi);
/* The reply unit answering expectation E, framing server bytes as
 * needed; -1 if the capture holds none. */
long ms_framer_reply(struct ms_framer *fr, size_t e);
/* Frame the remaining replies. */
void ms_framer_drain(struct ms_framer *fr);
/* STARTTLS/STLS was accepted by reply unit R (-1: no reply in the
 * capture, the client's bytes tell; FRAME is then the command's): the
 * rest of both streams is opaque. */
void ms_framer_tls(struct ms_framer *fr, long r, uint64_t frame);
/* Secrets are found by position in the protocol (ms_proto_*): the part
 * of command IDX that carries one (AUTH's initial response, PASS,
 * APOP's digest), and every SASL response from AUTH to the final reply,
 * whatever the mechanism. */
void ms_framer_command_secret(struct ms_framer *fr, size_t idx);
/* Client unit IDX is a SASL response: all of it is secret ("*" and "="
 * carry nothing). */
void ms_framer_sasl_secret(struct ms_framer *fr, size_t idx);
/* In a SASL exchange, after the client unit of expectation E: is the
 * next client line a SASL response?  Its reply tells (334, POP3 "+");
 * after a final reply, or when the capture lacks a readable one, a line
 * that is no command of the protocol still is (never in clear). */
bool ms_framer_sasl_next(struct ms_framer *fr, size_t e);
/* STARTTLS/STLS accepted by reply R (-1: not captured): does TLS follow?
 * Only when the next bytes (the client's, else the server's after R)
 * are a TLS record, or nothing follows.  A decrypted capture, or a
 * client that goes on in plaintext, is framed on as commands. */
bool ms_framer_tls_follows(struct ms_framer *fr, long r);
/* The client bytes LEN at the cursor (no copy). */
const unsigned char *ms_framer_cbytes(const struct ms_framer *fr);
/* Length of the client line at the cursor (0: none before a gap/end). */
size_t ms_framer_cline(struct ms_framer *fr, bool *complete);
/* Is there nothing left on the client side? */
bool ms_framer_cdone(const struct ms_framer *fr);

/* ---- writing ------------------------------------------------------------- */

struct ms_write_opts {
  const char *capture;     /* file name for source:, NULL: live */
  const char *iface;       /* live capture interface */
  enum ms_convention conv; /* MS_CONV_RFC5321 (default) or RFC821 */
  bool keep_secrets;
  bool allow_gaps;
  bool force_steps; /* always the steps: form */
  /* replay: secrets are named ${secretN<suffix>} (unique in a run), their
   * values handed back (SECRET_VALUES), and the packet of each line */
  const char *secret_suffix;
  bool secret_values;
  bool line_frames;
};

/* What ms_transcript_write() tells besides the text. */
struct ms_write_result {
  bool steps;       /* the steps: form had to be used */
  bool cut;         /* cut to fit the loader's limits */
  uint64_t *frames; /* line_frames: frames[L - 1], the packet that line
                       L came from; 0 for the header */
  size_t nlines;
  struct ms_var *secrets; /* secret_values: each ${name} and the captured
                             value it stands for */
  size_t nsecrets;
};
void ms_write_result_free(struct ms_write_result *r);

/* Write the transcript of S (framed as F) as YAML to OUT, in a form the
 * loader takes (transcripts/README.md, "Imported transcripts").  Returns
 * 0, 1 when the session holds nothing a transcript can say (no step
 * would come of it: nothing is written), or -1 on a write error.  R may
 * be NULL; else free it with ms_write_result_free(). */
int ms_transcript_write(FILE *out, const struct ms_imp_session *s,
                        const struct ms_frames *f,
                        const struct ms_write_opts *o,
                        struct ms_write_result *r);

/* ---- the importer (import.c) ------------------------------------------- */

/* One transcript written, for the WRITTEN callback. */
struct ms_import_written {
  const char *path;
  const char *capture; /* the capture file, NULL when live */
  uint64_t session;    /* TCP session number in it */
  enum ms_protocol proto;
  /* with replay_info: */
  const uint64_t *frames; /* frames[L - 1]: the packet of line L, or 0 */
  size_t nlines;
  const struct ms_var *secrets; /* ${name} -> captured value */
  size_t nsecrets;
};

struct ms_import_opts {
  const char *outdir;    /* -o DIR, default "." */
  const uint16_t *ports; /* --port N: extra server ports */
  size_t nports;
  bool keep_secrets, allow_gaps, force_steps;
  enum ms_convention conv;
  size_t max_session_bytes;      /* per direction; 0: 64 MiB */
  size_t max_stored_bytes;       /* all open sessions together; 0: 1 GiB */
  struct ms_reasm_limits limits; /* zeros: defaults */
  int verbosity;                 /* -1 quiet, 0, 1 verbose */
  FILE *log;                     /* messages; NULL: stderr */
  /* called after each transcript is written (record --count), always on
   * the thread that calls the importer, in the order the sessions ended;
   * with the writer thread that may be a little later than the file
   * (at the latest when the capture file ends, see ms_importer_file) */
  void (*written)(void *ctx, const struct ms_import_written *w);
  void *written_ctx;
  /* replay: hand each transcript's secrets and line frames to WRITTEN
   * (secrets named uniquely within the run) */
  bool replay_info;
  /* Write transcripts on the calling thread.  Otherwise, while a capture
   * file is read, one writer thread frames and writes them (live capture
   * always writes inline: each file and callback at once). */
  bool inline_write;
};

struct ms_import_counts {
  uint64_t packets, tcp_packets, undecodable, fragments;
  uint64_t sessions; /* TCP sessions seen */
  uint64_t written;  /* transcripts written */
  uint64_t not_mail, empty, tls_only, failed;
  uint64_t with_gaps, steps_form;
  uint64_t over_limit; /* sessions cut by a byte limit */
  uint64_t bytes;      /* capture bytes read */
};

struct ms_importer;
struct ms_importer *ms_importer_new(const struct ms_import_opts *o);
/* Import one capture file.  Returns 0, or -1 (message already printed).
 * Every transcript of the file is written when it returns. */
int ms_importer_file(struct ms_importer *im, const char *path);
/* Live use: begin a capture NAME of link type LT, feed packets, end. */
void ms_importer_begin(struct ms_importer *im, const char *name,
                       const char *iface);
void ms_importer_packet(struct ms_importer *im, int lt, const unsigned char *p,
                        uint32_t caplen, uint64_t frame, uint64_t ts_ns);
/* The origin of the sessions' at: from now on (record: when recording
 * began); otherwise the first packet of each capture. */
void ms_importer_origin(struct ms_importer *im, uint64_t ts_ns);
/* Closes the open sessions and waits until every transcript is written. */
void ms_importer_end(struct ms_importer *im);
/* Complete after ms_importer_end() / ms_importer_file(). */
const struct ms_import_counts *ms_importer_counts(const struct ms_importer *im);
void ms_importer_free(struct ms_importer *im);

/* Is P a mail service port (25, 587, 2525, 110; 465/995 are TLS)? */
bool ms_import_mail_port(uint16_t p);

#endif
