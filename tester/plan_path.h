/* plan_path: lexical path clean-up and joining (see plan_path.c); the
 * join is public as ms_plan_path_join (mailspec/transcript.h). */
#ifndef MS_PLAN_PATH_H
#define MS_PLAN_PATH_H

/* "a/./b" -> "a/b", "a/x/../b" -> "a/b", "a//b" -> "a/b"; leading ".."
 * of a relative path stay, "/.." is "/".  Caller frees. */
char *ms_plan_path_clean(const char *path);

#endif
