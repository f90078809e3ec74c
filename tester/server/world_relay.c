/* world_relay: the world of the reference server's own next hop (see
 * ms_world_next_hop in world.h).  The server relays mail for its
 * relay_route's domain to a second SMTP listener it runs on a loopback
 * port (server.c), sharing its store: this is that listener's world. */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "world.h"

struct ms_world *ms_world_next_hop(const struct ms_world *w) {
  if (!w->route_domain || !w->route_host)
    return NULL;
  struct ms_world *n = xcalloc(1, sizeof *n);
  n->hostname = xstrdup(w->route_host);
  n->domains = xcalloc(1, sizeof *n->domains);
  n->domains[0] = xstrdup(w->route_domain);
  n->ndomains = 1;
  /* Users that answer for every local domain are known at the route's
   * domain too; the others get 550 5.1.1 there. */
  n->users = xcalloc(w->nusers ? w->nusers : 1, sizeof *n->users);
  for (size_t i = 0; i < w->nusers; i++) {
    const struct ms_world_user *u = &w->users[i];
    if (u->domain || u->forward || u->fails_after_acceptance)
      continue;
    struct ms_world_user *c = &n->users[n->nusers++];
    c->name = xstrdup(u->name);
    c->fullname = u->fullname ? xstrdup(u->fullname) : NULL;
  }
  n->max_recipients = w->max_recipients ? w->max_recipients : 100;
  n->max_message = w->max_message;
  /* RFC 3461 §5.2.2 is about a next hop that does not support DSN: the
   * relay then issues the "relayed" and "failed" DSNs itself.  One that
   * does (route_dsn) gets the DSN parameters passed on (§5.2.1). */
  n->ehlo_off = xcalloc(1, sizeof *n->ehlo_off);
  if (!w->route_dsn) {
    n->ehlo_off[0] = xstrdup("DSN");
    n->nehlo_off = 1;
  }
  return n;
}
