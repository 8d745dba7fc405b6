#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Connection limits: with "max connections = 3" a fourth client is turned away while three are
# held, and with "idle timeout = 3" a connection that sends nothing is dropped; a frame larger
# than "max pdu size" ends its connection. skiffd only (Samba's knobs differ).
set -uo pipefail
SKIFF_TEST_NAME=test_limits
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
if [ "${SKIFF_TEST_TARGET:-skiffd}" != skiffd ]; then
	echo "skiffd only"; echo "0 passed, 0 failed"; exit 0
fi
SKIFF_TEST_EXTRA_GLOBAL="max connections = 3
idle timeout = 3
max pdu size = 69632"
skiff_start

# open_conn FD: a TCP connection on descriptor FD
open_conn() { eval "exec $1<>/dev/tcp/127.0.0.1/$SKIFF_TEST_PORT"; }
# is_closed FD: the server closed it (read hits EOF within 1 s); is_open FD: read times out
is_closed() { local b rc; IFS= read -r -t 1 -N 1 b <&"$1"; rc=$?; [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]; }
is_open() { local b rc; IFS= read -r -t 0.5 -N 1 b <&"$1"; rc=$?; [ "$rc" -gt 128 ]; }

# server_conns: skiffd's connections on the test port, accepted or still in its accept queue
server_conns() { ss -Htn state established state close-wait "( sport = :$SKIFF_TEST_PORT )" | wc -l; }
# lib.sh's readiness probe is a connection too, and a slow (sanitizer, loaded) server may not have
# accepted and closed it yet: it would count against the limit of three.
for _ in $(seq 1 100); do [ "$(server_conns)" = 0 ] && break; sleep 0.1; done
expect_eq "no connection left from the start-up probe" 0 "$(server_conns)"
open_conn 5; open_conn 6; open_conn 7
sleep 0.3
open_conn 8
check "a fourth connection beyond max connections = 3 is closed" is_closed 8
exec 8>&- 8<&-
# The three held ones are still up right now...
check "the three allowed connections stay open" is_open 5
check "... all three" is_open 7
# ... and go once idle for more than 3 s.
sleep 5
check "an idle connection is dropped after the idle timeout" is_closed 5
exec 5>&- 5<&- 6>&- 6<&- 7>&- 7<&-

# A frame whose length exceeds max pdu size ends the connection at once.
open_conn 9
printf '\x00\x02\x00\x00' >&9     # Direct TCP header announcing 131072 bytes
check "a frame above max pdu size ends the connection" is_closed 9
exec 9>&- 9<&-

# And the server still serves normally afterwards.
out=$(skiff_smbclient -m SMB3_11 -c 'ls' 2>&1)
expect_not_contains "server still serves after the limit checks" "$out" "NT_STATUS"
skiff_done
