/* world: what the reference server knows (users, lists, maildrops),
 * the built-in world that serves every bundled classroom transcript,
 * and world files in YAML applied over it (format: transcripts/WORLD.md).
 *
 * Applying YAML is all-or-nothing: the document is read into a patch
 * first, and only a patch without errors is merged (a key given
 * replaces the whole value, lists included).  The YAML is read by the
 * transcript loader's front-end (transcript_yaml.c): the same limits and
 * rules, a duplicate key or an alias is an error (issue 16). */
#include "world.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "transcript_yaml.h"
#include "util.h"

#define WORLD_FILE_MAX (16u << 20) /* a world file is small; refuse floods */

/* ---- freeing ------------------------------------------------------ */

static void world_strv_free(char **v, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

static void world_users_free(struct ms_world_user *u, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(u[i].name);
    free(u[i].domain);
    free(u[i].fullname);
    free(u[i].forward);
    free(u[i].password);
  }
  free(u);
}

static void world_lists_free(struct ms_world_list *l, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(l[i].name);
    world_strv_free(l[i].members, l[i].nmembers);
  }
  free(l);
}

static void world_drops_free(struct ms_world_maildrop *m, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(m[i].user);
    free(m[i].pass);
    free(m[i].apop_secret);
    for (size_t j = 0; j < m[i].nmsgs; j++) {
      free(m[i].msgs[j].data);
      free(m[i].msgs[j].uidl);
    }
    free(m[i].msgs);
  }
  free(m);
}

void ms_world_free(struct ms_world *w) {
  if (!w)
    return;
  free(w->hostname);
  free(w->greeting);
  world_strv_free(w->domains, w->ndomains);
  world_strv_free(w->relay_domains, w->nrelay);
  world_strv_free(w->defer_senders, w->ndefer);
  world_users_free(w->users, w->nusers);
  world_lists_free(w->lists, w->nlists);
  free(w->pop3_timestamp);
  world_drops_free(w->maildrops, w->nmaildrops);
  world_strv_free(w->ehlo_off, w->nehlo_off);
  world_strv_free(w->weak_mechs, w->nweak_mechs);
  world_strv_free(w->sub_senders, w->nsub_senders);
  world_strv_free(w->sub_rcpt_domains, w->nsub_rcpt_domains);
  world_strv_free(w->sub_refuse_users, w->nsub_refuse_users);
  world_strv_free(w->sub_short_domains, w->nsub_short_domains);
  free(w->route_domain);
  free(w->route_host);
  free(w);
}

/* ---- the built-in world ------------------------------------------- */

/* Every host that receives mail in RFC 821 §3 and Appendix F, RFC 5321
 * Appendix D, and the loopback names the RFC 5321 suites use. */
static const char *const builtin_domains[] = {
    "BBN-UNIX.ARPA", "MIT-Multics.ARPA", "BBN-VAX.ARPA",  "USC-ISIE.ARPA",
    "SU-SCORE.ARPA", "MIT-AI.ARPA",      "MIT-MC.ARPA",   "USC-ISIF.ARPA",
    "USC-ISI.ARPA",  "USC-ISIB.ARPA",    "BERKELEY.ARPA", "Beta.ARPA",
    "foo.com",       "xyz.com",          "localhost",     "mx.example.test"};

/* Hosts the scenarios relay to (Scenario 7's list members, Example 7). */
static const char *const builtin_relay[] = {
    "ISI-VAXA.ARPA", "USC-ISIQ.ARPA", "USC-ISIQA.ARPA", "FOO-UNIX.ARPA",
    "BAR-UNIX.ARPA", "HOSTW.ARPA",    "HOSTX.ARPA",     "HOSTZ.ARPA",
    "LBL-UNIX.ARPA", "example.org",   "bar.com"};

struct builtin_user {
  const char *name, *domain, *fullname, *forward;
  bool terminal, forward_551;
  const char *password; /* SMTP AUTH */
};

static const struct builtin_user builtin_users[] = {
    /* Scenarios 1-3, 9 and RFC 5321 D.1-D.3: Jones and Brown exist,
     * Green does not (550). */
    {"Jones", NULL, "Jones", NULL, false, false, NULL},
    {"Brown", NULL, "Brown", NULL, false, false, NULL},
    {"Smith", NULL, "Fred Smith", NULL, false, false, NULL},
    /* Scenarios 4-6 and RFC 5321 D.4.  The terminal is NOT active: that
     * serves Scenarios 5 and 6; Scenario 4 says otherwise in its world. */
    {"Admin.MRC", NULL, "Mark Crispin", NULL, false, false, NULL},
    /* Scenario 7: the members of both lists that are local here. */
    {"ABC", "MIT-MC.ARPA", "Al Calico", NULL, false, false, NULL},
    {"XYZ", "MIT-AI.ARPA", "Xenon Y. Zither", NULL, false, false, NULL},
    {"fred", "BBN-UNIX.ARPA", "Fred", NULL, false, false, NULL},
    /* Scenarios 8 and 9: fred moved, 251 "will forward". */
    {"fred", "USC-ISIF.ARPA", "Fred", "<Jones@USC-ISI.ARPA>", false, false,
     NULL},
    /* Example 2 (RFC 821 §3.2): 251 for Postel, 551 for Paul. */
    {"Postel", "USC-ISI.ARPA", "Jon Postel", "<Postel@USC-ISIF.ARPA>", false,
     false, NULL},
    {"Postel", "USC-ISIF.ARPA", "Jon Postel", NULL, false, false, NULL},
    {"Paul", "USC-ISIB.ARPA", "Paul Mockapetris", "<Mockapetris@USC-ISIF.ARPA>",
     false, true, NULL},
    /* Scenario 10 */
    {"fabry", NULL, "Bob Fabry", NULL, false, false, NULL},
    {"eric", NULL, "Eric Allman", NULL, false, false, NULL},
    /* RFC 5321 §4.5.1: Postmaster exists everywhere (also handled
     * without a domain by the session). */
    {"postmaster", NULL, "Postmaster", NULL, false, false, NULL},
    /* SMTP AUTH (RFC 4954): the same credentials as the real servers
     * of the tests (Dovecot, Postfix submission, aiosmtpd). */
    {"testuser", NULL, "Test User", NULL, false, false, "testpass"},
    /* SMTPUTF8 (RFC 6531, issue 14): a user whose mailbox and name are
     * UTF-8 (VRFY), users moved to a UTF-8 mailbox (251, 551), and one
     * that takes no internationalized headers (see builtin_ascii_only). */
    {"jos\xc3\xa9", NULL,
     "Jos\xc3\xa9 N\xc3\xba\xc3\xb1"
     "ez",
     NULL, false, false, NULL},
    {"forward-utf8", NULL, "Forwarded User", "<jos\xc3\xa9@example.org>", false,
     false, NULL},
    {"moved-utf8", NULL, "Moved User", "<jos\xc3\xa9@example.org>", false, true,
     NULL},
    {"ascii-only", NULL, "ASCII Only", NULL, false, false, NULL},
    /* Notifications (RFC 3461, RFC 5321 §6.1): accepted at RCPT, their
     * delivery fails after the end of data (builtin_fail_after);
     * suites/delivery.yaml's ${failrcpt} and ${failrcpt2}. */
    {"bounce", NULL, "Failing Mailbox", NULL, false, false, NULL},
    {"bounce2", NULL, "Failing Mailbox", NULL, false, false, NULL},
    /* An automatic responder (a vacation notice, RFC 5321 §4.5.5):
     * suites/delivery.yaml's ${autoreply} (autoreply set below). */
    {"away", NULL, "Away on Vacation", NULL, false, false, NULL},
    /* An alias with one forwarding address (RFC 5321 §3.9.1, RFC 3461
     * §5.2.7.2): suites/delivery.yaml's ${localalias}. */
    {"testalias", NULL, "Test User's alias", "<testuser@localhost>", false,
     false, NULL},
    /* ${utf8failrcpt}: a UTF-8 mailbox whose delivery fails, for the DSN
     * of an SMTPUTF8 message (RFC 6531 §3.2, RFC 6533) */
    {"bounce-jos\xc3\xa9", NULL, "Failing Mailbox", NULL, false, false, NULL},
};
/* Users with ascii_only set (RFC 6531 §3.5). */
static const char *const builtin_ascii_only[] = {"ascii-only"};
/* Users with fails_after_acceptance set. */
static const char *const builtin_fail_after[] = {"bounce", "bounce2",
                                                 "bounce-jos\xc3\xa9"};

/* Scenario 7, Steps 1 and 2, exactly as the RFC prints the expansions. */
static const char *const builtin_example_people[] = {
    "<ABC@MIT-MC.ARPA>",
    "Fred Fonebone <Fonebone@USC-ISIQ.ARPA>",
    "Xenon Y. Zither <XYZ@MIT-AI.ARPA>",
    "Quincy Smith <@USC-ISIF.ARPA:Q-Smith@ISI-VAXA.ARPA>",
    "<joe@foo-unix.ARPA>",
    "<xyz@bar-unix.ARPA>"};
static const char *const builtin_interested_parties[] = {
    "Al Calico <ABC@MIT-MC.ARPA>", "<XYZ@MIT-AI.ARPA>",
    "Quincy Smith <@USC-ISIF.ARPA:Q-Smith@ISI-VAXA.ARPA>",
    "<fred@BBN-UNIX.ARPA>", "<xyz@bar-unix.ARPA>"};

/* A list with a member delivered to a program (RFC 5321 §3.5.2): the
 * text after " |" is the program, the part before it the mailbox name
 * that reaches it (what EXPN shows). */
static const char *const builtin_autoreply[] = {
    "Vacation Program <vacation@localhost> |/usr/bin/vacation testuser",
    "<testuser@localhost>"};

/* A list of local mailboxes, for the delivery checks of list expansion
 * (RFC 5321 §3.9: delivered with the list's administrator as the
 * reverse-path, the header section unchanged). */
static const char *const builtin_staff[] = {"<testuser@localhost>"};

static char **world_strv_dup(const char *const *v, size_t n) {
  char **r = xcalloc(n ? n : 1, sizeof *r);
  for (size_t i = 0; i < n; i++)
    r[i] = xstrdup(v[i]);
  return r;
}

static char *world_strdup0(const char *s) {
  return s ? xstrdup(s) : NULL;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void world_builtin_list(struct ms_world_list *l, const char *name,
                               const char *const *m, size_t n) {
  l->name = xstrdup(name);
  l->members = world_strv_dup(m, n);
  l->nmembers = n;
}

struct ms_world *ms_world_builtin(void) {
  struct ms_world *w = xcalloc(1, sizeof *w);
  w->hostname = xstrdup("BBN-UNIX.ARPA");
  w->domains = world_strv_dup(builtin_domains, NELEM(builtin_domains));
  w->ndomains = NELEM(builtin_domains);
  w->relay_domains = world_strv_dup(builtin_relay, NELEM(builtin_relay));
  w->nrelay = NELEM(builtin_relay);
  w->nusers = NELEM(builtin_users);
  w->users = xcalloc(w->nusers, sizeof *w->users);
  for (size_t i = 0; i < w->nusers; i++) {
    const struct builtin_user *b = &builtin_users[i];
    struct ms_world_user *u = &w->users[i];
    u->name = xstrdup(b->name);
    u->domain = world_strdup0(b->domain);
    u->fullname = world_strdup0(b->fullname);
    u->forward = world_strdup0(b->forward);
    u->terminal = b->terminal;
    u->forward_551 = b->forward_551;
    u->password = world_strdup0(b->password);
    for (size_t k = 0;
         k < sizeof builtin_ascii_only / sizeof *builtin_ascii_only; k++)
      u->ascii_only = u->ascii_only || !strcmp(b->name, builtin_ascii_only[k]);
    for (size_t k = 0; k < NELEM(builtin_fail_after); k++)
      u->fails_after_acceptance =
          u->fails_after_acceptance || !strcmp(b->name, builtin_fail_after[k]);
  }
  for (size_t i = 0; i < w->nusers; i++) /* RFC 5321 §4.5.5 */
    w->users[i].autoreply = !strcmp(w->users[i].name, "away");
  w->nlists = 4;
  w->lists = xcalloc(w->nlists, sizeof *w->lists);
  world_builtin_list(&w->lists[0], "Example-People", builtin_example_people,
                     NELEM(builtin_example_people));
  world_builtin_list(&w->lists[1], "Interested-Parties",
                     builtin_interested_parties,
                     NELEM(builtin_interested_parties));
  world_builtin_list(&w->lists[2], "Autoreply", builtin_autoreply,
                     NELEM(builtin_autoreply));
  world_builtin_list(&w->lists[3], "Staff", builtin_staff,
                     NELEM(builtin_staff));
  w->max_recipients = 100; /* RFC 821 §4.5.3, RFC 5321 §4.5.3.1.8 */
  w->max_message = 10u * 1024 * 1024;
  /* suites/delivery.yaml's ${defer_from}: refused at the end of data
   * with 451, for the test that no delivery follows (RFC 5321 §4.2.5) */
  static const char *const defer[] = {"defer@example.org"};
  w->defer_senders = world_strv_dup(defer, 1);
  w->ndefer = 1;
  /* suites/delivery.yaml's ${relayrcpt}: relayed to the server's own
   * next hop (srv_smtp_relay.c, RFC 5321 §3.6.3) */
  w->route_domain = xstrdup("relay.test");
  w->route_host = xstrdup("next.test");
  ms_world_builtin_pop3(w);
  return w;
}

/* ---- look-ups ----------------------------------------------------- */

bool ms_world_local_domain(const struct ms_world *w, const char *domain) {
  if (!domain || !*domain)
    return false;
  if (w->hostname && ms_streq_ci(w->hostname, domain))
    return true;
  for (size_t i = 0; i < w->ndomains; i++)
    if (ms_streq_ci(w->domains[i], domain))
      return true;
  return false;
}

bool ms_world_route_domain(const struct ms_world *w, const char *domain) {
  return domain && w->route_domain && ms_streq_ci(w->route_domain, domain);
}

/* MAILBOX is "local@domain" or a bare local part.  A user bound to a
 * domain wins over one that answers for every local domain. */
const struct ms_world_user *ms_world_find_user(const struct ms_world *w,
                                               const char *mailbox) {
  const char *at = strrchr(mailbox, '@');
  size_t llen = at ? (size_t)(at - mailbox) : strlen(mailbox);
  const char *dom = at ? at + 1 : NULL;
  if (dom && !ms_world_local_domain(w, dom))
    return NULL;
  const struct ms_world_user *any = NULL;
  for (size_t i = 0; i < w->nusers; i++) {
    const struct ms_world_user *u = &w->users[i];
    if (strlen(u->name) != llen || strncasecmp(u->name, mailbox, llen) != 0)
      continue;
    if (!u->domain) {
      if (!any)
        any = u;
    } else if (!dom || ms_streq_ci(u->domain, dom)) {
      if (dom)
        return u;
      if (!any)
        any = u;
    }
  }
  return any;
}

const struct ms_world_list *ms_world_find_list(const struct ms_world *w,
                                               const char *name) {
  const char *at = strrchr(name, '@');
  size_t n = at ? (size_t)(at - name) : strlen(name);
  if (at && !ms_world_local_domain(w, at + 1))
    return NULL;
  for (size_t i = 0; i < w->nlists; i++)
    if (strlen(w->lists[i].name) == n &&
        strncasecmp(w->lists[i].name, name, n) == 0)
      return &w->lists[i];
  return NULL;
}

bool ms_world_ehlo_on(const struct ms_world *w, const char *kw) {
  for (size_t i = 0; i < w->nehlo_off; i++)
    if (ms_streq_ci(w->ehlo_off[i], kw))
      return false;
  return true;
}

const struct ms_world_maildrop *ms_world_find_maildrop(const struct ms_world *w,
                                                       const char *user) {
  for (size_t i = 0; i < w->nmaildrops; i++)
    if (strcmp(w->maildrops[i].user, user) == 0)
      return &w->maildrops[i];
  for (size_t i = 0; i < w->nmaildrops; i++)
    if (ms_streq_ci(w->maildrops[i].user, user))
      return &w->maildrops[i];
  return NULL;
}

/* ---- YAML --------------------------------------------------------- */

/* What one document says; HAVE_* tell which keys were given. */
struct world_patch {
  struct ms_world v;
  bool have_login_delay;
  bool have_hostname, have_greeting, have_domains, have_relay, have_users,
      have_lists, have_maxr, have_maxm, have_ts, have_drops, have_defer;
  bool have_req_tls, have_req_auth, have_req_tls_auth, have_tls_insuff,
      have_submission, have_starttls, have_weak;
  bool have_ehlo_off;
  bool have_expn;
  bool have_route;
};

struct world_ctx {
  const char *name;
  int line0;
  struct ms_diags *d;
  size_t errors;
};

static void world_err(struct world_ctx *c, const struct ms_ynode *n,
                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void world_err(struct world_ctx *c, const struct ms_ynode *n,
                      const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  int line = n ? n->line : c->line0;
  int col = n ? n->col : 0;
  ms_diags_add(c->d, false, c->name, line, col, "world: %s", msg);
  free(msg);
  c->errors++;
}

static const char *world_scalar(struct world_ctx *c, const struct ms_ynode *n,
                                const char *key) {
  if (!n || n->kind != MS_YSCALAR) {
    world_err(c, n, "'%s' must be a string", key);
    return NULL;
  }
  return n->str;
}

static char *world_str(struct world_ctx *c, const struct ms_ynode *n,
                       const char *key) {
  const char *s = world_scalar(c, n, key);
  return s ? xstrdup(s) : NULL;
}

static bool world_bool(struct world_ctx *c, const struct ms_ynode *n,
                       const char *key) {
  const char *s = world_scalar(c, n, key);
  if (!s)
    return false;
  static const char *const yes[] = {"true", "yes", "on", "1"};
  static const char *const no[] = {"false", "no", "off", "0"};
  for (size_t i = 0; i < NELEM(yes); i++) {
    if (ms_streq_ci(s, yes[i]))
      return true;
    if (ms_streq_ci(s, no[i]))
      return false;
  }
  world_err(c, n, "'%s' must be true or false, not '%s'", key, s);
  return false;
}

static size_t world_size(struct world_ctx *c, const struct ms_ynode *n,
                         const char *key) {
  const char *s = world_scalar(c, n, key);
  if (!s)
    return 0;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (!*s || *end || errno || s[0] == '-' || v == 0 || v > (size_t)-1 / 4) {
    world_err(c, n, "'%s' must be a positive number, not '%s'", key, s);
    return 0;
  }
  return (size_t)v;
}

/* Calls FN for each KEY: VALUE of mapping N. */
typedef void (*world_pair_fn)(struct world_ctx *c, const char *key,
                              const struct ms_ynode *k,
                              const struct ms_ynode *v, void *arg);

static void world_each_pair(struct world_ctx *c, const struct ms_ynode *n,
                            const char *what, world_pair_fn fn, void *arg) {
  if (!n || n->kind != MS_YMAP) {
    world_err(c, n, "%s must be a mapping", what);
    return;
  }
  /* the front-end has checked that keys are scalars and not repeated */
  for (size_t i = 0; i + 1 < n->nkids; i += 2)
    fn(c, n->kids[i]->str, n->kids[i], n->kids[i + 1], arg);
}

static bool world_is_seq(struct world_ctx *c, const struct ms_ynode *n,
                         const char *key) {
  if (n && n->kind == MS_YSEQ)
    return true;
  world_err(c, n, "'%s' must be a list", key);
  return false;
}

static size_t world_seq_len(const struct ms_ynode *n) {
  return n->nkids;
}

static char **world_strv(struct world_ctx *c, const struct ms_ynode *n,
                         const char *key, size_t *count) {
  *count = 0;
  if (!world_is_seq(c, n, key))
    return NULL;
  size_t len = world_seq_len(n);
  char **v = xcalloc(len ? len : 1, sizeof *v);
  for (size_t i = 0; i < len; i++) {
    char *s = world_str(c, n->kids[i], key);
    if (s)
      v[(*count)++] = s;
  }
  return v;
}

static void world_user_pair(struct world_ctx *c, const char *key,
                            const struct ms_ynode *k, const struct ms_ynode *v,
                            void *arg) {
  struct ms_world_user *u = arg;
  char **dst = NULL;
  if (!strcmp(key, "name"))
    dst = &u->name;
  else if (!strcmp(key, "domain"))
    dst = &u->domain;
  else if (!strcmp(key, "fullname"))
    dst = &u->fullname;
  else if (!strcmp(key, "forward"))
    dst = &u->forward;
  else if (!strcmp(key, "password"))
    dst = &u->password;
  else if (!strcmp(key, "terminal"))
    u->terminal = world_bool(c, v, key);
  else if (!strcmp(key, "forward_551"))
    u->forward_551 = world_bool(c, v, key);
  else if (!strcmp(key, "mailbox_full"))
    u->mailbox_full = world_bool(c, v, key);
  else if (!strcmp(key, "max_message"))
    u->max_message = world_size(c, v, key);
  else if (!strcmp(key, "ascii_only"))
    u->ascii_only = world_bool(c, v, key);
  else if (!strcmp(key, "fails_after_acceptance"))
    u->fails_after_acceptance = world_bool(c, v, key);
  else if (!strcmp(key, "autoreply"))
    u->autoreply = world_bool(c, v, key);
  else
    world_err(c, k,
              "unknown user key '%s' (known: name, domain, fullname, "
              "terminal, forward, forward_551, password, mailbox_full, "
              "max_message, ascii_only, fails_after_acceptance, autoreply)",
              key);
  if (dst) {
    free(*dst);
    *dst = world_str(c, v, key);
  }
}

static void world_users(struct world_ctx *c, const struct ms_ynode *n,
                        struct ms_world *w) {
  if (!world_is_seq(c, n, "users"))
    return;
  size_t len = world_seq_len(n);
  w->users = xcalloc(len ? len : 1, sizeof *w->users);
  for (size_t i = 0; i < len; i++) {
    const struct ms_ynode *item = n->kids[i];
    struct ms_world_user *u = &w->users[w->nusers++];
    world_each_pair(c, item, "a user", world_user_pair, u);
    if (!u->name) {
      world_err(c, item, "a user needs a 'name'");
      u->name = xstrdup("");
    }
  }
}

static void world_list_pair(struct world_ctx *c, const char *key,
                            const struct ms_ynode *k, const struct ms_ynode *v,
                            void *arg) {
  struct ms_world_list *l = arg;
  if (!strcmp(key, "name")) {
    free(l->name);
    l->name = world_str(c, v, key);
  } else if (!strcmp(key, "members")) {
    world_strv_free(l->members, l->nmembers);
    l->members = world_strv(c, v, key, &l->nmembers);
  } else if (!strcmp(key, "closed")) {
    l->closed = world_bool(c, v, key);
  } else {
    world_err(c, k, "unknown list key '%s' (known: name, members, closed)",
              key);
  }
}

static void world_lists(struct world_ctx *c, const struct ms_ynode *n,
                        struct ms_world *w) {
  if (!world_is_seq(c, n, "lists"))
    return;
  size_t len = world_seq_len(n);
  w->lists = xcalloc(len ? len : 1, sizeof *w->lists);
  for (size_t i = 0; i < len; i++) {
    const struct ms_ynode *item = n->kids[i];
    struct ms_world_list *l = &w->lists[w->nlists++];
    world_each_pair(c, item, "a list", world_list_pair, l);
    if (!l->name) {
      world_err(c, item, "a list needs a 'name'");
      l->name = xstrdup("");
    }
  }
}

/* YAML text has LF line ends; on the wire (and in octet counts, RFC 1939
 * §11) every line ends in CRLF.  A final line without LF gets one. */
static char *world_crlf(const char *s, size_t *len) {
  size_t n = strlen(s), extra = 2;
  for (size_t i = 0; i < n; i++)
    extra += s[i] == '\n';
  char *r = xmalloc(n + extra + 1), *o = r;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
      *o++ = '\r';
    *o++ = s[i];
  }
  if (o == r || o[-1] != '\n') {
    *o++ = '\r';
    *o++ = '\n';
  }
  *o = '\0';
  *len = (size_t)(o - r);
  return r;
}

static void world_msg_pair(struct world_ctx *c, const char *key,
                           const struct ms_ynode *k, const struct ms_ynode *v,
                           void *arg) {
  struct ms_world_msg *m = arg;
  if (!strcmp(key, "text")) {
    const char *s = world_scalar(c, v, key);
    if (s) {
      free(m->data);
      m->data = world_crlf(s, &m->len);
    }
  } else if (!strcmp(key, "uidl")) {
    free(m->uidl);
    m->uidl = world_str(c, v, key);
  } else {
    world_err(c, k, "unknown message key '%s' (known: text, uidl)", key);
  }
}

static void world_msgs(struct world_ctx *c, const struct ms_ynode *n,
                       struct ms_world_maildrop *m) {
  if (!world_is_seq(c, n, "messages"))
    return;
  size_t len = world_seq_len(n);
  m->msgs = xcalloc(len ? len : 1, sizeof *m->msgs);
  for (size_t i = 0; i < len; i++) {
    const struct ms_ynode *item = n->kids[i];
    struct ms_world_msg *msg = &m->msgs[m->nmsgs++];
    if (item->kind == MS_YSCALAR)
      msg->data = world_crlf(item->str, &msg->len);
    else
      world_each_pair(c, item, "a message", world_msg_pair, msg);
    if (!msg->data) {
      world_err(c, item, "a message needs its 'text'");
      msg->data = world_crlf("", &msg->len);
    }
  }
}

static void world_drop_pair(struct world_ctx *c, const char *key,
                            const struct ms_ynode *k, const struct ms_ynode *v,
                            void *arg) {
  struct ms_world_maildrop *m = arg;
  char **dst = NULL;
  if (!strcmp(key, "user"))
    dst = &m->user;
  else if (!strcmp(key, "pass"))
    dst = &m->pass;
  else if (!strcmp(key, "apop"))
    dst = &m->apop_secret;
  else if (!strcmp(key, "messages") && !m->msgs)
    world_msgs(c, v, m);
  else if (!strcmp(key, "corrupt"))
    m->corrupt = world_bool(c, v, key);
  else
    world_err(c, k,
              "unknown maildrop key '%s' (known: user, pass, apop, "
              "messages, corrupt)",
              key);
  if (dst) {
    free(*dst);
    *dst = world_str(c, v, key);
  }
}

static void world_drops(struct world_ctx *c, const struct ms_ynode *n,
                        struct ms_world *w) {
  if (!world_is_seq(c, n, "maildrops"))
    return;
  size_t len = world_seq_len(n);
  w->maildrops = xcalloc(len ? len : 1, sizeof *w->maildrops);
  for (size_t i = 0; i < len; i++) {
    const struct ms_ynode *item = n->kids[i];
    struct ms_world_maildrop *m = &w->maildrops[w->nmaildrops++];
    world_each_pair(c, item, "a maildrop", world_drop_pair, m);
    if (!m->user) {
      world_err(c, item, "a maildrop needs a 'user'");
      m->user = xstrdup("");
    }
  }
}

static void world_pop3_pair(struct world_ctx *c, const char *key,
                            const struct ms_ynode *k, const struct ms_ynode *v,
                            void *arg) {
  struct world_patch *p = arg;
  if (!strcmp(key, "timestamp")) {
    free(p->v.pop3_timestamp);
    p->v.pop3_timestamp = world_str(c, v, key);
    p->have_ts = true;
  } else if (!strcmp(key, "login_delay")) {
    p->v.pop3_login_delay = world_size(c, v, key);
    p->have_login_delay = true;
  } else if (!strcmp(key, "maildrops") && !p->have_drops) {
    world_drops(c, v, &p->v);
    p->have_drops = true;
  } else {
    world_err(c, k,
              "unknown pop3 key '%s' (known: timestamp, "
              "login_delay, maildrops)",
              key);
  }
}

/* submission: true, or a mapping of its rules (RFC 6409, WORLD.md). */
static void world_submission_pair(struct world_ctx *c, const char *key,
                                  const struct ms_ynode *k,
                                  const struct ms_ynode *v, void *arg) {
  struct ms_world *q = arg;
  char ***dst = NULL;
  size_t *n = NULL;
  if (!strcmp(key, "senders"))
    dst = &q->sub_senders, n = &q->nsub_senders;
  else if (!strcmp(key, "recipient_domains"))
    dst = &q->sub_rcpt_domains, n = &q->nsub_rcpt_domains;
  else if (!strcmp(key, "refuse_users"))
    dst = &q->sub_refuse_users, n = &q->nsub_refuse_users;
  else if (!strcmp(key, "short_domains"))
    dst = &q->sub_short_domains, n = &q->nsub_short_domains;
  if (!dst) {
    world_err(c, k,
              "unknown submission key '%s' (known: senders, "
              "recipient_domains, refuse_users, short_domains)",
              key);
    return;
  }
  if (*dst) {
    world_err(c, k, "'%s' given twice", key);
    return;
  }
  *dst = world_strv(c, v, key, n);
}

static void world_submission(struct world_ctx *c, const struct ms_ynode *v,
                             struct world_patch *p) {
  p->have_submission = true;
  if (v && v->kind == MS_YMAP) {
    p->v.submission = true;
    world_each_pair(c, v, "'submission'", world_submission_pair, &p->v);
  } else {
    p->v.submission = world_bool(c, v, "submission");
  }
}

static void world_set_str(struct world_ctx *c, const struct ms_ynode *v,
                          const char *key, char **dst, bool *have) {
  free(*dst);
  *dst = world_str(c, v, key);
  *have = true;
}

/* ehlo_off: [SIZE, 8BITMIME, PIPELINING, ENHANCEDSTATUSCODES]: the
 * service extensions the server does not offer (issue 14). */
static void world_ehlo_off(struct world_ctx *c, const struct ms_ynode *v,
                           struct world_patch *p) {
  static const char *const known[] = {"SIZE", "8BITMIME", "PIPELINING",
                                      "ENHANCEDSTATUSCODES", "DSN"};
  p->v.ehlo_off = world_strv(c, v, "ehlo_off", &p->v.nehlo_off);
  p->have_ehlo_off = true;
  for (size_t i = 0; i < p->v.nehlo_off; i++) {
    bool ok = false;
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
      ok |= ms_streq_ci(p->v.ehlo_off[i], known[k]);
    if (!ok)
      world_err(c, v,
                "ehlo_off: '%s' is not an extension it can leave out (known: "
                "SIZE, 8BITMIME, PIPELINING, ENHANCEDSTATUSCODES, DSN)",
                p->v.ehlo_off[i]);
  }
}

/* relay_route: {domain: relay.test, next_hop: next.test, next_hop_dsn: B} */
static void world_route_pair(struct world_ctx *c, const char *key,
                             const struct ms_ynode *k, const struct ms_ynode *v,
                             void *arg) {
  struct world_patch *p = arg;
  if (!strcmp(key, "domain"))
    world_set_str(c, v, key, &p->v.route_domain, &p->have_route);
  else if (!strcmp(key, "next_hop"))
    world_set_str(c, v, key, &p->v.route_host, &p->have_route);
  else if (!strcmp(key, "next_hop_dsn"))
    p->v.route_dsn = world_bool(c, v, key);
  else
    world_err(c, k,
              "unknown relay_route key '%s' (known: domain, next_hop, "
              "next_hop_dsn)",
              key);
}

static void world_route(struct world_ctx *c, const struct ms_ynode *k,
                        const struct ms_ynode *v, struct world_patch *p) {
  world_each_pair(c, v, "'relay_route'", world_route_pair, p);
  p->have_route = true;
  if (!p->v.route_domain || !p->v.route_host)
    world_err(c, k, "relay_route needs both domain and next_hop");
}

static void world_top_pair(struct world_ctx *c, const char *key,
                           const struct ms_ynode *k, const struct ms_ynode *v,
                           void *arg) {
  struct world_patch *p = arg;
  if (!strcmp(key, "hostname")) {
    world_set_str(c, v, key, &p->v.hostname, &p->have_hostname);
  } else if (!strcmp(key, "greeting")) {
    world_set_str(c, v, key, &p->v.greeting, &p->have_greeting);
  } else if (!strcmp(key, "domains") && !p->have_domains) {
    p->v.domains = world_strv(c, v, key, &p->v.ndomains);
    p->have_domains = true;
  } else if (!strcmp(key, "relay_domains") && !p->have_relay) {
    p->v.relay_domains = world_strv(c, v, key, &p->v.nrelay);
    p->have_relay = true;
  } else if (!strcmp(key, "defer_senders") && !p->have_defer) {
    p->v.defer_senders = world_strv(c, v, key, &p->v.ndefer);
    p->have_defer = true;
  } else if (!strcmp(key, "max_recipients")) {
    p->v.max_recipients = world_size(c, v, key);
    p->have_maxr = true;
  } else if (!strcmp(key, "max_message")) {
    /* 0: no fixed maximum, advertised as "SIZE 0" (RFC 1870 §3) */
    const char *z = v && v->kind == MS_YSCALAR ? v->str : NULL;
    p->v.max_message = z && !strcmp(z, "0") ? 0 : world_size(c, v, key);
    p->have_maxm = true;
  } else if (!strcmp(key, "ehlo_off") && !p->have_ehlo_off) {
    world_ehlo_off(c, v, p);
  } else if (!strcmp(key, "users") && !p->have_users) {
    world_users(c, v, &p->v);
    p->have_users = true;
  } else if (!strcmp(key, "lists") && !p->have_lists) {
    world_lists(c, v, &p->v);
    p->have_lists = true;
  } else if (!strcmp(key, "pop3")) {
    world_each_pair(c, v, "'pop3'", world_pop3_pair, p);
  } else if (!strcmp(key, "require_tls")) {
    p->v.require_tls = world_bool(c, v, key);
    p->have_req_tls = true;
  } else if (!strcmp(key, "require_auth")) {
    p->v.require_auth = world_bool(c, v, key);
    p->have_req_auth = true;
  } else if (!strcmp(key, "require_tls_for_auth")) {
    p->v.require_tls_for_auth = world_bool(c, v, key);
    p->have_req_tls_auth = true;
  } else if (!strcmp(key, "starttls")) {
    p->v.no_starttls = !world_bool(c, v, key);
    p->have_starttls = true;
  } else if (!strcmp(key, "weak_mechanisms") && !p->have_weak) {
    p->v.weak_mechs = world_strv(c, v, key, &p->v.nweak_mechs);
    p->have_weak = true;
  } else if (!strcmp(key, "tls_insufficient")) {
    p->v.tls_insufficient = world_bool(c, v, key);
    p->have_tls_insuff = true;
  } else if (!strcmp(key, "submission") && !p->have_submission) {
    world_submission(c, v, p);
  } else if (!strcmp(key, "expn")) {
    p->v.expn_disabled = !world_bool(c, v, key);
    p->have_expn = true;
  } else if (!strcmp(key, "relay_route") && !p->have_route) {
    world_route(c, k, v, p);
  } else if (!strcmp(key, "domains") || !strcmp(key, "relay_domains") ||
             !strcmp(key, "users") || !strcmp(key, "lists") ||
             !strcmp(key, "submission") || !strcmp(key, "weak_mechanisms") ||
             !strcmp(key, "ehlo_off") || !strcmp(key, "defer_senders") ||
             !strcmp(key, "relay_route")) {
    world_err(c, k, "'%s' given twice", key);
  } else {
    world_err(c, k,
              "unknown key '%s' (known: hostname, greeting, domains, "
              "relay_domains, max_recipients, max_message, users, "
              "lists, pop3, require_tls, require_auth, "
              "require_tls_for_auth, starttls, weak_mechanisms, "
              "tls_insufficient, submission, ehlo_off, defer_senders, "
              "expn, relay_route)",
              key);
  }
}

/* Move what the patch has over W; the patch keeps what it replaced. */
#define WORLD_SWAP(a, b)                                                       \
  do {                                                                         \
    __typeof__(a) t_ = (a);                                                    \
    (a) = (b);                                                                 \
    (b) = t_;                                                                  \
  } while (0)

static void world_merge(struct ms_world *w, struct world_patch *p) {
  struct ms_world *q = &p->v;
  if (p->have_hostname)
    WORLD_SWAP(w->hostname, q->hostname);
  if (p->have_greeting)
    WORLD_SWAP(w->greeting, q->greeting);
  if (p->have_domains) {
    WORLD_SWAP(w->domains, q->domains);
    WORLD_SWAP(w->ndomains, q->ndomains);
  }
  if (p->have_relay) {
    WORLD_SWAP(w->relay_domains, q->relay_domains);
    WORLD_SWAP(w->nrelay, q->nrelay);
  }
  if (p->have_defer) {
    WORLD_SWAP(w->defer_senders, q->defer_senders);
    WORLD_SWAP(w->ndefer, q->ndefer);
  }
  if (p->have_users) {
    WORLD_SWAP(w->users, q->users);
    WORLD_SWAP(w->nusers, q->nusers);
  }
  if (p->have_lists) {
    WORLD_SWAP(w->lists, q->lists);
    WORLD_SWAP(w->nlists, q->nlists);
  }
  if (p->have_maxr)
    w->max_recipients = q->max_recipients;
  if (p->have_maxm)
    w->max_message = q->max_message;
  if (p->have_req_tls)
    w->require_tls = q->require_tls;
  if (p->have_req_auth)
    w->require_auth = q->require_auth;
  if (p->have_req_tls_auth)
    w->require_tls_for_auth = q->require_tls_for_auth;
  if (p->have_ehlo_off) {
    WORLD_SWAP(w->ehlo_off, q->ehlo_off);
    WORLD_SWAP(w->nehlo_off, q->nehlo_off);
  }
  if (p->have_starttls)
    w->no_starttls = q->no_starttls;
  if (p->have_weak) {
    WORLD_SWAP(w->weak_mechs, q->weak_mechs);
    WORLD_SWAP(w->nweak_mechs, q->nweak_mechs);
  }
  if (p->have_tls_insuff)
    w->tls_insufficient = q->tls_insufficient;
  if (p->have_expn)
    w->expn_disabled = q->expn_disabled;
  if (p->have_route) {
    WORLD_SWAP(w->route_domain, q->route_domain);
    WORLD_SWAP(w->route_host, q->route_host);
    w->route_dsn = q->route_dsn;
  }
  if (p->have_submission) {
    w->submission = q->submission;
    WORLD_SWAP(w->sub_senders, q->sub_senders);
    WORLD_SWAP(w->nsub_senders, q->nsub_senders);
    WORLD_SWAP(w->sub_rcpt_domains, q->sub_rcpt_domains);
    WORLD_SWAP(w->nsub_rcpt_domains, q->nsub_rcpt_domains);
    WORLD_SWAP(w->sub_refuse_users, q->sub_refuse_users);
    WORLD_SWAP(w->nsub_refuse_users, q->nsub_refuse_users);
    WORLD_SWAP(w->sub_short_domains, q->sub_short_domains);
    WORLD_SWAP(w->nsub_short_domains, q->nsub_short_domains);
  }
  if (p->have_ts)
    WORLD_SWAP(w->pop3_timestamp, q->pop3_timestamp);
  if (p->have_login_delay)
    w->pop3_login_delay = q->pop3_login_delay;
  if (p->have_drops) {
    WORLD_SWAP(w->maildrops, q->maildrops);
    WORLD_SWAP(w->nmaildrops, q->nmaildrops);
  }
}

static void world_patch_free(struct world_patch *p) {
  struct ms_world *q = xmalloc(sizeof *q);
  *q = p->v;
  ms_world_free(q);
}

/* LINE0 is the line of the file on which YAML's first line stands (0 or
 * 1 for a file of its own), so that messages point into the file. */
int ms_world_apply_yaml(struct ms_world *w, const char *name, const char *yaml,
                        size_t len, int line0, struct ms_diags *d) {
  struct world_ctx c = {name, line0 > 0 ? line0 : 1, d, 0};
  size_t errors = d->nerrors;
  struct ms_ynode *root =
      ms_transcript_yaml_parse_at(name, yaml, len, c.line0, "world: ", d);
  if (d->nerrors > errors)
    return -1;
  struct world_patch p;
  memset(&p, 0, sizeof p);
  if (root) /* an empty document changes nothing */
    world_each_pair(&c, root, "a world", world_top_pair, &p);
  if (!c.errors)
    world_merge(w, &p);
  world_patch_free(&p);
  ms_transcript_yaml_free(root);
  return c.errors ? -1 : 0;
}

int ms_world_apply_file(struct ms_world *w, const char *path,
                        struct ms_diags *d) {
  size_t len;
  char *text = ms_read_file(path, WORLD_FILE_MAX, &len);
  if (!text) {
    ms_diags_add(d, false, path, 0, 0, "world: cannot read: %s",
                 strerror(errno));
    return -1;
  }
  int r = ms_world_apply_yaml(w, path, text, len, 1, d);
  free(text);
  return r;
}
