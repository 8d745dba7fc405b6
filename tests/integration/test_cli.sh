#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration test of the `skiff` administration CLI: user add/passwd/del/list through stdin
# against a throwaway state directory, the users.db it writes, exit codes and error messages.
set -u

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SKIFF=${SKIFF:-$SRC/build/skiff}
if [ ! -x "$SKIFF" ] && [ -x ./build/skiff ]; then
	SKIFF=./build/skiff
fi
if [ ! -x "$SKIFF" ]; then
	echo "FAIL  skiff binary not found at $SKIFF (build it, or set SKIFF)"
	exit 1
fi

TMP=$(mktemp -d /tmp/skiff-test-cli-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
STATE=$TMP/state/sub
CONF=$TMP/skiff.conf
DB=$STATE/users.db
cat >"$CONF" <<EOF
[global]
  state directory = $STATE
[share]
  path = $TMP
EOF

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS  $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/      | /'; }

# run STDIN ARGS...: runs skiff with STDIN (printf %b escapes) as its input; leaves its exit
# code in RC and its output (stdout and stderr) in OUT.
run() {
	local stdin=$1
	shift
	OUT=$(printf '%b' "$stdin" | "$SKIFF" "$@" 2>&1)
	RC=$?
}

# expect DESC WANT_RC [NEEDLE]: last run exited WANT_RC (and its output contains NEEDLE).
expect() {
	local desc=$1 want=$2 needle=${3:-}
	if [ "$RC" != "$want" ]; then
		fail "$desc (exit $RC, want $want)" "$OUT"
	elif [ -n "$needle" ] && [[ "$OUT" != *"$needle"* ]]; then
		fail "$desc (output lacks '$needle')" "$OUT"
	else
		pass "$desc"
	fi
}

# users.db line of a user ("" when absent).
db_line() { grep -i "^$1:" "$DB" 2>/dev/null; }

# ---- usage ------------------------------------------------------------------------------
run "" --help;                 expect "--help exits 0 with usage" 0 "Usage: skiff"
run "";                        expect "no command is a usage error" 2 "no command given"
run "" -c "$CONF" frob;        expect "unknown command is a usage error" 2 "unknown command 'frob'"
run "" -c "$CONF" user add;    expect "user add without a name is a usage error" 2 "takes exactly one user name"
run "" -c "$CONF" user add a b; expect "user add with two names is a usage error" 2 "takes exactly one user name"
run "" -c "$CONF" user list x; expect "user list with an argument is a usage error" 2 "takes no arguments"
run "" -c "$CONF" user frob x; expect "unknown user command is a usage error" 2 "unknown user command 'frob'"
run "" --bogus;                expect "unknown option is a usage error" 2

# ---- configuration errors ------------------------------------------------------------------
run "" -c "$TMP/missing.conf" user list
expect "missing config file fails" 1 "$TMP/missing.conf: cannot open: No such file or directory"
printf '[global]\nstate directory = %s\nbogus key = 1\n' "$STATE" >"$TMP/bad.conf"
run "" -c "$TMP/bad.conf" user list
expect "bad config names file and line" 1 "$TMP/bad.conf:3: unknown key 'bogus key' in [global]"
run "" -c "$CONF" check;       expect "check accepts a good config" 0 "$CONF: OK"
run "" -c "$CONF" check;       expect "check shows the logon rules" 0 "logons: uid >= 1000, root refused; failed logons answered after 2000 ms; server admins: (none)"
run "" -c "$TMP/bad.conf" check; expect "check rejects a bad config" 1 "bad.conf:3:"

# ---- add ----------------------------------------------------------------------------------
run "" -c "$CONF" user list
expect "list on an empty database" 0
[ -z "$OUT" ] && pass "empty database lists nobody" || fail "empty database lists nobody" "$OUT"
[ ! -e "$STATE" ] && pass "listing creates nothing" || fail "listing creates nothing"

run 'Password\nPassword\n' -c "$CONF" user add alice
expect "user add alice from stdin" 0 "Added user alice."
if [ "$(db_line alice)" = "alice:a4f49c406510bdcab6824ee7c30fd852" ]; then
	pass "users.db holds the MS-NLMP NT hash of 'Password'"
else
	fail "users.db holds the MS-NLMP NT hash of 'Password'" "$(cat "$DB" 2>&1)"
fi
mode=$(stat -c %a "$DB" 2>/dev/null)
[ "$mode" = 600 ] && pass "users.db has mode 600" || fail "users.db has mode 600 (got $mode)"
mode=$(stat -c %a "$STATE" 2>/dev/null)
[ "$mode" = 700 ] && pass "state directory created with mode 700" || fail "state directory mode 700 (got $mode)"
grep -q Password "$DB" && fail "plain password not stored" || pass "plain password not stored"

run 'x\nx\n' -c "$CONF" user add alice;  expect "adding an existing user fails" 1 "user 'alice' already exists"
run 'x\nx\n' -c "$CONF" user add ALICE;  expect "user names are case-insensitive" 1 "already exists"
run 'one\ntwo\n' -c "$CONF" user add bob; expect "mismatched passwords fail" 1 "passwords do not match"
run 'only\n' -c "$CONF" user add bob;     expect "a single password line fails" 1 "expected the password twice"
run '' -c "$CONF" user add bob;           expect "no password on stdin fails" 1 "expected the password twice"
run '\n\n' -c "$CONF" user add bob;       expect "an empty password fails" 1 "empty passwords are not allowed"
[ -z "$(db_line bob)" ] && pass "failed adds leave no user behind" || fail "failed adds leave no user behind"
run 'x\nx\n' -c "$CONF" user add 'a:b';   expect "a name with ':' is refused" 1 "invalid user name 'a:b'"
run 'x\nx\n' -c "$CONF" user add '@grp';  expect "a name with '@' is refused" 1 "invalid user name"
run 'pw2\r\npw2\r\n' -c "$CONF" user add bob; expect "CRLF password lines are accepted" 0 "Added user bob."

# Each SMB user acts as the Unix account of the same name: a missing account is a warning.
run 'x1\nx1\n' -c "$CONF" user add skiff_no_such_acct
expect "add warns about a missing Unix account" 0 "no Unix account named 'skiff_no_such_acct'"
# (nobody: an account that exists everywhere with a uid above `min uid`; root is refused, see
# test_identity.sh)
run 'x1\nx1\n' -c "$CONF" user add nobody
if [ "$RC" = 0 ] && [[ "$OUT" != *"no Unix account"* ]]; then
	pass "no warning for an existing Unix account"
else
	fail "no warning for an existing Unix account" "$OUT"
fi

# ---- list ---------------------------------------------------------------------------------
run "" -c "$CONF" user list
want=$'alice\nbob\nskiff_no_such_acct\nnobody'
[ "$RC" = 0 ] && [ "$OUT" = "$want" ] && pass "user list prints every user in order" ||
	fail "user list prints every user in order" "$OUT"

# ---- passwd -------------------------------------------------------------------------------
before=$(db_line alice)
run 'N3w!\nN3w!\n' -c "$CONF" user passwd ALICE
expect "passwd changes an existing user's password" 0 "Password changed for user ALICE."
after=$(db_line alice)
[ -n "$after" ] && [ "$before" != "$after" ] && pass "the stored hash changed (name kept)" ||
	fail "the stored hash changed (name kept)" "$before / $after"
run 'x\nx\n' -c "$CONF" user passwd nobody_here; expect "passwd of a missing user fails" 1 "no such user 'nobody_here'"
run 'a\nb\n' -c "$CONF" user passwd alice;       expect "passwd with mismatched passwords fails" 1 "do not match"
[ "$(db_line alice)" = "$after" ] && pass "a failed passwd changes nothing" || fail "a failed passwd changes nothing"

# ---- del ----------------------------------------------------------------------------------
run "" -c "$CONF" user del Alice;  expect "del removes a user" 0 "Deleted user Alice."
[ -z "$(db_line alice)" ] && pass "alice is gone from users.db" || fail "alice is gone from users.db"
run "" -c "$CONF" user del alice;  expect "deleting a missing user fails" 1 "no such user 'alice'"
run "" -c "$CONF" user list
[ "$OUT" = $'bob\nskiff_no_such_acct\nnobody' ] && pass "list after del" || fail "list after del" "$OUT"

# ---- concurrent writers do not lose updates (flock) ----------------------------------------
pids=()
for i in $(seq 1 8); do
	printf 'p%s\np%s\n' "$i" "$i" | "$SKIFF" -c "$CONF" user add "par$i" >/dev/null 2>&1 &
	pids+=($!)
done
ok=1
for p in "${pids[@]}"; do wait "$p" || ok=0; done
n=$(grep -c '^par[0-9]:' "$DB")
[ "$ok" = 1 ] && [ "$n" = 8 ] && pass "8 concurrent adds all land" || fail "8 concurrent adds all land (got $n)"
ls "$STATE"/.users.db.* >/dev/null 2>&1 && fail "no temporary files left behind" || pass "no temporary files left behind"

# ---- a damaged or unsafe users.db is refused, not overwritten --------------------------------
cp "$DB" "$TMP/good.db"
echo "garbage line" >>"$DB"
run 'x\nx\n' -c "$CONF" user add zed
expect "a malformed users.db is refused with its line" 1 "users.db:"
grep -q "garbage line" "$DB" && pass "the malformed file was left alone" || fail "the malformed file was left alone"
cp "$TMP/good.db" "$DB"
chmod 666 "$DB"
run "" -c "$CONF" user list;  expect "a world-writable users.db is refused" 1 "writable by group or others"
chmod 644 "$DB"
run "" -c "$CONF" user list;  expect "a world-readable users.db is accepted" 0 "bob"
mode=$(stat -c %a "$DB")
[ "$mode" = 600 ] && pass "and tightened to 600" || fail "and tightened to 600 (got $mode)"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
