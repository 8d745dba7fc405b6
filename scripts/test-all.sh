#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The one test command (README "test", and what .ci/run calls): installs dependencies, then builds
# every tree with -DSKIFF_WERROR=ON and tests it; ends with "N passed, N failed".
#   build/          RelWithDebInfo: ctest, all labels (unit, integration, conformance, hardening)
#   build-release/  Release: unit tests and the hardening check (ctest -L 'unit|hardening')
#   build-debug/    Debug: unit tests
#   build-asan/     ASan + UBSan: unit and integration tests
#   build-tsan/     TSan: unit and integration tests
#   build-scan/     clang's static analyzer (scan-build) over src/ and bench/: zero findings
#   build-fuzz/     libFuzzer targets (clang), each run for FUZZ_SECONDS
#
# Env: FUZZ_SECONDS (default 20), JOBS (build parallelism, default nproc), CTEST_JOBS (ctest -j
#      in the trees whose tests may run side by side, default 4: the integration and conformance
#      tests mostly wait on timeouts, so even 2 cores keep 4 of them going),
#      SKIFF_SKIP_DEPS=1 (do not run scripts/install-deps.sh), and, to leave out a part for
#      quicker local runs: SKIFF_SKIP_RELEASE=1 (build/), SKIFF_SKIP_OPT=1 (build-release/),
#      SKIFF_SKIP_DEBUG=1, SKIFF_SKIP_ASAN=1, SKIFF_SKIP_TSAN=1, SKIFF_SKIP_SCAN=1, SKIFF_SKIP_FUZZ=1.
# Count: every ctest test of every tree is one test, every fuzz target is one test, the static
# analysis is one test, and a build or configure step that fails counts as one failure (after a
# failed configure its tests do not run; after a failed build the tests that did build still run).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
JOBS=${JOBS:-$(nproc)}
CTEST_JOBS=${CTEST_JOBS:-4}
PASSED=0
FAILED=0
declare -a FAILURES=()
T0=$(date +%s)

phase() { printf '\n==== [%4ds] %s\n' "$(($(date +%s) - T0))" "$*"; }
fail_item() { FAILED=$((FAILED + 1)); FAILURES+=("$1"); echo "FAILED: $1"; }

finish() {
	phase "summary (wall $(($(date +%s) - T0)) s)"
	local f
	for f in "${FAILURES[@]+"${FAILURES[@]}"}"; do echo "  failed: $f"; done
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ]
	exit $?
}

# cmake_build DIR LABEL [cmake args...]: configure and build all it can; false if configure failed.
cmake_build() {
	local dir=$1 label=$2
	shift 2
	mkdir -p "$ROOT/$dir"
	if ! cmake -S "$ROOT" -B "$ROOT/$dir" "$@" >"$ROOT/$dir/configure.log" 2>&1; then
		tail -n 40 "$ROOT/$dir/configure.log"
		fail_item "configure ($label)"
		return 1
	fi
	# -k: build every target that can be built, so one broken file does not hide the tests of
	# the layers that do build (ctest then reports the missing executables as failures).
	if ! cmake --build "$ROOT/$dir" -j "$JOBS" -- -k >"$ROOT/$dir/build.log" 2>&1; then
		grep -E 'error:|undefined reference|\*\*\* ' "$ROOT/$dir/build.log" | head -n 40
		fail_item "build ($label), log $dir/build.log"
		return 0
	fi
	echo "built $dir"
}

# run_ctest DIR LABEL [ctest args...]: adds the tree's passed/failed counts to the totals.
run_ctest() {
	local dir=$1 label=$2 log line total bad
	shift 2
	log=$ROOT/$dir/ctest.log
	(cd "$ROOT/$dir" && ctest --output-on-failure "$@") 2>&1 | tee "$log"
	line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		if grep -q 'No tests were found' "$log"; then
			echo "($label: no tests)"
			return 0
		fi
		fail_item "ctest ($label) did not report a result"
		return 0
	fi
	bad=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
	total=$(sed -E 's/.*failed out of ([0-9]+).*/\1/' <<<"$line")
	PASSED=$((PASSED + total - bad))
	FAILED=$((FAILED + bad))
	if [ "$bad" != 0 ]; then
		while IFS= read -r t; do FAILURES+=("$label: $t"); done < <(sed -n '/The following tests FAILED:/,$p' "$log" |
			grep -E '^[[:space:]]+[0-9]+ - ' | sed -E 's/^[[:space:]]+[0-9]+ - //')
	fi
}

# ---------- dependencies ----------
phase "dependencies"
if [ "${SKIFF_SKIP_DEPS:-0}" != 1 ]; then
	if ! "$ROOT/scripts/install-deps.sh"; then
		fail_item "install-deps.sh"
		finish
	fi
fi
[ "$(id -u)" = 0 ] || echo "WARNING: not root; integration tests need root (Unix test user, smbd, port binding)"

# ---------- release-ish tree: unit + integration + conformance ----------
if [ "${SKIFF_SKIP_RELEASE:-0}" != 1 ]; then
	phase "build/ (RelWithDebInfo)"
	if cmake_build build "release" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKIFF_WERROR=ON; then
		phase "ctest build/ (unit, integration, conformance)"
		run_ctest build "build" -j "$CTEST_JOBS"
	fi
fi

# ---------- Release tree: unit tests + the hardening check of the binaries ----------
if [ "${SKIFF_SKIP_OPT:-0}" != 1 ]; then
	phase "build-release/ (Release)"
	if cmake_build build-release "release-O3" -DCMAKE_BUILD_TYPE=Release -DSKIFF_WERROR=ON; then
		phase "ctest build-release/ -L 'unit|hardening'"
		run_ctest build-release "build-release" -j "$CTEST_JOBS" -L 'unit|hardening'
	fi
fi

# ---------- Debug tree: unit tests ----------
if [ "${SKIFF_SKIP_DEBUG:-0}" != 1 ]; then
	phase "build-debug/ (Debug)"
	if cmake_build build-debug "debug" -DCMAKE_BUILD_TYPE=Debug -DSKIFF_WERROR=ON; then
		phase "ctest build-debug/ -L unit"
		run_ctest build-debug "build-debug" -j "$CTEST_JOBS" -L unit
	fi
fi

# ---------- ASan + UBSan tree ----------
if [ "${SKIFF_SKIP_ASAN:-0}" != 1 ]; then
	phase "build-asan/ (-DSKIFF_SANITIZE=ON)"
	if cmake_build build-asan "asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKIFF_SANITIZE=ON -DSKIFF_WERROR=ON; then
		phase "ctest build-asan/ -L 'unit|integration'"
		run_ctest build-asan "build-asan" -j "$CTEST_JOBS" -L 'unit|integration'
	fi
fi

# ---------- TSan tree (the server is multi-threaded) ----------
# A report in skiffd's log fails the test (tests/integration/lib.sh); suppressions with their
# reasons in tests/tsan.supp.
if [ "${SKIFF_SKIP_TSAN:-0}" != 1 ]; then
	phase "build-tsan/ (-DSKIFF_TSAN=ON)"
	if cmake_build build-tsan "tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKIFF_TSAN=ON -DSKIFF_WERROR=ON; then
		phase "ctest build-tsan/ -L 'unit|integration'"
		run_ctest build-tsan "build-tsan" -j "$CTEST_JOBS" -L 'unit|integration'
	fi
fi

# ---------- static analysis: clang's scan-build, zero findings ----------
# A fresh tree each time: scan-build only analyses what it compiles. Only the programs (all of
# src/ and bench/) are built: the tests are left out (cmocka's failing asserts return as far as
# the analyzer knows, so every test would be a false positive).
if [ "${SKIFF_SKIP_SCAN:-0}" != 1 ]; then
	phase "build-scan/ (scan-build)"
	rm -rf "$ROOT/build-scan"
	mkdir -p "$ROOT/build-scan"
	SCAN=(scan-build --status-bugs --exclude "$ROOT/tests" -o "$ROOT/build-scan/reports")
	if ! "${SCAN[@]}" cmake -S "$ROOT" -B "$ROOT/build-scan" -DCMAKE_BUILD_TYPE=Debug \
		>"$ROOT/build-scan/configure.log" 2>&1; then
		tail -n 40 "$ROOT/build-scan/configure.log"
		fail_item "configure (scan-build)"
	elif "${SCAN[@]}" cmake --build "$ROOT/build-scan" -j "$JOBS" --target skiffd skiff skiff-load skiff-floor -- -k \
		>"$ROOT/build-scan/build.log" 2>&1; then
		PASSED=$((PASSED + 1))
		echo "ok    scan-build: no findings"
	else
		grep -E 'warning:|error:|scan-build: [0-9]+ bugs? found' "$ROOT/build-scan/build.log" | head -n 60
		fail_item "scan-build (log build-scan/build.log, reports in build-scan/reports/)"
	fi
fi

# ---------- fuzzers ----------
if [ "${SKIFF_SKIP_FUZZ:-0}" != 1 ]; then
	phase "build-fuzz/ (clang, libFuzzer)"
	mapfile -t FUZZERS < <(find "$ROOT/tests/fuzz" -maxdepth 1 -name 'fuzz_*.c' -printf '%f\n' | sed 's/\.c$//' | sort)
	if [ ${#FUZZERS[@]} = 0 ]; then
		echo "no fuzz targets in tests/fuzz/"
	elif ! mkdir -p "$ROOT/build-fuzz" || ! cmake -S "$ROOT" -B "$ROOT/build-fuzz" -DSKIFF_FUZZ=ON \
		-DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKIFF_WERROR=ON >"$ROOT/build-fuzz/configure.log" 2>&1; then
		tail -n 40 "$ROOT/build-fuzz/configure.log"
		fail_item "configure (fuzz)"
	else
		FUZZ_TMP=$(mktemp -d /tmp/skiff-fuzz.XXXXXX)
		ART=$ROOT/build-fuzz/artifacts
		LOGS=$ROOT/build-fuzz/fuzz-logs
		mkdir -p "$ART" "$LOGS"
		# Relink every target, so a target that no longer builds cannot leave a stale binary.
		rm -f "$LOGS"/*.log
		for f in "${FUZZERS[@]}"; do rm -f "$ROOT/build-fuzz/$f"; done
		if ! cmake --build "$ROOT/build-fuzz" -j "$JOBS" --target "${FUZZERS[@]}" -- -k \
			>"$ROOT/build-fuzz/build.log" 2>&1; then
			grep -E 'error:|undefined reference|\*\*\* ' "$ROOT/build-fuzz/build.log" | head -n 40
		fi
		# One fuzzer per core at a time; each fuzzes a copy of its seed corpus, since libFuzzer
		# adds what it finds to the corpus directory.
		phase "fuzzing ${#FUZZERS[@]} targets, ${FUZZ_SECONDS}s each, $JOBS at a time"
		declare -a RUNNING=()
		for f in "${FUZZERS[@]}"; do
			name=${f#fuzz_}
			if [ ! -x "$ROOT/build-fuzz/$f" ]; then
				echo "FAILED to build $f (see build-fuzz/build.log)" >"$LOGS/$f.log"
				echo 1 >"$FUZZ_TMP/$f.rc"
				continue
			fi
			mkdir -p "$FUZZ_TMP/$name" "$FUZZ_TMP/art-$name"
			if [ -d "$ROOT/tests/fuzz/corpus/$name" ]; then
				cp -R "$ROOT/tests/fuzz/corpus/$name/." "$FUZZ_TMP/$name/"
			else
				echo "note: no seed corpus tests/fuzz/corpus/$name/" >"$LOGS/$f.log"
			fi
			while [ ${#RUNNING[@]} -ge "$JOBS" ]; do
				wait -n 2>/dev/null
				mapfile -t RUNNING < <(for p in "${RUNNING[@]}"; do kill -0 "$p" 2>/dev/null && echo "$p"; done)
			done
			(
				"$ROOT/build-fuzz/$f" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
					-print_final_stats=1 -artifact_prefix="$FUZZ_TMP/art-$name/" "$FUZZ_TMP/$name" \
					>>"$LOGS/$f.log" 2>&1
				echo $? >"$FUZZ_TMP/$f.rc"
			) &
			RUNNING+=("$!")
		done
		wait
		for f in "${FUZZERS[@]}"; do
			name=${f#fuzz_}
			seeds=$(find "$ROOT/tests/fuzz/corpus/$name" -type f 2>/dev/null | wc -l)
			if [ "$(cat "$FUZZ_TMP/$f.rc" 2>/dev/null)" = 0 ]; then
				PASSED=$((PASSED + 1))
				printf 'ok    %-28s %10s runs from %3d seeds, no crash\n' "$f" \
					"$(grep -E '^stat::number_of_executed_units' "$LOGS/$f.log" | tail -n 1 | sed 's/.*: *//')" "$seeds"
			else
				tail -n 60 "$LOGS/$f.log"
				cp "$FUZZ_TMP/art-$name"/* "$ART/" 2>/dev/null
				fail_item "fuzz $f (log build-fuzz/fuzz-logs/$f.log, reproducer in build-fuzz/artifacts/)"
			fi
		done
		rm -rf "$FUZZ_TMP"
	fi
fi

finish
