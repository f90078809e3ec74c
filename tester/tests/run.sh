#!/bin/sh
# run.sh BUILD: what `make check` runs after building: the Check unit tests
# ($BUILD/check_mailspec), then the integration tests (prove tester/tests/t).
# Exits non-zero if anything failed; the last lines are the runners' own
# summaries (Check's, then prove's).
# Environment: CI=true makes a real server that cannot start a failure;
# PROVE_ARGS overrides prove's options (default -v); T=name.t runs just one;
# T_TIMEOUT (default 900) bounds each test file, in seconds.
set -u
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 2

heading() {
  printf '\n==== %s ====\n\n' "$1"
}

UNIT_RC=0
heading "unit tests: $BUILD/check_mailspec"
if [ -x "$BUILD/check_mailspec" ]; then
  # CK_FORK stays on: a crash in one test is a failed test, not a dead run.
  "$BUILD/check_mailspec" || UNIT_RC=$?
else
  echo "run.sh: $BUILD/check_mailspec not built (make $BUILD/check_mailspec)" >&2
  UNIT_RC=1
fi

if [ $UNIT_RC = 0 ]; then UNIT_SAYS="unit tests passed"; else UNIT_SAYS="UNIT TESTS FAILED (exit $UNIT_RC), see above"; fi
heading "integration tests: prove tester/tests/t/ ($UNIT_SAYS)"
echo "real servers on 127.0.0.1, ports 21000-21999"
[ "${CI:-}" = true ] && echo "CI=true: a real server that cannot start fails its test"
INT_RC=0
if [ -n "${T:-}" ]; then
  set -- "tester/tests/t/$T"
else
  set -- tester/tests/t/
fi
# Build flavour of the tests' mailspec: the one just built.
MAILSPEC=$ROOT/$BUILD/mailspec
[ -x "$MAILSPEC" ] || MAILSPEC=$ROOT/mailspec
export MAILSPEC
# shellcheck disable=SC2086
# A watchdog per test file (not a timed assertion): a hung test is killed,
# with everything it started (timeout signals its process group), and
# shows up as "exited 124" instead of stalling CI forever.
T_TIMEOUT=${T_TIMEOUT:-900}
export T_TIMEOUT
echo "each test file is stopped after ${T_TIMEOUT}s, detection.t after twice that (exit 124 in the summary)"
prove --exec "/bin/sh $HERE/watchdog.sh" ${PROVE_ARGS:--v} "$@" || INT_RC=$?

[ $UNIT_RC = 0 ] && [ $INT_RC = 0 ]
