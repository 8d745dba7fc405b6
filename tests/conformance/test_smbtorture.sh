#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Conformance gate: starts the server (tests/integration/lib.sh), runs the smbtorture list through
# smbtorture-run with the per-test shares/options of core-overrides.txt, and compares the results
# with known-failures.txt: an unlisted failure fails the gate, a listed test that passes is noted.
#
# Env (all optional):
#   SKIFF_TEST_TARGET=samba   run against the reference Samba instead of skiffd
#   SKIFF_CONF_LIST           test list          (default smb2-core.txt beside this script)
#   SKIFF_CONF_OVERRIDES      share/option rules (default core-overrides.txt)
#   SKIFF_CONF_KNOWN          known failures     (default known-failures.txt)
#   SKIFF_CONF_ONLY           extended regex: run only matching tests
#   SKIFF_CONF_TIMEOUT        per-test timeout in seconds (default 60; rules may set timeout=N)
#   SKIFF_CONF_BUDGET         seconds for the whole run, after which remaining tests count as
#                             "not run" failures (default 780: ctest kills the script at 900)
#   SKIFF_CONF_SLICE          I/N: run only the I-th of N slices (1-based) of the list, whole
#                             suites per slice, against a server of its own; ctest runs the gate
#                             as N such slices in parallel (CMakeLists.txt, SKIFF_GATE_SLICES)
#   SKIFF_CONF_TIMES          seconds per test from an earlier run, to balance the slices by time
#                             (default gate-times.tsv beside this script)
#   SKIFF_CONF_OUT            results directory (default ./conformance-results-TARGET when run in a
#                             build directory, as ctest does, else $SKIFF_SRC/out/conformance-TARGET)
#   SKIFF_TEST_SIGNING        "server signing" of the server under test (default mandatory, skiffd's
#                             own default, for both targets; lib.sh's default for other tests is auto)
# A skip counts as a failure (a core test must run). The last line is
# "conformance (TARGET): N passed, N failed (N known, N unexpected; N of them skips)"; the exit
# status is 0 iff there is no unexpected failure and the server neither died nor hit a sanitizer.
set -uo pipefail
SKIFF_TEST_NAME=test_smbtorture
CONF_DIR=$(cd "$(dirname "$0")" && pwd)
: "${SKIFF_SRC:=$(cd "$CONF_DIR/../.." && pwd)}"
# The gate tests the configuration users get: skiffd's default "server signing = mandatory", so
# every request is signed and checked and every answer signed. No second pass with "auto": it
# would double the gate's time for little, since the unsigned path is what the other integration
# tests run (lib.sh's default), and a by-hand run can still set SKIFF_TEST_SIGNING=auto.
: "${SKIFF_TEST_SIGNING:=mandatory}"
# shellcheck source=../integration/lib.sh
# Samba's reference run allows anonymous logons (its default), and smb2.session.reauth2
# re-authenticates anonymously; skiffd refuses them unless configured, so configure it here.
# Samba's run also enables its test-only FSCTLs (smbd:FSCTL_SMBTORTURE); skiffd's switch for
# the one the core list uses (smb2.read.bug14607) is "smbtorture hooks".
SKIFF_TEST_EXTRA_GLOBAL=${SKIFF_TEST_EXTRA_GLOBAL:-"allow anonymous = yes
smbtorture hooks = yes"}
. "$SKIFF_SRC/tests/integration/lib.sh"

LIST=${SKIFF_CONF_LIST:-$CONF_DIR/smb2-core.txt}
RULES=${SKIFF_CONF_OVERRIDES:-$CONF_DIR/core-overrides.txt}
TIMES=${SKIFF_CONF_TIMES:-$CONF_DIR/gate-times.tsv}
KNOWN=${SKIFF_CONF_KNOWN:-$CONF_DIR/known-failures.txt}
ONLY=${SKIFF_CONF_ONLY:-}
TMO=${SKIFF_CONF_TIMEOUT:-60}
SLICE=${SKIFF_CONF_SLICE:-}
SLICE_I=1 SLICE_N=1
if [ -n "$SLICE" ]; then
	IFS=/ read -r SLICE_I SLICE_N <<<"$SLICE"
	[[ "$SLICE_I" =~ ^[0-9]+$ && "$SLICE_N" =~ ^[0-9]+$ ]] && [ "$SLICE_I" -ge 1 ] &&
		[ "$SLICE_I" -le "$SLICE_N" ] || { echo "bad SKIFF_CONF_SLICE '$SLICE' (want I/N)" >&2; exit 2; }
fi
BUDGET=${SKIFF_CONF_BUDGET:-780}
if [ -n "${SKIFF_CONF_OUT:-}" ]; then
	OUT=$SKIFF_CONF_OUT
elif [ -f "$PWD/CMakeCache.txt" ]; then
	OUT=$PWD/conformance-results-$SKIFF_TEST_TARGET
else
	OUT=$SKIFF_SRC/out/conformance-$SKIFF_TEST_TARGET
fi
[ -z "$SLICE" ] || [ -n "${SKIFF_CONF_OUT:-}" ] || OUT=$OUT-slice$SLICE_I
command -v smbtorture >/dev/null || skiff_die "smbtorture not installed (scripts/install-deps.sh)"

trim() { local s=${1%%#*}; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# ---------- inputs ----------
declare -a TESTS=() RULE_RE=() RULE_SHARE=() RULE_OPTS=()
while IFS= read -r line || [ -n "$line" ]; do
	t=$(trim "$line")
	[ -n "$t" ] || continue
	if [ -z "$ONLY" ] || grep -qE -- "$ONLY" <<<"$t"; then TESTS+=("$t"); fi
done <"$LIST"
if [ "$SLICE_N" -gt 1 ]; then
	# Whole suites (smb2.<suite>.*) go to one slice, in list order: some tests rely on what the
	# one before left (smb2.delete-on-close-perms.READONLY after "CREATE Existing" fails on
	# Samba too).
	suite_of() { local rest=${1#*.}; printf '%s' "${1%%.*}.${rest%%.*}"; }
	declare -a ALL=("${TESTS[@]}") SUITES=()
	declare -A SUITE_SIZE=() SUITE_SLICE=() TEST_TENTHS=()
	# A suite weighs what its tests took in an earlier run (gate-times.tsv, tenths of a second)
	# plus a second each for smbtorture's start; a test not listed counts 2 s.
	if [ -r "$TIMES" ]; then
		while IFS=$'\t' read -r name secs; do
			[[ "$name" == \#* || -z "$secs" ]] && continue
			TEST_TENTHS[$name]=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 10 + 0.5 }')
		done <"$TIMES"
	fi
	for t in "${ALL[@]}"; do
		suite=$(suite_of "$t")
		SUITE_SIZE[$suite]=$((${SUITE_SIZE[$suite]:-0} + ${TEST_TENTHS[$t]:-10} + 10))
	done
	# heaviest first, then each to the lightest slice: slices of about equal time
	mapfile -t SUITES < <(for suite in "${!SUITE_SIZE[@]}"; do
		printf '%s %s\n' "${SUITE_SIZE[$suite]}" "$suite"; done | sort -k1,1nr -k2 | cut -d' ' -f2)
	declare -a SLICE_COUNT=()
	for ((k = 1; k <= SLICE_N; k++)); do SLICE_COUNT[k]=0; done
	for suite in "${SUITES[@]}"; do
		best=1
		for ((k = 2; k <= SLICE_N; k++)); do
			[ "${SLICE_COUNT[k]}" -lt "${SLICE_COUNT[best]}" ] && best=$k
		done
		SUITE_SLICE[$suite]=$best
		SLICE_COUNT[best]=$((SLICE_COUNT[best] + SUITE_SIZE[$suite]))
	done
	TESTS=()
	for t in "${ALL[@]}"; do
		[ "${SUITE_SLICE[$(suite_of "$t")]}" = "$SLICE_I" ] && TESTS+=("$t")
	done
fi
[ ${#TESTS[@]} -gt 0 ] || skiff_die "no tests selected from $LIST${SLICE:+ (slice $SLICE)}"

if [ -r "$RULES" ]; then
	while IFS= read -r line || [ -n "$line" ]; do
		line=$(trim "$line")
		[ -n "$line" ] || continue
		read -r re share opts <<<"$line"
		RULE_RE+=("$re")
		RULE_SHARE+=("${share:--}")
		RULE_OPTS+=("${opts:-}")
	done <"$RULES"
fi

declare -A KNOWN_REASON=()
if [ -r "$KNOWN" ]; then
	while IFS= read -r line || [ -n "$line" ]; do
		name=$(trim "$line")
		[ -n "$name" ] || continue
		reason=""
		case "$line" in *"#"*) reason=$(sed 's/^[^#]*#[[:space:]]*//' <<<"$line") ;; esac
		KNOWN_REASON["$name"]=${reason:-no reason given}
	done <"$KNOWN"
fi

# ---------- group the tests by (share, options) ----------
declare -A GROUP_OF=() GROUP_SHARE=() GROUP_OPTS=() GROUP_TMO=()
declare -a GROUPS_ORDER=()
for t in "${TESTS[@]}"; do
	share=share opts=""
	for i in "${!RULE_RE[@]}"; do
		if grep -qE -- "${RULE_RE[$i]}" <<<"$t"; then
			[ "${RULE_SHARE[$i]}" = - ] || share=${RULE_SHARE[$i]}
			opts=${RULE_OPTS[$i]}
			break
		fi
	done
	tmo=$TMO torture_opts=""
	for o in $opts; do
		case "$o" in
			timeout=*) tmo=${o#timeout=} ;;
			*) torture_opts="$torture_opts $o" ;;
		esac
	done
	key="$share|$tmo|$torture_opts"
	if [ -z "${GROUP_SHARE[$key]+x}" ]; then
		GROUP_SHARE[$key]=$share
		GROUP_OPTS[$key]=${torture_opts# }
		GROUP_TMO[$key]=$tmo
		GROUPS_ORDER+=("$key")
	fi
	GROUP_OF["$t"]=$key
done

extra=""
for key in "${GROUPS_ORDER[@]}"; do
	s=${GROUP_SHARE[$key]}
	# once per share: groups of one share may differ by options or timeout
	case " share$extra " in *" $s "*) ;; *) extra="$extra $s" ;; esac
done
SKIFF_TEST_EXTRA_SHARES="$SKIFF_TEST_EXTRA_SHARES$extra"

# ---------- run ----------
skiff_start
rm -rf "$OUT"
mkdir -p "$OUT" || skiff_die "cannot create $OUT"
echo "results: $OUT (server signing = $SKIFF_TEST_SIGNING)"
START=$(date +%s)
n=0
for key in "${GROUPS_ORDER[@]}"; do
	n=$((n + 1))
	gdir=$OUT/group$n
	mkdir -p "$gdir"
	for t in "${TESTS[@]}"; do [ "${GROUP_OF[$t]}" = "$key" ] && printf '%s\n' "$t"; done >"$gdir/list.txt"
	declare -a args=(-p "$SKIFF_TEST_PORT" -s "${GROUP_SHARE[$key]}" -U "$SKIFF_TEST_USER"
		-P "$SKIFF_TEST_PASS" -t "${GROUP_TMO[$key]}" -l "$gdir/list.txt" -o "$gdir")
	for o in ${GROUP_OPTS[$key]}; do args+=(-O "$o"); done
	left=$((BUDGET - ($(date +%s) - START)))
	echo "=== share ${GROUP_SHARE[$key]}${GROUP_OPTS[$key]:+, options ${GROUP_OPTS[$key]}}," \
		"timeout ${GROUP_TMO[$key]}s: $(wc -l <"$gdir/list.txt") tests"
	if [ "$left" -le 0 ]; then
		echo "time budget of ${BUDGET}s used up; not running this group"
		continue
	fi
	timeout -k 15 "$left" "$CONF_DIR/smbtorture-run" "${args[@]}" | grep --line-buffered -E '^\[ *[0-9]+/'
	[ "${PIPESTATUS[0]}" = 124 ] && echo "time budget of ${BUDGET}s used up during this group"
done
cat "$OUT"/group*/results.tsv >"$OUT/results.tsv" 2>/dev/null
skiff_stop || echo "NOTE: the server died or reported a sanitizer error during the run (see above)"
SERVER_BROKE=${SKIFF_STOP_FAILED:-0}

# ---------- compare ----------
declare -A RESULT=()
while IFS=$'\t' read -r name res _; do
	[ -n "$name" ] || continue
	RESULT["$name"]=$res
done <"$OUT/results.tsv"
# Every requested test must have produced at least one result line.
for t in "${TESTS[@]}"; do
	found=0
	for name in "${!RESULT[@]}"; do
		if [ "$name" = "$t" ] || [ "${name#"$t".}" != "$name" ]; then found=1; break; fi
	done
	[ "$found" = 1 ] || RESULT["$t"]="not-run"
done

pass=0 bad=0 known=0 skipped=0
: >"$OUT/unexpected.txt"
: >"$OUT/now-passing.txt"
while IFS= read -r name; do
	res=${RESULT[$name]}
	if [ "$res" = pass ]; then
		pass=$((pass + 1))
		if [ -n "${KNOWN_REASON[$name]+x}" ]; then
			echo "NOTE: $name now passes, remove from known failures"
			echo "$name" >>"$OUT/now-passing.txt"
		fi
		continue
	fi
	[ "$res" = skip ] && skipped=$((skipped + 1))
	if [ -n "${KNOWN_REASON[$name]+x}" ]; then
		known=$((known + 1))
		echo "known failure: $name ($res) # ${KNOWN_REASON[$name]}"
	else
		bad=$((bad + 1))
		printf '%s\t%s\n' "$name" "$res" >>"$OUT/unexpected.txt"
		log=$(printf '%s' "$name" | tr -c 'A-Za-z0-9._=-' '_')
		echo "UNEXPECTED: $name: $res  (log: $(ls "$OUT"/group*/logs/"$log".log 2>/dev/null | head -n1))"
	fi
done < <(printf '%s\n' "${!RESULT[@]}" | sort)

for name in "${!KNOWN_REASON[@]}"; do
	if [ -z "${RESULT[$name]+x}" ] && [ -z "$ONLY" ] && [ "$SLICE_N" = 1 ]; then
		echo "NOTE: known failure '$name' is not in the results of this run (misspelt or removed?)"
	fi
done

failed=$((bad + known))
echo "conformance ($SKIFF_TEST_TARGET${SLICE:+, slice $SLICE}): $pass passed, $failed failed ($known known, $bad unexpected; $skipped of them skips)"
[ "$bad" = 0 ] && [ "$SERVER_BROKE" = 0 ]
