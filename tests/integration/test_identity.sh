#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Identity rules (issue 11 section 3): `skiff user add` refuses root and system accounts, and
# the server refuses their logons even when users.db already holds them (written here through a
# second configuration that allows them, as a users.db from before the rule would); srvsvc
# share paths (levels 2 and 502) only for `server admins`. skiffd only.
set -uo pipefail
SKIFF_TEST_NAME=test_identity
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
if [ "${SKIFF_TEST_TARGET:-skiffd}" != skiffd ]; then
	echo "skiffd only"; echo "0 passed, 0 failed"; exit 0
fi
ADMIN=skiffadm
skiff__ensure_unix_user "$ADMIN"
# a share any user may use, holding a file only root may read; and an administrator
SKIFF_TEST_EXTRA_GLOBAL="server admins = $ADMIN"
SKIFF_TEST_CONF_HOOK='mkdir -p "$SKIFF_TEST_DIR/open" && printf "\n[open]\npath = %s\nread only = no\n" "$SKIFF_TEST_DIR/open" >>"$SKIFF_TEST_DIR/skiffd.conf"'
skiff_start
CONF=$SKIFF_TEST_DIR/skiffd.conf
printf 'root secret\n' >"$SKIFF_TEST_DIR/open/rootonly.txt"
chown root:root "$SKIFF_TEST_DIR/open/rootonly.txt"
chmod 0600 "$SKIFF_TEST_DIR/open/rootonly.txt"
PW=$(skiff__random_password)

# ---- the CLI --------------------------------------------------------------------------------
out=$(printf '%s\n%s\n' "$PW" "$PW" | "$SKIFF" -c "$CONF" user add root 2>&1); rc=$?
expect_eq "skiff user add root fails" 1 "$rc"
expect_contains "... and says why" "$out" "uid 0: SMB logons as root"
out=$(printf '%s\n%s\n' "$PW" "$PW" | "$SKIFF" -c "$CONF" user add ROOT 2>&1); rc=$?
expect_eq "skiff user add ROOT (acts as root) fails" 1 "$rc"
out=$(printf '%s\n%s\n' "$PW" "$PW" | "$SKIFF" -c "$CONF" user add daemon 2>&1); rc=$?
expect_eq "skiff user add daemon (uid $(id -u daemon)) fails" 1 "$rc"
expect_contains "... below min uid" "$out" "below 'min uid' (1000)"
out=$("$SKIFF" -c "$CONF" user list 2>&1)
expect_not_contains "refused users are not in users.db" "$out" "root"

# ---- the server, with a users.db that holds them anyway ------------------------------------
# A second configuration on the same state directory that allows them writes the entries.
sed -e 's/^server admins = .*/allow root logon = yes\nmin uid = 0/' "$CONF" >"$SKIFF_TEST_DIR/lax.conf"
for u in root daemon; do
	printf '%s\n%s\n' "$PW" "$PW" | "$SKIFF" -c "$SKIFF_TEST_DIR/lax.conf" user add "$u" >/dev/null 2>&1
done
out=$("$SKIFF" -c "$CONF" user list 2>&1)
expect_contains "root is in users.db (written under the lax configuration)" "$out" "root"

smb_as() {  # USER SHARE CMD
	timeout -k 5 60 smbclient -s /dev/null -m SMB3_11 -p "$SKIFF_TEST_PORT" "//$SKIFF_TEST_HOST/$2" \
		-U "$1%$PW" -c "$3" 2>&1
}
out=$(smb_as root open 'get rootonly.txt /dev/stdout')
expect_contains "a logon as root is refused" "$out" "NT_STATUS_LOGON_FAILURE"
expect_not_contains "... and root's 0600 file is not read" "$out" "root secret"
out=$(smb_as daemon open 'ls')
expect_contains "a logon as daemon (a system uid) is refused" "$out" "NT_STATUS_LOGON_FAILURE"
log=$(cat "$SKIFF_TEST_LOG")
expect_contains "the root refusal is logged" "$log" "(uid 0): refused (allow root logon = no)"
expect_contains "the daemon refusal is logged" "$log" "below min uid 1000: refused"
expect_contains "failed logons are logged with the account" "$log" "failed logon as WORKGROUP\\root"
# the test user (uid >= 1000 from useradd) still logs on
out=$(skiff_smbclient -c 'ls' 2>&1)
expect_not_contains "the test user (uid $(id -u "$SKIFF_TEST_USER")) logs on" "$out" "NT_STATUS_"

# ---- srvsvc share paths: administrators only ------------------------------------------------
printf '%s\n%s\n' "$PW" "$PW" | "$SKIFF" -c "$CONF" user add "$ADMIN" >/dev/null 2>&1
rpc_as() { timeout -k 5 60 rpcclient -p "$SKIFF_TEST_PORT" "$SKIFF_TEST_HOST" -U "$1" -c "$2" 2>&1; }
U="$SKIFF_TEST_USER%$SKIFF_TEST_PASS"
winpath="C:${SKIFF_TEST_SHARE_DIR//\//\\}"
openpath="C:${SKIFF_TEST_DIR//\//\\}\\open"   # [open] has no valid users: the admin may see it
for lvl in 2 502; do
	out=$(rpc_as "$U" "netsharegetinfo share $lvl")
	expect_contains "netsharegetinfo level $lvl as a plain user: ACCESS_DENIED" "$out" "WERR_ACCESS_DENIED"
	expect_not_contains "... without the path" "$out" "$winpath"
	out=$(rpc_as "$U" "netshareenumall $lvl")
	expect_contains "netshareenumall level $lvl as a plain user: ACCESS_DENIED" "$out" "WERR_ACCESS_DENIED"
	out=$(rpc_as "$U" "netsharegetinfo open $lvl")
	expect_not_contains "... nor for another share" "$out" "$openpath"
	out=$(rpc_as "$ADMIN%$PW" "netsharegetinfo open $lvl")
	expect_contains "netsharegetinfo level $lvl as a server admin: the path" "$out" "$openpath"
	out=$(rpc_as "$ADMIN%$PW" "netshareenumall $lvl")
	expect_contains "netshareenumall level $lvl as a server admin: the path" "$out" "$openpath"
done
out=$(rpc_as "$U" "netsharegetinfo share 1")
expect_contains "netsharegetinfo level 1 as a plain user works" "$out" "remark:	integration test share"
out=$(rpc_as "$U" "netshareenumall 1")
expect_contains "netshareenumall level 1 as a plain user works" "$out" "netname: share"

# ---- a client that gives up before its failed logon is answered --------------------------------
# (the answer, held for 2 s, then goes to a closed connection: nothing may break)
read -r _ st < <(/usr/bin/python3 "$SKIFF_SRC/tests/integration/logon_client.py" logon \
	"$SKIFF_TEST_HOST" "$SKIFF_TEST_PORT" "$SKIFF_TEST_USER" "not-$SKIFF_TEST_PASS" 0.5)
expect_eq "a client gives up waiting for its failed logon" error:NetBIOSTimeout "$st"
sleep 3
out=$(skiff_smbclient -c 'ls' 2>&1)
expect_not_contains "the server goes on after answering a connection already gone" "$out" "NT_STATUS_"
# ---- one connection cannot pile up delayed answers ---------------------------------------------
# 6 failing SESSION_SETUPs sent together: 4 wait for their answers (2 s apart), the 5th and 6th
# are refused at once, unchecked (SMB2_MAX_DELAYED_ANSWERS)
out=$(/usr/bin/python3 "$SKIFF_SRC/tests/integration/logon_client.py" pipeline "$SKIFF_TEST_HOST" \
	"$SKIFF_TEST_PORT" 6 2>&1)
expect_eq "6 pipelined failures: 4 held, then 2 refused" \
	"5 0xc00000d0,6 0xc00000d0,1 0xc000000d,2 0xc000000d,3 0xc000000d,4 0xc000000d" \
	"$(awk '{ printf "%s%s %s", (NR > 1 ? "," : ""), $2, $3 }' <<<"$out")"
t4=$(awk '$2 == 4 { print $1 }' <<<"$out")
check "the 4th held answer came >= 8 s later ($t4 s)" awk -v t="${t4:-0}" 'BEGIN { exit !(t >= 8) }'
skiff_done
