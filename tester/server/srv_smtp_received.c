/* srv_smtp_received: the trace line the reference server puts on top of
 * what it delivers or relays (RFC 5321 §4.4: "it MUST insert trace
 * ("time stamp" or "Received") information at the beginning of the
 * message content"): FROM (the EHLO name and the address of the TCP
 * connection), BY, WITH (ESMTP, ESMTPS, ESMTPA, ESMTPSA: RFC 3848;
 * UTF8SMTP... after MAIL's SMTPUTF8: RFC 6531 §3.7.3), ID, FOR (one path,
 * only when there is one recipient) and a date-time with a numeric offset
 * and a four-digit year.  Shared by srv_smtp_deliver.c and
 * srv_smtp_relay.c; the Received faults (srv.h) break it on purpose. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "srv_smtp_deliver.h"
#include "srv_smtp_idn.h"

/* RFC 3848's WITH values: ESMTP, then S for TLS and A for AUTH. */
static const char *rcv_with(const struct srv_smtp_txn *t,
                            const struct ms_faults *f) {
  if (ms_fault_on(f, MS_F_RECEIVED_UNREGISTERED))
    return "XSMTP"; /* not in the mail parameters registry */
  if (!t->ehlo)
    return "SMTP";
  bool auth = t->auth && !ms_fault_on(f, MS_F_RECEIVED_NO_ESMTPA);
  if (t->params && t->params->smtputf8 && /* RFC 6531 §3.7.3 */
      !ms_fault_on(f, MS_F_RECEIVED_NO_UTF8SMTP))
    return t->tls ? (auth ? "UTF8SMTPSA" : "UTF8SMTPS")
                  : (auth ? "UTF8SMTPA" : "UTF8SMTP");
  return t->tls ? (auth ? "ESMTPSA" : "ESMTPS") : (auth ? "ESMTPA" : "ESMTP");
}

/* RFC 5322 §3.3 date-time, the server's local time with its numeric
 * offset (§4.4: "SHOULD use explicit offsets"), four-digit year (F.5). */
static void rcv_date(char *buf, size_t cap, time_t when,
                     const struct ms_faults *f) {
  struct tm tm;
  if (ms_fault_on(f, MS_F_RECEIVED_ZONE_NAME)) {
    gmtime_r(&when, &tm);
    strftime(buf, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  } else if (ms_fault_on(f, MS_F_RECEIVED_SHORT_YEAR)) {
    char head[24], tail[24]; /* obs-year: two digits (RFC 5322 §4.3) */
    localtime_r(&when, &tm);
    strftime(head, sizeof head, "%a, %d %b", &tm);
    strftime(tail, sizeof tail, "%H:%M:%S %z", &tm);
    snprintf(buf, cap, "%s %02d %s", head, tm.tm_year % 100, tail);
  } else if (ms_fault_on(f, MS_F_RECEIVED_ZONE_BARE)) {
    localtime_r(&when, &tm); /* §4.4: a zone name only in a comment */
    strftime(buf, cap, "%a, %d %b %Y %H:%M:%S %z %Z", &tm);
  } else {
    localtime_r(&when, &tm);
    strftime(buf, cap, "%a, %d %b %Y %H:%M:%S %z", &tm);
  }
}

char *srv_smtp_received(const struct srv_smtp_txn *t, const char *by,
                        const char *peer, time_t when, unsigned long id,
                        const struct ms_faults *f) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  ms_buf_addstr(&b, "Received:");
  if (!ms_fault_on(f, MS_F_RECEIVED_NO_FROM)) {
    /* From-domain: the EHLO name, then the TCP-info address literal */
    const char *helo = t->helo && *t->helo ? t->helo : "unknown";
    /* RFC 6531 §3.7.3: U-labels in an SMTPUTF8 message's trace field
     * (fault received-a-label: the A-labels as the client sent them) */
    char *u = t->params && t->params->smtputf8 &&
                      !ms_fault_on(f, MS_F_RECEIVED_A_LABEL)
                  ? srv_smtp_idn_ulabels(helo)
                  : NULL;
    helo = u ? u : helo;
    bool ip = peer && *peer && !ms_fault_on(f, MS_F_RECEIVED_NO_IP);
    if (ms_fault_on(f, MS_F_RECEIVED_NO_HELO) && ip)
      ms_buf_addf(&b, " from [%s%s]", strchr(peer, ':') ? "IPv6:" : "", peer);
    else if (ip)
      ms_buf_addf(&b, " from %s ([%s%s])", helo,
                  strchr(peer, ':') ? "IPv6:" : "", peer);
    else
      ms_buf_addf(&b, " from %s", helo);
    free(u);
    ms_buf_addstr(&b, "\r\n\t");
  } else {
    ms_buf_addstr(&b, " ");
  }
  if (!ms_fault_on(f, MS_F_RECEIVED_NO_BY)) /* By-domain: not optional */
    ms_buf_addf(&b, "by %s ", by);
  if (ms_fault_on(f, MS_F_RECEIVED_UTF8_ALWAYS)) /* RFC 6531 §3.7.3 */
    ms_buf_addstr(&b, "(r\xc3\xa9"
                      "ception) ");
  ms_buf_addf(&b, "with %s id ms%lu", rcv_with(t, f), id);
  if (ms_fault_on(f, MS_F_RECEIVED_FOR_ALL) && t->nrcpts > 1) {
    ms_buf_addstr(&b, "\r\n\tfor");
    for (size_t i = 0; i < t->nrcpts; i++)
      ms_buf_addf(&b, "%s <%s>", i ? "," : "", t->rcpts[i]);
  } else if (t->nrcpts == 1) { /* "exactly one <path> entry" */
    ms_buf_addf(&b, "\r\n\tfor <%s>", t->rcpts[0]);
  }
  char date[80];
  rcv_date(date, sizeof date, when, f);
  ms_buf_addf(&b, "; %s\r\n", date);
  return ms_buf_steal(&b, NULL);
}
