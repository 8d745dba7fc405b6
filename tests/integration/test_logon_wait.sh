#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A connection waiting for its delayed failed-logon answer is not dropped as unauthenticated:
# the time the server holds the answer back is not the client's. With `unauthenticated
# timeout = 3` and the default 2 s delay, 4 wrong passwords at once from one address are
# answered at about 2, 4, 6 and 8 s; each must arrive as STATUS_LOGON_FAILURE, not as a closed
# connection. (CI once lost one of 100 attempts this way under TSan, with the default 20 s.)
# A connection that sends nothing is still dropped after the timeout. skiffd only.
set -uo pipefail
SKIFF_TEST_NAME=test_logon_wait
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
if [ "${SKIFF_TEST_TARGET:-skiffd}" != skiffd ]; then
	echo "skiffd only"; echo "0 passed, 0 failed"; exit 0
fi
SKIFF_TEST_EXTRA_GLOBAL="unauthenticated timeout = 3"
skiff_start
CLIENT=$SKIFF_SRC/tests/integration/logon_client.py
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

out=$(/usr/bin/python3 "$CLIENT" attack "$SKIFF_TEST_HOST" "$SKIFF_TEST_PORT" "$SKIFF_TEST_USER" \
	"not-$SKIFF_TEST_PASS" 4 1 2>&1)
expect_eq "4 wrong passwords at once: 4 STATUS_LOGON_FAILURE" 4 "$(grep -c ' 0xc000006d$' <<<"$out")"
total=$(awk '$1 == "total" { print $2 }' <<<"$out")
check "the last was answered after its queued 8 s, past the 3 s timeout ($total s)" ge "${total:-0}" 7.9

# an idle unauthenticated connection still goes: connect, send nothing, wait
exec 3<>"/dev/tcp/$SKIFF_TEST_HOST/$SKIFF_TEST_PORT" || skiff_die "connect failed"
start=$SECONDS
closed=no
if ! read -r -t 10 -u 3 _; then
	# read returns at EOF (closed) or after the 10 s timeout (status > 128)
	read -r -t 0 -u 3 _ 2>/dev/null; [ $((SECONDS - start)) -lt 10 ] && closed=yes
fi
exec 3<&-
expect_eq "a silent connection is closed within 10 s (unauthenticated timeout = 3)" yes "$closed"
skiff_done
