#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Resource bounds of SMB2 commands (issue 11): the sizes 2.0.2 announces are enforced, a
# compound of 40 x 8 MiB READs answers one and leaves the server's RSS bounded, a 16,000-'<'
# QUERY_DIRECTORY pattern is refused at once, opens are bounded per session and per user (and
# running out of descriptors answers INSUFFICIENT_RESOURCES) while another user still works.
# Requests are hand-built with impacket (tests/integration/limits_client.py). skiffd only.
set -uo pipefail
SKIFF_TEST_NAME=test_resource_limits
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
if [ "${SKIFF_TEST_TARGET:-skiffd}" != skiffd ]; then
	echo "skiffd only"; echo "0 passed, 0 failed"; exit 0
fi
/usr/bin/python3 -c 'import impacket' 2>/dev/null || skiff_die "impacket not installed (scripts/install-deps.sh)"

# A second user with access to the share, to show that one user's bound leaves the other alone.
LIMITS_USER2=skifftest2
LIMITS_PASS2=$(skiff__random_password)
skiff__ensure_unix_user "$LIMITS_USER2"
export LIMITS_USER2 LIMITS_PASS2
SKIFF_TEST_EXTRA_GLOBAL="max open files = 15
max open files per user = 20"
SKIFF_TEST_CONF_HOOK='
	sed -i "s/^valid users = .*/&, $LIMITS_USER2/" "$SKIFF_TEST_DIR/skiffd.conf"
	chmod 0777 "$SKIFF_TEST_SHARE_DIR"
	printf "%s\n%s\n" "$LIMITS_PASS2" "$LIMITS_PASS2" |
		"$SKIFF" -c "$SKIFF_TEST_DIR/skiffd.conf" user add "$LIMITS_USER2" >/dev/null 2>&1 || true'
skiff_start
export SKIFF_SERVER_PID
head -c $((8 * 1024 * 1024)) /dev/urandom >"$SKIFF_TEST_SHARE_DIR/big.bin"
chmod 0666 "$SKIFF_TEST_SHARE_DIR/big.bin"

client() { timeout -k 5 180 /usr/bin/python3 "$SKIFF_LIB_DIR/limits_client.py" "$1"; }
check "2.0.2 sizes: READ/WRITE/QUERY_INFO/QUERY_DIRECTORY/IOCTL beyond 64 KiB refused" client sizes
check "a compound of 40 x 8 MiB READs: one answered, RSS bounded" client compound
check "a 16,000-character wildcard pattern is refused at once" client wildcard
check "opens bounded per session and per user, another user unaffected" client opens
if command -v prlimit >/dev/null; then
	check "out of descriptors: INSUFFICIENT_RESOURCES, another user unaffected" client emfile
fi

# A fresh client is served after all of it.
out=$(skiff_smbclient -m SMB3_11 -c 'ls' 2>&1)
expect_contains "a fresh client is served afterwards" "$out" "big.bin"
skiff_done
