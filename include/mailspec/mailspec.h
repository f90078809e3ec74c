/* mailspec: SMTP/POP3 conformance tester and traffic replayer.
 * Umbrella header of the engine library (libmailspec.a). */
#ifndef MAILSPEC_MAILSPEC_H
#define MAILSPEC_MAILSPEC_H

#define MAILSPEC_VERSION "0.1.0"

/* Exit statuses of the CLI: stable, scripts depend on them. */
enum ms_exit {
  MS_EXIT_PASS = 0,  /* all passed (skips and waivers allowed) */
  MS_EXIT_FAIL = 1,  /* at least one FAIL */
  MS_EXIT_USAGE = 2, /* usage error or invalid transcript/suite */
  MS_EXIT_ERROR = 3  /* nothing failed, something could not be judged */
};

#include "mailspec/proto.h"
#include "mailspec/reply.h"
#include "mailspec/transcript.h"
#include "mailspec/result.h"
#include "mailspec/engine.h"
#include "mailspec/report.h"
#include "mailspec/server.h"

#endif
