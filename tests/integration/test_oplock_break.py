#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Oplocks between two clients (impacket, SMB 3.0), as MS-SMB2 3.3.5.9/3.3.4.6/3.3.5.22.1 say:
# - client A's batch oplock is broken to level II by client B's open of the file; B's CREATE
#   goes async (interim STATUS_PENDING) and gets no answer until A acknowledges, then succeeds
#   with level II;
# - B's WRITE breaks both level II holders to none (A's and B's own), with no acknowledgement
#   asked for: A acknowledging anyway gets STATUS_INVALID_OPLOCK_PROTOCOL;
# - a holder that opened with no sharing (exclusive oplock) is not broken by a conflicting open,
#   which fails with STATUS_SHARING_VIOLATION at once (smb2.oplock.exclusive1);
# - on a share with "oplocks = no" a batch oplock asked for is not granted.
"""Run as a ctest integration test, or by hand:
    tests/integration/test_oplock_break.py                         (against build/skiffd)
    SKIFF_TEST_TARGET=samba tests/integration/test_oplock_break.py (against the reference Samba)"""

import os
import sys

from skifftest import run_under_lib

SAMBA = os.environ.get("SKIFF_TEST_TARGET") == "samba"

if "SKIFF_TEST_PORT" not in os.environ:
    env = dict(os.environ)
    if not SAMBA:
        # a second share on which no oplock is granted
        env["SKIFF_TEST_CONF_HOOK"] = r'''
mkdir -p "$SKIFF_TEST_DIR/nooplocks" && chown "$SKIFF_TEST_USER": "$SKIFF_TEST_DIR/nooplocks"
printf '\n[nooplocks]\npath = %s\nread only = no\noplocks = no\n' "$SKIFF_TEST_DIR/nooplocks" >>"$SKIFF_TEST_DIR/skiffd.conf"
'''
    sys.exit(run_under_lib(__file__, env))

from impacket.smb3structs import (  # noqa: E402
    FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, SMB2_DIALECT_30,
    SMB2_FLAGS_ASYNC_COMMAND, SMB2_OPLOCK_BREAK, SMB2_OPLOCK_LEVEL_BATCH,
    SMB2_OPLOCK_LEVEL_EXCLUSIVE, SMB2_OPLOCK_LEVEL_II, SMB2_OPLOCK_LEVEL_NONE, SMB2Create_Response,
    SMB2OplockBreakAcknowledgment, SMB2OplockBreakNotification, SMB2_WRITE, SMB2Write,
)

from skifftest import (  # noqa: E402
    UnencryptedSMB3, check, login, server, summary, recv_raw, send_create, close_fid as close)

STATUS_SUCCESS = 0
STATUS_PENDING = 0x00000103
STATUS_SHARING_VIOLATION = 0xC0000043
STATUS_INVALID_OPLOCK_PROTOCOL = 0xC00000E3
ALL_ACCESS = 0x001F01FF
SHARE_ALL = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE
UNSOLICITED = 0xFFFFFFFFFFFFFFFF


def send_ack(low, tid, fid, level):
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_OPLOCK_BREAK
    pkt["TreeID"] = tid
    ack = SMB2OplockBreakAcknowledgment()
    ack["OplockLevel"] = level
    ack["FileID"] = fid
    pkt["Data"] = ack
    return low.sendSMB(pkt)


def write(low, tid, fid, data):
    """A WRITE at offset 0 (impacket's own wants opens it made itself); its status."""
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_WRITE
    pkt["TreeID"] = tid
    w = SMB2Write()
    w["FileID"] = fid
    w["Length"] = len(data)
    w["Offset"] = 0
    w["Buffer"] = data
    pkt["Data"] = w
    return low.recvSMB(low.sendSMB(pkt))["Status"]



def take_break(low, timeout=5):
    """An oplock break notification sent to this client: already received by impacket while it
    waited for another answer, or the next message. (FileId, level) or None."""
    pkt = low._Connection["OutstandingResponses"].pop(UNSOLICITED, None)
    if pkt is None:
        pkt = recv_raw(low, timeout)
    if pkt is None or pkt["Command"] != SMB2_OPLOCK_BREAK or pkt["MessageID"] != UNSOLICITED:
        return None
    n = SMB2OplockBreakNotification(pkt["Data"])
    return n["FileID"].getData(), n["OplockLevel"]


def main():
    srv = server()
    conn_a, a = login(UnencryptedSMB3, srv, SMB2_DIALECT_30, 10)
    conn_b, b = login(UnencryptedSMB3, srv, SMB2_DIALECT_30, 10)
    tid_a = conn_a.connectTree(srv.share)
    tid_b = conn_b.connectTree(srv.share)
    name = "oplock_break.dat"

    # --- A: batch oplock on a new file
    mid = send_create(a, tid_a, name, SMB2_OPLOCK_LEVEL_BATCH)
    rsp = a.recvSMB(mid)
    created = SMB2Create_Response(rsp["Data"]) if rsp["Status"] == STATUS_SUCCESS else None
    check("A's open of a new file gets the batch oplock it asked for",
          created is not None and created["OplockLevel"] == SMB2_OPLOCK_LEVEL_BATCH,
          f"status {rsp['Status']:#x} level {created['OplockLevel'] if created else None}")
    if created is None:
        return summary()
    fid_a = created["FileID"].getData()

    # --- B opens it: A is asked to go to level II, B waits for A's answer
    mid_b = send_create(b, tid_b, name, SMB2_OPLOCK_LEVEL_BATCH)
    interim = recv_raw(b, 5)
    check("B's CREATE goes async: an interim STATUS_PENDING answer",
          interim is not None and interim["Status"] == STATUS_PENDING and
          interim["Flags"] & SMB2_FLAGS_ASYNC_COMMAND and interim["MessageID"] == mid_b,
          f"got {interim['Status']:#x}" if interim is not None else "nothing")
    brk = take_break(a)
    check("A receives an oplock break to level II for its open",
          brk == (fid_a, SMB2_OPLOCK_LEVEL_II), f"got {brk}")
    early = recv_raw(b, 1.5)
    check("B's CREATE is not answered before A acknowledges", early is None,
          f"got command {early['Command']} status {early['Status']:#x}" if early else "")
    mid = send_ack(a, tid_a, created["FileID"], SMB2_OPLOCK_LEVEL_II)
    ack = a.recvSMB(mid)
    check("A's acknowledgement to level II is accepted", ack["Status"] == STATUS_SUCCESS,
          f"status {ack['Status']:#x}")
    final = recv_raw(b, 5)
    opened = (SMB2Create_Response(final["Data"])
              if final is not None and final["Status"] == STATUS_SUCCESS else None)
    check("B's CREATE then succeeds with level II",
          opened is not None and final["MessageID"] == mid_b and
          opened["OplockLevel"] == SMB2_OPLOCK_LEVEL_II,
          f"status {final['Status']:#x}" if final is not None else "nothing")
    if opened is None:
        return summary()
    fid_b = opened["FileID"].getData()

    # --- B writes: every level II holder goes to none, B's own included, unacknowledged
    st = write(b, tid_b, opened["FileID"], b"changed by B")
    check("B's write succeeds", st == STATUS_SUCCESS, f"status {st:#x}")
    brk_b = take_break(b, 2)
    brk_a = take_break(a)
    check("B's write breaks A's level II oplock to none", brk_a == (fid_a, SMB2_OPLOCK_LEVEL_NONE),
          f"got {brk_a}")
    check("... and B's own", brk_b == (fid_b, SMB2_OPLOCK_LEVEL_NONE), f"got {brk_b}")
    mid = send_ack(a, tid_a, created["FileID"], SMB2_OPLOCK_LEVEL_NONE)
    ack = a.recvSMB(mid)
    check("a break from level II to none takes no acknowledgement (INVALID_OPLOCK_PROTOCOL)",
          ack["Status"] == STATUS_INVALID_OPLOCK_PROTOCOL, f"status {ack['Status']:#x}")
    close(a, tid_a, created["FileID"])
    close(b, tid_b, opened["FileID"])

    # --- an exclusive holder that shares nothing: a conflicting open fails at once, no break
    name2 = "oplock_exclusive.dat"
    mid = send_create(a, tid_a, name2, SMB2_OPLOCK_LEVEL_EXCLUSIVE, share=0)
    rsp = a.recvSMB(mid)
    excl = SMB2Create_Response(rsp["Data"]) if rsp["Status"] == STATUS_SUCCESS else None
    check("A gets an exclusive oplock on a file it shares with nobody",
          excl is not None and excl["OplockLevel"] == SMB2_OPLOCK_LEVEL_EXCLUSIVE)
    if excl is None:
        return summary()
    mid_b = send_create(b, tid_b, name2, SMB2_OPLOCK_LEVEL_NONE, share=0)
    rsp = recv_raw(b, 5)
    check("B's conflicting open fails with SHARING_VIOLATION without waiting",
          rsp is not None and rsp["MessageID"] == mid_b and
          rsp["Status"] == STATUS_SHARING_VIOLATION,
          f"status {rsp['Status']:#x}" if rsp is not None else "nothing")
    check("... and A's exclusive oplock is not broken", take_break(a, 1) is None)
    close(a, tid_a, excl["FileID"])
    for n in (name, name2):
        conn_a.deleteFile(srv.share, n)

    if not SAMBA:
        tid_n = conn_a.connectTree("nooplocks")
        mid = send_create(a, tid_n, name, SMB2_OPLOCK_LEVEL_BATCH)
        rsp = a.recvSMB(mid)
        plain = SMB2Create_Response(rsp["Data"]) if rsp["Status"] == STATUS_SUCCESS else None
        check('on a share with "oplocks = no" a batch request gets no oplock',
              plain is not None and plain["OplockLevel"] == SMB2_OPLOCK_LEVEL_NONE,
              f"status {rsp['Status']:#x} level {plain['OplockLevel'] if plain else None}")
        if plain is not None:
            close(a, tid_n, plain["FileID"])
            conn_a.deleteFile("nooplocks", name)
    conn_a.logoff()
    conn_b.logoff()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
