/* world_pop3: the POP3 part of the built-in world (placeholder). */
#include "world.h"

void ms_world_builtin_pop3(struct ms_world *w) {
  (void)w;
}
