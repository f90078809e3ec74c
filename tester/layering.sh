#!/bin/sh
# layering.sh DIR...: the include rule of tester/README.md's map.  The
# core (tester/*.[ch]) includes only core headers and the public ones
# (include/mailspec/); a folder's file (tester/DIR/) also its own folder's;
# cli/, the top, may include anything.  Prints file:line for each breach
# and exits 1; the Makefile runs it before it archives the library.
bad=0
check() { # check FILE ALLOWED-DIR...
  f=$1; shift
  grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
    sed 's/^\([0-9]*\):.*"\(.*\)".*/\1 \2/' | {
      rc=0
      while read -r line hdr; do
        found=
        for d in "$@" include; do
          [ -f "$d/$hdr" ] && found=$d && break
        done
        [ -n "$found" ] && continue
        where=$(ls tester/*/"$hdr" 2>/dev/null | head -1)
        echo "$f:$line: includes \"$hdr\"${where:+ ($where)}, which its layer may not use (tester/README.md: the map)" >&2
        rc=1
      done
      exit $rc
    } || bad=1
}
for f in tester/*.c tester/*.h; do check "$f" tester; done
for d in "$@"; do
  [ "$d" = cli ] && continue
  for f in tester/"$d"/*.c tester/"$d"/*.h; do
    [ -f "$f" ] && check "$f" "tester/$d" tester
  done
done
exit $bad
