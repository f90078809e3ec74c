#!/bin/sh
# run.sh BUILD SECONDS: run every libFuzzer target for SECONDS each, with
# its seed corpus and dictionary; crashes land in BUILD/crashes/TARGET/.
# Exit 1 if any target found a crash.  `make fuzz FUZZ_SECONDS=N`.
# FUZZ_TARGETS="json pcap" runs only those; FUZZ_JOBS=N runs N processes
# per target (-fork=N) for long release runs.
set -u
B=$1 SECS=$2
F=tester/fuzz
status=0
seed() { # TARGET -> seed dirs
  case $1 in
  transcript) echo "transcripts suites" ;;
  reply) echo "$F/seeds/reply" ;;
  server) echo "$F/seeds/server" ;;
  suite) echo "suites" ;;
  world) echo "$F/seeds/world" ;;
  pcap) # the public captures and every synthetic case of the import tests
    mkdir -p "$B/seeds/pcap"
    /usr/bin/python3 tester/tests/pcapgen.py all "$B/seeds/pcap" > /dev/null 2>&1 ||
      echo "   (pcapgen.py failed: fewer pcap seeds)" >&2
    echo "$B/seeds/pcap tester/tests/data/pcaps $F/seeds/pcap" ;;
  *) [ -d "$F/seeds/$1" ] && echo "$F/seeds/$1" ;;
  esac
}
dict() {
  case $1 in
  transcript) echo "$F/yaml.dict" ;;
  reply | server) cat "$F/smtp.dict" "$F/pop3.dict" > "$B/$1.dict"; echo "$B/$1.dict" ;;
  suite) cat "$F/suite.dict" "$F/yaml.dict" > "$B/$1.dict"; echo "$B/$1.dict" ;;
  *) [ -f "$F/$1.dict" ] && echo "$F/$1.dict" ;;
  esac
}
for bin in "$B"/fuzz_*; do
  [ -x "$bin" ] || continue
  t=${bin##*/fuzz_}
  case " ${FUZZ_TARGETS:-$t} " in *" $t "*) ;; *) continue ;; esac
  corpus=$B/corpus/$t
  mkdir -p "$corpus" "$B/crashes/$t"
  for s in $(seed "$t"); do
    [ -d "$s" ] && find "$s" -type f \( -name '*.yaml' -o ! -name '*.*' -o -name '*.pcap*' -o -name '*.json' \) \
      -size -1024k -exec cp -n {} "$corpus/" \; 2>/dev/null
  done
  d=$(dict "$t")
  # Every crash found so far stays fixed: its input runs first, once.
  if [ -d "$F/regress/$t" ] && [ -n "$(ls "$F/regress/$t")" ]; then
    if ! "$bin" -runs=1 "$F/regress/$t"/* > "$B/regress_$t.log" 2>&1; then
      echo "== fuzz_$t: REGRESSION: a saved crash input fails again (see $B/regress_$t.log)"
      grep -aE 'ERROR|SUMMARY|Running:' "$B/regress_$t.log" | head -5 | sed 's/^/   /'
      status=1
    fi
    cp -n "$F/regress/$t"/* "$corpus/" 2>/dev/null
  fi
  echo "== fuzz_$t: $SECS s"
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
    ${FUZZ_JOBS:+-fork=$FUZZ_JOBS -ignore_crashes=0} \
    ${d:+-dict="$d"} -artifact_prefix="$B/crashes/$t/" "$corpus" > "$B/fuzz_$t.log" 2>&1
  rc=$?
  grep -aE '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$B/fuzz_$t.log" | sed 's/^/   /'
  if [ $rc -ne 0 ]; then
    echo "   CRASH (exit $rc): see $B/fuzz_$t.log and $B/crashes/$t/"
    grep -aE 'ERROR|SUMMARY' "$B/fuzz_$t.log" | head -5 | sed 's/^/   /'
    status=1
  fi
done
exit $status
