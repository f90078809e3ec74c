#!/bin/sh
# demo.sh: `make demo`, the main job in one command: replay the bundled
# RFC 821 Appendix F scenarios against the reference server (-t builtin,
# started in-process), showing every exchange live (-v).
set -eu
cd "$(dirname "$0")/.."
echo "mailspec demo: RFC 821 Appendix F, replayed against the reference server"
echo "\$ ./mailspec run -v -t builtin transcripts/rfc821"
exec ./mailspec run -v -t builtin transcripts/rfc821
