/* report_svg: see report_svg.h.  Layout is a list of rows computed in
 * one pass: each row is an arrow (client->server or server->client), a
 * note, or a row of the expected/got comparison box. */
#include "report_svg.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "report_diff.h"
#include "util.h"

#define SVG_W 900
#define SVG_CLIENT_X 170
#define SVG_SERVER_X 860
#define SVG_ROW 20
#define SVG_TOP 44

struct svg_state {
  FILE *out;
  const struct ms_transcript_result *t;
  int y; /* baseline of the next row */
};

/* Write S (one line) as escaped text of at most MAX characters. */
static void svg_label(FILE *out, const char *s, size_t len, size_t max) {
  char *line = xstrndup(s, len);
  char *clean = ms_esc_plain_dup(line, false);
  size_t n = 0;
  char *p = clean;
  while (*p && n < max) {
    size_t adv;
    ms_utf8_decode((const unsigned char *)p, strlen(p), &adv);
    p += adv;
    n++;
  }
  bool cut = *p != '\0';
  *p = '\0';
  ms_esc_xml(out, clean, false);
  if (cut)
    fputs("\u2026", out);
  free(clean);
  free(line);
}

static const char *svg_colour(enum ms_verdict v) {
  switch (v) {
  case MS_FAIL:
    return "#c62828";
  case MS_ERROR:
  case MS_NOTRUN:
    return "#ef6c00";
  case MS_WAIVED:
    return "#6a1b9a";
  case MS_SKIP:
    return "#757575";
  case MS_PASS:
    break;
  }
  return "#37474f";
}

/* One arrow with its label; TO_SERVER: left to right. */
static void svg_arrow(struct svg_state *st, bool to_server, const char *text,
                      size_t len, const char *colour, bool bold) {
  int y = st->y, x1 = to_server ? SVG_CLIENT_X : SVG_SERVER_X;
  int x2 = to_server ? SVG_SERVER_X : SVG_CLIENT_X;
  int head = to_server ? -8 : 8;
  fprintf(st->out,
          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
          "stroke-width=\"%s\"/>"
          "<polygon points=\"%d,%d %d,%d %d,%d\" fill=\"%s\"/>",
          x1, y, x2, y, colour, bold ? "2" : "1", x2, y, x2 + head, y - 4,
          x2 + head, y + 4, colour);
  fprintf(st->out, "<text x=\"%d\" y=\"%d\" class=\"%s\" fill=\"%s\">",
          SVG_CLIENT_X + 8, y - 5, to_server ? "c" : "s", colour);
  svg_label(st->out, text, len, MS_SVG_MAX_LABEL);
  fputs("</text>\n", st->out);
  st->y += SVG_ROW;
}

static void svg_note(struct svg_state *st, const char *fmt_text) {
  fprintf(st->out, "<text x=\"%d\" y=\"%d\" class=\"n\">", SVG_CLIENT_X + 8,
          st->y - 5);
  ms_esc_xml(st->out, fmt_text, false);
  fputs("</text>\n", st->out);
  st->y += SVG_ROW;
}

static size_t svg_count_lines(const char *s) {
  size_t n = s && *s ? 1 : 0;
  for (; s && *s; s++)
    n += *s == '\n' && s[1];
  return n;
}

/* Arrows for every line of TEXT (at most MAX, 0 = all). */
static void svg_lines(struct svg_state *st, const char *text, bool to_server,
                      const char *colour, bool bold, size_t max) {
  size_t n = 0, total = svg_count_lines(text);
  for (const char *p = text; p && *p; n++) {
    if (max && n == max) {
      char *note =
          xasprintf("\u2026 %zu more lines (full text below)", total - n);
      svg_note(st, note);
      free(note);
      return;
    }
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    svg_arrow(st, to_server, p, len, colour, bold);
    p = nl ? nl + 1 : p + len;
  }
}

/* The red box: expected (left) and got (right), line by line. */
static void svg_compare(struct svg_state *st, const struct ms_step_result *s,
                        const char *colour) {
  size_t ne = svg_count_lines(s->expected), ng = svg_count_lines(s->got);
  size_t rows = ne > ng ? ne : ng;
  if (rows > MS_SVG_MAX_REPLY_LINES)
    rows = MS_SVG_MAX_REPLY_LINES;
  int top = st->y - SVG_ROW + 6, mid = (SVG_CLIENT_X + SVG_SERVER_X) / 2;
  fprintf(
      st->out,
      "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%zu\" fill=\"#ffebee\" "
      "stroke=\"%s\"/>\n",
      SVG_CLIENT_X, top, SVG_SERVER_X - SVG_CLIENT_X, (rows + 1) * SVG_ROW + 4,
      colour);
  fprintf(st->out,
          "<text x=\"%d\" y=\"%d\" class=\"h\" fill=\"%s\">expected</text>"
          "<text x=\"%d\" y=\"%d\" class=\"h\" fill=\"%s\">got</text>\n",
          SVG_CLIENT_X + 8, st->y, colour, mid + 8, st->y, colour);
  const char *e = s->expected ? s->expected : "",
             *g = s->got ? s->got : "(no reply)";
  for (size_t i = 0; i < rows; i++) {
    st->y += SVG_ROW;
    const char *cols[2] = {e, g};
    for (int c = 0; c < 2; c++) {
      const char *nl = strchr(cols[c], '\n');
      size_t len = nl ? (size_t)(nl - cols[c]) : strlen(cols[c]);
      fprintf(st->out, "<text x=\"%d\" y=\"%d\" fill=\"%s\">",
              c ? mid + 8 : SVG_CLIENT_X + 8, st->y, colour);
      svg_label(st->out, cols[c], len, 46);
      fputs("</text>", st->out);
      cols[c] = nl ? nl + 1 : cols[c] + len;
    }
    e = cols[0], g = cols[1];
    fputc('\n', st->out);
  }
  st->y += SVG_ROW + 10;
}

static void svg_step(struct svg_state *st, const struct ms_step_result *s) {
  bool bad = s->verdict != MS_PASS;
  const char *colour = svg_colour(s->verdict);
  fprintf(st->out,
          "<text x=\"8\" y=\"%d\" class=\"l\" fill=\"%s\">line %d %s</text>\n",
          st->y - 5, colour, s->line, bad ? ms_verdict_name(s->verdict) : "");
  svg_lines(st, s->sent, true, bad ? colour : "#1565c0", bad, 0);
  if (s->got)
    svg_lines(st, s->got, false, colour, bad, MS_SVG_MAX_REPLY_LINES);
  else
    svg_note(st, "(no reply)");
  if (bad)
    svg_compare(st, s, colour);
  for (size_t i = 0; i < s->nfindings; i++) {
    char *note =
        xasprintf("! %s", s->findings[i].what ? s->findings[i].what : "");
    svg_note(st, note);
    free(note);
  }
}

/* Rows the diagram needs, to size the SVG before drawing. */
static size_t svg_rows(const struct ms_transcript_result *t) {
  size_t rows = 0;
  for (size_t i = 0; i < t->nsteps; i++) {
    const struct ms_step_result *s = &t->steps[i];
    size_t g = svg_count_lines(s->got);
    rows += svg_count_lines(s->sent) + s->nfindings;
    rows += g == 0                       ? 1
            : g > MS_SVG_MAX_REPLY_LINES ? MS_SVG_MAX_REPLY_LINES + 1
                                         : g;
    if (s->verdict != MS_PASS) {
      size_t e = svg_count_lines(s->expected), c = e > g ? e : g;
      rows += (c > MS_SVG_MAX_REPLY_LINES ? MS_SVG_MAX_REPLY_LINES : c) + 2;
    }
  }
  return rows;
}

void ms_report_svg_ladder(FILE *out, const struct ms_transcript_result *t) {
  struct svg_state st = {out, t, SVG_TOP + SVG_ROW};
  int h = SVG_TOP + (int)(svg_rows(t) + 2) * SVG_ROW;
  fprintf(out,
          "<svg class=\"ladder\" "
          "role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
          SVG_W, h, SVG_W, h);
  fprintf(out,
          "<text x=\"%d\" y=\"18\" class=\"h\" text-anchor=\"middle\">client "
          "(mailspec) %s</text>"
          "<text x=\"%d\" y=\"18\" class=\"h\" text-anchor=\"end\">server "
          "%s</text>\n",
          SVG_CLIENT_X, ms_report_diff_client_of(t), SVG_SERVER_X,
          ms_report_diff_server_of(t));
  fprintf(
      out,
      "<line x1=\"%d\" y1=\"26\" x2=\"%d\" y2=\"%d\" stroke=\"#90a4ae\"/>"
      "<line x1=\"%d\" y1=\"26\" x2=\"%d\" y2=\"%d\" stroke=\"#90a4ae\"/>\n",
      SVG_CLIENT_X, SVG_CLIENT_X, h - 4, SVG_SERVER_X, SVG_SERVER_X, h - 4);
  for (size_t i = 0; i < t->nsteps; i++)
    svg_step(&st, &t->steps[i]);
  fputs("</svg>\n", out);
}
