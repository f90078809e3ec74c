/* privs: capability reduction for the capture path (see privs.h).  The
 * uid stays 0, so that the files and directories the run writes keep
 * their owner and nothing about where reports may go changes; what goes
 * is the rest of root: kill, setuid, mount, modules, ptrace, raw I/O,
 * network administration, binding low ports, and exec gaining anything.
 * Raw syscalls: Debian's libcap is not a dependency worth adding for
 * two calls. */
#define _GNU_SOURCE
#include "privs.h"

#include <errno.h>
#include <stdbool.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PRIVS_MAX_CAP 63 /* above the kernel's last, prctl says EINVAL */

static int privs_kept(int cap) {
  return cap == CAP_NET_RAW || cap == CAP_DAC_OVERRIDE ||
         cap == CAP_DAC_READ_SEARCH || cap == CAP_FOWNER;
}

int ms_privs_keep_capture(char *err, size_t errlen) {
  if (geteuid() != 0)
    return 0;
  /* The bounding set first: dropping from it needs CAP_SETPCAP, which
   * the capset below gives up. */
  for (int cap = 0; cap <= PRIVS_MAX_CAP; cap++)
    if (!privs_kept(cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
        errno != EINVAL) {
      snprintf(err, errlen, "cannot drop capability %d: %s", cap,
               strerror(errno));
      return -1;
    }
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct now[_LINUX_CAPABILITY_U32S_3];
  struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
  memset(d, 0, sizeof d);
  if (syscall(SYS_capget, &h, now) != 0) {
    snprintf(err, errlen, "cannot read capabilities: %s", strerror(errno));
    return -1;
  }
  /* Of the kept ones, those this process has (a container's root may
   * lack some). */
  for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
    if (privs_kept(cap) &&
        (now[CAP_TO_INDEX(cap)].permitted & CAP_TO_MASK(cap))) {
      d[CAP_TO_INDEX(cap)].effective |= CAP_TO_MASK(cap);
      d[CAP_TO_INDEX(cap)].permitted |= CAP_TO_MASK(cap);
    }
  if (syscall(SYS_capset, &h, d) != 0) {
    snprintf(err, errlen, "cannot set capabilities: %s", strerror(errno));
    return -1;
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
    return -1;
  }
  return 1;
}

long long ms_privs_effective(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f)
    return -1;
  char line[256];
  unsigned long long v = 0;
  bool found = false;
  while (!found && fgets(line, sizeof line, f))
    found = sscanf(line, "CapEff: %llx", &v) == 1;
  fclose(f);
  return found ? (long long)v : -1;
}
