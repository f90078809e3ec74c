/* srv_smtp_drv: drives the reference server's pure SMTP session in the
 * unit tests of its extensions (check_srv_smtp_bdat.c, _utf8.c, _dsn.c):
 * command lines as the socket loop hands them over, chunk octets as
 * srv_session_ops.raw gets them, and what the session said since. */
#ifndef MS_SRV_SMTP_DRV_H
#define MS_SRV_SMTP_DRV_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv.h"
#include "srv_smtp.h"
#include "store.h"
#include "util.h"

struct xdrv {
  struct ms_world *w;
  struct ms_store *st;
  struct srv_ctx ctx;
  void *sess;
  struct ms_buf out;
  enum srv_action act;
  char last[8192];
};

/* An rfc5321 session after "EHLO client.example", with FAULT on (or
 * MS_F_NONE) and WORLD (YAML, or NULL) over the built-in world, its
 * greeting and EHLO reply read. */
static inline void xdrv_open_world(struct xdrv *d, enum ms_fault fault,
                                   const char *world) {
  memset(d, 0, sizeof *d);
  d->w = ms_world_builtin();
  if (world) {
    struct ms_diags dg = {0};
    ck_assert_int_eq(
        ms_world_apply_yaml(d->w, "t.yaml", world, strlen(world), 1, &dg), 0);
    ms_diags_free(&dg);
  }
  d->st = ms_store_new(d->w, NULL);
  d->ctx.world = d->w;
  d->ctx.profile = MS_PROFILE_RFC5321;
  d->ctx.auth = true; /* AUTH offered, as by mailspec serve */
  ms_fault_set(&d->ctx.faults, fault);
  d->ctx.store = d->st;
  ms_buf_init(&d->out, 1u << 20);
  d->sess = ms_srv_smtp_ops.open(&d->ctx, &d->out, &d->act);
  d->act =
      ms_srv_smtp_ops.line(d->sess, "EHLO client.example", 19, true, &d->out);
  ms_buf_reset(&d->out);
}

static inline void xdrv_open(struct xdrv *d, enum ms_fault fault) {
  xdrv_open_world(d, fault, NULL);
}

static inline const char *xdrv_said(struct xdrv *d) {
  snprintf(d->last, sizeof d->last, "%s", d->out.p ? d->out.p : "");
  ms_buf_reset(&d->out);
  return d->last;
}

/* One command line (CRLF-ended on the wire). */
static inline const char *xdrv(struct xdrv *d, const char *line) {
  d->act = ms_srv_smtp_ops.line(d->sess, line, strlen(line), true, &d->out);
  return xdrv_said(d);
}

/* Octets as the connection hands them over: raw while the session wants
 * them (a BDAT chunk), the rest as CRLF-ended lines. */
static inline const char *xdrv_bytes(struct xdrv *d, const char *p, size_t n) {
  while (n) {
    size_t want = ms_srv_smtp_ops.raw_want(d->sess);
    if (want) {
      size_t k = n < want ? n : want;
      d->act = ms_srv_smtp_ops.raw(d->sess, p, k, &d->out);
      p += k;
      n -= k;
      continue;
    }
    const char *lf = memchr(p, '\n', n);
    ck_assert_msg(lf && lf > p && lf[-1] == '\r', "xdrv_bytes: not a line");
    d->act =
        ms_srv_smtp_ops.line(d->sess, p, (size_t)(lf - 1 - p), true, &d->out);
    n -= (size_t)(lf + 1 - p);
    p = lf + 1;
  }
  return xdrv_said(d);
}

#define XBYTES(d, lit) xdrv_bytes(d, lit, sizeof lit - 1)
#define XCODE(d, line, code) ck_assert_int_eq(atoi(xdrv(d, line)), code)

/* A MAIL line of TOTAL octets with its CRLF (at most 2047): an AUTH=
 * value padded with "a", then " PARAM" (RFC 4954 §3's 500 octets and the
 * parameter's own allowance). */
static inline const char *xdrv_long_mail(char *buf, size_t total,
                                         const char *param) {
  const char *head = "MAIL FROM:<a@example.org> AUTH=";
  size_t h = strlen(head), p = strlen(param) + 1, n = total - 2;
  ck_assert(n > h + p && n < 2048);
  memcpy(buf, head, h);
  memset(buf + h, 'a', n - h - p);
  buf[n - p] = ' ';
  memcpy(buf + n - p + 1, param, p - 1);
  buf[n] = '\0';
  return buf;
}

static inline void xdrv_close(struct xdrv *d) {
  ms_srv_smtp_ops.close(d->sess);
  ms_store_free(d->st);
  ms_world_free(d->w);
  ms_buf_free(&d->out);
}

#endif
