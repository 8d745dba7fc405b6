# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Integration-test harness, sourced by tests/integration/test_*.sh: starts a throwaway server
# (skiffd, or the reference Samba with SKIFF_TEST_TARGET=samba) on a free 127.0.0.1 port with its
# own config, state and share directories, and gives tests small assertion helpers.
#
# Sourced API (bash):
#   skiff_start          start the server; sets and exports
#                          SKIFF_TEST_HOST SKIFF_TEST_PORT SKIFF_TEST_USER SKIFF_TEST_PASS
#                          SKIFF_TEST_SHARE SKIFF_TEST_SHARE_DIR SKIFF_TEST_DIR SKIFF_TEST_LOG
#                          SKIFF_SERVER_PID (skiffd, or smbd's main process)
#                        and stops it again on exit (trap), printing its log if the test failed
#   skiff_stop           stop it now (also done by the trap); fails if the server died during
#                        the test or its log holds a sanitizer report
#   skiff_smbclient ARG...   smbclient against //HOST/SHARE on the test port, as the test user,
#                        under timeout(1) (SKIFF_SMBCLIENT_TIMEOUT seconds, default 120)
#   check DESC CMD...    run CMD; count a pass or a failure (prints "ok"/"FAIL")
#   expect_eq DESC WANT GOT / expect_contains DESC HAYSTACK NEEDLE / expect_not_contains ...
#   skiff_done           print "N checks passed, N failed" and exit 0 only if nothing failed
# Run mode (for tests in other languages):
#   bash lib.sh run CMD [ARG...]   start the server, run CMD with the variables above in its
#                                  environment, stop the server, exit with CMD's status
#
# Settings (environment, all optional):
#   SKIFF_TEST_TARGET     skiffd (default) | samba
#   SKIFFD, SKIFF         binaries (ctest sets them; default $SKIFF_SRC/build/{skiffd,skiff})
#   SKIFF_SRC             source tree (default: two levels above this file)
#   SKIFF_TEST_SIGNING    skiffd "server signing" (auto | mandatory | disabled; default auto)
#   SKIFF_TEST_EXTRA_SHARES  more share names (space separated) exported with the same directory
#   SKIFF_TEST_EXTRA_GLOBAL  extra skiffd [global] lines, newline separated
#   SKIFF_TEST_CONF_HOOK  shell code run (eval) after skiffd.conf is written, before the start
#   SKIFF_TEST_USER       SMB + Unix user (default skifftest); the password is random per run
#   SKIFF_TEST_LOG_LEVEL  skiffd log level (default 2)
#   SKIFF_TEST_KEEP=1     keep the temporary directory afterwards

SKIFF_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${SKIFF_SRC:=$(cd "$SKIFF_LIB_DIR/../.." && pwd)}"
: "${SKIFFD:=$SKIFF_SRC/build/skiffd}"
: "${SKIFF:=$SKIFF_SRC/build/skiff}"
: "${SKIFF_TEST_TARGET:=skiffd}"
: "${SKIFF_TEST_SIGNING:=auto}"
: "${SKIFF_TEST_EXTRA_SHARES:=}"
: "${SKIFF_TEST_USER:=skifftest}"
: "${SKIFF_TEST_LOG_LEVEL:=2}"
export SKIFF_SRC SKIFFD SKIFF SKIFF_TEST_TARGET
# Sanitizer builds: report and stop at the first error, with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:print_summary=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# TSan builds (-DSKIFF_TSAN=ON): keep running after a report, so one test shows every race it
# hits (the report in the log fails the test, see skiff_stop); known false positives are
# suppressed with a reason in tests/tsan.supp.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1:history_size=4:suppressions=$SKIFF_SRC/tests/tsan.supp}

SKIFF_TEST_HOST=127.0.0.1
SKIFF_TEST_SHARE=share
SKIFF_TEST_PORT=""
SKIFF_TEST_DIR=""
SKIFF_TEST_LOG=""
SKIFF_SERVER_PID=""
SKIFF_WATCHDOG_PID=""
SKIFF_SAMBA_DIR=""
SKIFF_CHECKS_OK=0
SKIFF_CHECKS_FAILED=0
SKIFF_STOPPED=0

skiff_log() { printf '%s: %s\n' "${SKIFF_TEST_NAME:-$(basename "$0")}" "$*" >&2; }
skiff_die() { skiff_log "ERROR: $*"; exit 2; }

# ---------- assertions ----------
skiff__ok() { SKIFF_CHECKS_OK=$((SKIFF_CHECKS_OK + 1)); printf 'ok    %s\n' "$1"; }
skiff__fail() { SKIFF_CHECKS_FAILED=$((SKIFF_CHECKS_FAILED + 1)); printf 'FAIL  %s\n' "$1"; }

check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		skiff__ok "$desc"
	else
		skiff__fail "$desc"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/      | /'
	fi
}

expect_eq() {
	if [ "$2" == "$3" ]; then skiff__ok "$1"; else skiff__fail "$1"; printf '      want: %s\n      got:  %s\n' "$2" "$3"; fi
}

expect_contains() {
	if grep -qF -- "$3" <<<"$2"; then skiff__ok "$1"; else
		skiff__fail "$1"; printf '      missing: %s\n' "$3"; printf '%s\n' "$2" | tail -n 20 | sed 's/^/      | /'
	fi
}

expect_not_contains() {
	if ! grep -qF -- "$3" <<<"$2"; then skiff__ok "$1"; else
		skiff__fail "$1"; printf '      unexpected: %s\n' "$3"; printf '%s\n' "$2" | tail -n 20 | sed 's/^/      | /'
	fi
}

skiff_done() {
	skiff_stop || SKIFF_CHECKS_FAILED=$((SKIFF_CHECKS_FAILED + 1))
	echo "$SKIFF_CHECKS_OK checks passed, $SKIFF_CHECKS_FAILED failed"
	[ "$SKIFF_CHECKS_FAILED" = 0 ] && [ "$SKIFF_CHECKS_OK" -gt 0 ]
	exit $?
}

# ---------- ports ----------
skiff__port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

skiff__pick_port() {
	local i p
	for i in $(seq 1 50); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
		if ! skiff__port_busy "$p" && ! grep -qi ":$(printf '%04X' "$p") " /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

skiff__wait_port() {  # $1 port, $2 pid to watch (may be empty), $3 tenths of a second
	local i
	for i in $(seq 1 "$3"); do
		skiff__port_busy "$1" && return 0
		if [ -n "$2" ] && ! kill -0 "$2" 2>/dev/null; then return 1; fi
		sleep 0.1
	done
	return 1
}

# ---------- users ----------
skiff__ensure_unix_user() {
	getent passwd "$1" >/dev/null && return 0
	[ "$(id -u)" = 0 ] || skiff_die "Unix user $1 does not exist and we are not root to create it"
	# Tests run in parallel (ctest -j): one creates the user while the others wait on the lock
	# (a second useradd of the same name fails, or fails to lock /etc/passwd).
	(
		flock -w 60 9 || exit 1
		getent passwd "$1" >/dev/null || useradd -M -d /nonexistent -s /usr/sbin/nologin "$1"
	) 9>>/tmp/skiff-test-useradd.lock 2>/dev/null || getent passwd "$1" >/dev/null ||
		skiff_die "useradd $1 failed"
}

skiff__random_password() { od -An -tx1 -N12 /dev/urandom | tr -d ' \n'; }

# ---------- server ----------
skiff__write_skiffd_conf() {
	local s
	{
		echo "# written by tests/integration/lib.sh for one test run"
		echo "[global]"
		echo "listen = 127.0.0.1"
		echo "port = $SKIFF_TEST_PORT"
		echo "server signing = $SKIFF_TEST_SIGNING"
		echo "log level = $SKIFF_TEST_LOG_LEVEL"
		echo "state directory = $SKIFF_TEST_DIR/state"
		echo "netbios name = SKIFFTEST"
		echo "workgroup = WORKGROUP"
		echo "server min protocol = SMB2_02"
		echo "server max protocol = SMB3_11"
		# extra [global] lines, one per line (e.g. the conformance run's "allow anonymous")
		[ -n "${SKIFF_TEST_EXTRA_GLOBAL:-}" ] && printf '%s\n' "$SKIFF_TEST_EXTRA_GLOBAL"
		for s in "$SKIFF_TEST_SHARE" $SKIFF_TEST_EXTRA_SHARES; do
			echo
			echo "[$s]"
			case $s in
			dynamic_share)  # smb2.lease.dynamic_share: one directory per connection, as in
				# samba-reference.sh (where root preexec makes it)
				echo "path = $SKIFF_TEST_SHARE_DIR/dynamic/%t"
				echo "create path = yes" ;;
			replay_windows)  # smb2.replay.dhv2-pending*-windows: Windows' answers
				echo "path = $SKIFF_TEST_SHARE_DIR"
				echo "windows replay = yes" ;;
			ca_share)  # smb2.replay.replay5, durable-v2-open.persistent-*: persistent handles
				echo "path = $SKIFF_TEST_SHARE_DIR"
				echo "continuously available = yes" ;;
			*) echo "path = $SKIFF_TEST_SHARE_DIR" ;;
			esac
			echo "read only = no"
			echo "valid users = $SKIFF_TEST_USER"
			echo "comment = integration test share"
		done
	} >"$SKIFF_TEST_DIR/skiffd.conf"
}

skiff__start_skiffd() {
	local try
	[ -x "$SKIFFD" ] || skiff_die "skiffd binary not found at $SKIFFD (build first, or set SKIFFD)"
	[ -x "$SKIFF" ] || skiff_die "skiff binary not found at $SKIFF (build first, or set SKIFF)"
	SKIFF_TEST_SHARE_DIR=$SKIFF_TEST_DIR/share
	mkdir -p "$SKIFF_TEST_DIR/state" "$SKIFF_TEST_SHARE_DIR"
	chmod 0700 "$SKIFF_TEST_DIR/state"
	chown "$SKIFF_TEST_USER": "$SKIFF_TEST_SHARE_DIR"
	case " $SKIFF_TEST_EXTRA_SHARES " in *" dynamic_share "*)
		mkdir -p "$SKIFF_TEST_SHARE_DIR/dynamic"
		chown "$SKIFF_TEST_USER": "$SKIFF_TEST_SHARE_DIR/dynamic" ;;
	esac
	SKIFF_TEST_LOG=$SKIFF_TEST_DIR/skiffd.log
	for try in 1 2 3; do
		SKIFF_TEST_PORT=$(skiff__pick_port) || skiff_die "no free port found"
		skiff__write_skiffd_conf
		# a test may adjust the generated config (e.g. per-share keys) before the start
		if [ -n "${SKIFF_TEST_CONF_HOOK:-}" ]; then eval "$SKIFF_TEST_CONF_HOOK"; fi
		if [ "$try" = 1 ]; then
			"$SKIFFD" -c "$SKIFF_TEST_DIR/skiffd.conf" --check-config >"$SKIFF_TEST_DIR/check-config.out" 2>&1 || {
				cat "$SKIFF_TEST_DIR/check-config.out" >&2
				skiff_die "skiffd --check-config rejected $SKIFF_TEST_DIR/skiffd.conf"
			}
			printf '%s\n%s\n' "$SKIFF_TEST_PASS" "$SKIFF_TEST_PASS" |
				"$SKIFF" -c "$SKIFF_TEST_DIR/skiffd.conf" user add "$SKIFF_TEST_USER" >"$SKIFF_TEST_DIR/useradd.out" 2>&1 || {
				cat "$SKIFF_TEST_DIR/useradd.out" >&2
				skiff_die "skiff user add $SKIFF_TEST_USER failed"
			}
		fi
		"$SKIFFD" -c "$SKIFF_TEST_DIR/skiffd.conf" </dev/null >>"$SKIFF_TEST_LOG" 2>&1 &
		SKIFF_SERVER_PID=$!
		if skiff__wait_port "$SKIFF_TEST_PORT" "$SKIFF_SERVER_PID" 200; then
			return 0
		fi
		if kill -0 "$SKIFF_SERVER_PID" 2>/dev/null; then
			kill -KILL "$SKIFF_SERVER_PID" 2>/dev/null
			wait "$SKIFF_SERVER_PID" 2>/dev/null
			SKIFF_SERVER_PID=""
			skiff__print_log
			skiff_die "skiffd did not accept connections on port $SKIFF_TEST_PORT within 20 s"
		fi
		wait "$SKIFF_SERVER_PID" 2>/dev/null
		SKIFF_SERVER_PID=""
		# The port may have been taken between our probe and skiffd's bind: retry elsewhere.
		if ! grep -qi 'in use' "$SKIFF_TEST_LOG"; then break; fi
		echo "### port $SKIFF_TEST_PORT was taken, retrying" >>"$SKIFF_TEST_LOG"
	done
	skiff__print_log
	skiff_die "skiffd exited during start-up"
}

skiff__start_samba() {
	local refsh=$SKIFF_SRC/tests/conformance/samba-reference.sh out
	SKIFF_SAMBA_DIR=$SKIFF_TEST_DIR/samba
	SKIFF_TEST_SHARE_DIR=$SKIFF_SAMBA_DIR/share
	SKIFF_TEST_LOG=$SKIFF_SAMBA_DIR/log/log.smbd
	local extra=""
	case "$SKIFF_TEST_SIGNING" in
		mandatory | required) extra="server signing = mandatory" ;;
		disabled) extra="server signing = disabled" ;;
	esac
	SKIFF_TEST_PORT=$(skiff__pick_port) || skiff_die "no free port found"
	if ! out=$(REF_USER=$SKIFF_TEST_USER REF_PASS=$SKIFF_TEST_PASS REF_EXTRA_GLOBAL=$extra \
		"$refsh" start "$SKIFF_SAMBA_DIR" "$SKIFF_TEST_PORT" 2>&1); then
		printf '%s\n' "$out" >&2
		skiff_die "could not start the reference Samba"
	fi
	SKIFF_SERVER_PID=$(cat "$SKIFF_SAMBA_DIR/smbd.pid")
}

skiff__print_log() {
	[ -n "$SKIFF_TEST_LOG" ] && [ -s "$SKIFF_TEST_LOG" ] || return 0
	echo "----- server log ($SKIFF_TEST_LOG, last 200 lines) -----" >&2
	tail -n 200 "$SKIFF_TEST_LOG" >&2
	echo "----- end of server log -----" >&2
}

# A ctest timeout kills the test with SIGKILL, so no trap runs; smbd daemonizes and would
# survive. A detached watchdog (double fork + setsid, so it is neither our child nor in our
# process group) stops the server once the test shell is gone.
skiff__start_watchdog() {
	local parent=$$ stopcmd
	if [ "$SKIFF_TEST_TARGET" = samba ]; then
		stopcmd="'$SKIFF_SRC/tests/conformance/samba-reference.sh' stop '$SKIFF_SAMBA_DIR'"
	else
		stopcmd="kill -TERM $SKIFF_SERVER_PID; i=0; while kill -0 $SKIFF_SERVER_PID && [ \$i -lt 20 ]; do sleep 0.5; i=\$((i + 1)); done
		[ -s '$SKIFF_TEST_DIR/skiffd.restarted.pid' ] && kill -TERM \$(cat '$SKIFF_TEST_DIR/skiffd.restarted.pid')"
	fi
	(setsid sh -c "echo \$\$ >'$SKIFF_TEST_DIR/watchdog.pid'
		while kill -0 $parent 2>/dev/null; do sleep 2; done
		$stopcmd
		[ '${SKIFF_TEST_KEEP:-0}' = 1 ] || rm -rf --one-file-system '$SKIFF_TEST_DIR'" </dev/null >/dev/null 2>&1 &)
	local i
	for i in $(seq 1 50); do [ -s "$SKIFF_TEST_DIR/watchdog.pid" ] && break; sleep 0.02; done
	SKIFF_WATCHDOG_PID=$(cat "$SKIFF_TEST_DIR/watchdog.pid" 2>/dev/null)
}

skiff_start() {
	[ -z "$SKIFF_SERVER_PID" ] || skiff_die "server already started"
	SKIFF_STOPPED=0   # a test may stop its server and start another
	SKIFF_TEST_PASS=$(skiff__random_password)
	skiff__ensure_unix_user "$SKIFF_TEST_USER"
	SKIFF_TEST_DIR=$(mktemp -d /tmp/skiff-test.XXXXXX) || skiff_die "mktemp failed"
	chmod 0755 "$SKIFF_TEST_DIR"  # the share below must be reachable by the test user
	trap 'skiff__on_exit' EXIT
	trap 'exit 130' INT TERM HUP
	case "$SKIFF_TEST_TARGET" in
		skiffd) skiff__start_skiffd ;;
		samba) skiff__start_samba ;;
		*) skiff_die "SKIFF_TEST_TARGET must be skiffd or samba, not '$SKIFF_TEST_TARGET'" ;;
	esac
	skiff__start_watchdog
	export SKIFF_SERVER_PID SKIFF_TEST_HOST SKIFF_TEST_PORT SKIFF_TEST_USER SKIFF_TEST_PASS SKIFF_TEST_SHARE \
		SKIFF_TEST_SHARE_DIR SKIFF_TEST_DIR SKIFF_TEST_LOG
	skiff_log "$SKIFF_TEST_TARGET (pid $SKIFF_SERVER_PID) on $SKIFF_TEST_HOST:$SKIFF_TEST_PORT," \
		"//$SKIFF_TEST_HOST/$SKIFF_TEST_SHARE, user $SKIFF_TEST_USER, dir $SKIFF_TEST_DIR"
}

# Returns non-zero if the server died under the test or left a sanitizer report.
skiff_stop() {
	local rc=0 i
	[ "$SKIFF_STOPPED" = 0 ] || return 0
	SKIFF_STOPPED=1
	if [ "$SKIFF_TEST_TARGET" = samba ]; then
		if [ -n "$SKIFF_SAMBA_DIR" ]; then
			"$SKIFF_SRC/tests/conformance/samba-reference.sh" stop "$SKIFF_SAMBA_DIR" >/dev/null 2>&1 || rc=1
		fi
	elif [ -n "$SKIFF_SERVER_PID" ]; then
		# a test that killed skiffd and started it again (kill -9 tests) left the new pid here
		if [ -s "$SKIFF_TEST_DIR/skiffd.restarted.pid" ]; then
			wait "$SKIFF_SERVER_PID" 2>/dev/null
			SKIFF_SERVER_PID=$(cat "$SKIFF_TEST_DIR/skiffd.restarted.pid")
		fi
		if ! kill -0 "$SKIFF_SERVER_PID" 2>/dev/null; then
			wait "$SKIFF_SERVER_PID" 2>/dev/null
			skiff_log "skiffd (pid $SKIFF_SERVER_PID) died during the test (exit status $?)"
			rc=1
		else
			kill -TERM "$SKIFF_SERVER_PID" 2>/dev/null
			for i in $(seq 1 100); do kill -0 "$SKIFF_SERVER_PID" 2>/dev/null || break; sleep 0.1; done
			if kill -0 "$SKIFF_SERVER_PID" 2>/dev/null; then
				skiff_log "skiffd did not exit within 10 s of SIGTERM; killing it"
				kill -KILL "$SKIFF_SERVER_PID" 2>/dev/null
			fi
			wait "$SKIFF_SERVER_PID" 2>/dev/null
		fi
		# ASan/LSan/MSan say "ERROR:", TSan says "WARNING: ThreadSanitizer:" (and "FATAL:")
		if grep -qE '(ERROR|WARNING|FATAL): (Address|Leak|Thread|Memory)Sanitizer|runtime error:' "$SKIFF_TEST_LOG" 2>/dev/null; then
			skiff_log "sanitizer report in the skiffd log"
			rc=1
		fi
	fi
	SKIFF_SERVER_PID=""
	if [ -n "$SKIFF_WATCHDOG_PID" ]; then
		kill "$SKIFF_WATCHDOG_PID" 2>/dev/null
		SKIFF_WATCHDOG_PID=""
	fi
	[ "$rc" = 0 ] || SKIFF_STOP_FAILED=1
	return "$rc"
}

skiff__on_exit() {
	local status=$?
	skiff_stop || status=1
	if [ "$status" != 0 ] || [ "${SKIFF_STOP_FAILED:-0}" = 1 ]; then
		skiff__print_log
	fi
	if [ -n "$SKIFF_TEST_DIR" ] && [ -d "$SKIFF_TEST_DIR" ]; then
		if [ "${SKIFF_TEST_KEEP:-0}" = 1 ]; then
			skiff_log "kept $SKIFF_TEST_DIR"
		else
			rm -rf --one-file-system "$SKIFF_TEST_DIR"
		fi
	fi
	exit "$status"
}

# ---------- clients ----------
# A server that stops answering must fail the step, not hang the test until ctest kills it
# (signals wait for the foreground smbclient): every call runs under timeout(1).
skiff_smbclient() {
	local t=${SKIFF_SMBCLIENT_TIMEOUT:-120} rc
	timeout -k 5 "$t" smbclient -s /dev/null -p "$SKIFF_TEST_PORT" "//$SKIFF_TEST_HOST/$SKIFF_TEST_SHARE" \
		-U "$SKIFF_TEST_USER%$SKIFF_TEST_PASS" "$@"
	rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then echo "SMBCLIENT TIMED OUT after ${t}s without an answer (counted as an NT_STATUS_ failure)"; fi
	return "$rc"
}

# ---------- run mode ----------
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	[ "${1:-}" = run ] && [ $# -ge 2 ] || { echo "usage: bash lib.sh run CMD [ARG...]" >&2; exit 2; }
	shift
	SKIFF_TEST_NAME=$(basename "$1")
	skiff_start
	"$@"
	skiff_rc=$?
	skiff_stop || skiff_rc=1
	exit "$skiff_rc"
fi
