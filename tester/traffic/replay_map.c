/* replay_map: see replay_map.h. */
#include "replay_map.h"

#include <stdlib.h>
#include <string.h>

#include "mailspec/proto.h"
#include "mailspec/report.h"
#include "net.h"
#include "util.h"

void ms_replay_map_add(struct ms_replay_map *m,
                       const struct ms_import_written *w) {
  xgrow((void **)&m->v, &m->cap, m->n, sizeof *m->v);
  struct ms_replay_item *it = &m->v[m->n++];
  memset(it, 0, sizeof *it);
  it->path = xstrdup(w->path);
  it->capture = w->capture ? xstrdup(w->capture) : NULL;
  it->session = w->session;
  it->proto = w->proto;
  if (w->frames && w->nlines) {
    it->frames = xmalloc(w->nlines * sizeof *it->frames);
    memcpy(it->frames, w->frames, w->nlines * sizeof *it->frames);
    it->nlines = w->nlines;
  }
}

static int map_cmp(const void *a, const void *b) {
  return strcmp(((const struct ms_replay_item *)a)->path,
                ((const struct ms_replay_item *)b)->path);
}

void ms_replay_map_sort(struct ms_replay_map *m) {
  if (m->n > 1) /* qsort's base must not be NULL, even for 0 items */
    qsort(m->v, m->n, sizeof *m->v, map_cmp);
}

void ms_replay_map_free(struct ms_replay_map *m) {
  for (size_t i = 0; i < m->n; i++) {
    free(m->v[i].path);
    free(m->v[i].capture);
    free(m->v[i].frames);
  }
  free(m->v);
  memset(m, 0, sizeof *m);
}

int ms_replay_greeting(const char *host, const char *port, double timeout,
                       volatile sig_atomic_t *stop, enum ms_protocol *proto,
                       char *greet, size_t greetlen) {
  char err[256], buf[513];
  greet[0] = '\0';
  int fd = ms_net_connect(host, port, timeout, stop, err, sizeof err);
  if (fd < 0)
    return 0;
  size_t n = 0;
  double end = ms_now() + timeout;
  while (n < sizeof buf - 1 && !memchr(buf, '\n', n)) {
    double left = end - ms_now();
    ssize_t r = left > 0 ? ms_net_recv(fd, buf + n, sizeof buf - 1 - n, left,
                                       stop, err, sizeof err)
                         : MS_NET_TIMEOUT;
    if (r <= 0)
      break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  char *lf = strchr(buf, '\n');
  int known = 0;
  if (lf) {
    *lf = '\0';
    if (lf > buf && lf[-1] == '\r')
      lf[-1] = '\0';
    if (ms_smtp_reply_line(buf)) {
      *proto = MS_PROTO_SMTP;
      known = 1;
    } else if (ms_pop3_status_line(buf)) {
      *proto = MS_PROTO_POP3;
      known = 1;
    }
    char *safe = ms_report_text_safe(buf, strlen(buf) > 60 ? 60 : strlen(buf));
    snprintf(greet, greetlen, "%s", safe);
    free(safe);
  }
  if (known) /* both protocols end a session with QUIT */
    ms_net_send_all(fd, "QUIT\r\n", 6, timeout, stop, err, sizeof err);
  ms_net_close(fd);
  return known;
}

static const struct ms_replay_item *map_find(const struct ms_replay_map *m,
                                             const char *path) {
  for (size_t i = 0; path && i < m->n; i++)
    if (strcmp(m->v[i].path, path) == 0)
      return &m->v[i];
  return NULL;
}

/* The frame of line LINE (the nearest line above it that has one). */
static uint64_t map_frame(const struct ms_replay_item *it, int line) {
  for (long l = line; l >= 1; l--)
    if ((size_t)l <= it->nlines && it->frames[l - 1])
      return it->frames[l - 1];
  return 0;
}

void ms_replay_map_results(const struct ms_replay_map *m, bool keep,
                           struct ms_run_result *res, bool known,
                           enum ms_protocol proto, const char *reason) {
  for (size_t i = 0; i < res->n; i++) {
    struct ms_transcript_result *t = &res->v[i];
    const struct ms_replay_item *it = map_find(m, t->path);
    if (!it)
      continue;
    if (known && t->verdict == MS_SKIP && t->protocol != proto && reason) {
      free(t->reason);
      t->reason = xstrdup(reason);
    }
    if (!it->capture)
      continue;
    free(t->pcap);
    t->pcap = xstrdup(it->capture);
    if (keep)
      continue;
    for (size_t k = 0; k < t->nsteps; k++)
      t->steps[k].line = (int)map_frame(it, t->steps[k].line);
    free(t->path);
    t->path = xstrdup(it->capture);
  }
}
