/* main: the mailspec CLI entry point (placeholder until cli.c lands). */
#include <stdio.h>

#include "mailspec/mailspec.h"

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  printf("mailspec %s\n", MAILSPEC_VERSION);
  return 0;
}
