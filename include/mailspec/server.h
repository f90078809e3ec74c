/* The reference server: a real server on a real socket that does what
 * RFC 821/5321 and RFC 1939 say, with faults on demand.
 * Implemented in tester/server*.c, tester/server/world.c,
 * tester/server/fault.c. */
#ifndef MAILSPEC_SERVER_H
#define MAILSPEC_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "mailspec/transcript.h"

struct ms_world;
/* The built-in world: serves every bundled classroom transcript. */
struct ms_world *ms_world_builtin(void);
/* Apply a world file or inline YAML over W (later keys win). */
int ms_world_apply_file(struct ms_world *w, const char *path,
                        struct ms_diags *d);
int ms_world_apply_yaml(struct ms_world *w, const char *name, const char *yaml,
                        size_t len, int line0, struct ms_diags *d);
void ms_world_free(struct ms_world *w);

struct ms_server_opts {
  enum ms_protocol protocol;
  enum ms_profile profile;
  const struct ms_world *world; /* borrowed; NULL = built-in */
  const char *const *faults;    /* --fault NAME[:ARG] strings */
  size_t nfaults;
  const char *spool; /* mbox per recipient, or NULL */
  FILE *live;        /* -v: every exchange in S:/R: form */
  bool color;
  /* Also serve POP3 on this address (SMTP servers only), on the same
   * store: what SMTP delivers to a local user lands in the POP3 maildrop
   * of that name, so delivery checks can read it back (issue 14).
   * NULL: no POP3 side. */
  const char *pop3_listen;
};

/* TLS and AUTH (issue 7): STARTTLS/STLS and AUTH are always offered
 * (SMTP AUTH with profile rfc5321 only); a zeroed struct (or NULL) gives
 * the defaults. */
struct ms_server_tls {
  const char *cert, *key;    /* PEM files; NULL: a self-signed EC P-256
                                certificate for the world's hostname */
  bool implicit;             /* TLS from the first octet (465/995) */
  bool require_tls_for_auth; /* AUTH, POP3 USER/PASS/APOP only after TLS */
  unsigned handshake_ms;     /* handshake deadline; 0: 10 s */
};

struct ms_server;
/* Bind LISTEN ("127.0.0.1:0" picks a port) and serve in a background
 * thread.  NULL with ERR on failure. */
struct ms_server *ms_server_start(const struct ms_server_opts *o,
                                  const char *listen, char *err, size_t errlen);
/* The same with TLS options T (NULL: defaults). */
struct ms_server *ms_server_start_tls(const struct ms_server_opts *o,
                                      const struct ms_server_tls *t,
                                      const char *listen, char *err,
                                      size_t errlen);
/* "ADDR:PORT" actually bound. */
const char *ms_server_address(const struct ms_server *s);
const char *ms_server_host(const struct ms_server *s);
const char *ms_server_port(const struct ms_server *s);
/* The POP3 side's address (pop3_listen), or NULL when there is none. */
const char *ms_server_pop3_address(const struct ms_server *s);
const char *ms_server_pop3_host(const struct ms_server *s);
const char *ms_server_pop3_port(const struct ms_server *s);
/* The server's certificate in PEM (a client may trust exactly it). */
const char *ms_server_tls_cert(const struct ms_server *s);
/* Stop, join, free. */
void ms_server_stop(struct ms_server *s);

/* Is NAME a known fault? (for the CLI's error messages) */
bool ms_fault_known(const char *name);

#endif
