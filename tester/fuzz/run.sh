#!/bin/sh
# run.sh BUILD SECONDS: run every libFuzzer target for SECONDS each, with
# its seed corpus and dictionary; crashes land in BUILD/crashes/TARGET/.
# Exit 1 if any target found a crash.  `make fuzz FUZZ_SECONDS=N`.
set -u
B=$1 SECS=$2
F=tester/fuzz
status=0
seed() { # TARGET -> seed dirs
  case $1 in
  transcript) echo "transcripts suites" ;;
  reply) echo "$F/seeds/reply" ;;
  server) echo "$F/seeds/server" ;;
  *) [ -d "$F/seeds/$1" ] && echo "$F/seeds/$1" ;;
  esac
}
dict() {
  case $1 in
  transcript) echo "$F/yaml.dict" ;;
  reply | server) cat "$F/smtp.dict" "$F/pop3.dict" > "$B/$1.dict"; echo "$B/$1.dict" ;;
  *) [ -f "$F/$1.dict" ] && echo "$F/$1.dict" ;;
  esac
}
for bin in "$B"/fuzz_*; do
  [ -x "$bin" ] || continue
  t=${bin##*/fuzz_}
  corpus=$B/corpus/$t
  mkdir -p "$corpus" "$B/crashes/$t"
  for s in $(seed "$t"); do
    [ -d "$s" ] && find "$s" -type f \( -name '*.yaml' -o ! -name '*.*' -o -name '*.pcap*' -o -name '*.json' \) \
      -size -1M -exec cp -n {} "$corpus/" \; 2>/dev/null
  done
  d=$(dict "$t")
  echo "== fuzz_$t: $SECS s"
  "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
    ${d:+-dict="$d"} -artifact_prefix="$B/crashes/$t/" "$corpus" > "$B/fuzz_$t.log" 2>&1
  rc=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$B/fuzz_$t.log" | sed 's/^/   /'
  if [ $rc -ne 0 ]; then
    echo "   CRASH (exit $rc): see $B/fuzz_$t.log and $B/crashes/$t/"
    grep -E 'ERROR|SUMMARY' "$B/fuzz_$t.log" | head -5 | sed 's/^/   /'
    status=1
  fi
done
exit $status
