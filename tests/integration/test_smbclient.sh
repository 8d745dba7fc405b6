#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# smbclient end to end, once per dialect SMB 2.0.2 .. 3.1.1 with signing required: big-file
# round trip (sha256), mkdir/rename/ls/del/rmdir, empty and non-ASCII files, bad password.
# Env: SKIFF_BIG_FILE_MB (default 64; 1024 for the acceptance run), SKIFF_TEST_DIALECTS.
# shellcheck disable=SC2317  # helpers are called through check()
set -uo pipefail
SKIFF_TEST_NAME=test_smbclient
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BIG_MB=${SKIFF_BIG_FILE_MB:-64}
DIALECTS=${SKIFF_TEST_DIALECTS:-SMB2_02 SMB2_10 SMB3_00 SMB3_02 SMB3_11}
command -v smbclient >/dev/null || skiff_die "smbclient not installed (scripts/install-deps.sh)"

skiff_start
LOCAL=$SKIFF_TEST_DIR/local
mkdir -p "$LOCAL"
head -c "$((BIG_MB * 1024 * 1024))" /dev/urandom >"$LOCAL/big.bin"
BIG_SUM=$(sha256sum <"$LOCAL/big.bin" | cut -d' ' -f1)
printf 'first line\nsecond line\n' >"$LOCAL/small.txt"
: >"$LOCAL/empty.bin"
printf 'non-ASCII name, UTF-8 body: \xc3\xbc\xe6\x97\xa5\n' >"$LOCAL/unicode.txt"
UNAME='übung 日本.txt'

# smbclient with -m DIALECT and signing required; prints everything it says.
# (`-c` keeps going after a failed command and often exits 0, hence output checks below.)
smbc() {
	local dialect=$1
	shift
	skiff_smbclient -m "$dialect" --client-protection=sign "$@" 2>&1
}
# Big transfers get 60 s plus 1 s per MiB (at least 1 MiB/s) before they count as hung.
smbc_big() { SKIFF_SMBCLIENT_TIMEOUT=$((60 + BIG_MB)) smbc "$@"; }

# "ls_entry LISTING NAME" prints the size column of NAME's line in an smbclient listing
# ("  NAME<spaces>ATTR<spaces>SIZE  DATE"); prints nothing if NAME is not listed.
ls_entry() {
	awk -v n="$2" '
		index($0, "  " n " ") == 1 {
			rest = substr($0, length(n) + 3)
			if (match(rest, /^ +[A-Z]* +[0-9]+  /)) { split(rest, f, " "); print (f[1] ~ /^[0-9]+$/ ? f[1] : f[2]); exit }
		}' <<<"$1"
}

listed() { [ -n "$(ls_entry "$1" "$2")" ]; }
# Absent from a listing that itself worked (a failed ls lists nothing, which proves nothing).
not_listed() {
	grep -q 'blocks of size' <<<"$1" && ! grep -q 'NT_STATUS_' <<<"$1" && [ -z "$(ls_entry "$1" "$2")" ]
}
is_empty_file() { [ -f "$1" ] && [ ! -s "$1" ]; }

for m in $DIALECTS; do
	echo "=== $m"
	# The client really negotiated this dialect (debug level 4 names it).
	out=$(smbc "$m" -d4 -c 'ls')
	expect_contains "$m: negotiated dialect $m with signing required" "$out" "negotiated dialect[$m]"

	# Big file: bytes on the server's disk and back in the client are the ones sent.
	out=$(smbc_big "$m" -c "put \"$LOCAL/big.bin\" big_$m.bin")
	expect_not_contains "$m: put ${BIG_MB} MiB succeeds" "$out" "NT_STATUS_"
	if [ -f "$SKIFF_TEST_SHARE_DIR/big_$m.bin" ]; then
		expect_eq "$m: file on the share has the sha256 sent" "$BIG_SUM" \
			"$(sha256sum <"$SKIFF_TEST_SHARE_DIR/big_$m.bin" | cut -d' ' -f1)"
	else
		expect_eq "$m: file exists on the share" "present" "missing"
	fi
	rm -f "$LOCAL/got.bin"
	out=$(smbc_big "$m" -c "get big_$m.bin \"$LOCAL/got.bin\"")
	expect_not_contains "$m: get ${BIG_MB} MiB succeeds" "$out" "NT_STATUS_"
	expect_eq "$m: downloaded file has the same sha256" "$BIG_SUM" \
		"$( [ -f "$LOCAL/got.bin" ] && sha256sum <"$LOCAL/got.bin" | cut -d' ' -f1)"
	out=$(smbc "$m" -c 'ls')
	expect_eq "$m: ls shows big_$m.bin with its size" "$((BIG_MB * 1024 * 1024))" "$(ls_entry "$out" "big_$m.bin")"
	smbc "$m" -c "del big_$m.bin" >/dev/null
	rm -f "$LOCAL/got.bin"

	# Directories and renames: the entry moves, the old name is gone, the new name opens.
	out=$(smbc "$m" -c "mkdir dir_$m; put \"$LOCAL/small.txt\" dir_$m/a.txt")
	expect_not_contains "$m: mkdir and put into it" "$out" "NT_STATUS_"
	out=$(smbc "$m" -c "ls dir_$m/*")
	expect_eq "$m: ls dir shows a.txt with its size" "$(stat -c %s "$LOCAL/small.txt")" "$(ls_entry "$out" a.txt)"
	out=$(smbc "$m" -c "rename dir_$m/a.txt dir_$m/b.txt")
	expect_not_contains "$m: rename file" "$out" "NT_STATUS_"
	out=$(smbc "$m" -c "ls dir_$m/*")
	check "$m: renamed file listed under the new name" listed "$out" b.txt
	check "$m: old file name no longer listed" not_listed "$out" a.txt
	out=$(smbc "$m" -c "get dir_$m/a.txt \"$LOCAL/x\"")
	expect_contains "$m: opening the old file name fails" "$out" "NT_STATUS_OBJECT_NAME_NOT_FOUND"
	out=$(smbc "$m" -c "rename dir_$m ren_$m")
	expect_not_contains "$m: rename directory" "$out" "NT_STATUS_"
	out=$(smbc "$m" -c 'ls')
	check "$m: renamed directory listed under the new name" listed "$out" "ren_$m"
	check "$m: old directory name no longer listed" not_listed "$out" "dir_$m"
	rm -f "$LOCAL/got.txt"
	out=$(smbc "$m" -c "get ren_$m/b.txt \"$LOCAL/got.txt\"")
	check "$m: file opens under the renamed directory with its content" cmp "$LOCAL/small.txt" "$LOCAL/got.txt"
	out=$(smbc "$m" -c "get dir_$m/b.txt \"$LOCAL/x\"")
	expect_contains "$m: path under the old directory name fails" "$out" "NT_STATUS_OBJECT_PATH_NOT_FOUND"

	# del and rmdir: gone from listings and from the disk.
	out=$(smbc "$m" -c "rmdir ren_$m")
	expect_contains "$m: rmdir of a non-empty directory is refused" "$out" "NT_STATUS_DIRECTORY_NOT_EMPTY"
	out=$(smbc "$m" -c "del ren_$m/b.txt")
	expect_not_contains "$m: del" "$out" "NT_STATUS_"
	out=$(smbc "$m" -c "ls ren_$m/*")
	check "$m: deleted file no longer listed" not_listed "$out" b.txt
	out=$(smbc "$m" -c "rmdir ren_$m")
	expect_not_contains "$m: rmdir" "$out" "NT_STATUS_"
	out=$(smbc "$m" -c 'ls')
	check "$m: removed directory no longer listed" not_listed "$out" "ren_$m"
	check "$m: removed directory gone from the disk (old and new name)" \
		test ! -e "$SKIFF_TEST_SHARE_DIR/ren_$m" -a ! -e "$SKIFF_TEST_SHARE_DIR/dir_$m"
	out=$(smbc "$m" -c "del nothere_$m.txt")
	expect_contains "$m: del of a missing file reports it" "$out" "NT_STATUS_NO_SUCH_FILE"

	# Empty file.
	rm -f "$LOCAL/got.bin"
	smbc "$m" -c "put \"$LOCAL/empty.bin\" empty_$m.bin" >/dev/null
	out=$(smbc "$m" -c 'ls')
	expect_eq "$m: empty file listed with size 0" "0" "$(ls_entry "$out" "empty_$m.bin")"
	out=$(smbc "$m" -c "get empty_$m.bin \"$LOCAL/got.bin\"")
	expect_not_contains "$m: get of the empty file succeeds" "$out" "NT_STATUS_"
	check "$m: empty file downloads as 0 bytes" is_empty_file "$LOCAL/got.bin"
	smbc "$m" -c "del empty_$m.bin" >/dev/null

	# Non-ASCII name (UTF-8 locally, UTF-16 on the wire).
	rm -f "$LOCAL/got.txt"
	out=$(smbc "$m" -c "put \"$LOCAL/unicode.txt\" \"$UNAME\"")
	expect_not_contains "$m: put $UNAME" "$out" "NT_STATUS_"
	out=$(smbc "$m" -c 'ls')
	expect_eq "$m: ls shows $UNAME with its size" "$(stat -c %s "$LOCAL/unicode.txt")" "$(ls_entry "$out" "$UNAME")"
	check "$m: the share holds $UNAME under its UTF-8 name" test -f "$SKIFF_TEST_SHARE_DIR/$UNAME"
	out=$(smbc "$m" -c "get \"$UNAME\" \"$LOCAL/got.txt\"")
	expect_not_contains "$m: get $UNAME succeeds" "$out" "NT_STATUS_"
	check "$m: $UNAME round-trips" cmp "$LOCAL/unicode.txt" "$LOCAL/got.txt"
	out=$(smbc "$m" -c "del \"$UNAME\"")
	expect_not_contains "$m: del $UNAME succeeds" "$out" "NT_STATUS_"
	out=$(smbc "$m" -c 'ls')
	check "$m: $UNAME deleted" not_listed "$out" "$UNAME"

	# Wrong password.
	out=$(timeout -k 5 60 smbclient -s /dev/null -p "$SKIFF_TEST_PORT" "//$SKIFF_TEST_HOST/$SKIFF_TEST_SHARE" \
		-U "$SKIFF_TEST_USER%not-$SKIFF_TEST_PASS" -m "$m" --client-protection=sign -c ls 2>&1)
	expect_contains "$m: bad password gives NT_STATUS_LOGON_FAILURE" "$out" "NT_STATUS_LOGON_FAILURE"
	expect_not_contains "$m: bad password lists nothing" "$out" "blocks of size"
done

skiff_done
