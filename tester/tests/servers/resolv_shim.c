/* resolv_shim.c: preloaded (LD_PRELOAD) into OpenSMTPD by opensmtpd.sh, so
 * that its resolver reads a private resolv.conf (nameserver 127.0.0.1)
 * without a mount namespace, which a chroot or an unprivileged container
 * cannot give.  fopen() and stat() of /etc/resolv.conf, the two calls of
 * OpenSMTPD's asr resolver (asr.c: asr_ctx_from_file, asr_check_reload),
 * use $MAILSPEC_RESOLV_CONF instead; every other path is untouched. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef FILE *(*shim_fopen_fn)(const char *, const char *);
typedef int (*shim_stat_fn)(const char *, struct stat *);

static const char *shim_path(const char *path) {
  const char *alt = getenv("MAILSPEC_RESOLV_CONF");
  if (alt && *alt && path && strcmp(path, "/etc/resolv.conf") == 0)
    return alt;
  return path;
}

FILE *fopen(const char *path, const char *mode) {
  shim_fopen_fn real = (shim_fopen_fn)dlsym(RTLD_NEXT, "fopen");
  return real(shim_path(path), mode);
}

FILE *fopen64(const char *path, const char *mode) {
  shim_fopen_fn real = (shim_fopen_fn)dlsym(RTLD_NEXT, "fopen64");
  return real(shim_path(path), mode);
}

int stat(const char *path, struct stat *st) {
  shim_stat_fn real = (shim_stat_fn)dlsym(RTLD_NEXT, "stat");
  return real(shim_path(path), st);
}
