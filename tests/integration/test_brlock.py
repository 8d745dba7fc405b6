#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Byte-range locks between two clients (impacket, SMB 3.0, two connections): READ and WRITE of a
# range the other client locked get STATUS_FILE_LOCK_CONFLICT (shared: others read, nobody
# writes; exclusive: only the holder), a blocking LOCK answers STATUS_PENDING and completes when
# the holder unlocks or closes, CANCEL ends it with STATUS_CANCELLED, and the close of the waiting
# handle with STATUS_RANGE_NOT_LOCKED.
"""Run as a ctest integration test, or by hand:
    tests/integration/test_brlock.py                       (against build/skiffd)
    SKIFF_TEST_TARGET=samba tests/integration/test_brlock.py   (against the reference Samba)"""

import os
import struct
import sys

from skifftest import run_under_lib

if "SKIFF_TEST_PORT" not in os.environ:
    sys.exit(run_under_lib(__file__))

from impacket.smb3structs import (  # noqa: E402
    FILE_OVERWRITE_IF, FILE_OPEN, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE,
    FILE_READ_DATA, FILE_WRITE_DATA, SMB2_CANCEL, SMB2_DIALECT_30, SMB2_FLAGS_ASYNC_COMMAND,
    SMB2_FLAGS_SIGNED, SMB2_LOCK, SMB2Cancel, SMB2Lock, SMB2_LOCK_ELEMENT, SMB2Packet, SYNCHRONIZE)
from impacket.smbconnection import SessionError  # noqa: E402

from skifftest import UnencryptedSMB3, check, login, server, summary  # noqa: E402

SRV = server()
NAME = "brlock-test.dat"

SUCCESS, PENDING = 0, 0x103
FILE_LOCK_CONFLICT, LOCK_NOT_GRANTED = 0xC0000054, 0xC0000055
RANGE_NOT_LOCKED, CANCELLED = 0xC000007E, 0xC0000120
INTERNAL_ERROR = 0xC00000E5
SHARED, EXCLUSIVE, UNLOCK, FAIL_IMMEDIATELY = 0x1, 0x2, 0x4, 0x10


class Client:
    """One connection and session with the test file open."""

    def __init__(self):
        self.conn, self.low = login(UnencryptedSMB3, SRV, SMB2_DIALECT_30, timeout=10)
        self.tid = self.conn.connectTree(SRV.share)
        self.fid = self.open()

    def open(self):
        return self.conn.createFile(
            self.tid, NAME, desiredAccess=FILE_READ_DATA | FILE_WRITE_DATA | SYNCHRONIZE,
            shareMode=FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
            creationDisposition=FILE_OPEN)

    def send_lock(self, offset, length, flags, fid=None):
        """Send a LOCK of one element; its message id."""
        p = self.low.SMB_PACKET()
        p["Command"] = SMB2_LOCK
        p["TreeID"] = self.tid
        body = SMB2Lock()
        body["FileID"] = self.fid if fid is None else fid
        body["LockCount"] = 1
        body["LockSequence"] = 0
        el = SMB2_LOCK_ELEMENT()
        el["Offset"], el["Length"], el["Flags"] = offset, length, flags
        body["Locks"] = el.getData()
        p["Data"] = body
        return self.low.sendSMB(p)

    def send_compound(self, locks):
        """LOCKs of one element each (offset, length, flags), sent as one unrelated compound
        (each message 112 bytes: no padding, so impacket's per-message signature fits)."""
        chunks = []
        for i, (offset, length, flags) in enumerate(locks):
            p = self.low.SMB_PACKET()
            p["Command"] = SMB2_LOCK
            p["TreeID"] = self.tid
            p["SessionID"] = self.low._Session["SessionID"]
            p["CreditCharge"] = 1
            p["CreditRequestResponse"] = 1
            p["MessageID"] = self.low._Connection["SequenceWindow"]
            self.low._Connection["SequenceWindow"] += 1
            body = SMB2Lock()
            body["FileID"] = self.fid
            body["LockCount"] = 1
            body["LockSequence"] = 0
            el = SMB2_LOCK_ELEMENT()
            el["Offset"], el["Length"], el["Flags"] = offset, length, flags
            body["Locks"] = el.getData()
            p["Data"] = body
            if i < len(locks) - 1:
                p["NextCommand"] = len(p.getData())
            if self.low._Session["SigningActivated"]:
                p["Flags"] = SMB2_FLAGS_SIGNED
                self.low.signSMB(p)
            chunks.append(p.getData())
        self.low._NetBIOSSession.send_packet(b"".join(chunks))

    def recv_compound(self):
        """The statuses of a compounded answer, in order."""
        frame = self.low._NetBIOSSession.recv_packet(10).get_trailer()
        statuses, off = [], 0
        while True:
            statuses.append(struct.unpack_from("<L", frame, off + 8)[0])
            nxt = struct.unpack_from("<L", frame, off + 20)[0]
            if not nxt:
                return statuses
            off += nxt

    def recv_raw(self):
        """The next message the server sends, whatever it answers (interim ones included)."""
        data = self.low._NetBIOSSession.recv_packet(10)
        return SMB2Packet(data.get_trailer())

    def lock(self, offset, length, flags):
        """A LOCK that is answered at once: its status."""
        self.send_lock(offset, length, flags)
        return self.recv_raw()["Status"]

    def cancel(self, message_id):
        p = self.low.SMB_PACKET()
        p["Command"] = SMB2_CANCEL
        p["MessageID"] = message_id
        p["Data"] = SMB2Cancel()
        self.low.sendSMB(p)

    def read(self, offset, length):
        try:
            self.conn.readFile(self.tid, self.fid, offset, length)
            return SUCCESS
        except SessionError as e:
            return e.getErrorCode()

    def write(self, offset, data):
        try:
            self.conn.writeFile(self.tid, self.fid, data, offset)
            return SUCCESS
        except SessionError as e:
            return e.getErrorCode()


def close(c, fid):
    try:
        c.conn.closeFile(c.tid, fid)
    except KeyError:
        pass   # impacket's own table of names, with the file opened twice by one session


def status_is(desc, got, want):
    check(desc, got == want, "status 0x%08x, expected 0x%08x" % (got, want))


def pending(desc, c, mid):
    """The interim answer of a LOCK that waits: STATUS_PENDING with an async id."""
    m = c.recv_raw()
    ok = m["Status"] == PENDING and m["Flags"] & SMB2_FLAGS_ASYNC_COMMAND and m["MessageID"] == mid
    check(desc, bool(ok), "status 0x%08x flags 0x%x" % (m["Status"], m["Flags"]))


def final(desc, c, mid, want):
    # impacket keeps an answer that came while it waited for another one (a CLOSE's)
    m = c.low._Connection["OutstandingResponses"].pop(mid, None) or c.recv_raw()
    check(desc, m["Status"] == want and m["MessageID"] == mid,
          "status 0x%08x mid %d (expected 0x%08x mid %d)" % (m["Status"], m["MessageID"], want, mid))


def main():
    setup, _ = login(UnencryptedSMB3, SRV, SMB2_DIALECT_30, timeout=10)
    tid = setup.connectTree(SRV.share)
    fid = setup.createFile(tid, NAME, creationDisposition=FILE_OVERWRITE_IF,
                           shareMode=FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
    setup.writeFile(tid, fid, b"x" * 400, 0)
    setup.closeFile(tid, fid)

    a, b = Client(), Client()

    # Shared lock of A on [0, 100): both read, neither writes (the holder neither).
    status_is("A takes a shared lock", a.lock(0, 100, SHARED | FAIL_IMMEDIATELY), SUCCESS)
    status_is("B reads A's shared range", b.read(10, 10), SUCCESS)
    status_is("A reads its shared range", a.read(10, 10), SUCCESS)
    status_is("B cannot write A's shared range", b.write(50, b"b"), FILE_LOCK_CONFLICT)
    status_is("A cannot write its own shared range", a.write(50, b"a"), FILE_LOCK_CONFLICT)
    status_is("B cannot lock it exclusively", b.lock(0, 1, EXCLUSIVE | FAIL_IMMEDIATELY),
              LOCK_NOT_GRANTED)
    status_is("B may share it", b.lock(0, 100, SHARED | FAIL_IMMEDIATELY), SUCCESS)
    status_is("B unlocks", b.lock(0, 100, UNLOCK), SUCCESS)

    # Exclusive lock of A on [100, 150): only A reads and writes there.
    status_is("A takes an exclusive lock", a.lock(100, 50, EXCLUSIVE | FAIL_IMMEDIATELY), SUCCESS)
    status_is("A writes its exclusive range", a.write(100, b"A" * 50), SUCCESS)
    status_is("A reads its exclusive range", a.read(100, 50), SUCCESS)
    status_is("B cannot read into it", b.read(140, 20), FILE_LOCK_CONFLICT)
    status_is("B cannot write into it", b.write(149, b"b"), FILE_LOCK_CONFLICT)
    status_is("B reads and writes next to it", b.write(150, b"b" * 10), SUCCESS)
    status_is("B's unlock of A's range", b.lock(100, 50, UNLOCK), RANGE_NOT_LOCKED)

    # A blocking lock of B waits, and is granted when A unlocks.
    mid = b.send_lock(100, 50, EXCLUSIVE)
    pending("B's blocking lock goes async", b, mid)
    status_is("A unlocks", a.lock(100, 50, UNLOCK), SUCCESS)
    final("B's blocking lock is granted after A's unlock", b, mid, SUCCESS)
    status_is("B now writes the range", b.write(100, b"B" * 50), SUCCESS)
    status_is("A now cannot", a.write(100, b"a"), FILE_LOCK_CONFLICT)

    # A blocking lock of A waits on B's lock, and is granted when B's handle closes.
    mid = a.send_lock(120, 10, SHARED)
    pending("A's blocking lock goes async", a, mid)
    close(b, b.fid)
    final("A's blocking lock is granted when B closes its handle", a, mid, SUCCESS)

    # CANCEL ends a waiting lock; its range stays A's.
    b.fid = b.open()
    mid = b.send_lock(125, 1, EXCLUSIVE)
    pending("B's blocking lock on A's shared lock goes async", b, mid)
    b.cancel(mid)
    final("CANCEL ends it with STATUS_CANCELLED", b, mid, CANCELLED)
    status_is("A's lock is still there", b.write(125, b"b"), FILE_LOCK_CONFLICT)

    # Closing the waiting handle ends its lock request with STATUS_RANGE_NOT_LOCKED.
    fid2 = b.open()
    mid = b.send_lock(125, 1, EXCLUSIVE, fid=fid2)
    pending("B's second blocking lock goes async", b, mid)
    close(b, fid2)
    final("closing its handle ends it with STATUS_RANGE_NOT_LOCKED", b, mid, RANGE_NOT_LOCKED)

    # A blocking LOCK that is not the last request of a compound cannot go async there: it
    # fails with STATUS_INTERNAL_ERROR, as Windows fails such requests (MS-SMB2 3.3.5.2.7, what
    # smbtorture's compound.interim2 and compound_async expect of them), not with
    # LOCK_NOT_GRANTED, which would tell the client the range was refused; the rest of the
    # compound runs.
    b.send_compound([(125, 1, EXCLUSIVE), (300, 10, EXCLUSIVE | FAIL_IMMEDIATELY)])
    got = b.recv_compound()
    check("a blocking LOCK in the middle of a compound: INTERNAL_ERROR, the next one runs",
          got == [INTERNAL_ERROR, SUCCESS], " ".join("0x%08x" % x for x in got))
    status_is("the compound's second lock holds", a.lock(300, 1, SHARED | FAIL_IMMEDIATELY),
              LOCK_NOT_GRANTED)
    status_is("B unlocks it", b.lock(300, 10, UNLOCK), SUCCESS)
    # Last in its compound it waits as usual.
    b.send_compound([(300, 10, SHARED | FAIL_IMMEDIATELY), (125, 1, EXCLUSIVE)])
    got = b.recv_compound()
    check("a blocking LOCK last in a compound goes async",
          got == [SUCCESS, PENDING], " ".join("0x%08x" % x for x in got))
    b.cancel(b.low._Connection["SequenceWindow"] - 1)
    m = b.recv_raw()
    status_is("CANCEL ends it", m["Status"], CANCELLED)
    status_is("B unlocks", b.lock(300, 10, UNLOCK), SUCCESS)

    # A's close releases everything it held.
    close(a, a.fid)
    status_is("after A's close B writes the whole file", b.write(0, b"z" * 400), SUCCESS)
    close(b, b.fid)
    setup.deleteFile(SRV.share, NAME)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
