/* fault: --fault NAME[:ARG] parsing (stub; implemented below soon). */
#include <string.h>

#include "srv.h"

bool ms_fault_known(const char *name) {
  (void)name;
  return false;
}

int ms_faults_parse(struct ms_faults *f, const char *const *names, size_t n,
                    char *err, size_t errlen) {
  (void)names;
  (void)n;
  (void)err;
  (void)errlen;
  memset(f, 0, sizeof *f);
  return 0;
}
