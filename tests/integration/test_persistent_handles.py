#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Persistent handles (MS-SMB2 3.3.5.9.10, 3.3.5.9.12) across a crash of skiffd, with impacket at
# SMB 3.0.2 and the durable-handle contexts built by hand:
# - NEGOTIATE announces SMB2_GLOBAL_CAP_PERSISTENT_HANDLES, TREE_CONNECT of the share with
#   `continuously available = yes` SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY, of a plain share not;
# - a DH2Q with the persistent flag and no oplock on the CA share is granted, persistent (the
#   answer's flags say so); on the plain share it is not durable at all (no batch, no lease);
# - the client takes a byte-range lock and writes; skiffd is killed with SIGKILL while the client
#   is connected, and started again on the same state directory and port;
# - meanwhile nothing: after the restart, another client's open of the file with a conflicting
#   share mode, its lock of the range, and its read and write of it are refused;
# - the first client reconnects (new connection, new session, DH2C with its CreateGuid), reads
#   what it wrote, writes through the handle, still holds its lock;
# - it closes: the record is gone from the store and the range is free;
# - a second persistent open the client never comes back for is closed by its scavenger, its
#   timeout (1.5 s) counted from the restart;
# - an orderly stop (SIGTERM) keeps a persistent open too: reconnected after the next start;
# - leases survive a crash: two persistent opens with RWH leases, skiffd killed again; another
#   client's open of the second file waits for its W to be broken (the restored lease holds
#   it); the client reconnects both with DH2C and its lease contexts, getting the same key,
#   state and epoch back (the second one breaking); its acknowledgement, stored, lets the
#   waiting open go on; a third open marked delete-on-close by SET_INFO keeps the mark (its
#   CLOSE after the reconnect deletes the file);
# - a disconnected persistent open is not purged (unlike a durable one): its connection dropped,
#   a conflicting open waits for its lease's break, the client reconnects and acknowledges, and
#   the conflicting open gets STATUS_SHARING_VIOLATION while the handle stays the client's;
# - a DH2C with the persistent flag and a FileId no open has finds the open by its CreateGuid.
"""Run as a ctest integration test, or by hand: tests/integration/test_persistent_handles.py"""

import os
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import uuid

from skifftest import run_under_lib

if "SKIFF_TEST_PORT" not in os.environ:
    env = dict(os.environ)
    env["SKIFF_TEST_EXTRA_SHARES"] = "plain"
    env["SKIFF_TEST_CONF_HOOK"] = r'''
sed -i '/^\[share\]$/a continuously available = yes' "$SKIFF_TEST_DIR/skiffd.conf"
'''
    sys.exit(run_under_lib(__file__, env))

from impacket.smb3structs import (  # noqa: E402
    FILE_OPEN, FILE_OPEN_IF, FILE_READ_DATA, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE,
    FILE_WRITE_DATA, SMB2_DIALECT_302, SMB2_LOCK, SMB2_OPLOCK_BREAK, SMB2Create_Response, SMB2Lock,
    SMB2_LOCK_ELEMENT, SYNCHRONIZE)
from impacket.smbconnection import SessionError  # noqa: E402

from skifftest import (  # noqa: E402
    UnencryptedSMB3, check, close_fid, create_packet, login, recv_raw, server, summary)

SRV = server()
NAME = "persistent.dat"
SHORT = "short-lived.dat"
SUCCESS = 0
DELETE = 0x00010000
SMB2_0_INFO_FILE, FILE_DISPOSITION_INFORMATION = 1, 13
STATUS_PENDING = 0x103
LEASE_RWH, LEASE_RH, LEASE_R = 0x7, 0x3, 0x1
LEASE_FLAG_BREAK_IN_PROGRESS = 0x2
OPLOCK_LEVEL_LEASE = 0xFF
OBJECT_NAME_NOT_FOUND = 0xC0000034
SHARING_VIOLATION = 0xC0000043
FILE_LOCK_CONFLICT, LOCK_NOT_GRANTED = 0xC0000054, 0xC0000055
EXCLUSIVE, FAIL_IMMEDIATELY = 0x2, 0x10
CAP_PERSISTENT_HANDLES = 0x10
SHARE_CAP_CA = 0x10
DHANDLE_FLAG_PERSISTENT = 0x2
SMB2_HDR = 64
SHARE_ALL = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE
ACCESS = FILE_READ_DATA | FILE_WRITE_DATA | SYNCHRONIZE
STATE_DB = os.path.join(os.environ["SKIFF_TEST_DIR"], "state", "persistent.db")
LOG = os.environ["SKIFF_TEST_LOG"]
CONF = os.path.join(os.environ["SKIFF_TEST_DIR"], "skiffd.conf")
RESTARTED_PID = os.path.join(os.environ["SKIFF_TEST_DIR"], "skiffd.restarted.pid")


def context(name, data):
    """One create context: header, 4-byte name padded to 8, data at 24."""
    return struct.pack("<IHHHHI", 0, 16, 4, 0, 24, len(data)) + name + bytes(4) + data


def dh2q(create_guid, timeout_ms=0):
    return context(b"DH2Q", struct.pack("<IIQ16s", timeout_ms, DHANDLE_FLAG_PERSISTENT, 0,
                                        create_guid))


def dh2c(fid, create_guid, flags=DHANDLE_FLAG_PERSISTENT):
    return context(b"DH2C", fid + create_guid + struct.pack("<I", flags))


def chain(*ctxs):
    """Contexts made by context() as one chain: each 8-aligned, Next patched."""
    out = b""
    for i, c in enumerate(ctxs):
        if i + 1 < len(ctxs):
            c += bytes(-len(c) % 8)
            c = struct.pack("<I", len(c)) + c[4:]
        out += c
    return out


def rqls(key, state=0x7, epoch=0):
    """A v2 lease request (MS-SMB2 2.2.13.2.10)."""
    return context(b"RqLs", key + struct.pack("<IIQ", state, 0, 0) + bytes(16) +
                   struct.pack("<HH", epoch, 0))


def fixed_guid(guid):
    """An impacket class that keeps ClientGuid `guid` across connections, as a client does."""
    class FixedGuid(UnencryptedSMB3):
        def negotiateSession(self, preferredDialect=None, negSessionResponse=None):
            self.ClientGuid = guid
            super().negotiateSession(preferredDialect, negSessionResponse)
    return FixedGuid


def send_create(low, tid, name, ctx=None, share=FILE_SHARE_READ, disposition=FILE_OPEN_IF,
                oplock=0, access=ACCESS):
    """Send a CREATE built by hand; its MessageId."""
    return low.sendSMB(create_packet(low, tid, name, oplock, access=access, share=share,
                                     disposition=disposition, contexts=ctx or b""))


def create(low, tid, name, ctx=None, share=FILE_SHARE_READ, disposition=FILE_OPEN_IF, oplock=0,
           access=ACCESS):
    """A CREATE built by hand: (status, FileID bytes, {context name: data})."""
    return create_answer(low, low.recvSMB(send_create(low, tid, name, ctx, share, disposition,
                                                      oplock, access)), name)


def create_answer(low, rsp, name):
    if rsp["Status"] != SUCCESS:
        return rsp["Status"], None, {}
    cr = SMB2Create_Response(rsp["Data"])
    body = rsp["Data"]
    off, length = cr["CreateContextsOffset"], cr["CreateContextsLength"]
    blob = body[off - SMB2_HDR:off - SMB2_HDR + length] if off else b""
    found = {}
    while len(blob) >= 16:
        nxt, noff, nlen, _, doff, dlen = struct.unpack_from("<IHHHHI", blob)
        found[blob[noff:noff + nlen]] = blob[doff:doff + dlen]
        if nxt == 0:
            break
        blob = blob[nxt:]
    fid = cr["FileID"].getData()
    low._Session["OpenTable"][fid] = {"FileName": name}   # so impacket reads and writes it
    return SUCCESS, fid, found


def lease_ack(low, tid, key, state):
    """A lease break acknowledgement (MS-SMB2 2.2.24.2); its status."""
    p = low.SMB_PACKET()
    p["Command"] = SMB2_OPLOCK_BREAK
    p["TreeID"] = tid
    p["Data"] = struct.pack("<HHI", 36, 0, 0) + key + struct.pack("<IQ", state, 0)
    return low.recvSMB(low.sendSMB(p))["Status"]


def lease_of(ctx):
    """(key, state, flags, epoch) of a v2 lease response context, or None."""
    ls = ctx.get(b"RqLs")
    if not ls or len(ls) < 52:
        return None
    key = ls[:16]
    state, flags = struct.unpack_from("<II", ls, 16)
    epoch = struct.unpack_from("<H", ls, 48)[0]
    return key, state, flags, epoch


def signed(pid):
    """The store keeps a 64-bit id by its bit pattern (SQLite integers are signed)."""
    return pid - (1 << 64) if pid >= 1 << 63 else pid


def store_delete_on_close(pid):
    db = sqlite3.connect(f"file:{STATE_DB}?mode=ro", uri=True)
    row = db.execute("SELECT delete_on_close FROM opens WHERE persistent_id = ?",
                     (signed(pid),)).fetchone()
    db.close()
    return row and row[0]


def store_lease(pid):
    """(has_lease, lease_state, lease_epoch) of a record."""
    db = sqlite3.connect(f"file:{STATE_DB}?mode=ro", uri=True)
    row = db.execute("SELECT has_lease, lease_state, lease_epoch FROM opens "
                     "WHERE persistent_id = ?", (signed(pid),)).fetchone()
    db.close()
    return row


def lock(low, tid, fid, offset, length):
    p = low.SMB_PACKET()
    p["Command"] = SMB2_LOCK
    p["TreeID"] = tid
    body = SMB2Lock()
    body["FileID"] = fid
    body["LockCount"] = 1
    body["LockSequence"] = 0
    el = SMB2_LOCK_ELEMENT()
    el["Offset"], el["Length"], el["Flags"] = offset, length, EXCLUSIVE | FAIL_IMMEDIATELY
    body["Locks"] = el.getData()
    p["Data"] = body
    return low.recvSMB(low.sendSMB(p))["Status"]


def status_of(fn):
    try:
        fn()
        return SUCCESS
    except SessionError as e:
        return e.getErrorCode()


def records():
    """Rows of the store (None when it cannot be read)."""
    try:
        db = sqlite3.connect(f"file:{STATE_DB}?mode=ro", uri=True)
        n = db.execute("SELECT count(*) FROM opens").fetchone()[0]
        nl = db.execute("SELECT count(*) FROM locks").fetchone()[0]
        db.close()
        return n, nl
    except sqlite3.Error:
        return None


def restart():
    """Start skiffd again on the same configuration (same port, same state directory); lib.sh
    stops it at the end through skiffd.restarted.pid."""
    log = open(LOG, "ab")
    p = subprocess.Popen([os.environ["SKIFFD"], "-c", CONF], stdin=subprocess.DEVNULL,
                         stdout=log, stderr=log)
    with open(RESTARTED_PID, "w") as f:
        f.write(str(p.pid))
    for _ in range(200):
        try:
            socket.create_connection((SRV.host, SRV.port), timeout=1).close()
            return p
        except OSError:
            if p.poll() is not None:
                break
            time.sleep(0.1)
    raise SystemExit("skiffd did not come back")


def killed(pid):
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # our parent (lib.sh) reaps it; until then it is a zombie (reaped meanwhile: gone). The
        # leader turns zombie before its other threads have exited, and the descriptors (its
        # SO_REUSEPORT listeners, which the restarted skiffd's join) close with the last one:
        # a connection queued on a dying listener is reset. So: zombie, and no other thread.
        try:
            with open(f"/proc/{pid}/stat") as f:
                zombie = f.read().split(")")[1].split()[0] == "Z"
            if zombie and os.listdir(f"/proc/{pid}/task") == [str(pid)]:
                return True
        except (ProcessLookupError, FileNotFoundError):
            return True
        time.sleep(0.05)
    return False


# ---- before the crash ----
conn, low = login(UnencryptedSMB3, SRV, SMB2_DIALECT_302, timeout=10)
check("NEGOTIATE (3.0.2) announces persistent handles",
      low._Connection["ServerCapabilities"] & CAP_PERSISTENT_HANDLES)
tid = conn.connectTree(SRV.share)
check("the continuously available share says so",
      low._Session["TreeConnectTable"][tid]["IsCAShare"])
ptid = conn.connectTree("plain")
check("a plain share does not", not low._Session["TreeConnectTable"][ptid]["IsCAShare"])

st, pfid, ctx = create(low, ptid, "plain.dat", dh2q(uuid.uuid4().bytes))
check("on a plain share a persistent DH2Q without batch or lease is not durable",
      st == SUCCESS and b"DH2Q" not in ctx, f"status {st:#x} contexts {sorted(ctx)}")
close_fid(low, ptid, pfid)

guid = uuid.uuid4().bytes
st, fid, ctx = create(low, tid, NAME, dh2q(guid), share=SHARE_ALL)
flags = struct.unpack_from("<II", ctx[b"DH2Q"])[1] if b"DH2Q" in ctx else None
check("the CA share grants a persistent handle with no oplock (DH2Q answer's flags)",
      st == SUCCESS and flags == DHANDLE_FLAG_PERSISTENT, f"status {st:#x} flags {flags}")
check("the open is in the store before the client hears of it", records() == (1, 0),
      f"{records()}")
check("LOCK [0, 10) exclusive", lock(low, tid, fid, 0, 10) == SUCCESS)
check("its lock is in the store", records() == (1, 1), f"{records()}")
# a second one the client will not come back for: its scavenger runs from the restart
st, _, ctx = create(low, tid, SHORT, dh2q(uuid.uuid4().bytes, 1500), share=0)
check("a second persistent open, kept 1.5 s", st == SUCCESS and b"DH2Q" in ctx and
      struct.unpack_from("<I", ctx[b"DH2Q"])[0] == 1500, f"status {st:#x}")
check("write through the handle",
      status_of(lambda: conn.writeFile(tid, fid, b"before the crash", 100)) == SUCCESS)

pid = int(os.environ["SKIFF_SERVER_PID"])
check("skiffd killed with SIGKILL while the client is connected", killed(pid))
server2 = restart()
time.sleep(0.2)
with open(LOG, errors="replace") as f:
    check("skiffd restored both opens at start-up", "2 of 2 opens restored" in f.read())

# ---- another client meanwhile ----
c2, low2 = login(UnencryptedSMB3, SRV, SMB2_DIALECT_302, timeout=10)
tid2 = c2.connectTree(SRV.share)
st, _, _ = create(low2, tid2, NAME, disposition=FILE_OPEN, share=0)
check("another client's open denying sharing is refused (the restored open holds the file)",
      st == SHARING_VIOLATION, f"status {st:#x}")
st, fid2, _ = create(low2, tid2, NAME, disposition=FILE_OPEN, share=SHARE_ALL)
check("a sharing open of another client is allowed", st == SUCCESS, f"status {st:#x}")
if st == SUCCESS:
    st = lock(low2, tid2, fid2, 5, 1)
    check("its lock of the restored range is refused", st in (LOCK_NOT_GRANTED, FILE_LOCK_CONFLICT),
          f"status {st:#x}")
    st = status_of(lambda: c2.readFile(tid2, fid2, 0, 10))
    check("its read of the locked range is refused", st == FILE_LOCK_CONFLICT, f"status {st:#x}")
    st = status_of(lambda: c2.writeFile(tid2, fid2, b"x", 3))
    check("its write of the locked range is refused", st == FILE_LOCK_CONFLICT, f"status {st:#x}")

st, _, _ = create(low2, tid2, SHORT, disposition=FILE_OPEN, share=0)
check("the short one is still held right after the restart", st == SHARING_VIOLATION,
      f"status {st:#x}")
time.sleep(2.5)
st, sfid, _ = create(low2, tid2, SHORT, disposition=FILE_OPEN, share=0)
check("its timeout passed: scavenged, the file is free", st == SUCCESS, f"status {st:#x}")
if st == SUCCESS:
    close_fid(low2, tid2, sfid)
check("and its record is gone", records() == (1, 1), f"{records()}")

# ---- the client comes back ----
c3, low3 = login(UnencryptedSMB3, SRV, SMB2_DIALECT_302, timeout=10)
tid3 = c3.connectTree(SRV.share)
st, _, _ = create(low3, tid3, NAME, dh2c(fid, uuid.uuid4().bytes))
check("a DH2C with another CreateGuid does not get it", st == OBJECT_NAME_NOT_FOUND,
      f"status {st:#x}")
st, _, _ = create(low3, tid3, NAME, dh2c(fid, guid, flags=0))
check("a DH2C without the persistent flag does not get it (MS-SMB2 3.3.5.9.12)",
      st == OBJECT_NAME_NOT_FOUND, f"status {st:#x}")
st, rfid, _ = create(low3, tid3, NAME, dh2c(fid, guid))
check("the client reconnects the handle (new connection, session, DH2C)", st == SUCCESS,
      f"status {st:#x}")
if st == SUCCESS:
    check("the same persistent FileId", rfid[:8] == fid[:8])
    data = None
    try:
        data = c3.readFile(tid3, rfid, 100, 16)
    except SessionError as e:
        data = e
    check("it reads back what it wrote before the crash", data == b"before the crash", f"{data}")
    check("it writes through the handle",
          status_of(lambda: c3.writeFile(tid3, rfid, b"after", 200)) == SUCCESS)
    check("inside its own locked range too",
          status_of(lambda: c3.writeFile(tid3, rfid, b"L", 2)) == SUCCESS)
    st = lock(low2, tid2, fid2, 0, 1) if fid2 else None
    check("the lock still excludes the other client", st in (LOCK_NOT_GRANTED, FILE_LOCK_CONFLICT),
          f"status {st}")
    check("CLOSE", close_fid(low3, tid3, rfid) == SUCCESS)
    check("the record is gone from the store", records() == (0, 0), f"{records()}")
    if fid2:
        check("the range is free for the other client", lock(low2, tid2, fid2, 0, 10) == SUCCESS)
        close_fid(low2, tid2, fid2)
with open(os.path.join(SRV.share_dir, NAME), "rb") as f:
    content = f.read()
check("the file holds both writes", content[100:116] == b"before the crash" and
      content[200:205] == b"after" and content[2:3] == b"L")

# ---- an orderly stop keeps them too ----
c4, low4 = login(UnencryptedSMB3, SRV, SMB2_DIALECT_302, timeout=10)
tid4 = c4.connectTree(SRV.share)
guid4 = uuid.uuid4().bytes
st, fid4, ctx = create(low4, tid4, NAME, dh2q(guid4), share=SHARE_ALL)
check("a persistent open again", st == SUCCESS and b"DH2Q" in ctx, f"status {st:#x}")
server2.send_signal(signal.SIGTERM)
server2.wait(timeout=30)
check("skiffd stopped by SIGTERM keeps its record", records() == (1, 0), f"{records()}")
server3 = restart()
c5, low5 = login(UnencryptedSMB3, SRV, SMB2_DIALECT_302, timeout=10)
tid5 = c5.connectTree(SRV.share)
st, fid5, _ = create(low5, tid5, NAME, dh2c(fid4, guid4))
check("and the client reconnects it after the restart", st == SUCCESS, f"status {st:#x}")
if st == SUCCESS:
    check("CLOSE of the open reconnected after an orderly restart",
          close_fid(low5, tid5, fid5) == SUCCESS)
check("the store is empty", records() == (0, 0), f"{records()}")

# ---- leases across a crash ----
A_GUID = uuid.uuid4().bytes
ca, lowa = login(fixed_guid(A_GUID), SRV, SMB2_DIALECT_302, timeout=10)
tida = ca.connectTree(SRV.share)
held = {}
for name in ("leased1.dat", "leased2.dat"):
    key, cguid = uuid.uuid4().bytes, uuid.uuid4().bytes
    st, lfid, ctx = create(lowa, tida, name, chain(rqls(key), dh2q(cguid)), share=SHARE_ALL,
                           oplock=OPLOCK_LEVEL_LEASE)
    lease = lease_of(ctx)
    check(f"{name}: a persistent open with an RWH lease", st == SUCCESS and b"DH2Q" in ctx and
          lease is not None and lease[1] == LEASE_RWH, f"status {st:#x} lease {lease}")
    if lease:
        pid = struct.unpack_from("<Q", lfid)[0]
        check(f"{name}: its lease is in the store (v2, RWH, epoch)",
              store_lease(pid) == (2, LEASE_RWH, lease[3]), f"{store_lease(pid)}")
        held[name] = (lfid, key, cguid, lease[3])
doomed_guid = uuid.uuid4().bytes
st, doomed, _ = create(lowa, tida, "doomed.dat", dh2q(doomed_guid), share=SHARE_ALL,
                       access=ACCESS | DELETE)
check("a persistent open with DELETE access", st == SUCCESS, f"status {st:#x}")
if st == SUCCESS:
    st = status_of(lambda: lowa.setInfo(tida, doomed, b"\x01", SMB2_0_INFO_FILE,
                                      FILE_DISPOSITION_INFORMATION))
    check("SET_INFO FileDispositionInformation marks it delete-on-close", st == SUCCESS,
          f"status {st:#x}")
    pid = struct.unpack_from("<Q", doomed)[0]
    check("... and the store says so", store_delete_on_close(pid) == 1,
          f"{store_delete_on_close(pid)}")
check("skiffd killed again, leases and delete-on-close held", killed(server3.pid))
server4 = restart()
if len(held) == 2:
    cb, lowb = login(UnencryptedSMB3, SRV, SMB2_DIALECT_302, timeout=10)
    tidb = cb.connectTree(SRV.share)
    b_msg = send_create(lowb, tidb, "leased2.dat", share=SHARE_ALL, disposition=FILE_OPEN)
    went_pending = recv_raw(lowb, 3)
    check("another client's open waits for the restored lease's W to be broken",
          went_pending is not None and went_pending["Status"] == STATUS_PENDING,
          f"{went_pending and hex(went_pending['Status'])}")

    ca2, lowa2 = login(fixed_guid(A_GUID), SRV, SMB2_DIALECT_302, timeout=10)
    tida2 = ca2.connectTree(SRV.share)
    back = {}
    for name, (lfid, key, cguid, epoch) in held.items():
        st, rfid, ctx = create(lowa2, tida2, name, chain(rqls(key), dh2c(lfid, cguid)),
                               share=SHARE_ALL, oplock=OPLOCK_LEVEL_LEASE)
        lease = lease_of(ctx)
        check(f"{name}: DH2C with its lease context reconnects after the crash", st == SUCCESS,
              f"status {st:#x}")
        check(f"{name}: ... with its lease: same key, RWH, same epoch",
              lease is not None and lease[0] == key and lease[1] == LEASE_RWH and
              lease[3] == epoch + (1 if name == "leased2.dat" else 0),
              f"{lease} (epoch before the crash {epoch})")
        if st == SUCCESS:
            back[name] = rfid
    l2 = lease_of(ctx)
    check("leased2.dat: the answer says its break is in progress",
          l2 is not None and l2[2] & LEASE_FLAG_BREAK_IN_PROGRESS, f"{l2}")
    check("the client acknowledges the break to RH",
          lease_ack(lowa2, tida2, held["leased2.dat"][1], LEASE_RH) == SUCCESS)
    waited = went_pending is not None and went_pending["Status"] == STATUS_PENDING
    final = recv_raw(lowb, 10) if waited else went_pending
    check("the waiting open goes on once acknowledged",
          final is not None and final["Status"] == SUCCESS,
          f"{final and hex(final['Status'])}")
    if "leased2.dat" in back:
        pid = struct.unpack_from("<Q", back["leased2.dat"])[0]
        check("the acknowledged state is in the store", store_lease(pid)[1] == LEASE_RH,
              f"{store_lease(pid)}")
    if final is not None and final["Status"] == SUCCESS:
        _, bfid, _ = create_answer(lowb, final, "leased2.dat")
        close_fid(lowb, tidb, bfid)
    for rfid in back.values():
        close_fid(lowa2, tida2, rfid)
    if doomed:
        st, rfid, _ = create(lowa2, tida2, "doomed.dat", dh2c(doomed, doomed_guid),
                             share=SHARE_ALL, access=ACCESS | DELETE)
        check("the delete-on-close open reconnects after the crash", st == SUCCESS,
              f"status {st:#x}")
        if st == SUCCESS:
            close_fid(lowa2, tida2, rfid)
        check("its CLOSE deletes the file (delete-on-close set by SET_INFO was restored)",
              not os.path.exists(os.path.join(SRV.share_dir, "doomed.dat")))
check("the store is empty again", records() == (0, 0), f"{records()}")

# ---- a disconnected persistent open is not purged ----
D_GUID = uuid.uuid4().bytes
cd, lowd = login(fixed_guid(D_GUID), SRV, SMB2_DIALECT_302, timeout=10)
tidd = cd.connectTree(SRV.share)
dkey, dguid = uuid.uuid4().bytes, uuid.uuid4().bytes
st, dfid, ctx = create(lowd, tidd, "kept.dat", chain(rqls(dkey), dh2q(dguid)), share=SHARE_ALL,
                       oplock=OPLOCK_LEVEL_LEASE)
check("a persistent open with an RWH lease", st == SUCCESS and b"DH2Q" in ctx, f"status {st:#x}")
sock = lowd._NetBIOSSession.get_socket()
sock.shutdown(socket.SHUT_RDWR)
sock.close()
time.sleep(0.5)
cb2, lowb2 = login(UnencryptedSMB3, SRV, SMB2_DIALECT_302, timeout=10)
tidb2 = cb2.connectTree(SRV.share)
send_create(lowb2, tidb2, "kept.dat", share=0, disposition=FILE_OPEN)
interim = recv_raw(lowb2, 3)
check("a conflicting open waits for the disconnected open's lease to be broken (not purged)",
      interim is not None and interim["Status"] == STATUS_PENDING,
      f"{interim and hex(interim['Status'])}")
cd2, lowd2 = login(fixed_guid(D_GUID), SRV, SMB2_DIALECT_302, timeout=10)
tidd2 = cd2.connectTree(SRV.share)
st, rfid, ctx = create(lowd2, tidd2, "kept.dat", chain(rqls(dkey), dh2c(dfid, dguid)),
                       share=SHARE_ALL, oplock=OPLOCK_LEVEL_LEASE)
check("the client reconnects its handle meanwhile", st == SUCCESS, f"status {st:#x}")
if st == SUCCESS:
    check("and acknowledges the break", lease_ack(lowd2, tidd2, dkey, LEASE_R) == SUCCESS)
    final = interim if interim is not None and interim["Status"] != STATUS_PENDING \
        else recv_raw(lowb2, 10)
    check("the conflicting open then gets STATUS_SHARING_VIOLATION",
          final is not None and final["Status"] == SHARING_VIOLATION,
          f"{final and hex(final['Status'])}")
    check("the handle is still the client's",
          status_of(lambda: cd2.writeFile(tidd2, rfid, b"kept", 0)) == SUCCESS)
    check("CLOSE", close_fid(lowd2, tidd2, rfid) == SUCCESS)

# ---- a DH2C whose FileId is unknown finds the persistent open by its CreateGuid ----
cg, lowg = login(UnencryptedSMB3, SRV, SMB2_DIALECT_302, timeout=10)
tidg = cg.connectTree(SRV.share)
gguid = uuid.uuid4().bytes
st, gfid, _ = create(lowg, tidg, "byguid.dat", dh2q(gguid), share=SHARE_ALL)
check("a persistent open to find by its CreateGuid", st == SUCCESS, f"status {st:#x}")
sock = lowg._NetBIOSSession.get_socket()
sock.shutdown(socket.SHUT_RDWR)
sock.close()
time.sleep(0.5)
cg2, lowg2 = login(UnencryptedSMB3, SRV, SMB2_DIALECT_302, timeout=10)
tidg2 = cg2.connectTree(SRV.share)
unknown = uuid.uuid4().bytes   # a FileId no open has
st, _, _ = create(lowg2, tidg2, "byguid.dat", dh2c(unknown, gguid, flags=0), share=SHARE_ALL)
check("without the persistent flag an unknown FileId is not found", st == OBJECT_NAME_NOT_FOUND,
      f"status {st:#x}")
st, rfid, _ = create(lowg2, tidg2, "byguid.dat", dh2c(unknown, gguid), share=SHARE_ALL)
check("with it, the open is found by its CreateGuid (MS-SMB2 3.3.5.9.12)", st == SUCCESS,
      f"status {st:#x}")
if st == SUCCESS:
    check("... and answered with its own persistent FileId", rfid[:8] == gfid[:8])
    check("CLOSE", close_fid(lowg2, tidg2, rfid) == SUCCESS)
check("the store is empty at the end", records() == (0, 0), f"{records()}")

sys.exit(summary())
