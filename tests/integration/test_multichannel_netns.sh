#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Multichannel over two real links: a server and a client network namespace joined by two veth
# pairs (two subnets, IPv4 and IPv6, made here and removed on exit), skiffd in the server
# namespace listening on "::" with the default `interfaces`, and a client in the other namespace
# (multichannel_netns_client.py) that finds both addresses through
# FSCTL_QUERY_NETWORK_INTERFACE_INFO, binds a second channel over the second link, and keeps its
# session and its oplock breaks when the first link goes down. Needs root and ip(8); exits 77
# (ctest: skipped) only where network namespaces cannot be made. No traffic leaves the two
# namespaces; nothing outside them is configured.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)

# The client side, run by lib.sh inside the client namespace: smbtorture's multichannel tests
# against address A (where smbtorture is installed), then the impacket client, which ends with
# link A down.
if [ "${1:-}" = --client ]; then
	rc=0
	if command -v smbtorture >/dev/null; then
		out=$SKIFF_TEST_DIR/smbtorture
		mkdir -p "$out"
		grep -E '^smb2\.multichannel\.' "$HERE/../conformance/smb2-core.txt" >"$out/list.txt"
		echo "smbtorture from the client namespace against //$MC_ADDR_A/$SKIFF_TEST_SHARE:"
		SMBT_ALLOW_REMOTE=1 "$HERE/../conformance/smbtorture-run" -H "$MC_ADDR_A" \
			-p "$SKIFF_TEST_PORT" -s "$SKIFF_TEST_SHARE" -U "$SKIFF_TEST_USER" \
			-P "$SKIFF_TEST_PASS" -t 120 -l "$out/list.txt" -o "$out" |
			grep --line-buffered -E '^\[ *[0-9]+/'
		npass=$(grep -cE '^[^[:space:]]+[[:space:]]+pass' "$out/results.tsv" 2>/dev/null)
		if [ "${npass:-0}" -lt "$(wc -l <"$out/list.txt")" ] ||
			grep -vE '^[^[:space:]]+[[:space:]]+pass' "$out/results.tsv" | grep -q .; then
			echo "FAIL  smbtorture smb2.multichannel.* over the test's links"
			rc=1
		else
			echo "ok    smbtorture smb2.multichannel.* over the test's links"
		fi
	fi
	/usr/bin/python3 "$HERE/multichannel_netns_client.py" || rc=1
	exit "$rc"
fi

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root to make network namespaces"
command -v ip >/dev/null || skip "ip(8) (iproute2) is not installed"

SRV=skiffmc-srv-$$
CLI=skiffmc-cli-$$
cleanup() {
	ip netns del "$SRV" 2>/dev/null
	ip netns del "$CLI" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
ip netns add "$SRV" 2>/dev/null || skip "cannot make a network namespace here (ip netns add failed)"
ip netns add "$CLI" || { echo "ip netns add $CLI failed"; exit 1; }

# Link A: 4 receive queues on the server side (RSS capable); link B: one.
set -e
ip -n "$SRV" link add mcs0 numtxqueues 4 numrxqueues 4 type veth \
	peer name mcc0 netns "$CLI" numtxqueues 1 numrxqueues 1
ip -n "$SRV" link add mcs1 numtxqueues 1 numrxqueues 1 type veth \
	peer name mcc1 netns "$CLI" numtxqueues 1 numrxqueues 1
ip -n "$SRV" addr add 10.213.1.1/24 dev mcs0
ip -n "$SRV" addr add 10.213.2.1/24 dev mcs1
ip -n "$SRV" addr add fd13:213:1::1/64 dev mcs0 nodad
ip -n "$SRV" addr add fd13:213:2::1/64 dev mcs1 nodad
ip -n "$CLI" addr add 10.213.1.2/24 dev mcc0
ip -n "$CLI" addr add 10.213.2.2/24 dev mcc1
ip -n "$CLI" addr add fd13:213:1::2/64 dev mcc0 nodad
ip -n "$CLI" addr add fd13:213:2::2/64 dev mcc1 nodad
for l in lo mcs0 mcs1; do ip -n "$SRV" link set "$l" up; done
for l in lo mcc0 mcc1; do ip -n "$CLI" link set "$l" up; done
set +e

export MC_SRV_NS=$SRV MC_CLI_NS=$CLI MC_SRV_LINK_A=mcs0
export MC_ADDR_A=10.213.1.1 MC_ADDR_B=10.213.2.1 MC_ADDR6_A=fd13:213:1::1 MC_ADDR6_B=fd13:213:2::1
MC_IFINDEX_A=$(ip netns exec "$SRV" cat /sys/class/net/mcs0/ifindex)
MC_IFINDEX_B=$(ip netns exec "$SRV" cat /sys/class/net/mcs1/ifindex)
export MC_IFINDEX_A MC_IFINDEX_B
# lib.sh starts skiffd in the server namespace (its port probe goes to that namespace's
# loopback), listening on every address there; the client runs in the other namespace.
export SKIFF_TEST_SIGNING=mandatory
export SKIFF_TEST_EXTRA_GLOBAL="smbtorture hooks = yes"
# shellcheck disable=SC2016 # expanded by lib.sh, where SKIFF_TEST_DIR is set
export SKIFF_TEST_CONF_HOOK='sed -i "s/^listen = .*/listen = ::/" "$SKIFF_TEST_DIR/skiffd.conf"'
ip netns exec "$SRV" bash "$HERE/lib.sh" run \
	ip netns exec "$CLI" bash "$HERE/test_multichannel_netns.sh" --client
