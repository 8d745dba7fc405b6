#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks that a binary carries the release hardening of cmake/Hardening.cmake, as checksec would:
# PIE, full RELRO (GNU_RELRO + BIND_NOW), a non-executable stack, the stack protector, FORTIFY_SOURCE
# (__*_chk calls) and, where the compiler has it, CET (endbr64 landing pads, x86 only).
# Usage: check_hardening.sh BINARY FORTIFY(ON|OFF) CET(ON|OFF)
# Registered by CMakeLists.txt as ctest "hardening.<binary>" (label hardening) in hardened builds.
set -uo pipefail

bin=$1 fortify=${2:-ON} cet=${3:-OFF}
ok=0 bad=0
pass() { ok=$((ok + 1)); printf 'ok    %s\n' "$1"; }
fail() { bad=$((bad + 1)); printf 'FAIL  %s\n' "$1"; }
check() { local desc=$1; shift; if "$@" >/dev/null 2>&1; then pass "$desc"; else fail "$desc"; fi; }

[ -x "$bin" ] || { echo "no executable at $bin" >&2; exit 2; }
command -v readelf >/dev/null || { echo "readelf (binutils) not found" >&2; exit 2; }

header=$(readelf -hW "$bin")
dynamic=$(readelf -dW "$bin")
segments=$(readelf -lW "$bin")
dynsyms=$(readelf --dyn-syms -W "$bin")

check "PIE: ELF type DYN" grep -qE 'Type:[[:space:]]+DYN' <<<"$header"
check "PIE: FLAGS_1 has PIE" grep -qE 'FLAGS_1.*\bPIE\b' <<<"$dynamic"
check "RELRO: a GNU_RELRO segment" grep -qE '^[[:space:]]*GNU_RELRO' <<<"$segments"
check "full RELRO: BIND_NOW (immediate binding)" grep -qE '\(BIND_NOW\)|\(FLAGS\).*BIND_NOW|FLAGS_1.*\bNOW\b' <<<"$dynamic"
# GNU_STACK's flags column: RW, not RWE.
stack=$(grep -E '^[[:space:]]*GNU_STACK' <<<"$segments")
stack_not_executable() { [ -n "$stack" ] && ! grep -qE 'RWE[[:space:]]+0x' <<<"$stack"; }
check "non-executable stack (GNU_STACK without E)" stack_not_executable
check "stack protector: __stack_chk_fail imported" grep -qE '[[:space:]]__stack_chk_fail(@|$)' <<<"$dynsyms"
if [ "$fortify" = ON ]; then
	chk=$(grep -oE '[[:space:]]__[a-z0-9_]+_chk(@|$)' <<<"$dynsyms" | grep -v __stack_chk_fail | tr -d ' @' | sort -u)
	check "FORTIFY_SOURCE: fortified __*_chk calls ($(wc -w <<<"$chk"): $(tr '\n' ' ' <<<"$chk" | head -c 80)...)" test -n "$chk"
fi
if [ "$cet" = ON ]; then
	# -fcf-protection=branch starts every function that may be reached indirectly with endbr64
	# (endbr32 on i386); main is one.
	if command -v objdump >/dev/null; then
		first=$(objdump -d --no-show-raw-insn --disassemble=main "$bin" 2>/dev/null |
			awk '/<main>:/ { getline; print; exit }')
		check "CET: main begins with endbr (-fcf-protection)" grep -qE 'endbr(64|32)' <<<"$first"
	else
		fail "CET: objdump (binutils) not found"
	fi
fi
echo "$ok checks passed, $bad failed"
[ "$bad" = 0 ]
