/* srv_smtp_hdr: the header fields a faulty reference server refuses a
 * message over.  The conforming server never looks at them: RFC 5321
 * §3.3 "MUST NOT reject messages in which the numbers of Resent-header
 * fields do not match or Resent-to appears without Resent-from and/or
 * Resent-date", §3.7.2 "MUST NOT reject mail based on the format of a
 * trace header field", §4.5.3.1.8 (relays MUST NOT, delivery servers
 * SHOULD NOT validate header fields).  Only the faults reject-resent,
 * reject-bad-trace and check-headers call this.  Pure and bounded: the
 * header section is read up to its first empty line. */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "srv.h"
#include "srv_smtp.h"

struct hdr_count {
  unsigned resent_from, resent_to, resent_date;
  bool bad_received, not_a_field;
};

/* A Received: field ends with "; date-time" (RFC 5321 §4.4: the
 * time-stamp after the semicolon); one without a semicolon is "bad". */
static void hdr_field(const char *f, size_t n, struct hdr_count *c) {
  static const struct {
    const char *name;
    size_t off;
  } names[] = {
      {"resent-from:", offsetof(struct hdr_count, resent_from)},
      {"resent-to:", offsetof(struct hdr_count, resent_to)},
      {"resent-date:", offsetof(struct hdr_count, resent_date)},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    size_t k = strlen(names[i].name);
    if (n >= k && strncasecmp(f, names[i].name, k) == 0)
      (*(unsigned *)((char *)c + names[i].off))++;
  }
  if (n >= 9 && strncasecmp(f, "received:", 9) == 0 && !memchr(f, ';', n))
    c->bad_received = true;
  if (!memchr(f, ':', n)) /* RFC 5322 §2.2: a field is name ":" body */
    c->not_a_field = true;
}

/* Fields with their folded continuation lines, up to the empty line. */
static void hdr_scan(const char *m, size_t len, struct hdr_count *c) {
  size_t i = 0, start = 0;
  while (i < len) {
    const char *nl = memchr(m + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - m) : len;
    size_t n = end - i;
    if (n && m[i + n - 1] == '\r')
      n--;
    if (n == 0)
      break; /* the end of the header section */
    bool cont = m[i] == ' ' || m[i] == '\t';
    if (!cont && i > start)
      hdr_field(m + start, i - start, c);
    if (!cont)
      start = i;
    i = end + 1;
  }
  if (i > start && start < len)
    hdr_field(m + start, (i < len ? i : len) - start, c);
}

const char *srv_smtp_hdr_refusal(const struct ms_faults *f, const char *msg,
                                 size_t len) {
  struct hdr_count c = {0};
  hdr_scan(msg ? msg : "", msg ? len : 0, &c);
  if (ms_fault_on(f, MS_F_REJECT_RESENT) &&
      (c.resent_from != c.resent_to || c.resent_from != c.resent_date ||
       (c.resent_to && (!c.resent_from || !c.resent_date))))
    return "Resent- header fields do not match"; /* §3.3 forbids */
  if (ms_fault_on(f, MS_F_REJECT_BAD_TRACE) && c.bad_received)
    return "malformed Received: header field"; /* §3.7.2 forbids */
  if (ms_fault_on(f, MS_F_CHECK_HEADERS) && c.not_a_field)
    return "a header line that is not a field"; /* §4.5.3.1.8 */
  return NULL;
}
