#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench's floor (skiff-floor): every way it moves a file over loopback delivers every byte with a
# good MAC (the receiving side checks each one and the total), the write modes leave the
# destination equal to the source, and bad arguments or a short destination are refused.
set -uo pipefail
SKIFF_TEST_NAME=test_bench_floor
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

: "${SKIFF_FLOOR:=$SKIFF_SRC/build/skiff-floor}"
[ -x "$SKIFF_FLOOR" ] || skiff_die "skiff-floor not built at $SKIFF_FLOOR"

DIR=$(mktemp -d /tmp/skiff-floor-test.XXXXXX) || skiff_die "mktemp failed"
trap 'rm -rf "$DIR"' EXIT
# 20 MiB + 1 page: the last message is short in every chunk size used below
SIZE=$((20 * 1024 * 1024 + 4096))
head -c "$SIZE" /dev/urandom >"$DIR/src"

for via in "--via copy" "--via mmap" "--via sendfile" "--no-mac" "--chunk 1048576"; do
	# shellcheck disable=SC2086
	OUT=$("$SKIFF_FLOOR" read "$DIR/src" $via)
	expect_eq "read $via: exit status" 0 $?
	expect_contains "read $via: every byte" "$OUT" "\"bytes\": $SIZE"
done

# in place over a file of other data, as long as the source and longer
head -c $((SIZE + 5)) /dev/zero >"$DIR/dst"
OUT=$("$SKIFF_FLOOR" write "$DIR/src" --dest "$DIR/dst" --chunk 1048576)
expect_eq "write in place: exit status" 0 $?
expect_contains "write in place: every byte" "$OUT" "\"bytes\": $SIZE"
check "write in place: the source's bytes at its start" cmp -n "$SIZE" "$DIR/src" "$DIR/dst"
expect_eq "write in place: length kept" $((SIZE + 5)) "$(stat -c %s "$DIR/dst")"

OUT=$("$SKIFF_FLOOR" write "$DIR/src" --dest "$DIR/dst" --truncate)
expect_eq "write --truncate: exit status" 0 $?
check "write --truncate: the destination equals the source" cmp "$DIR/src" "$DIR/dst"

head -c 4096 /dev/zero >"$DIR/short"
"$SKIFF_FLOOR" write "$DIR/src" --dest "$DIR/short" 2>/dev/null
expect_eq "write into a shorter file without --truncate: refused" 1 $?
expect_eq "  and the file left alone" 4096 "$(stat -c %s "$DIR/short")"
"$SKIFF_FLOOR" read "$DIR/src" --chunk 1000 2>/dev/null
expect_eq "a chunk that is not a page multiple: usage error" 2 $?
"$SKIFF_FLOOR" read "$DIR/src" --via write 2>/dev/null
expect_eq "an unknown --via: usage error" 2 $?
"$SKIFF_FLOOR" write "$DIR/src" 2>/dev/null
expect_eq "write without --dest: usage error" 2 $?
"$SKIFF_FLOOR" read "$DIR/nonexistent" 2>/dev/null
expect_eq "a missing source: error" 1 $?

skiff_done
