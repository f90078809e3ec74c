/* world: what the reference server knows about its users, lists and
 * maildrops.  Loaded from YAML (world.c); the built-in world serves the
 * bundled classroom transcripts. Read-only once the server runs. */
#ifndef MS_WORLD_H
#define MS_WORLD_H

#include <stdbool.h>
#include <stddef.h>

#include "mailspec/server.h"

struct ms_world_user {
  char *name;       /* local part, matched case-insensitively */
  char *domain;     /* NULL: any of the world's domains */
  char *fullname;   /* for VRFY/EXPN: "Mark Crispin" */
  bool terminal;    /* logged in: SEND succeeds (RFC 821 §3.4) */
  char *forward;    /* forward-path: 251 (RFC 821 §3.2) */
  bool forward_551; /* refuse with 551 "please try" instead of 251 */
  char *password;   /* SMTP AUTH (RFC 4954); NULL: cannot log in */
  /* RFC 3463 conditions (srv_smtp_policy.c): */
  bool mailbox_full;           /* RCPT: 452 4.2.2 Mailbox full */
  size_t max_message;          /* 0, or a limit below the system's: 552 5.2.3 */
  bool ascii_only;             /* cannot take a message with internationalized
                                  headers: 554 at its end (RFC 6531 §3.5) */
  bool fails_after_acceptance; /* RCPT gets 250, delivery fails after the
                                  end of data: a notification goes back
                                  (srv_smtp_notify.c, RFC 5321 §6.1) */
  bool autoreply;              /* an automatic responder: mail from a non-null
                                  reverse-path gets a reply (srv_smtp_autoreply.c) */
};

struct ms_world_list {
  char *name;
  char **members; /* "Full Name <mbox@host>" or "<mbox@host>" as in EXPN */
  size_t nmembers;
  bool closed; /* only members may send to it: 550 5.7.2 (RFC 3463) */
};

struct ms_world_msg {
  char *data; /* message with CRLF line ends, not dot-stuffed */
  size_t len; /* octets as on the wire (RFC 1939 §11: CRLF counted) */
  char *uidl;
};

struct ms_world_maildrop {
  char *user;
  char *pass;
  char *apop_secret;
  bool corrupt; /* cannot be parsed: logins get -ERR (RFC 1939 §4) */
  struct ms_world_msg *msgs;
  size_t nmsgs;
};

struct ms_world {
  char *hostname; /* greeting and 221 text */
  char **domains; /* domains delivered locally */
  size_t ndomains;
  char **relay_domains; /* accepted for relaying (source routes) */
  size_t nrelay;
  struct ms_world_user *users;
  size_t nusers;
  struct ms_world_list *lists;
  size_t nlists;
  size_t max_recipients;   /* RFC 821 §4.5.3: at least 100 */
  size_t max_message;      /* SIZE limit, octets */
  size_t pop3_login_delay; /* LOGIN-DELAY seconds (RFC 2449 §6.5), 0: none */
  char *pop3_timestamp;    /* fixed APOP timestamp, "<1896.697170952@dbc...>" */
  struct ms_world_maildrop *maildrops;
  size_t nmaildrops;
  char *greeting; /* text after "220 " (SMTP) or "+OK " (POP3);
                     NULL: the protocol's default with hostname */
  /* Reverse-paths whose mail is refused at the end of data with 451
   * (tests of RFC 5321 §4.2.5's 4yz: no later delivery; issue 14). */
  char **defer_senders;
  size_t ndefer;
  /* Policy (issue 7, srv_auth.c): */
  bool require_tls;          /* SMTP 530 before STARTTLS (RFC 3207 §4) */
  bool require_auth;         /* SMTP 530 before AUTH (RFC 4954 §6) */
  bool require_tls_for_auth; /* AUTH, USER/PASS/APOP only under TLS */
  bool no_starttls;          /* SMTP: `starttls: false`, no STARTTLS (502) */
  char **weak_mechs; /* SMTP AUTH mechanisms refused as too weak (534) */
  size_t nweak_mechs;
  bool tls_insufficient; /* SMTP: 554 to all but QUIT inside TLS (RFC 3207
                            §4.1: the TLS session is not good enough) */
  /* RFC 6409 message submission (srv_smtp_submit.c): AUTH before MAIL,
   * fully qualified domains, header checks, and these per-world rules. */
  bool submission;
  char **sub_senders; /* MAIL FROM the users may use; NULL: any */
  size_t nsub_senders;
  char **sub_rcpt_domains; /* RCPT domains they may write to; NULL: any */
  size_t nsub_rcpt_domains;
  char **sub_refuse_users; /* users whose messages are refused at DATA */
  size_t nsub_refuse_users;
  char **sub_short_domains; /* full names whose first label the site's
                               convention permits alone ("sales" for
                               sales.example.org, RFC 6409 §4.2) */
  size_t nsub_short_domains;
  /* Service extensions (issue 14): the EHLO keywords of SIZE, 8BITMIME,
   * PIPELINING, ENHANCEDSTATUSCODES left out (srv_smtp_ext.c); a
   * max_message of 0 is "SIZE 0", no fixed maximum (RFC 1870 §3). */
  char **ehlo_off;
  size_t nehlo_off;
  /* `expn: false`: EXPN disabled for security, answered 252 and not in
   * EHLO (RFC 5321 §7.3). */
  bool expn_disabled;
  /* `relay_route: {domain: D, next_hop: H}`: recipients at D are accepted
   * at RCPT and relayed over SMTP to the next hop H, which the server
   * runs itself on a loopback port (srv_smtp_relay.c; RFC 5321 §3.6.3).
   * NULL: no route. */
  char *route_domain, *route_host;
  bool route_dsn; /* `next_hop_dsn: true`: the next hop offers DSN */
};

const struct ms_world_user *ms_world_find_user(const struct ms_world *w,
                                               const char *mailbox);
const struct ms_world_list *ms_world_find_list(const struct ms_world *w,
                                               const char *name);
const struct ms_world_maildrop *ms_world_find_maildrop(const struct ms_world *w,
                                                       const char *user);
bool ms_world_local_domain(const struct ms_world *w, const char *domain);
/* Is the EHLO keyword KW (SIZE, 8BITMIME, PIPELINING,
 * ENHANCEDSTATUSCODES) on in W (world key ehlo_off)? */
bool ms_world_ehlo_on(const struct ms_world *w, const char *kw);

/* Is DOMAIN the relay route's (relayed, not local)? */
bool ms_world_route_domain(const struct ms_world *w, const char *domain);
/* The world of W's next hop (world_relay.c): named route_host, the
 * route's domain local there, W's users without a domain known there,
 * no DSN offered (RFC 3461 §5.2.2's "SMTP server" without it) unless
 * route_dsn, no route of its own.  NULL when W has no route.  Free with
 * ms_world_free(). */
struct ms_world *ms_world_next_hop(const struct ms_world *w);

/* The POP3 part of the built-in world (RFC 1939's mrose maildrop and
 * APOP timestamp), in world_pop3.c; called by ms_world_builtin(). */
void ms_world_builtin_pop3(struct ms_world *w);

#endif
