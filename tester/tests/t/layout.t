#!/bin/sh
# layout.t: the code's large-scale structure (issue 16), checked on the
# sources themselves: the layering of tester/README.md's map (the core
# includes no header of a folder; a folder none of another's), shown to
# pass on the tree and to catch a breach.  No network, no build.
. "$(dirname "$0")/../lib.sh"

DIRS="cli server traffic report"

# ---- layering --------------------------------------------------------------
# shellcheck disable=SC2086
(cd "$ROOT" && sh tester/layering.sh $DIRS) > "$OUT" 2> "$ERR"
is "$?" 0 "layering: the tree keeps tester/README.md's map"

# A copy of the tree with one breach of each kind must fail, naming file:line.
mkdir -p "$WORK/tree/tester"
cp -R "$ROOT/include" "$WORK/tree/"
cp "$ROOT"/tester/*.[ch] "$ROOT/tester/layering.sh" "$WORK/tree/tester/"
for d in $DIRS; do cp -R "$ROOT/tester/$d" "$WORK/tree/tester/"; done
printf '#include "srv.h"\n' >> "$WORK/tree/tester/buf.c"
printf '#include "import.h"\n' >> "$WORK/tree/tester/server/store.c"
printf '#include "srv.h"\n#include "report_tally.h"\n' >> "$WORK/tree/tester/cli/cli.c"
# shellcheck disable=SC2086
(cd "$WORK/tree" && sh tester/layering.sh $DIRS) > "$OUT" 2> "$ERR"
is "$?" 1 "layering: a breach fails"
like "@$ERR" '^tester/buf\.c:[0-9]+: includes "srv\.h" \(tester/server/srv\.h\)' \
  "... the core including the server's header, named file:line"
like "@$ERR" '^tester/server/store\.c:[0-9]+: includes "import\.h"' \
  "... a folder including another folder's header"
unlike "@$ERR" 'tester/cli/' "... the CLI, on top, may include anything"
