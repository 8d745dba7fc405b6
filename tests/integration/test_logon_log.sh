#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Failed logons cannot flood the log: with `failed logon delay = 0` (which also shows the delay
# can be turned off), 30 wrong passwords at once give at most 10 log lines in 10 s, and the
# next line after the window says how many were left out. skiffd only.
set -uo pipefail
SKIFF_TEST_NAME=test_logon_log
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
if [ "${SKIFF_TEST_TARGET:-skiffd}" != skiffd ]; then
	echo "skiffd only"; echo "0 passed, 0 failed"; exit 0
fi
SKIFF_TEST_EXTRA_GLOBAL="failed logon delay = 0"
skiff_start
CLIENT=$SKIFF_SRC/tests/integration/logon_client.py
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

out=$(/usr/bin/python3 "$CLIENT" attack "$SKIFF_TEST_HOST" "$SKIFF_TEST_PORT" "$SKIFF_TEST_USER" \
	"not-$SKIFF_TEST_PASS" 30 1 2>&1)
expect_eq "30 wrong passwords: 30 STATUS_LOGON_FAILURE" 30 "$(grep -c ' 0xc000006d$' <<<"$out")"
total=$(awk '$1 == "total" { print $2 }' <<<"$out")
# with the default 2 s delay they would take 60 s
check "with failed logon delay = 0 they are answered without delay ($total s < 30 s)" lt "${total:-999}" 30
sleep 1
lines=$(grep -c "failed logon as" "$SKIFF_TEST_LOG")
expect_eq "at most 10 of them are logged" 10 "$lines"
# the next window: the first failure logged says how many were left out
sleep 10
# (its user name holds a line break: it must not make a log line of its own)
read -r _ st < <(/usr/bin/python3 "$CLIENT" logon "$SKIFF_TEST_HOST" "$SKIFF_TEST_PORT" \
	$'nosuch\n00:00:00.000 WARN  forged' x)
check "one more logon fails ($st)" test "$st" != success
sleep 1
log=$(cat "$SKIFF_TEST_LOG")
expect_contains "its log line counts the 20 left out" "$log" "(20 more failed logons not logged)"
expect_eq "a line break in the user name makes no log line" 0 "$(grep -c '^00:00:00.000 WARN  forged' "$SKIFF_TEST_LOG")"
skiff_done
