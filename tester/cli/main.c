/* main: the mailspec CLI entry point; everything is in cli.c. */
#include "cmd.h"

int main(int argc, char **argv) {
  return ms_cli_main(argc, argv);
}
