#!/bin/sh
# proto_branches.sh [DIR [MAX]]: the places in the sources under DIR
# (default: tester/ of this checkout, its tests, fuzz and bench folders
# left out) that branch on the protocol outside the protocol modules
# (proto*.c): "== MS_PROTO_", "!= MS_PROTO_" and "case MS_PROTO_".  Each
# protocol's facts live in its table of operations (struct ms_proto_ops,
# tester/proto_smtp.c and tester/proto_pop3.c); the rest of the code asks
# the table (issue 16: at most 20 such places).  Prints each place and the
# count; exits 1 above MAX (default 20).
set -u
DIR=${1:-$(cd "$(dirname "$0")/.." && pwd)}
MAX=${2:-20}
LIST=$(find "$DIR" -name '*.c' ! -name 'proto*.c' ! -path "$DIR/tests/*" \
  ! -path "$DIR/fuzz/*" ! -path "$DIR/bench/*" | sort)
# shellcheck disable=SC2086
HITS=$(grep -nE '(==|!=)[[:space:]]*MS_PROTO_|case[[:space:]]+MS_PROTO_' \
  /dev/null $LIST | sed "s|^$DIR/||" | cut -d: -f1-2)
N=0
[ -n "$HITS" ] && N=$(printf '%s\n' "$HITS" | wc -l)
[ -n "$HITS" ] && printf '%s\n' "$HITS"
echo "$N places branch on the protocol outside proto*.c (at most $MAX)"
[ "$N" -le "$MAX" ]
