#!/bin/sh
# watchdog.sh FILE: run one TAP file under its watchdog (run.sh's prove
# --exec).  Not a timed assertion: a hung file is killed with everything
# it started and shows up as "exited 124".  detection.t runs every fault
# of the reference server (over 400 entries, each a server and a run), so
# it gets twice T_TIMEOUT: under the sanitizers it needs most of 900 s.
f=$1
limit=${T_TIMEOUT:-900}
case $f in
*/detection.t) limit=$((limit * 2)) ;;
esac
exec timeout -k 10 "$limit" /bin/sh "$f"
