#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Directory leases between two clients (impacket, SMB 3.0, v2 lease contexts built by hand), as
# MS-SMB2 3.3.5.9.11/3.3.4.7 and MS-FSA 2.1.4.12 (PARENT_OBJECT) say, for what smbtorture 4.17
# does not try:
# - SMB2_GLOBAL_CAP_DIRECTORY_LEASING is answered to a client that announces it, not to one
#   that does not (impacket's own client, which cannot cope with it);
# - a v2 request for RHW on a directory gets RH; a v1 request on a directory gets no lease;
# - client A's own changes in the directory, made through opens whose ParentLeaseKey is A's
#   directory lease key (a create, a rename within it), break nothing;
# - client B renaming an entry out of the directory, renaming one into it and deleting one each
#   break A's lease from RH to none, with the acknowledgement asked for and the epoch raised;
#   B's operation is answered at once, without waiting for A's acknowledgement;
# - so do a local program's create, rename and delete in the directory (skiffd sees them through
#   a kernel watch on the leased directory: "kernel change notify", the default);
# - on a share with "leases = no" a directory lease request gets no lease.
"""Run as a ctest integration test, or by hand:
    tests/integration/test_dir_lease.py                         (against build/skiffd)
    SKIFF_TEST_TARGET=samba tests/integration/test_dir_lease.py (against the reference Samba)"""

import os
import struct
import sys
import time

from skifftest import run_under_lib

SAMBA = os.environ.get("SKIFF_TEST_TARGET") == "samba"

if "SKIFF_TEST_PORT" not in os.environ:
    env = dict(os.environ)
    if not SAMBA:
        env["SKIFF_TEST_CONF_HOOK"] = r'''
mkdir -p "$SKIFF_TEST_DIR/noleases" && chown "$SKIFF_TEST_USER": "$SKIFF_TEST_DIR/noleases"
printf '\n[noleases]\npath = %s\nread only = no\nleases = no\n' "$SKIFF_TEST_DIR/noleases" >>"$SKIFF_TEST_DIR/skiffd.conf"
'''
    sys.exit(run_under_lib(__file__, env))

from impacket.smb3structs import (  # noqa: E402
    FILE_ATTRIBUTE_DIRECTORY, FILE_ATTRIBUTE_NORMAL, FILE_DIRECTORY_FILE, FILE_NON_DIRECTORY_FILE,
    FILE_OPEN_IF, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, SMB2_DIALECT_30,
    SMB2_OPLOCK_BREAK, SMB2_SET_INFO, SMB2Create_Response, SMB2SetInfo,
)

from impacket import smb3  # noqa: E402

from skifftest import (  # noqa: E402
    UnencryptedSMB3, check, create_packet, login, server, summary, recv_raw, close_fid as close)

STATUS_SUCCESS = 0
ALL_ACCESS = 0x001F01FF
# a directory opened to be listed (no DELETE: that would keep renames out of it)
DIR_READ = 0x00120089
SHARE_ALL = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE
UNSOLICITED = 0xFFFFFFFFFFFFFFFF
OPLOCK_LEVEL_LEASE = 0xFF
LEASE_R, LEASE_H, LEASE_W = 1, 2, 4
PARENT_LEASE_KEY_SET = 0x4
BREAK_ACK_REQUIRED = 0x1
SMB2_0_INFO_FILE = 1
FILE_RENAME_INFORMATION = 10
SMB2_HDR = 64


CAP_DIRECTORY_LEASING = 0x20


class DirLeasingSMB3(UnencryptedSMB3):
    """A client that announces directory leasing in its NEGOTIATE capabilities (impacket sends
    only ENCRYPTION, from the constant its negotiateSession reads). server_dir_leasing keeps what
    the server answered; impacket's own create() is kept from the capability, which it cannot
    handle (this test builds its lease requests by hand)."""

    def negotiateSession(self, preferredDialect=None, negSessionResponse=None):
        saved = smb3.SMB2_GLOBAL_CAP_ENCRYPTION
        smb3.SMB2_GLOBAL_CAP_ENCRYPTION = saved | CAP_DIRECTORY_LEASING
        try:
            super().negotiateSession(preferredDialect, negSessionResponse)
        finally:
            smb3.SMB2_GLOBAL_CAP_ENCRYPTION = saved
        self.server_dir_leasing = bool(self._Connection["ServerCapabilities"] &
                                       CAP_DIRECTORY_LEASING)
        self._Connection["SupportsDirectoryLeasing"] = False


def key(n):
    return bytes([n]) * 16


def lease_ctx(lease_key, state, parent=None, v2=True, epoch=0):
    """An RqLs create context (MS-SMB2 2.2.13.2.8 / 2.2.13.2.10)."""
    if v2:
        data = struct.pack("<16sIIQ16sHH", lease_key, state,
                           PARENT_LEASE_KEY_SET if parent else 0, 0, parent or bytes(16),
                           epoch, 0)
    else:
        data = struct.pack("<16sIIQ", lease_key, state, 0, 0)
    # header 16, name "RqLs" at 16 padded to 24, data at 24
    return struct.pack("<IHHHHI", 0, 16, 4, 0, 24, len(data)) + b"RqLs" + bytes(4) + data


def send_create(low, tid, name, directory, ctx=None, access=None, disposition=FILE_OPEN_IF,
                options=0):
    return low.sendSMB(create_packet(
        low, tid, name, OPLOCK_LEVEL_LEASE if ctx else 0,
        access=access if access is not None else DIR_READ if directory else ALL_ACCESS,
        attributes=FILE_ATTRIBUTE_DIRECTORY if directory else FILE_ATTRIBUTE_NORMAL,
        disposition=disposition,
        options=(FILE_DIRECTORY_FILE if directory else FILE_NON_DIRECTORY_FILE) | options,
        contexts=ctx or b""))


def create(low, tid, name, directory, ctx=None, **kw):
    """CREATE; (status, FileID, granted lease as (key, state, flags, parent, epoch) or None)."""
    rsp = low.recvSMB(send_create(low, tid, name, directory, ctx, **kw))
    if rsp["Status"] != STATUS_SUCCESS:
        return rsp["Status"], None, None
    cr = SMB2Create_Response(rsp["Data"])
    lease = None
    body = rsp["Data"]
    off, length = cr["CreateContextsOffset"], cr["CreateContextsLength"]
    blob = body[off - SMB2_HDR:off - SMB2_HDR + length] if off else b""
    while len(blob) >= 16:
        nxt, noff, nlen, _, doff, dlen = struct.unpack_from("<IHHHHI", blob)
        if blob[noff:noff + nlen] == b"RqLs":
            d = blob[doff:doff + dlen]
            if len(d) >= 52:
                k, st, fl, _, par, ep, _ = struct.unpack_from("<16sIIQ16sHH", d)
                lease = (k, st, fl, par, ep)
            elif len(d) >= 32:
                k, st, fl, _ = struct.unpack_from("<16sIIQ", d)
                lease = (k, st, fl, None, 0)
        if nxt == 0:
            break
        blob = blob[nxt:]
    return STATUS_SUCCESS, cr["FileID"], lease



def rename(low, tid, fid, target):
    """SET_INFO FileRenameInformation on an open made by hand; its status."""
    name = target.encode("utf-16le")
    blob = struct.pack("<B7sQI", 1, bytes(7), 0, len(name)) + name
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_SET_INFO
    pkt["TreeID"] = tid
    si = SMB2SetInfo()
    si["InfoType"] = SMB2_0_INFO_FILE
    si["FileInfoClass"] = FILE_RENAME_INFORMATION
    si["BufferLength"] = len(blob)
    si["AdditionalInformation"] = 0
    si["FileID"] = fid
    si["Buffer"] = blob
    pkt["Data"] = si
    return low.recvSMB(low.sendSMB(pkt))["Status"]


def send_lease_ack(low, tid, lease_key, state):
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_OPLOCK_BREAK
    pkt["TreeID"] = tid
    pkt["Data"] = struct.pack("<HHI16sIQ", 36, 0, 0, lease_key, state, 0)
    return low.recvSMB(low.sendSMB(pkt))["Status"]



def take_lease_break(low, timeout=5):
    """A lease break notification for this client: (key, flags, from, to, epoch) or None."""
    pkt = low._Connection["OutstandingResponses"].pop(UNSOLICITED, None)
    if pkt is None:
        pkt = recv_raw(low, timeout)
    if pkt is None or pkt["Command"] != SMB2_OPLOCK_BREAK or pkt["MessageID"] != UNSOLICITED:
        return None
    d = pkt["Data"]
    if len(d) < 44:
        return None
    _, epoch, flags, k, cur, new = struct.unpack_from("<HHI16sII", d)
    return k, flags, cur, new, epoch


def main():
    srv = server()
    conn_a, a = login(DirLeasingSMB3, srv, SMB2_DIALECT_30, 10)
    conn_b, b = login(UnencryptedSMB3, srv, SMB2_DIALECT_30, 10)
    check("a 3.0 client announcing directory leasing gets SMB2_GLOBAL_CAP_DIRECTORY_LEASING",
          a.server_dir_leasing)
    check("... one that does not, does not",
          not b._Connection["ServerCapabilities"] & CAP_DIRECTORY_LEASING)
    tid_a = conn_a.connectTree(srv.share)
    tid_b = conn_b.connectTree(srv.share)
    KD, KF, KV1 = key(0xD1), key(0xF1), key(0xA1)
    d = "dirlease"

    st, fid_d, lease = create(a, tid_a, d, True, lease_ctx(KD, LEASE_R | LEASE_H | LEASE_W, epoch=7))
    check("a v2 RHW lease on a directory is granted RH (never W), epoch raised",
          st == STATUS_SUCCESS and lease is not None and lease[0] == KD and
          lease[1] == LEASE_R | LEASE_H and lease[4] == 8, f"status {st:#x} lease {lease}")
    if fid_d is None:
        return summary()
    epoch = lease[4] if lease else 0

    st, fid, lease = create(a, tid_a, d, True, lease_ctx(KV1, LEASE_R | LEASE_H, v2=False))
    check("a v1 lease request on a directory gets no lease", st == STATUS_SUCCESS and
          (lease is None or lease[1] == 0), f"status {st:#x} lease {lease}")
    if fid is not None:
        close(a, tid_a, fid)
    st, fid, lease = create(b, tid_b, d, True, lease_ctx(KV1, LEASE_R | LEASE_H))
    check("a v2 directory lease request without the capability negotiated gets no lease",
          st == STATUS_SUCCESS and (lease is None or lease[1] == 0),
          f"status {st:#x} lease {lease}")
    if fid is not None:
        close(b, tid_b, fid)
    check("... and B's plain open of the directory breaks nothing", take_lease_break(a, 1) is None)

    # A's own changes, through opens naming the directory's lease as their parent
    st, fid_f, lease = create(a, tid_a, d + "\\own.dat", False,
                              lease_ctx(KF, LEASE_R | LEASE_H | LEASE_W, parent=KD))
    check("A creates a file in the directory under a ParentLeaseKey: RWH, parent key echoed",
          st == STATUS_SUCCESS and lease is not None and lease[1] == 7 and
          lease[2] & PARENT_LEASE_KEY_SET and lease[3] == KD, f"status {st:#x} lease {lease}")
    check("... and its own directory lease is not broken", take_lease_break(a, 1) is None)
    st = rename(a, tid_a, fid_f, d + "\\own2.dat") if fid_f is not None else None
    check("A renames it within the directory through the same open", st == STATUS_SUCCESS,
          f"status {st}")
    check("... and its directory lease is still not broken", take_lease_break(a, 1) is None)
    if fid_f is not None:
        close(a, tid_a, fid_f)

    # B's changes break A's directory lease, without waiting for A's acknowledgement
    def change(what, op):
        nonlocal epoch
        t0 = time.monotonic()
        ok = True
        try:
            op()
        except Exception as e:  # noqa: BLE001 - impacket raises SessionError
            ok = False
            print(f"      {what}: {e}")
        took = time.monotonic() - t0
        check(f"{what}: answered at once ({took:.2f} s), no wait for A", ok and took < 5)
        brk = take_lease_break(a, 5)
        check(f"... A's directory lease is broken RH -> none, ack asked, epoch {epoch + 1}",
              brk is not None and brk[0] == KD and brk[1] & BREAK_ACK_REQUIRED and
              brk[2] == LEASE_R | LEASE_H and brk[3] == 0 and brk[4] == epoch + 1, f"got {brk}")
        st = send_lease_ack(a, tid_a, KD, 0)
        check("... A's acknowledgement to none is accepted", st == STATUS_SUCCESS,
              f"status {st:#x}")
        st, fid, lease = create(a, tid_a, d, True, lease_ctx(KD, LEASE_R | LEASE_H))
        check("... A opens the directory again and its lease is back to RH",
              st == STATUS_SUCCESS and lease is not None and lease[1] == LEASE_R | LEASE_H,
              f"status {st:#x} lease {lease}")
        if fid is not None:
            close(a, tid_a, fid)
        if lease is not None:
            epoch = lease[4]

    change("B renames an entry out of the directory",
           lambda: conn_b.rename(srv.share, d + "\\own2.dat", "moved.dat"))
    change("B renames an entry into the directory",
           lambda: conn_b.rename(srv.share, "moved.dat", d + "\\back.dat"))
    change("B deletes an entry of the directory",
           lambda: conn_b.deleteFile(srv.share, d + "\\back.dat"))

    if not SAMBA and srv.share_dir:
        # changes skiffd did not make: only the kernel sees them
        local = os.path.join(srv.share_dir, d)
        change("a local program creates a file in the directory",
               lambda: open(os.path.join(local, "local.txt"), "w").close())
        change("a local program renames it",
               lambda: os.rename(os.path.join(local, "local.txt"),
                                 os.path.join(local, "local2.txt")))
        change("a local program deletes it",
               lambda: os.unlink(os.path.join(local, "local2.txt")))

    close(a, tid_a, fid_d)
    conn_b.deleteDirectory(srv.share, d)

    if not SAMBA:
        tid_n = conn_a.connectTree("noleases")
        st, fid, lease = create(a, tid_n, d, True, lease_ctx(KD, LEASE_R | LEASE_H))
        check('on a share with "leases = no" a directory lease request gets no lease',
              st == STATUS_SUCCESS and lease is None, f"status {st:#x} lease {lease}")
        if fid is not None:
            close(a, tid_n, fid)
            conn_b.deleteDirectory("noleases", d)
    conn_a.logoff()
    conn_b.logoff()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
