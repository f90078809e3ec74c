/* world_pop3: the POP3 part of the built-in world.  mrose's maildrop is
 * the one of RFC 1939 §10, so that the example session replays byte for
 * byte: with §10's timestamp (which the classroom transcripts set in
 * their own world:) its secret gives the printed digest
 * c4c9334bac560ecc979e58001b3e22fb, and the two messages are exactly
 * 120 and 200 octets on the wire (CRLF counted, RFC 1939 §11), with the
 * UIDL ids of RFC 1939 §7.  ford and arthur hold copies for the
 * classroom transcripts that commit deletions, so that those do not
 * empty mrose's maildrop on a long-running `mailspec serve`. */
#include "world.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* 120 octets with CRLF line ends. */
static const char pop3_msg1[] =
    "From: Marshall Rose <mrose@dbc.mtview.ca.us>\r\n"
    "To: mrose@dbc.mtview.ca.us\r\n"
    "Subject: POP3 test 1\r\n"
    "\r\n"
    "This is message one.\r\n";

/* 200 octets; the line starting with "." shows byte-stuffing (§3). */
static const char pop3_msg2[] =
    "From: John Myers <jgm@cmu.edu>\r\n"
    "To: mrose@dbc.mtview.ca.us\r\n"
    "Subject: Re: the maildrop\r\n"
    "\r\n"
    "Marshall,\r\n"
    "\r\n"
    ".This line starts with a dot, so RETR byte-stuffs it.\r\n"
    "The second message, 200 octets.\r\n"
    "-- John.\r\n";

static void pop3_msg(struct ms_world_msg *m, const char *data,
                     const char *uidl) {
  m->len = strlen(data);
  m->data = xmemdup(data, m->len);
  m->uidl = xstrdup(uidl);
}

static void pop3_drop(struct ms_world *w, const char *user, const char *pass,
                      const char *apop) {
  w->maildrops =
      xrealloc(w->maildrops, (w->nmaildrops + 1) * sizeof *w->maildrops);
  struct ms_world_maildrop *d = &w->maildrops[w->nmaildrops++];
  memset(d, 0, sizeof *d);
  d->user = xstrdup(user);
  d->pass = pass ? xstrdup(pass) : NULL;
  d->apop_secret = apop ? xstrdup(apop) : NULL;
  d->nmsgs = 2;
  d->msgs = xcalloc(d->nmsgs, sizeof *d->msgs);
  /* The unique-ids printed in RFC 1939 §7 (UIDL). */
  pop3_msg(&d->msgs[0], pop3_msg1, "whqtswO00WBw418f9t5JxYwZ");
  pop3_msg(&d->msgs[1], pop3_msg2, "QhdPYR:00WBw1Ph7x7");
}

/* PREFIX padded with the digits 0-9, over and over, to 255 octets: the
 * longest authenticate-id, authorize-id and password RFC 2595 §6's PLAIN
 * grammar says a server "MUST accept". */
static char *pop3_octets_255(const char *prefix) {
  char *s = xmalloc(256);
  size_t n = strlen(prefix);
  memcpy(s, prefix, n);
  for (size_t i = n; i < 255; i++)
    s[i] = (char)('0' + (i - n) % 10);
  s[255] = '\0';
  return s;
}

void ms_world_builtin_pop3(struct ms_world *w) {
  /* No fixed APOP timestamp: RFC 1939 §7 wants a new one in every
   * greeting.  The classroom's §10 replay fixes it in its own world:
   * (pop3: timestamp:), or with serve --fault apop-fixed-timestamp. */
  pop3_drop(w, "mrose", "secret", "tanstaaf");
  pop3_drop(w, "ford", "prefect", NULL);
  pop3_drop(w, "arthur", "dent", NULL);
  /* APOP only, no USER/PASS: RFC 1939 §13 (pop3/apop-or-pass). */
  pop3_drop(w, "trillian", NULL, "tanstaaf");
  /* postmaster's maildrop starts empty: the reference server's notices
   * of delivery failures no DSN may report (RFC 3461 §5.2) land here
   * (the delivery suite's ${postmaster_user}, ${postmaster_pass}). */
  pop3_drop(w, "postmaster", "postpass", NULL);
  for (size_t i = 0; i < w->maildrops[w->nmaildrops - 1].nmsgs; i++) {
    free(w->maildrops[w->nmaildrops - 1].msgs[i].data);
    free(w->maildrops[w->nmaildrops - 1].msgs[i].uidl);
  }
  w->maildrops[w->nmaildrops - 1].nmsgs = 0;
  /* testuser's maildrop starts empty: what SMTP delivers to
   * testuser@<a local domain> lands here, and the delivery checks
   * (issue 14, suites/delivery.yaml) read it back. */
  pop3_drop(w, "testuser", "testpass", NULL);
  struct ms_world_maildrop *d = &w->maildrops[w->nmaildrops - 1];
  for (size_t i = 0; i < d->nmsgs; i++) {
    free(d->msgs[i].data);
    free(d->msgs[i].uidl);
  }
  d->nmsgs = 0;
  /* RFC 2595 §6 (2595-6-6, 6-7, 6-8): a 255-octet name with a
   * 255-octet password, and Appendix A's UTF-8 (2595-A-1): a non-ASCII
   * name and password (the auth suite's ${longuser}, ${longpass},
   * ${utf8user}, ${utf8pass}). */
  char *lu = pop3_octets_255("mailspec-255-octet-user-");
  char *lp = pop3_octets_255("mailspec-255-octet-password-");
  pop3_drop(w, lu, lp, NULL);
  free(lu);
  free(lp);
  /* RFC 1939 §4 (1939-4-9): a maildrop that cannot be parsed, whose
   * login gets -ERR (the rfc1939 suite's ${corruptuser}). */
  pop3_drop(w, "broken", "broken-maildrop", NULL);
  w->maildrops[w->nmaildrops - 1].corrupt = true;
  pop3_drop(w,
            "j\xc3\xbc"
            "rgen",
            "s\xc3\xa9"
            "same-\xc3\xb6"
            "ffne-dich",
            NULL);
}
