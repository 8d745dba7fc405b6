#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Oplock breaks that reach their client, or find out they can't (impacket, SMB 3.0):
# - on a share that requires encryption the break reaches the holder in a TRANSFORM sealed with
#   its session's key (MS-SMB2 3.3.4.1.4), never in clear;
# - a holder whose TCP stops acknowledging (it never reads: its receive window is full, as a
#   vanished laptop's would never answer) is taken as gone once the break has gone unacknowledged
#   for six retransmission timeouts: its connection is dropped, its open released, and the other
#   client's CREATE goes on in seconds with the batch oplock, instead of waiting out the 35 s
#   break timeout for a level II.
"""Run as a ctest integration test, or by hand:
    tests/integration/test_break_delivery.py                         (against build/skiffd)
    SKIFF_TEST_TARGET=samba tests/integration/test_break_delivery.py (against the reference Samba,
                                                                      with its share_enc share)"""

import os
import socket
import sys
import time

from skifftest import run_under_lib

SAMBA = os.environ.get("SKIFF_TEST_TARGET") == "samba"
ENC_SHARE = "share_enc" if SAMBA else "encshare"

if "SKIFF_TEST_PORT" not in os.environ:
    env = dict(os.environ)
    if not SAMBA:
        # a second share that requires encryption
        env["SKIFF_TEST_CONF_HOOK"] = r'''
printf '\n[encshare]\npath = %s\nread only = no\nserver smb encrypt = required\n' "$SKIFF_TEST_SHARE_DIR" >>"$SKIFF_TEST_DIR/skiffd.conf"
'''
    sys.exit(run_under_lib(__file__, env))

from Cryptodome.Cipher import AES  # noqa: E402
from impacket import smb3  # noqa: E402
from impacket.smb3structs import (  # noqa: E402
    FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, SMB2_DIALECT_30, SMB2_OPLOCK_BREAK,
    SMB2_OPLOCK_LEVEL_BATCH, SMB2_OPLOCK_LEVEL_II, SMB2_READ, SMB2Create_Response,
    SMB2OplockBreakNotification, SMB2Packet, SMB2Read, SMB2_TRANSFORM_HEADER,
)

from skifftest import (  # noqa: E402
    UnencryptedSMB3, check, login, server, summary, recv_frame, send_create,
    close_fid as close)

STATUS_SUCCESS = 0
STATUS_PENDING = 0x00000103
ALL_ACCESS = 0x001F01FF
SHARE_ALL = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE
UNSOLICITED = 0xFFFFFFFFFFFFFFFF
TRANSFORM_ID = b"\xfdSMB"


def create(low, tid, name, oplock):
    """CREATE and wait for its answer: the SMB2Create_Response, or None with the status."""
    rsp = low.recvSMB(send_create(low, tid, name, oplock))
    if rsp["Status"] != STATUS_SUCCESS:
        return None, rsp["Status"]
    return SMB2Create_Response(rsp["Data"]), STATUS_SUCCESS



def unseal(low, frame):
    """Decrypt a TRANSFORM with the session's key (AES-128-CCM, 3.0) as the client would; the
    plain SMB2 message, or None if the tag does not verify."""
    th = SMB2_TRANSFORM_HEADER(frame)
    cipher = AES.new(low._Session["DecryptionKey"], AES.MODE_CCM, th["Nonce"][:11])
    cipher.update(frame[20:52])
    try:
        return cipher.decrypt_and_verify(frame[52:], th["Signature"])
    except ValueError:
        return None



def send_read(low, tid, fid, length):
    """A READ at offset 0 whose answer this test never reads; its message id."""
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_READ
    pkt["TreeID"] = tid
    pkt["CreditCharge"] = (length + 65535) // 65536
    r = SMB2Read()
    r["FileID"] = fid
    r["Length"] = length
    r["Offset"] = 0
    pkt["Data"] = r
    return low.sendSMB(pkt)


def encrypted_break(srv):
    conn_a, a = login(smb3.SMB3, srv, SMB2_DIALECT_30, 10)
    conn_b, b = login(smb3.SMB3, srv, SMB2_DIALECT_30, 10)
    tid_a = conn_a.connectTree(ENC_SHARE)
    tid_b = conn_b.connectTree(ENC_SHARE)
    name = "break_sealed.dat"
    held, st = create(a, tid_a, name, SMB2_OPLOCK_LEVEL_BATCH)
    check("A gets a batch oplock on the encrypting share",
          held is not None and held["OplockLevel"] == SMB2_OPLOCK_LEVEL_BATCH, f"status {st:#x}")
    if held is None:
        return
    mid_b = send_create(b, tid_b, name, SMB2_OPLOCK_LEVEL_BATCH)
    frame = recv_frame(a, 10)
    check("the break reaches A in a TRANSFORM (ProtocolId 0xFD 'SMB'), not in clear",
          frame is not None and frame[:4] == TRANSFORM_ID,
          f"got {frame[:4]!r}" if frame is not None else "nothing")
    plain = unseal(a, frame) if frame is not None and frame[:4] == TRANSFORM_ID else None
    pkt = SMB2Packet(plain) if plain else None
    brk = (SMB2OplockBreakNotification(pkt["Data"])
           if pkt is not None and pkt["Command"] == SMB2_OPLOCK_BREAK else None)
    check("... sealed with A's session key: an OPLOCK_BREAK to level II for A's open",
          brk is not None and pkt["MessageID"] == UNSOLICITED and
          brk["FileID"].getData() == held["FileID"].getData() and
          brk["OplockLevel"] == SMB2_OPLOCK_LEVEL_II,
          f"plain {plain[:16].hex() if plain else None}")
    close(a, tid_a, held["FileID"])   # closing instead of acknowledging
    final = b.recvSMB(mid_b)
    check("B's CREATE then succeeds", final["Status"] == STATUS_SUCCESS,
          f"status {final['Status']:#x}")
    if final["Status"] == STATUS_SUCCESS:
        close(b, tid_b, SMB2Create_Response(final["Data"])["FileID"])
    conn_b.deleteFile(ENC_SHARE, name)
    conn_a.logoff()
    conn_b.logoff()


def vanished_holder(srv):
    conn_a, a = login(UnencryptedSMB3, srv, SMB2_DIALECT_30, 10)
    conn_b, b = login(UnencryptedSMB3, srv, SMB2_DIALECT_30, 60)
    tid_a = conn_a.connectTree(srv.share)
    tid_b = conn_b.connectTree(srv.share)
    name = "break_vanished.dat"
    fid = conn_b.createFile(tid_b, name)
    conn_b.writeFile(tid_b, fid, b"\x5a" * 65536)
    conn_b.closeFile(tid_b, fid)

    held, st = create(a, tid_a, name, SMB2_OPLOCK_LEVEL_BATCH)
    check("A gets a batch oplock", held is not None and
          held["OplockLevel"] == SMB2_OPLOCK_LEVEL_BATCH, f"status {st:#x}")
    if held is None:
        return
    # A stops reading: 64 READs of 64 KiB (4 MiB) fill its receive window and the server's send
    # queue behind it, so nothing the server sends A from now on is acknowledged.
    a._NetBIOSSession.get_socket().setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    for _ in range(64):
        send_read(a, tid_a, held["FileID"], 65536)
    time.sleep(1)

    t0 = time.monotonic()
    mid_b = send_create(b, tid_b, name, SMB2_OPLOCK_LEVEL_BATCH)
    final = None
    while final is None and time.monotonic() - t0 < 50:
        frame = recv_frame(b, 50)
        if frame is None:
            break
        pkt = SMB2Packet(frame)
        if pkt["MessageID"] == mid_b and pkt["Status"] != STATUS_PENDING:
            final = pkt
    took = time.monotonic() - t0
    opened = (SMB2Create_Response(final["Data"])
              if final is not None and final["Status"] == STATUS_SUCCESS else None)
    check("B's CREATE is answered within 15 s, not after the 35 s break timeout",
          final is not None and took < 15, f"took {took:.1f} s")
    print(f"      B's CREATE answered after {took:.1f} s", flush=True)
    check("... with the batch oplock: A's connection was dropped and its open released",
          opened is not None and opened["OplockLevel"] == SMB2_OPLOCK_LEVEL_BATCH,
          f"level {opened['OplockLevel'] if opened else None}")
    if opened is not None:
        close(b, tid_b, opened["FileID"])
    conn_b.deleteFile(srv.share, name)
    conn_b.logoff()


def main():
    srv = server()
    encrypted_break(srv)
    vanished_holder(srv)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
