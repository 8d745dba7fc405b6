#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench's load client (skiff-load) against the server: pipelined CREATE+WRITE+CLOSE compounds,
# pipelined writes and reads, all signed at SMB 3.1.1; what it wrote is checked on disk against
# the pattern, and it must refuse a wrong password. SKIFF_TEST_TARGET=samba runs it against the
# reference Samba instead (bench uses it on both).
set -uo pipefail
SKIFF_TEST_NAME=test_loadclient
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

: "${SKIFF_LOAD:=$SKIFF_SRC/build/skiff-load}"
[ -x "$SKIFF_LOAD" ] || skiff_die "skiff-load not built at $SKIFF_LOAD"

skiff_start
export SKIFF_LOAD_PASSWORD=$SKIFF_TEST_PASS
A=(--port "$SKIFF_TEST_PORT" --share "$SKIFF_TEST_SHARE" --user "$SKIFF_TEST_USER")
D=$SKIFF_TEST_SHARE_DIR
PAT=$SKIFF_TEST_DIR/pattern
mkdir -p "$PAT"

# files: 300 files of 5000 bytes (not a block multiple), 16 compounds in flight
OUT=$("$SKIFF_LOAD" files "${A[@]}" --dir many --count 300 --size 5000 --depth 16)
expect_eq "files: exit status" 0 $?
expect_contains "files: 300 done, 1,500,000 bytes, no errors" "$OUT" '"ops": 300, "bytes": 1500000'
expect_contains "files: ok" "$OUT" '"errors": 0'
expect_eq "files: 300 files on disk" 300 "$(find "$D/many" -type f | wc -l)"
expect_eq "files: every one 5000 bytes" 300 "$(find "$D/many" -type f -size 5000c | wc -l)"
bad=0
for i in 0 1 17 150 299; do
	"$SKIFF_LOAD" pattern --index "$i" --size 5000 >"$PAT/f$i"
	cmp -s "$PAT/f$i" "$D/many/$(printf 'f%05d' "$i")" || bad=$((bad + 1))
done
expect_eq "files: contents match the pattern (5 sampled)" 0 "$bad"

# write: 48 MiB + 5 bytes, 1 MiB writes, 8 in flight, then overwrite in place
SIZE=$((48 * 1024 * 1024 + 5))
"$SKIFF_LOAD" pattern --size "$SIZE" >"$PAT/big"
OUT=$("$SKIFF_LOAD" write "${A[@]}" --file big.bin --size "$SIZE" --depth 8)
expect_eq "write: exit status" 0 $?
expect_contains "write: all bytes" "$OUT" "\"bytes\": $SIZE"
check "write: file on disk equals the pattern" cmp -s "$PAT/big" "$D/big.bin"
OUT=$("$SKIFF_LOAD" write "${A[@]}" --file big.bin --size 1048576 --depth 8)
expect_eq "write in place: exit status" 0 $?
expect_eq "write in place: size kept (no truncation)" "$SIZE" "$(stat -c %s "$D/big.bin")"
check "write in place: content unchanged" cmp -s "$PAT/big" "$D/big.bin"
OUT=$("$SKIFF_LOAD" write "${A[@]}" --file big.bin --size 1048576 --truncate)
expect_eq "write --truncate: size now 1 MiB" 1048576 "$(stat -c %s "$D/big.bin")"

# read: the file back, content verified by the client; 2 MiB reads
"$SKIFF_LOAD" write "${A[@]}" --file big.bin --size "$SIZE" --depth 8 >/dev/null
OUT=$("$SKIFF_LOAD" read "${A[@]}" --file big.bin --verify --io 2097152 --depth 4)
expect_eq "read: exit status" 0 $?
expect_contains "read: all bytes" "$OUT" "\"bytes\": $SIZE"
# a byte changed on disk is noticed
printf 'X' | dd of="$D/big.bin" bs=1 seek=3000000 conv=notrunc status=none
OUT=$("$SKIFF_LOAD" read "${A[@]}" --file big.bin --verify 2>&1)
expect_eq "read: a changed byte fails the verification" 1 $?
expect_contains "read: says where" "$OUT" "wrong byte at offset 3000000"

# a missing file and a wrong password: clear errors, non-zero exit
OUT=$("$SKIFF_LOAD" read "${A[@]}" --file nonexistent 2>&1)
expect_eq "read of a missing file fails" 1 $?
expect_contains "and says CREATE's status" "$OUT" "CREATE nonexistent: status 0xc0000034"
OUT=$(SKIFF_LOAD_PASSWORD=wrong-$RANDOM "$SKIFF_LOAD" files "${A[@]}" --dir x --count 1 2>&1)
expect_eq "wrong password fails" 1 $?
expect_contains "with STATUS_LOGON_FAILURE" "$OUT" "STATUS_LOGON_FAILURE"

skiff_done
