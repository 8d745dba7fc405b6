#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages Skiff needs to build, test, fuzz and compare against Samba.
# Idempotent: silent when everything is present; runs apt-get update at most once.
set -eu

# build: compiler, cmake, libraries; fuzz: clang + its libFuzzer/sanitizer runtime;
# test: Samba (reference server + its VFS modules, smbclient, smbtorture), impacket, pysmbc,
# iperf3, useradd (passwd), strace (slows a READ down: test_multichannel_overlap.py).
PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev libssl-dev libinih-dev
libcmocka-dev liburing-dev samba samba-vfs-modules smbclient samba-testsuite samba-common-bin
python3-impacket python3-smbc iperf3 passwd strace
libsystemd-dev libcap-dev libcap2-bin systemd iproute2 libsqlite3-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
