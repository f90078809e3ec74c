/* import_frame: one captured session framed into units by its protocol's
 * framer (import_smtp.c, import_pop3.c), the framing that fits chosen, and
 * the units of both directions laid out as one conversation.  Apart from
 * import_session.c so that the framers, which use its shared helpers, are
 * not called back from it (issue 16: no dependency circles). */
#include "import.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Interleave the two directions by the packet that completed each unit;
 * a reply never goes before the unit it answers (clocks and capture
 * points can disagree, the protocol cannot). */
static void frames_layout(struct ms_frames *f) {
  size_t n = f->n, nc = 0, ns = 0;
  size_t *c = xmalloc((n + 1) * sizeof *c), *s = xmalloc((n + 1) * sizeof *s);
  for (size_t i = 0; i < n; i++) {
    if (f->u[i].dir == MS_DIR_C2S)
      c[nc++] = i;
    else
      s[ns++] = i;
  }
  long *newpos = xmalloc((n + 1) * sizeof *newpos);
  for (size_t x = 0; x < n; x++)
    newpos[x] = -1; /* client units: where they went, once placed */
  struct ms_unit *out = xmalloc((n + 1) * sizeof *out);
  size_t i = 0, j = 0, k = 0;
  while (i < nc || j < ns) {
    bool take_client;
    if (j >= ns) {
      take_client = true;
    } else if (i >= nc) {
      take_client = false;
    } else {
      const struct ms_unit *su = &f->u[s[j]];
      bool owed = su->answers >= 0 && newpos[su->answers] < 0;
      take_client = owed || f->u[c[i]].frame <= su->frame;
    }
    size_t idx = take_client ? c[i++] : s[j++];
    if (take_client)
      newpos[idx] = (long)k;
    out[k++] = f->u[idx];
  }
  for (size_t x = 0; x < n; x++)
    if (out[x].kind == MS_U_REPLY && out[x].answers >= 0)
      out[x].answers = newpos[out[x].answers];
  free(f->u);
  f->u = out;
  f->cap = n + 1;
  free(newpos);
  free(c);
  free(s);
}

/* How badly a framing fits: replies without a readable code, and
 * replies that answer nothing (beyond a greeting). */
static size_t frames_misfit(const struct ms_frames *f, bool greeting) {
  size_t bad = 0, replies = 0;
  for (size_t i = 0; i < f->n; i++) {
    const struct ms_unit *u = &f->u[i];
    if (u->kind != MS_U_REPLY)
      continue;
    bad += u->code == 0;
    bad += u->answers < 0 && !(greeting && replies == 0);
    replies++;
  }
  return bad;
}

static void frames_protocol(const struct ms_imp_session *s, bool greeting,
                            struct ms_frames *out) {
  memset(out, 0, sizeof *out);
  if (s->proto == MS_PROTO_POP3)
    ms_import_pop3(s, greeting, out);
  else
    ms_import_smtp(s, greeting, out);
}

/* Frame S: SMTP and POP3 servers speak first (RFC 5321 §3.1, RFC 1939
 * §4), so the first reply is a greeting, unless the capture began
 * mid-session.  When the client's bytes come first in the capture, it
 * may be an early talker (the greeting follows) or a session whose
 * greeting is not in the capture: both framings are tried, and the one
 * whose replies fit their commands is kept. */
static void frames_choose(const struct ms_imp_session *s,
                          struct ms_frames *out) {
  const struct ms_imp_dir *c = &s->d[MS_DIR_C2S], *sv = &s->d[MS_DIR_S2C];
  bool client_first =
      c->nmarks && (!sv->nmarks || c->marks[0].frame < sv->marks[0].frame);
  if (!client_first || !sv->nmarks) {
    frames_protocol(s, !client_first || s->ci.saw_syn, out);
    return;
  }
  struct ms_frames g, ng;
  frames_protocol(s, true, &g);
  frames_protocol(s, false, &ng);
  size_t bg = frames_misfit(&g, true), bn = frames_misfit(&ng, false);
  bool take_g = bg < bn || (bg == bn && s->ci.saw_syn);
  *out = take_g ? g : ng;
  ms_frames_free(take_g ? &ng : &g);
}

void ms_import_frame(const struct ms_imp_session *s, struct ms_frames *out) {
  frames_choose(s, out);
  out->one_sided =
      s->d[0].len + s->d[0].ngaps == 0 || s->d[1].len + s->d[1].ngaps == 0;
  for (size_t i = 0; i < out->n; i++)
    if (out->u[i].kind == MS_U_GAP) {
      out->ngaps++;
      out->gap_bytes += out->u[i].gap_len;
    }
  frames_layout(out);
  /* RFC 2920: a command sent while an earlier one still awaits its reply */
  size_t owed = 0;
  for (size_t i = 0; i < out->n; i++) {
    const struct ms_unit *u = &out->u[i];
    if (u->dir == MS_DIR_C2S && u->expects) {
      if (owed > 0)
        out->pipelined = true;
      owed++;
    } else if (u->kind == MS_U_REPLY && u->answers >= 0 && owed > 0) {
      owed--;
    }
  }
}
