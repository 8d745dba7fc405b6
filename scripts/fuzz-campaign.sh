#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Long libFuzzer runs, recorded: runs every fuzz target (or those named) for SECONDS each on a
# scratch copy of its seed corpus, one at a time, and appends one line per run to
# tests/fuzz/campaign.tsv (date, target, seconds, executions, result), so the time each decoder
# has been fuzzed adds up across sessions. A crash keeps its reproducer in build-campaign/artifacts.
#   scripts/fuzz-campaign.sh [-t SECONDS] [TARGET...]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_EACH=300
if [ "${1:-}" = "-t" ]; then SECONDS_EACH=$2; shift 2; fi
BUILD=${SKIFF_CAMPAIGN_BUILD:-$ROOT/build-campaign}
LOG=$ROOT/tests/fuzz/campaign.tsv
mkdir -p "$BUILD/artifacts" "$BUILD/logs"
cmake -S "$ROOT" -B "$BUILD" -DSKIFF_FUZZ=ON -DCMAKE_C_COMPILER=clang \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD/configure.log" 2>&1 || { cat "$BUILD/configure.log"; exit 2; }
if [ $# -gt 0 ]; then TARGETS=("$@"); else
	mapfile -t TARGETS < <(find "$ROOT/tests/fuzz" -maxdepth 1 -name 'fuzz_*.c' -printf '%f\n' | sed 's/\.c$//' | sort)
fi
cmake --build "$BUILD" -j2 --target "${TARGETS[@]}" >"$BUILD/build.log" 2>&1 ||
	{ grep -E 'error' "$BUILD/build.log" | head; exit 2; }
[ -f "$LOG" ] || printf 'date\ttarget\tseconds\texecutions\tresult\n' >"$LOG"
for t in "${TARGETS[@]}"; do
	name=${t#fuzz_}
	work=$(mktemp -d /tmp/skiff-campaign.XXXXXX)
	[ -d "$ROOT/tests/fuzz/corpus/$name" ] && cp -r "$ROOT/tests/fuzz/corpus/$name/." "$work/"
	start=$(date +%s)
	nice -n 19 "$BUILD/$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
		-artifact_prefix="$BUILD/artifacts/$t-" "$work" >"$BUILD/logs/$t.log" 2>&1
	rc=$?
	took=$(( $(date +%s) - start ))
	execs=$(grep -m1 'stat::number_of_executed_units' "$BUILD/logs/$t.log" | awk '{print $2}')
	result=$([ $rc = 0 ] && echo clean || echo "CRASH(rc=$rc)")
	printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$t" "$took" "${execs:-?}" "$result" >>"$LOG"
	echo "$t: ${took}s ${execs:-?} runs $result"
	rm -rf "$work"
done
# Totals per target so far.
awk -F'\t' 'NR > 1 { s[$2] += $3; if ($5 != "clean") bad[$2]++ } END { for (t in s) printf "%-28s %6d s%s\n", t, s[t], (t in bad) ? "  (crashes!)" : "" }' "$LOG" | sort
