#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/run.sh: the one command of the benchmark. Builds a Release skiffd in build-bench/, then runs
# bench/bench.py (skiffd against a reference Samba on 127.0.0.1), which prints the Markdown report
# and writes it to bench/results/. Usage and settings: bench/README.md, or bench/run.sh --help.
#
#   bench/run.sh [--quick] [--runs N] [--only w1,w2] [--keep] [--no-build] [...bench.py options]
#
# Environment:
#   SKIFF_BENCH_BUILD   build directory (default <repo>/build-bench)
#   SKIFF_BENCH_CFLAGS  extra CMAKE_C_FLAGS (default -Wno-error=format-truncation: gcc 12 at -O3
#                       warns about src/smb2/wire/security.c, which -Werror turns into an error)
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
BUILD=${SKIFF_BENCH_BUILD:-$REPO/build-bench}
CFLAGS_EXTRA=${SKIFF_BENCH_CFLAGS--Wno-error=format-truncation}
COMMAND="bench/run.sh${*:+ $*}"

build=1
args=()
for a in "$@"; do
	case "$a" in
	--no-build) build=0 ;;
	-h | --help)
		sed -n '2,11p' "$0"
		echo
		exec /usr/bin/python3 -B "$BENCH/bench.py" --help --skiffd x --skiff x
		;;
	*) args+=("$a") ;;
	esac
done

[ "$(id -u)" = 0 ] || { echo "bench/run.sh: run as root (cgroups, a Unix user, smbd)" >&2; exit 2; }
for tool in smbd smbclient smbtorture iperf3 openssl cmake; do
	command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool not found (scripts/install-deps.sh; iperf3: apt-get install iperf3)" >&2; exit 2; }
done
/usr/bin/python3 -c 'import impacket' 2>/dev/null ||
	{ echo "bench/run.sh: /usr/bin/python3 cannot import impacket (apt-get install python3-impacket)" >&2; exit 2; }

if [ "$build" = 1 ]; then
	echo "bench/run.sh: building skiffd (Release) in $BUILD" >&2
	cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS="$CFLAGS_EXTRA" >"$BUILD.cmake.log" 2>&1 ||
		{ cat "$BUILD.cmake.log" >&2; exit 1; }
	# skiffd, the user CLI, the load client and the floor only: the tests are not needed, and other
	# people's work in progress elsewhere in the tree should not stop the benchmark
	cmake --build "$BUILD" -j"$(nproc)" --target skiffd skiff skiff-load skiff-floor >"$BUILD.build.log" 2>&1 ||
		{ tail -n 40 "$BUILD.build.log" >&2; echo "bench/run.sh: build failed (log: $BUILD.build.log)" >&2; exit 1; }
	rm -f "$BUILD.cmake.log"
fi
for tool in skiffd skiff skiff-load skiff-floor; do
	[ -x "$BUILD/$tool" ] || { echo "bench/run.sh: no $BUILD/$tool (run without --no-build)" >&2; exit 1; }
done

rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=""
if [ -n "$(git -C "$REPO" status --porcelain --untracked-files=no -- src CMakeLists.txt 2>/dev/null)" ]; then
	dirty=" with uncommitted changes in src/"
fi
flags=$(sed -n 's/^CMAKE_C_FLAGS:STRING=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
ccv=$("${cc:-cc}" --version 2>/dev/null | head -n1 || true)
info="commit $rev$dirty; $btype build ($ccv${flags:+, CMAKE_C_FLAGS=$flags}) in ${BUILD#"$REPO"/}/"

# 1,000 idle connections need as many descriptors in skiffd and in the client
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

exec /usr/bin/python3 -B "$BENCH/bench.py" --skiffd "$BUILD/skiffd" --skiff "$BUILD/skiff" --load "$BUILD/skiff-load" --floor "$BUILD/skiff-floor" \
	--command "$COMMAND" --build-info "$info" "${args[@]}"
