/* escape: bytes from a server or a transcript made safe for each report
 * format.  Everything here accepts arbitrary bytes (NUL-terminated) and
 * always writes valid UTF-8: an invalid sequence becomes U+FFFD, and C0
 * controls that a format cannot carry become their visible Control
 * Pictures (U+2400 block), so that XML 1.0 (which has no way at all to
 * write most of them, §2.2 Char) stays well-formed. */
#ifndef MS_ESCAPE_H
#define MS_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Decode one UTF-8 sequence at S (LEN > 0 bytes available).  Returns
 * the code point and sets *N to its length; returns -1 with *N = 1 for
 * an invalid byte (RFC 3629 §3: overlongs, surrogates, > U+10FFFF and
 * truncated sequences are invalid). */
long ms_utf8_decode(const unsigned char *s, size_t len, size_t *n);
/* Append code point CP as UTF-8 to BUF (at least 4 bytes); returns the
 * number of bytes written. */
size_t ms_utf8_encode(unsigned long cp, char *buf);
/* Number of code points in S after cleaning (for layout). */
size_t ms_utf8_width(const char *s);

/* Plain UTF-8 text: invalid bytes -> U+FFFD, C0 controls and DEL ->
 * control pictures, except '\n' and '\t' when KEEP_NL_TAB. */
void ms_esc_plain(FILE *out, const char *s, bool keep_nl_tab);
/* The same into a new string (caller frees). */
char *ms_esc_plain_dup(const char *s, bool keep_nl_tab);

/* XML 1.0 / HTML text or attribute content: & < > " ' as entities; in an
 * attribute (ATTR) '\n' and '\t' as character references so attribute
 * value normalisation keeps them (XML §3.3.3). */
void ms_esc_xml(FILE *out, const char *s, bool attr);

/* A JSON string with its quotes (RFC 8259 §7); NULL -> null.  Lossless
 * for valid UTF-8 without NUL; invalid bytes -> U+FFFD. */
void ms_esc_json(FILE *out, const char *s);

/* A YAML double-quoted scalar with its quotes (YAML 1.2 §7.3.1), in the
 * subset TAP::Parser::YAMLish reads: \\ \" \n \t \r \xNN. */
void ms_esc_yaml(FILE *out, const char *s);

/* TAP test description: no newline, '#' and '\' escaped (TAP 13). */
void ms_esc_tap(FILE *out, const char *s);

/* Markdown inline text (CommonMark): punctuation that could start
 * markup backslash-escaped, '<' and '&' as entities (no raw HTML),
 * newlines as spaces. */
void ms_esc_md(FILE *out, const char *s);
/* A backtick fence longer than any run of backticks in S (CommonMark
 * §4.5: the closing fence must be at least as long as the opening). */
size_t ms_esc_fence_len(const char *s);

#endif
