/* report: "-r FORMAT[:FILE]" parsing, dispatch to the writers, and
 * atomic report files: a report is written to a temporary file in the
 * same directory (created with O_EXCL|O_NOFOLLOW, so nothing planted
 * there is followed) and renamed over PATH, so a reader never sees half
 * a report and a symlink planted at PATH is refused, never followed. */
#include "mailspec/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static const char *const report_names[] = {
    [MS_REPORT_TEXT] = "text", [MS_REPORT_JUNIT] = "junit",
    [MS_REPORT_JSON] = "json", [MS_REPORT_TAP] = "tap",
    [MS_REPORT_HTML] = "html", [MS_REPORT_MD] = "md"};
#define REPORT_NFORMATS (sizeof report_names / sizeof report_names[0])

const char *ms_report_format_name(enum ms_report_format f) {
  if ((unsigned)f >= REPORT_NFORMATS)
    return "?";
  return report_names[f];
}

int ms_report_spec_parse(const char *spec, enum ms_report_format *fmt,
                         char **file, char *err, size_t errlen) {
  *file = NULL;
  const char *colon = strchr(spec, ':');
  size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
  size_t i;
  for (i = 0; i < REPORT_NFORMATS; i++)
    if (strlen(report_names[i]) == n && strncmp(spec, report_names[i], n) == 0)
      break;
  if (i == REPORT_NFORMATS) {
    snprintf(err, errlen,
             "unknown report format '%.*s' (expected text, junit, json, tap, "
             "html or md)",
             (int)(n > 32 ? 32 : n), spec);
    return -1;
  }
  *fmt = (enum ms_report_format)i;
  if (!colon || strcmp(colon + 1, "-") == 0)
    return 0;
  if (colon[1] == '\0') {
    snprintf(err, errlen,
             "report '%s': empty file name after ':' (use "
             "FORMAT or FORMAT:- for stdout)",
             spec);
    return -1;
  }
  *file = xstrdup(colon + 1);
  return 0;
}

int ms_report_write(enum ms_report_format f, const struct ms_run_result *r,
                    FILE *out, const struct ms_report_opts *o) {
  switch (f) {
  case MS_REPORT_TEXT:
    return ms_report_text(r, out, o);
  case MS_REPORT_JUNIT:
    return ms_report_junit(r, out, o);
  case MS_REPORT_JSON:
    return ms_report_json(r, out, o);
  case MS_REPORT_TAP:
    return ms_report_tap(r, out, o);
  case MS_REPORT_HTML:
    return ms_report_html(r, out, o);
  case MS_REPORT_MD:
    return ms_report_md(r, out, o);
  }
  errno = EINVAL;
  return -1;
}

/* A new file next to PATH: DIR/.BASE.XXXXXX, created exclusively. */
static int report_tmp(const char *path, char **tmp) {
  const char *slash = strrchr(path, '/');
  size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
  const char *base = path + dlen;
  unsigned seed = (unsigned)getpid() ^ (unsigned)(ms_now() * 1e6);
  for (int tries = 0; tries < 100; tries++) {
    seed = seed * 1103515245u + 12345u;
    *tmp = xasprintf("%.*s.%s.%06x", (int)dlen, path, base, seed & 0xffffff);
    int fd =
        open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0)
      return fd;
    int e = errno;
    free(*tmp);
    *tmp = NULL;
    errno = e;
    if (e != EEXIST)
      return -1;
  }
  errno = EEXIST;
  return -1;
}

static int report_fail(char *err, size_t errlen, const char *path,
                       const char *what) {
  int e = errno;
  snprintf(err, errlen, "cannot write report %s: %s%s%s", path, what,
           e ? ": " : "", e ? strerror(e) : "");
  errno = e;
  return -1;
}

struct report_job {
  enum ms_report_format f;
  const struct ms_run_result *r;
  const struct ms_report_opts *o;
};

static int report_job_write(FILE *out, void *ctx) {
  const struct report_job *j = ctx;
  return ms_report_write(j->f, j->r, out, j->o);
}

int ms_report_write_file(enum ms_report_format f, const struct ms_run_result *r,
                         const char *path, const struct ms_report_opts *o,
                         char *err, size_t errlen) {
  struct report_job j = {f, r, o};
  return ms_report_write_path(path, report_job_write, &j, err, errlen);
}

int ms_report_write_path(const char *path, int (*write)(FILE *, void *),
                         void *ctx, char *err, size_t errlen) {
  struct stat st;
  if (lstat(path, &st) == 0) {
    errno = 0;
    if (S_ISLNK(st.st_mode)) {
      errno = ELOOP;
      return report_fail(err, errlen, path,
                         "it is a symbolic link "
                         "(refusing to follow it)");
    }
    if (!S_ISREG(st.st_mode)) {
      errno = EINVAL;
      return report_fail(err, errlen, path, "not a regular file");
    }
  }
  char *tmp = NULL;
  int fd = report_tmp(path, &tmp);
  if (fd < 0)
    return report_fail(err, errlen, path, "cannot create a temporary file");
  FILE *out = fdopen(fd, "w");
  if (!out) {
    close(fd);
    unlink(tmp);
    free(tmp);
    return report_fail(err, errlen, path, "fdopen");
  }
  int rc = write(out, ctx);
  if (fflush(out) != 0 || ferror(out))
    rc = -1;
  if (rc == 0 && fsync(fileno(out)) != 0 && errno != EINVAL)
    rc = -1;
  int saved = errno;
  if (fclose(out) != 0 && rc == 0) {
    rc = -1;
    saved = errno;
  }
  if (rc == 0 && rename(tmp, path) != 0) {
    rc = -1;
    saved = errno;
  }
  if (rc != 0) {
    unlink(tmp);
    free(tmp);
    errno = saved;
    return report_fail(err, errlen, path, "write failed");
  }
  free(tmp);
  return 0;
}
