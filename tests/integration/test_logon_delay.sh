#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The failed-logon delay (issue 11 section 3, default `failed logon delay = 2000`): 100 wrong
# passwords from one address, sent over 10 parallel connections, take at least 200 s, while a
# correct logon from another address, and from the attacking address too, is answered at once
# and a wrong one from another address waits only its own 2 s. The attacker runs in a network
# namespace made here (veth pair on a private /30); skiffd listens on the root side's address.
# Takes about 205 s. skiffd only; needs root (ip netns).
set -uo pipefail
SKIFF_TEST_NAME=test_logon_delay
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
if [ "${SKIFF_TEST_TARGET:-skiffd}" != skiffd ]; then
	echo "skiffd only"; echo "0 passed, 0 failed"; exit 0
fi
[ "$(id -u)" = 0 ] || skiff_die "needs root for ip netns"
command -v ip >/dev/null || skiff_die "needs ip (iproute2)"
CLIENT=$SKIFF_SRC/tests/integration/logon_client.py
CONNS=10
ATTEMPTS=10

# ---- a namespace for the attacker ------------------------------------------------------------
NS=skiffld$$
VETH=skld$$
net=""
for _ in $(seq 1 50); do
	n=$((RANDOM % 250 + 1))
	if ! ip -4 -o addr show | grep -q " 10\.199\.$n\."; then net=$n; break; fi
done
[ -n "$net" ] || skiff_die "no free 10.199.x.0/30"
SRV_ADDR=10.199.$net.1
ATK_ADDR=10.199.$net.2
netns_cleanup() {
	ip link del "${VETH}a" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
}
trap netns_cleanup EXIT
ip netns add "$NS" || skiff_die "ip netns add failed"
ip link add "${VETH}a" type veth peer name "${VETH}b" &&
	ip link set "${VETH}b" netns "$NS" &&
	ip addr add "$SRV_ADDR/30" dev "${VETH}a" && ip link set "${VETH}a" up &&
	ip -n "$NS" addr add "$ATK_ADDR/30" dev "${VETH}b" && ip -n "$NS" link set "${VETH}b" up &&
	ip -n "$NS" link set lo up || skiff_die "veth set-up failed"

# skiffd listens on the root side of the pair; lib.sh probes the port there
skiff__port_busy() { (exec 3<>"/dev/tcp/$SRV_ADDR/$1") 2>/dev/null || (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
SKIFF_TEST_HOST=$SRV_ADDR
SKIFF_TEST_CONF_HOOK='sed -i "s/^listen = .*/listen = $SRV_ADDR/" "$SKIFF_TEST_DIR/skiffd.conf"'
skiff_start
trap 'st=$?; netns_cleanup; (exit $st); skiff__on_exit' EXIT
grep -q "failed logon delay" "$SKIFF_TEST_DIR/skiffd.conf" && skiff_die "the test must run with the default delay"

logon() {  # [netns] PASSWORD -> "<seconds> <status>"
	local ns=() 
	if [ "$1" = ns ]; then ns=(ip netns exec "$NS"); shift; fi
	"${ns[@]}" /usr/bin/python3 "$CLIENT" logon "$SRV_ADDR" "$SKIFF_TEST_PORT" "$SKIFF_TEST_USER" "$1"
}
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# ---- before: the way in works from both addresses -----------------------------------------
read -r t st < <(logon "$SKIFF_TEST_PASS")
expect_eq "a correct logon from $SRV_ADDR succeeds" success "$st"
read -r t st < <(logon ns "$SKIFF_TEST_PASS")
expect_eq "a correct logon from $ATK_ADDR succeeds" success "$st"

# ---- the attack -----------------------------------------------------------------------------
start=$(date +%s.%N)
ip netns exec "$NS" /usr/bin/python3 "$CLIENT" attack "$SRV_ADDR" "$SKIFF_TEST_PORT" \
	"$SKIFF_TEST_USER" "not-$SKIFF_TEST_PASS" "$CONNS" "$ATTEMPTS" >"$SKIFF_TEST_DIR/attack.out" 2>&1 &
attacker=$!
sleep 10   # the attacker's queue is now ~20 s deep (10 connections x 2 s)

read -r t st < <(logon "$SKIFF_TEST_PASS")
expect_eq "during the attack: a correct logon from another address succeeds" success "$st"
check "... at once ($t s < 1 s)" lt "$t" 1
read -r t st < <(logon ns "$SKIFF_TEST_PASS")
expect_eq "during the attack: a correct logon from the attacking address succeeds" success "$st"
check "... at once too, successes are never delayed ($t s < 1 s)" lt "$t" 1
read -r t st < <(logon "wrong-$SKIFF_TEST_PASS")
expect_eq "during the attack: a wrong password from another address fails" 0xc000006d "$st"
check "... after its own 2 s ($t s >= 2 s)" ge "$t" 2
check "... not behind the attacker's queue ($t s < 10 s)" lt "$t" 10

wait "$attacker"
end=$(date +%s.%N)
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
skiff_log "100 wrong passwords from $ATK_ADDR over $CONNS connections: $wall s wall time"
total=$(awk '$1 == "total" { print $2 }' "$SKIFF_TEST_DIR/attack.out")
failures=$(grep -c ' 0xc000006d$' "$SKIFF_TEST_DIR/attack.out")
expect_eq "all $((CONNS * ATTEMPTS)) attempts answered STATUS_LOGON_FAILURE" $((CONNS * ATTEMPTS)) "$failures"
check "100 wrong passwords took >= 200 s (client: ${total:-?} s, wall: $wall s)" ge "${total:-0}" 200
# the k-th answer came no sooner than 2k s after the start: one per 2 s, never in parallel
early=$(awk '$1 != "total" { print $1 }' "$SKIFF_TEST_DIR/attack.out" | sort -n |
	awk '{ k++; if ($1 < 2 * k - 0.01) { print k ": " $1; exit } }')
expect_eq "the k-th failure was answered >= 2k s after the start" "" "$early"
log=$(cat "$SKIFF_TEST_LOG")
expect_contains "failed logons from the attacker are logged" "$log" "$ATK_ADDR:"
skiff_done
