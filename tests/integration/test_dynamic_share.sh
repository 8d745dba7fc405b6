#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Shares whose path has variables (docs/CONFIG.md): [homes] = .../homes/%U with `create path`
# gives the user a directory of its own, made at the first connect and found again by the next;
# [byaddr] = .../%I without it is refused while the directory is missing and works once it
# exists; [fixed] = .../%u/in under a symbolic link to outside the anchor is refused.
set -uo pipefail
SKIFF_TEST_NAME=test_dynamic_share
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v smbclient >/dev/null || skiff_die "smbclient not installed (scripts/install-deps.sh)"
# shellcheck disable=SC2016  # expanded by lib.sh's eval
SKIFF_TEST_CONF_HOOK='mkdir -p "$SKIFF_TEST_DIR/homes" "$SKIFF_TEST_DIR/addr" "$SKIFF_TEST_DIR/esc" &&
	chown "$SKIFF_TEST_USER": "$SKIFF_TEST_DIR/homes" &&
	ln -s /etc "$SKIFF_TEST_DIR/esc/$SKIFF_TEST_USER" &&
	printf "\n[homes]\npath = %s/homes/%%U\ncreate path = yes\nread only = no\n[byaddr]\npath = %s/addr/%%I\nread only = no\n[fixed]\npath = %s/esc/%%u/in\ncreate path = yes\n" \
		"$SKIFF_TEST_DIR" "$SKIFF_TEST_DIR" "$SKIFF_TEST_DIR" >>"$SKIFF_TEST_DIR/skiffd.conf"'
skiff_start

fails=0
check() {
	if "${@:2}"; then echo "ok    $1"; else echo "FAIL  $1"; fails=$((fails + 1)); fi
}
# smbclient on another share of the same server, signing required.
on() {
	local share=$1
	shift
	SKIFF_TEST_SHARE=$share skiff_smbclient --client-protection=sign "$@" 2>&1
}

LOCAL=$SKIFF_TEST_DIR/local.txt
echo "mine" >"$LOCAL"
out=$(on homes -c "put $LOCAL note.txt")
check "[homes]: the first connect makes homes/$SKIFF_TEST_USER and writes there" \
	test -f "$SKIFF_TEST_DIR/homes/$SKIFF_TEST_USER/note.txt"
out=$(on homes -c "ls")
check "[homes]: a second connect finds the same directory" grep -q "note.txt" <<<"$out"
check "[homes]: nothing was written to the share's own directory" \
	test ! -e "$SKIFF_TEST_SHARE_DIR/note.txt"

out=$(on byaddr -c "ls")
check "[byaddr]: a missing directory without 'create path': BAD_NETWORK_NAME" \
	grep -q "NT_STATUS_BAD_NETWORK_NAME" <<<"$out"
mkdir -p "$SKIFF_TEST_DIR/addr/127.0.0.1"
chown "$SKIFF_TEST_USER": "$SKIFF_TEST_DIR/addr/127.0.0.1"
out=$(on byaddr -c "put $LOCAL a.txt")
check "[byaddr]: once it exists, %I is the client's address" \
	test -f "$SKIFF_TEST_DIR/addr/127.0.0.1/a.txt"

out=$(on fixed -c "ls")
check "[fixed]: a symbolic link out of the anchor is not followed: BAD_NETWORK_NAME" \
	grep -q "NT_STATUS_BAD_NETWORK_NAME" <<<"$out"
check "[fixed]: and nothing was made outside" test ! -e /etc/in

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed"
