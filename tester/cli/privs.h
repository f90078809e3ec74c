/* privs: what `run --pcap` keeps of root (issue 8).  It opens a capture
 * per transcript, so it cannot give up the right to capture after the
 * first one; everything else a root process could do goes. */
#ifndef MS_PRIVS_H
#define MS_PRIVS_H

#include <stddef.h>

/* As root: keep only CAP_NET_RAW (captures) and the file capabilities
 * that writing reports where root could needs (DAC_OVERRIDE,
 * DAC_READ_SEARCH, FOWNER), in the effective, permitted and bounding
 * sets, and set no_new_privs.  Call before any thread starts: Linux
 * capabilities are per thread, and new threads inherit them.  1 dropped,
 * 0 not root (nothing to do), -1 with ERR. */
int ms_privs_keep_capture(char *err, size_t errlen);

/* The calling thread's effective capability mask (/proc/self/status
 * CapEff), or -1. */
long long ms_privs_effective(void);

#endif
