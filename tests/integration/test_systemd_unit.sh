#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The systemd unit as `cmake --install` lays it out: installed into a temporary prefix, its
# ExecStart names the installed skiffd, `systemd-analyze verify` passes, and the offline
# `systemd-analyze security` exposure stays at or below SKIFF_MAX_EXPOSURE (4.0, "OK"; the
# figure is in docs/SECURITY.md), with and without the drop-in `skiffd --print-systemd-drop-in`
# writes. Needs no running systemd (works in a container).
set -u
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SKIFFD=${SKIFFD:-$SRC/build/skiffd}
BUILD=${SKIFF_BUILD:-$(dirname "$SKIFFD")}
MAX=${SKIFF_MAX_EXPOSURE:-4.0}

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok    $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -n 30 | sed 's/^/      | /'; }
done_() { echo "$passed checks passed, $failed failed"; [ "$failed" = 0 ] && [ "$passed" -gt 0 ]; exit $?; }

command -v systemd-analyze >/dev/null || { fail "systemd-analyze not installed (scripts/install-deps.sh)"; done_; }
[ -f "$BUILD/cmake_install.cmake" ] || { fail "no build directory at $BUILD (set SKIFF_BUILD)"; done_; }

TMP=$(mktemp -d /tmp/skiff-test-unit-XXXXXX)
trap 'rm -rf --one-file-system "$TMP"' EXIT
PREFIX=$TMP/usr
if out=$(cmake --install "$BUILD" --prefix "$PREFIX" 2>&1); then ok "cmake --install into $PREFIX"; else
	fail "cmake --install" "$out"; done_; fi
UNIT=$PREFIX/lib/systemd/system/skiffd.service
for f in sbin/skiffd bin/skiff lib/systemd/system/skiffd.service share/doc/skiff/skiff.conf.example \
	share/doc/skiff/SECURITY.md; do
	if [ -e "$PREFIX/$f" ]; then ok "installed $f"; else fail "installed $f"; fi
done
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNIT")
if [ "$exec_start" = "$PREFIX/sbin/skiffd" ] && [ -x "$exec_start" ]; then ok "ExecStart is the installed skiffd"
else fail "ExecStart is the installed skiffd" "ExecStart=$exec_start"; fi
if grep -q '@[A-Z_]*@' "$UNIT"; then fail "no placeholder left in the unit" "$(grep '@[A-Z_]*@' "$UNIT")"
else ok "no placeholder left in the unit"; fi

# verify: any message about the unit (a typo'd directive is only a warning) fails the check.
verify() {  # $1 description, $2 unit file
	local out rc
	out=$(systemd-analyze verify "$2" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && ! grep -q . <<<"$out"; then ok "$1"; else fail "$1 (exit $rc)" "$out"; fi
}

# exposure: the overall score, compared with MAX; the one-line summary is printed for the log.
exposure() {  # $1 description, $2 unit file
	local out score
	out=$(systemd-analyze security --offline=true --no-pager "$2" 2>&1)
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' <<<"$out")
	if [ -z "$score" ]; then fail "$1: no exposure score" "$out"; return; fi
	echo "      $(grep 'Overall exposure' <<<"$out")"
	if awk -v s="$score" -v m="$MAX" 'BEGIN { exit !(s <= m) }'; then ok "$1: exposure $score <= $MAX"
	else fail "$1: exposure $score > $MAX" "$(grep '✗' <<<"$out")"; fi
}

verify "systemd-analyze verify $UNIT" "$UNIT"
exposure "installed unit" "$UNIT"

# The same unit with the drop-in for a configuration with every kind of share. systemd-analyze
# verify takes no drop-in directory offline, so the drop-in's [Service] lines are appended
# (a section may appear twice in a unit file).
cat >"$TMP/skiff.conf" <<EOF
[global]
  state directory = $TMP/state
[data]
  path = $TMP/data
  read only = no
[pub]
  path = /srv/pub
[home]
  path = /home/someone/share 50%
  read only = no
EOF
if dropin=$("$PREFIX/sbin/skiffd" -c "$TMP/skiff.conf" --print-systemd-drop-in 2>&1); then
	ok "skiffd --print-systemd-drop-in"
else
	fail "skiffd --print-systemd-drop-in" "$dropin"
fi
for want in "ReadWritePaths=$TMP/state" "ReadWritePaths=$TMP/data" "ProtectHome=tmpfs" \
	'BindPaths="/home/someone/share 50%%"'; do
	if grep -qxF "$want" <<<"$dropin"; then ok "drop-in has $want"; else fail "drop-in has $want" "$dropin"; fi
done
cp "$UNIT" "$TMP/skiffd.service"
printf '\n%s\n' "$dropin" >>"$TMP/skiffd.service"
verify "verify with the drop-in" "$TMP/skiffd.service"
exposure "with the drop-in" "$TMP/skiffd.service"
done_
