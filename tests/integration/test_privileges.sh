#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# skiffd started as root outside systemd contains itself (docs/SECURITY.md): every thread's
# /proc status shows only CAP_SETUID, CAP_SETGID, CAP_DAC_OVERRIDE, CAP_FOWNER and
# CAP_SYS_ADMIN (bounding set included), empty inheritable and ambient sets and NoNewPrivs; a
# thread serving a user has no effective capability at all; and the client workload and the
# root sections that need those capabilities (delete-on-close, DOS attributes of a read-only
# file, explicit timestamps of another owner's file, the stored NT ACL in security.*) still work:
# run with SKIFFD wrapping skiffd in `capsh --drop=CAP`, each of the three fails without its own
# (docs/SECURITY.md). skiffd refuses to run with the no-setuid-fixup securebit; it sends
# READY=1 and STOPPING=1 to NOTIFY_SOCKET.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "${SKIFF_TEST_TARGET:-skiffd}" = skiffd ] || { echo "test_privileges: skiffd only"; exit 0; }

# CAP_DAC_OVERRIDE 1, CAP_FOWNER 3, CAP_SETGID 6, CAP_SETUID 7, CAP_SYS_ADMIN 21
if [ "$(id -u)" = 0 ]; then KEPT=00000000002000ca; else KEPT=0000000000000000; fi
NONE=0000000000000000

# Type=notify: a datagram socket in NOTIFY_SOCKET collects what skiffd tells systemd.
NOTIFY_DIR=$(mktemp -d /tmp/skiff-test-notify-XXXXXX)
/usr/bin/python3 -c '
import os, shutil, signal, socket, sys
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1)
open(sys.argv[2] + ".ready", "w").close()
try:
    with open(sys.argv[2], "ab", buffering=0) as f:
        while os.getppid() == int(sys.argv[3]):   # ends with the test, however it ends
            try:
                f.write(s.recv(4096) + b"\n")
            except socket.timeout:
                pass
finally:
    shutil.rmtree(os.path.dirname(sys.argv[1]), ignore_errors=True)
' "$NOTIFY_DIR/sock" "$NOTIFY_DIR/got" $$ &
NOTIFY_PID=$!
for _ in $(seq 1 50); do [ -e "$NOTIFY_DIR/got.ready" ] && break; sleep 0.1; done
export NOTIFY_SOCKET=$NOTIFY_DIR/sock
skiff_start
unset NOTIFY_SOCKET
PID=$SKIFF_SERVER_PID
for _ in $(seq 1 50); do grep -q READY=1 "$NOTIFY_DIR/got" 2>/dev/null && break; sleep 0.1; done
expect_contains "sd_notify READY=1 once listening" "$(cat "$NOTIFY_DIR/got" 2>/dev/null)" "READY=1"
expect_contains "sd_notify STATUS= names the port" "$(cat "$NOTIFY_DIR/got" 2>/dev/null)" \
	"STATUS=Listening on 127.0.0.1 port $SKIFF_TEST_PORT"
USER_UID=$(id -u "$SKIFF_TEST_USER")

field() { awk -v k="$1:" '$1 == k { print $2 }' "$2"; }
euid_of() { awk '$1 == "Uid:" { print $3 }' "$1"; }

# check_threads WHEN: every thread of skiffd against the sets above. Prints how many threads
# run as the test user (their effective set must be empty: the kernel's setuid fixup).
USER_THREADS=0
check_threads() {
	local when=$1 t st bad="" n=0 users=0 euid eff
	for t in /proc/"$PID"/task/*; do
		st=$t/status
		[ -r "$st" ] || continue
		n=$((n + 1))
		euid=$(euid_of "$st")
		eff=$(field CapEff "$st")
		[ "$(field CapPrm "$st")" = "$KEPT" ] || bad+=" ${t##*/}:CapPrm=$(field CapPrm "$st")"
		[ "$(field CapBnd "$st")" = "$KEPT" ] || bad+=" ${t##*/}:CapBnd=$(field CapBnd "$st")"
		[ "$(field CapInh "$st")" = "$NONE" ] || bad+=" ${t##*/}:CapInh=$(field CapInh "$st")"
		[ "$(field CapAmb "$st")" = "$NONE" ] || bad+=" ${t##*/}:CapAmb=$(field CapAmb "$st")"
		[ "$(field NoNewPrivs "$st")" = 1 ] || bad+=" ${t##*/}:NoNewPrivs=$(field NoNewPrivs "$st")"
		if [ "$euid" = 0 ]; then
			[ "$eff" = "$KEPT" ] || bad+=" ${t##*/}:root:CapEff=$eff"
		else
			users=$((users + 1))
			[ "$eff" = "$NONE" ] || bad+=" ${t##*/}:uid$euid:CapEff=$eff"
		fi
	done
	expect_eq "$when: all $n threads hold only $(capsh --decode=$KEPT | cut -d= -f2) + NoNewPrivs" "" "$bad"
	USER_THREADS=$users
}

check_threads "after start"
expect_contains "log names the kept capabilities" "$(cat "$SKIFF_TEST_LOG")" \
	"privileges: capabilities now"

# ---- the ordinary workload ----
W=$SKIFF_TEST_DIR/work
mkdir -p "$W"
head -c 300000 /dev/urandom >"$W/in"
out=$(skiff_smbclient -c "mkdir d; put $W/in d\\f; get d\\f $W/back; rename d\\f d\\g; ls d\\*" 2>&1)
expect_not_contains "put/get/mkdir/rename work" "$out" "NT_STATUS_"
check "file came back intact" cmp "$W/in" "$W/back"
expect_eq "file owned by the session's user on disk" "$USER_UID" "$(stat -c %u "$SKIFF_TEST_SHARE_DIR/d/g")"
out=$(skiff_smbclient -c "del d\\g; rmdir d" 2>&1)
expect_not_contains "delete and rmdir work" "$out" "NT_STATUS_"
check "gone on disk" test ! -e "$SKIFF_TEST_SHARE_DIR/d"

# ---- root sections ----
# DOS attributes of a file its owner may not write: a user.* xattr needs CAP_DAC_OVERRIDE.
skiff_smbclient -c "put $W/in ro" >/dev/null 2>&1
chmod 0444 "$SKIFF_TEST_SHARE_DIR/ro"
out=$(skiff_smbclient -c "setmode ro +h; allinfo ro" 2>&1)
expect_contains "hidden attribute set on a read-only file (CAP_DAC_OVERRIDE)" "$out" "attributes: HA"
# Explicit times on a file of a third user (neither the session's nor root) that the user may
# write: CAP_FOWNER.
echo x >"$SKIFF_TEST_SHARE_DIR/other"
chmod 0666 "$SKIFF_TEST_SHARE_DIR/other"
chown 65534:65534 "$SKIFF_TEST_SHARE_DIR/other"
out=$(skiff_smbclient -c "utimes other -1 -1 2001:02:03-04:05:06 -1" 2>&1)
expect_not_contains "utimes on another user's file accepted" "$out" "NT_STATUS_"
expect_eq "mtime set on another user's file (CAP_FOWNER)" "2001-02-03 04:05:06" \
	"$(date -u -d "@$(stat -c %Y "$SKIFF_TEST_SHARE_DIR/other")" '+%Y-%m-%d %H:%M:%S')"
# A protected, inheritable DACL is kept in security.skiff.ntacl: CAP_SYS_ADMIN.
out=$(USER_UID=$USER_UID /usr/bin/python3 - <<'EOF' 2>&1
import os, struct
from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection
conn = SMBConnection(os.environ["SKIFF_TEST_HOST"], os.environ["SKIFF_TEST_HOST"],
                     sess_port=int(os.environ["SKIFF_TEST_PORT"]))
conn.login(os.environ["SKIFF_TEST_USER"], os.environ["SKIFF_TEST_PASS"])
tid = conn.connectTree(os.environ["SKIFF_TEST_SHARE"])
srv = conn.getSMBServer()
sid = struct.pack("<BB", 1, 2) + (22).to_bytes(6, "big") + struct.pack("<II", 1, int(os.environ["USER_UID"]))
ace = struct.pack("<BBHI", 0, 0x03, 8 + len(sid), 0x1F01FF) + sid       # OI|CI, full control
acl = struct.pack("<BBHHH", 2, 0, 8 + len(ace), 1, 0) + ace
sd = struct.pack("<BBHIIII", 1, 0, 0x9004, 0, 0, 0, 20) + acl           # DACL present, protected
fid = srv.create(tid, "acldir", 0x1F01FF, 7, s3.FILE_DIRECTORY_FILE, s3.FILE_CREATE, 0)
srv.setInfo(tid, fid, inputBlob=sd, infoType=s3.SMB2_0_INFO_SECURITY, fileInfoClass=0,
            additionalInformation=4)
srv.close(tid, fid)
print("set")
EOF
)
expect_eq "protected inheritable DACL set" "set" "$(tail -n 1 <<<"$out")"
check "stored NT ACL in security.skiff.ntacl (CAP_SYS_ADMIN)" /usr/bin/python3 -c \
	"import os,sys; os.getxattr(sys.argv[1], 'security.skiff.ntacl')" "$SKIFF_TEST_SHARE_DIR/acldir"

# Workers keep the last user's identity between requests: some thread now runs as the test
# user, with an empty effective set, and every thread still holds no more than before.
check_threads "after the workload"
if [ "$(id -u)" = 0 ]; then
	check "a worker thread served the user as uid $USER_UID" test "$USER_THREADS" -gt 0
fi
expect_not_contains "no privilege failure in the log" "$(cat "$SKIFF_TEST_LOG")" "cannot return to root"
skiff_stop
expect_eq "skiffd stops cleanly on SIGTERM" 0 "$?"
for _ in $(seq 1 20); do grep -q STOPPING=1 "$NOTIFY_DIR/got" 2>/dev/null && break; sleep 0.1; done
expect_contains "sd_notify STOPPING=1 on SIGTERM" "$(cat "$NOTIFY_DIR/got" 2>/dev/null)" "STOPPING=1"
# Started with the no-setuid-fixup securebit, a thread serving a user would keep root's
# effective set (every user could read and write everything): skiffd must refuse to run.
if [ "$(id -u)" = 0 ]; then
	port=$(skiff__pick_port)
	sed "s/^port = .*/port = $port/" "$SKIFF_TEST_DIR/skiffd.conf" >"$SKIFF_TEST_DIR/fixup.conf"
	out=$(timeout 30 capsh --secbits=0x4 -- -c 'exec "$0" -c "$1"' "$SKIFFD" "$SKIFF_TEST_DIR/fixup.conf" 2>&1)
	expect_eq "no-setuid-fixup securebit: skiffd exits 1" 1 "$?"
	expect_contains "no-setuid-fixup securebit: says why" "$out" "no-setuid-fixup is set"
fi
kill "$NOTIFY_PID" 2>/dev/null
wait "$NOTIFY_PID" 2>/dev/null
rm -rf "$NOTIFY_DIR"
skiff_done
