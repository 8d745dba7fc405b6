#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Change notify sees the whole file system: while smbclient waits on a tree watch (its `notify`
# command: WATCH_TREE, every completion filter), a LOCAL process creates, writes, renames and
# deletes files in the watched directory, in a subdirectory that existed before and in one made
# after the watch; the client is told exactly those changes, in order, each once. A file put
# through skiffd itself is reported once too (skiffd's own report, not the kernel's again), and
# with "kernel change notify = no" a local change is not reported at all. Run with each kernel
# source: fanotify (when root: the default, "auto", picks it) and inotify; the log says which.
set -uo pipefail
SKIFF_TEST_NAME=test_notify_local
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v smbclient >/dev/null || skiff_die "smbclient not installed (scripts/install-deps.sh)"
command -v stdbuf >/dev/null || skiff_die "stdbuf (coreutils) not installed"

NOTIFY_PID=""
stop_notify() {
	if [ -n "$NOTIFY_PID" ]; then
		kill "$NOTIFY_PID" 2>/dev/null
		wait "$NOTIFY_PID" 2>/dev/null
		NOTIFY_PID=""
	fi
}
# (no trap of our own: lib.sh's EXIT trap cleans up; the client's timeout(1) ends it anyway)

# Start `smbclient -c "notify DIR"` in the background, its lines ("ACTION NAME") into $1.
start_notify() {
	stdbuf -oL timeout -k 5 120 smbclient -s /dev/null -p "$SKIFF_TEST_PORT" \
		"//$SKIFF_TEST_HOST/$SKIFF_TEST_SHARE" -U "$SKIFF_TEST_USER%$SKIFF_TEST_PASS" \
		-c "notify $2" >"$1" 2>&1 &
	NOTIFY_PID=$!
	sleep 2   # logged on, the directory open and the CHANGE_NOTIFY parked
}

# The changes reported so far, one "ACTION NAME" a line (smbclient prints "%04x name").
changes() { grep -E '^[0-9a-f]{4} ' "$1"; }

run_local_changes() {
	local W=$SKIFF_TEST_SHARE_DIR/watched
	echo hello >"$W/a.txt"
	mv "$W/a.txt" "$W/b.txt"
	echo x >"$W/sub/c.txt"
	rm "$W/b.txt"
	mkdir "$W/new"
	sleep 0.5   # the new directory's watch is in place before something is made in it
	echo y >"$W/new/d.txt"
	mv "$W/sub/c.txt" "$W/sub/c2.txt"
	rm -r "$W/new"
}

# the share's "kernel change notify" line (none: the default, auto)
with_mode() {
	if [ -n "$1" ]; then
		SKIFF_TEST_CONF_HOOK="sed -i \"s/^path = .*/&\nkernel change notify = $1/\" \"\$SKIFF_TEST_DIR/skiffd.conf\""
	else
		unset SKIFF_TEST_CONF_HOOK
	fi
}

# run_mode MODE EXPECTED-SOURCE: the whole check against a server with that setting.
run_mode() {
with_mode "$1"
skiff_start
expect_contains "[${1:-auto}] the log names the kernel source" "$(cat "$SKIFF_TEST_LOG")" \
	"kernel change notify by $2"
mkdir -p "$SKIFF_TEST_SHARE_DIR/watched/sub"
chmod -R a+rwX "$SKIFF_TEST_SHARE_DIR/watched"
OUT=$SKIFF_TEST_DIR/notify.out
start_notify "$OUT" watched
# The kernel's side of the tree watch (/proc fdinfo): inotify holds a watch per directory
# (watched, watched/sub); fanotify none, one file-system mark instead.
kernel_watches=$(cat /proc/"$SKIFF_SERVER_PID"/fdinfo/* 2>/dev/null | grep -c '^inotify wd:')
fs_marks=$(cat /proc/"$SKIFF_SERVER_PID"/fdinfo/* 2>/dev/null | grep -c '^fanotify sdev:')
if [ "$2" = fanotify ]; then
	expect_eq "[$2] the tree is watched without a kernel watch per directory" \
		"$kernel_watches inotify watches, $fs_marks fs marks" "0 inotify watches, 1 fs marks"
else
	expect_eq "[$2] the tree is watched with a kernel watch per directory" \
		"$kernel_watches inotify watches" "2 inotify watches"
fi
run_local_changes
sleep 2
got=$(changes "$OUT")
# 1 ADDED, 2 REMOVED, 3 MODIFIED, 4 RENAMED_OLD_NAME, 5 RENAMED_NEW_NAME (MS-FSCC 2.4.42)
want='0001 a.txt
0003 a.txt
0004 a.txt
0005 b.txt
0001 sub\c.txt
0003 sub\c.txt
0002 b.txt
0001 new
0001 new\d.txt
0003 new\d.txt
0004 sub\c.txt
0005 sub\c2.txt
0002 new\d.txt
0002 new'
expect_eq "[$2] a local process's creates, writes, renames and deletes are reported, in order, once" \
	"$got" "$want"

# skiffd's own change: reported once, by skiffd (the kernel's view of it is dropped).
echo smb >"$SKIFF_TEST_DIR/put.txt"
before=$(changes "$OUT" | wc -l)
out=$(skiff_smbclient -c "put \"$SKIFF_TEST_DIR/put.txt\" watched\\sub\\put.txt" 2>&1)
expect_contains "smbclient put into the watched tree" "$out" "putting file"
sleep 2
added=$(changes "$OUT" | tail -n +"$((before + 1))" | grep -c '^0001 sub\\put.txt$')
expect_eq "[$2] a file put through skiffd is reported added exactly once" "$added" "1"
stop_notify
check "[$2] the notify client ran until stopped (no error from the server)" \
	bash -c "! grep -q NT_STATUS_ '$OUT'"
skiff_stop
rm -rf --one-file-system "$SKIFF_TEST_DIR"   # the next start makes another
}

if [ "$(id -u)" = 0 ]; then
	run_mode "" fanotify   # auto
	run_mode fanotify fanotify
fi
run_mode inotify inotify

# The same with "kernel change notify = no": skiffd's own changes only, as before.
with_mode no
skiff_start
mkdir -p "$SKIFF_TEST_SHARE_DIR/watched/sub"
chmod -R a+rwX "$SKIFF_TEST_SHARE_DIR/watched"
start_notify "$OUT" watched
run_local_changes
sleep 2
expect_eq "with kernel change notify = no, local changes are not reported" "$(changes "$OUT")" ""
stop_notify
skiff_done
