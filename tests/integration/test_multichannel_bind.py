#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Session binding (multichannel) as MS-SMB2 3.3.5.5 has the server check it, with impacket at 3.0
# driving the SESSION_SETUP by hand: a second connection of the same client (its ClientGuid)
# binds and works the session with its own channel key; a connection of another client (another
# ClientGuid) is told the session is not there (STATUS_USER_SESSION_DELETED), an unsigned
# binding or one on another dialect is refused (STATUS_INVALID_PARAMETER), one that
# authenticates another user gets STATUS_ACCESS_DENIED, and none of the refusals harms the
# session on its own connection.
"""Run as a ctest integration test, or by hand:
    tests/integration/test_multichannel_bind.py                         (against build/skiffd)
    SKIFF_TEST_TARGET=samba tests/integration/test_multichannel_bind.py (against the reference
        Samba, which answers an unsigned or badly signed binding with USER_SESSION_DELETED)"""

import os
import sys

from skifftest import run_under_lib

SAMBA = os.environ.get("SKIFF_TEST_TARGET") == "samba"

if "SKIFF_TEST_PORT" not in os.environ:
    env = dict(os.environ, SKIFF_TEST_SIGNING="mandatory", SKIFF_TEST_PASS_B=os.urandom(9).hex())
    # a second user, who may log on but must not bind the first one's session
    env["SKIFF_TEST_CONF_HOOK"] = r'''
( flock -w 60 9; getent passwd skifftestb >/dev/null ||
	useradd -M -d /nonexistent -s /usr/sbin/nologin skifftestb ) 9>>/tmp/skiff-test-useradd.lock
printf '%s\n%s\n' "$SKIFF_TEST_PASS_B" "$SKIFF_TEST_PASS_B" |
	"$SKIFF" -c "$SKIFF_TEST_DIR/skiffd.conf" user add skifftestb >/dev/null 2>&1 || true
'''
    sys.exit(run_under_lib(__file__, env))

from impacket.smb3structs import SMB2_DIALECT_30, SMB2_DIALECT_302  # noqa: E402

from skifftest import (  # noqa: E402
    SigningSMB3, bind_channel, check, login, server, summary)

STATUS_SUCCESS = 0
STATUS_INVALID_PARAMETER = 0xC000000D
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_LOGON_FAILURE = 0xC000006D
STATUS_USER_SESSION_DELETED = 0xC0000203
USER_B, PASS_B = ("tuser2", "tpass2") if SAMBA else ("skifftestb", os.environ["SKIFF_TEST_PASS_B"])
# MS-SMB2 3.3.5.5 and 3.3.5.2.4; Samba takes both for a session it does not know
UNSIGNED_WANT = STATUS_USER_SESSION_DELETED if SAMBA else STATUS_INVALID_PARAMETER
BAD_SIGNATURE_WANT = STATUS_USER_SESSION_DELETED if SAMBA else STATUS_ACCESS_DENIED


def main():
    srv = server()
    conn_a, a = login(SigningSMB3, srv, SMB2_DIALECT_30, 10)
    tid = conn_a.connectTree(srv.share)
    fid = a.create(tid, "bound.dat", 0x0012019F, 7, 0x40, 5, 0)   # rw, share all, OVERWRITE_IF
    a.write(tid, fid, b"written on channel A", 0, 20)
    guid = a.ClientGuid
    other_guid = "".join(chr(ord(ch) ^ 0x20) for ch in guid)   # flips the case: another GUID

    _, st, _ = bind_channel(a, srv.host, srv.port, srv.user, srv.password, guid=other_guid,
                            client_class=SigningSMB3)
    check("a binding from another client's connection (ClientGuid) gets USER_SESSION_DELETED",
          st == STATUS_USER_SESSION_DELETED, f"status {st:#x}")
    _, st, _ = bind_channel(a, srv.host, srv.port, srv.user, srv.password, signed=False,
                            client_class=SigningSMB3)
    check("an unsigned binding gets INVALID_PARAMETER (Samba: USER_SESSION_DELETED)",
          st == UNSIGNED_WANT, f"status {st:#x}")
    _, st, _ = bind_channel(a, srv.host, srv.port, srv.user, srv.password,
                            sign_key=bytes(16), client_class=SigningSMB3)
    check("a badly signed binding gets ACCESS_DENIED (Samba: USER_SESSION_DELETED)",
          st == BAD_SIGNATURE_WANT, f"status {st:#x}")
    _, st, _ = bind_channel(a, srv.host, srv.port, srv.user, srv.password,
                            dialect=SMB2_DIALECT_302, client_class=SigningSMB3)
    check("a binding on 3.0.2 to a 3.0 session gets INVALID_PARAMETER",
          st == STATUS_INVALID_PARAMETER, f"status {st:#x}")
    _, st, _ = bind_channel(a, srv.host, srv.port, USER_B, PASS_B,
                            client_class=SigningSMB3)
    check("a binding that authenticates another user gets ACCESS_DENIED",
          st == STATUS_ACCESS_DENIED, f"status {st:#x}")
    _, st, _ = bind_channel(a, srv.host, srv.port, srv.user, srv.password + "x",
                            client_class=SigningSMB3)
    check("a binding with a wrong password gets LOGON_FAILURE", st == STATUS_LOGON_FAILURE,
          f"status {st:#x}")
    check("... and the session still works on its own connection",
          a.read(tid, fid, 0, 20) == b"written on channel A")

    b, st, sig_ok = bind_channel(a, srv.host, srv.port, srv.user, srv.password,
                                 client_class=SigningSMB3)
    check("the same client's second connection binds", st == STATUS_SUCCESS, f"status {st:#x}")
    if st == STATUS_SUCCESS:
        check("... its SESSION_SETUP answer is signed with the new Channel.SigningKey", sig_ok)
        check("... and it reads, signed with that key, what channel A wrote",
              b.read(tid, fid, 0, 20) == b"written on channel A")
        b.write(tid, fid, b"B", 0, 1)
        check("... and A reads what B wrote", a.read(tid, fid, 0, 2) == b"Br")
        _, st, _ = bind_channel(a, srv.host, srv.port, srv.user, srv.password, guid=other_guid,
                                client_class=SigningSMB3)
        check("another client still cannot bind the session with two channels",
              st == STATUS_USER_SESSION_DELETED, f"status {st:#x}")
    a.close(tid, fid)
    conn_a.deleteFile(srv.share, "bound.dat")
    conn_a.logoff()
    return summary()


sys.exit(main())
