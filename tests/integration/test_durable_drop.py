#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# A network drop in the middle of a transfer (impacket, SMB 3.0, raw frames), as MS-SMB2
# 3.3.5.9.7 and 3.3.5.9.12 describe the reconnect:
# - v1 (DHnQ, batch oplock): the client writes half a file, takes a byte-range lock, and its
#   socket is shut down while a large WRITE is half sent; on a new connection and a new session
#   DHnC finds the open as it was: its oplock, its data, its lock (which still keeps another
#   client out); the transfer is finished through it and the file checked byte for byte;
# - v2 (DH2Q, RWH lease, same ClientGuid): the same, the socket shut down while a large READ's
#   answer is half received, and DH2C to reconnect;
# - a CREATE replayed (SMB2_FLAGS_REPLAY_OPERATION, DH2Q, its CreateGuid) after the drop, on a
#   new connection of the same client, is answered from the disconnected open with its FileId
#   and a DH2Q response context (3.3.5.9.10).
# Samba 4.17 passes all but the replay's FileId check: it opens the file anew.
"""Run as a ctest integration test, or by hand:
    tests/integration/test_durable_drop.py                         (against build/skiffd)
    SKIFF_TEST_TARGET=samba tests/integration/test_durable_drop.py (against the reference Samba)"""

import os
import socket
import struct
import sys
import uuid

from skifftest import run_under_lib

if "SKIFF_TEST_PORT" not in os.environ:
    sys.exit(run_under_lib(__file__))

from impacket.smb3structs import (  # noqa: E402
    FILE_OPEN, FILE_OPEN_IF, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, SMB2_DIALECT_30,
    SMB2_LOCK, SMB2_LOCKFLAG_EXCLUSIVE_LOCK, SMB2_LOCKFLAG_FAIL_IMMEDIATELY, SMB2_OPLOCK_BREAK,
    SMB2_OPLOCK_LEVEL_BATCH, SMB2_OPLOCK_LEVEL_II, SMB2_OPLOCK_LEVEL_LEASE, SMB2_OPLOCK_LEVEL_NONE,
    SMB2_READ, SMB2_WRITE, SMB2_LOCK_ELEMENT, SMB2Create_Response, SMB2Lock, SMB2Read,
    SMB2Read_Response, SMB2Write,
)

from skifftest import (  # noqa: E402
    UnencryptedSMB3, check, close_fid, create_packet, login, recv_raw, server, summary)

STATUS_SUCCESS = 0
STATUS_PENDING = 0x00000103
STATUS_LOCK_NOT_GRANTED = 0xC0000055
STATUS_END_OF_FILE = 0xC0000011
ALL_ACCESS = 0x001F01FF
SHARE_ALL = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE
UNSOLICITED = 0xFFFFFFFFFFFFFFFF
SMB2_FLAGS_REPLAY_OPERATION = 0x20000000   # MS-SMB2 2.2.1.2 (impacket 0.10 has 0x80000000)
LEASE_RWH = 0x7
CHUNK = 1 << 20
SIZE = 4 * CHUNK
LOCKED = (CHUNK // 2, 4096)     # the byte range the client locks before the drop


def fixed_guid_client(guid):
    """An impacket SMB3 class that negotiates with ClientGuid `guid` (16 characters): the
    client keeps its GUID across connections, as a real one does."""
    class FixedGuid(UnencryptedSMB3):
        def negotiateSession(self, preferredDialect=None, negSessionResponse=None):
            self.ClientGuid = guid
            super().negotiateSession(preferredDialect, negSessionResponse)
    return FixedGuid


def ctx(name, data):
    return (name, data)


def contexts(*items):
    """A create context chain (MS-SMB2 2.2.13.2): each 8-aligned, Next patched."""
    out = b""
    for i, (name, data) in enumerate(items):
        body = struct.pack("<LHHHHL", 0, 16, len(name), 0, 24, len(data)) + name + b"\0" * 4 + data
        if i + 1 < len(items):
            body += b"\0" * (-len(body) % 8)
            body = struct.pack("<L", len(body)) + body[4:]
        out += body
    return out


def parse_contexts(buf):
    """{name: data} of a response's create contexts."""
    found, off = {}, 0
    while off + 16 <= len(buf):
        nxt, noff, nlen, _, doff, dlen = struct.unpack_from("<LHHHHL", buf, off)
        found[bytes(buf[off + noff:off + noff + nlen])] = bytes(buf[off + doff:off + doff + dlen])
        if nxt == 0:
            break
        off += nxt
    return found


def dhnq():
    return ctx(b"DHnQ", b"\0" * 16)


def dhnc(fid):
    return ctx(b"DHnC", fid)


def dh2q(create_guid, timeout_ms=60000):
    return ctx(b"DH2Q", struct.pack("<LL8x", timeout_ms, 0) + create_guid)


def dh2c(fid, create_guid):
    return ctx(b"DH2C", fid + create_guid + struct.pack("<L", 0))


def rqls(key, state=LEASE_RWH, epoch=0):
    return ctx(b"RqLs", key + struct.pack("<LLQ", state, 0, 0) + b"\0" * 16 +
               struct.pack("<HH", epoch, 0))


def send_create(low, tid, name, oplock, ctxs=b"", disposition=FILE_OPEN_IF, flags=0):
    pkt = create_packet(low, tid, name, oplock, disposition=disposition, contexts=ctxs)
    pkt["Flags"] = flags
    if not flags:
        return low.sendSMB(pkt)
    # impacket sets Flags to SIGNED when it signs: the flag goes back in before the signature
    sign = low.signSMB
    low.signSMB = lambda p: (p.__setitem__("Flags", p["Flags"] | flags), sign(p))
    try:
        return low.sendSMB(pkt)
    finally:
        del low.signSMB


def created(rsp):
    """(SMB2Create_Response, its contexts) of a successful CREATE answer, else (None, {})."""
    if rsp is None or rsp["Status"] != STATUS_SUCCESS:
        return None, {}
    r = SMB2Create_Response(rsp["Data"])
    return r, parse_contexts(r["Buffer"])


def write_pkt(low, tid, fid, offset, data):
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_WRITE
    pkt["TreeID"] = tid
    pkt["CreditCharge"] = max(1, (len(data) + 65535) // 65536)
    w = SMB2Write()
    w["FileID"] = fid
    w["Length"] = len(data)
    w["Offset"] = offset
    w["Buffer"] = data
    pkt["Data"] = w
    return pkt


def write(low, tid, fid, offset, data):
    return low.recvSMB(low.sendSMB(write_pkt(low, tid, fid, offset, data)))["Status"]


def send_read(low, tid, fid, offset, length):
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_READ
    pkt["TreeID"] = tid
    pkt["CreditCharge"] = max(1, (length + 65535) // 65536)
    r = SMB2Read()
    r["FileID"] = fid
    r["Length"] = length
    r["Offset"] = offset
    r["Buffer"] = b"\0"
    pkt["Data"] = r
    return low.sendSMB(pkt)


def read_all(low, tid, fid, size):
    """The file's first `size` bytes (fewer at its end), read in chunks; None if a READ fails."""
    out = b""
    while len(out) < size:
        rsp = low.recvSMB(send_read(low, tid, fid, len(out), min(CHUNK, size - len(out))))
        if rsp["Status"] == STATUS_END_OF_FILE:
            break
        if rsp["Status"] != STATUS_SUCCESS:
            return None
        got = SMB2Read_Response(rsp["Data"])["Buffer"]
        if not got:
            break
        out += got
    return out


def lock(low, tid, fid, offset, length):
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_LOCK
    pkt["TreeID"] = tid
    lk = SMB2Lock()
    lk["LockCount"] = 1
    lk["FileID"] = fid
    e = SMB2_LOCK_ELEMENT()
    e["Offset"] = offset
    e["Length"] = length
    e["Flags"] = SMB2_LOCKFLAG_EXCLUSIVE_LOCK | SMB2_LOCKFLAG_FAIL_IMMEDIATELY
    lk["Locks"] = e.getData()
    pkt["Data"] = lk
    return low.recvSMB(low.sendSMB(pkt))["Status"]


def drop(low, partial=None):
    """Shut the client's socket down under it; with `partial`, half of that SMB2 message is
    sent first (the server has a request in the middle of its receipt)."""
    sock = low._NetBIOSSession.get_socket()
    if partial is not None:
        captured = []
        session = low._NetBIOSSession
        session.send_packet = captured.append   # the signed, numbered frame, kept here
        low.sendSMB(partial)
        del session.send_packet
        frame = captured[0]
        sock.sendall(struct.pack(">L", len(frame)) + frame[:len(frame) // 2])
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def answer_breaks(low, tid, timeout=5):
    """Acknowledge the oplock or lease breaks sent to `low` until none comes for `timeout`
    seconds (B's open of the file breaks A's caching); how many."""
    n = 0
    while True:
        pkt = low._Connection["OutstandingResponses"].pop(UNSOLICITED, None) or \
            recv_raw(low, timeout)
        if pkt is None:
            return n
        if pkt["Command"] != SMB2_OPLOCK_BREAK or pkt["MessageID"] != UNSOLICITED:
            continue
        data = bytes(pkt["Data"])
        ack = low.SMB_PACKET()
        ack["Command"] = SMB2_OPLOCK_BREAK
        ack["TreeID"] = tid
        if struct.unpack_from("<H", data)[0] == 44:   # lease break: key, new state
            key = data[8:24]
            new_state = struct.unpack_from("<L", data, 28)[0]
            ack["Data"] = struct.pack("<HHL", 36, 0, 0) + key + struct.pack("<LQ", new_state, 0)
        else:                                         # oplock break to level II
            ack["Data"] = struct.pack("<HBB4x", 24, SMB2_OPLOCK_LEVEL_II, 0) + data[8:24]
        low.recvSMB(low.sendSMB(ack))
        n += 1


def other_client_is_kept_out(srv, holder, holder_tid, name, what):
    """Another client opens the file (the holder acknowledges the break) and cannot lock the
    range the holder locked before the drop."""
    conn_b, b = login(UnencryptedSMB3, srv, SMB2_DIALECT_30, 10)
    tid_b = conn_b.connectTree(srv.share)
    mid = send_create(b, tid_b, name, SMB2_OPLOCK_LEVEL_NONE, disposition=FILE_OPEN)
    first = recv_raw(b, 2)
    if first is not None and first["Status"] == STATUS_PENDING:
        answer_breaks(holder, holder_tid, 2)
        first = recv_raw(b, 10)
    r, _ = created(first if first is not None and first["MessageID"] == mid else None)
    check(f"{what}: another client opens the file", r is not None,
          f"status {first['Status']:#x}" if first is not None else "nothing")
    if r is None:
        return
    st = lock(b, tid_b, r["FileID"], *LOCKED)
    check(f"{what}: ... and cannot lock the range locked before the drop",
          st == STATUS_LOCK_NOT_GRANTED, f"status {st:#x}")
    close_fid(b, tid_b, r["FileID"])
    conn_b.logoff()


def transfer(srv, version):
    what = f"v{version}"
    name = f"durable_drop_v{version}.dat"
    data = os.urandom(SIZE)
    guid = uuid.uuid4().hex[:16]
    client = fixed_guid_client(guid)
    create_guid = uuid.uuid4().bytes
    lease_key = uuid.uuid4().bytes
    conn_a, a = login(client, srv, SMB2_DIALECT_30, 10)
    tid = conn_a.connectTree(srv.share)
    if version == 1:
        mid = send_create(a, tid, name, SMB2_OPLOCK_LEVEL_BATCH, contexts(dhnq()))
    else:
        mid = send_create(a, tid, name, SMB2_OPLOCK_LEVEL_LEASE,
                          contexts(rqls(lease_key), dh2q(create_guid)))
    r, got = created(a.recvSMB(mid))
    durable = b"DHnQ" in got if version == 1 else b"DH2Q" in got
    check(f"{what}: the open is durable", r is not None and durable, f"contexts {list(got)}")
    if r is None:
        return
    fid = r["FileID"]
    fid_bytes = fid.getData()
    ok = all(write(a, tid, fid, off, data[off:off + CHUNK]) == STATUS_SUCCESS
             for off in range(0, SIZE // 2, CHUNK))
    check(f"{what}: the first half is written", ok)
    st = lock(a, tid, fid, *LOCKED)
    check(f"{what}: the client locks a byte range", st == STATUS_SUCCESS, f"status {st:#x}")

    if version == 1:
        # a large WRITE half sent when the connection goes
        drop(a, partial=write_pkt(a, tid, fid, SIZE // 2, data[SIZE // 2:SIZE // 2 + CHUNK]))
    else:
        # a large READ whose answer is half received when the connection goes
        send_read(a, tid, fid, 0, CHUNK)
        sock = a._NetBIOSSession.get_socket()
        want, got_bytes = CHUNK // 2, 0
        while got_bytes < want:
            piece = sock.recv(min(65536, want - got_bytes))
            if not piece:
                break
            got_bytes += len(piece)
        drop(a)

    conn_r, r2 = login(client, srv, SMB2_DIALECT_30, 10)
    tid2 = conn_r.connectTree(srv.share)
    if version == 1:
        mid = send_create(r2, tid2, name, SMB2_OPLOCK_LEVEL_BATCH, contexts(dhnc(fid_bytes)))
    else:
        mid = send_create(r2, tid2, name, SMB2_OPLOCK_LEVEL_LEASE,
                          contexts(rqls(lease_key), dh2c(fid_bytes, create_guid)))
    rsp = r2.recvSMB(mid)
    back, got = created(rsp)
    check(f"{what}: on a new connection and session the reconnect finds the open",
          back is not None and back["FileID"].getData()[:8] == fid_bytes[:8],
          f"status {rsp['Status']:#x}")
    if back is None:
        return
    if version == 1:
        check(f"{what}: ... with its batch oplock", back["OplockLevel"] == SMB2_OPLOCK_LEVEL_BATCH,
              f"level {back['OplockLevel']:#x}")
    else:
        ls = got.get(b"RqLs", b"")
        state = struct.unpack_from("<L", ls, 16)[0] if len(ls) >= 20 else None
        check(f"{what}: ... with its RWH lease",
              back["OplockLevel"] == SMB2_OPLOCK_LEVEL_LEASE and ls[:16] == lease_key and
              state == LEASE_RWH, f"level {back['OplockLevel']:#x} state {state}")
    fid2 = back["FileID"]
    first = read_all(r2, tid2, fid2, SIZE // 2)
    check(f"{what}: the data written before the drop is there", first == data[:SIZE // 2])
    other_client_is_kept_out(srv, r2, tid2, name, what)
    ok = all(write(r2, tid2, fid2, off, data[off:off + CHUNK]) == STATUS_SUCCESS
             for off in range(SIZE // 2, SIZE, CHUNK))
    check(f"{what}: the transfer is finished through the reconnected open", ok)
    whole = read_all(r2, tid2, fid2, SIZE + 1)
    check(f"{what}: the file is exactly what was sent, byte for byte", whole == data,
          f"{len(whole) if whole is not None else None} bytes")
    close_fid(r2, tid2, fid2)
    conn_r.deleteFile(srv.share, name)
    conn_r.logoff()


def replayed_create(srv):
    """A DH2Q CREATE replayed after the drop finds the disconnected open (3.3.5.9.10)."""
    name = "durable_drop_replay.dat"
    client = fixed_guid_client(uuid.uuid4().hex[:16])
    create_guid = uuid.uuid4().bytes
    conn_a, a = login(client, srv, SMB2_DIALECT_30, 10)
    tid = conn_a.connectTree(srv.share)
    mid = send_create(a, tid, name, SMB2_OPLOCK_LEVEL_BATCH, contexts(dh2q(create_guid)))
    r, got = created(a.recvSMB(mid))
    check("replay: the first CREATE gets a durable v2 open", r is not None and b"DH2Q" in got)
    if r is None:
        return
    fid = r["FileID"].getData()
    drop(a)
    conn_r, r2 = login(client, srv, SMB2_DIALECT_30, 10)
    tid2 = conn_r.connectTree(srv.share)
    mid = send_create(r2, tid2, name, SMB2_OPLOCK_LEVEL_BATCH, contexts(dh2q(create_guid)),
                      flags=SMB2_FLAGS_REPLAY_OPERATION)
    rsp = r2.recvSMB(mid)
    back, got = created(rsp)
    check("replay: the replayed CREATE is answered from the disconnected open",
          back is not None and back["FileID"].getData()[:8] == fid[:8],
          f"status {rsp['Status']:#x}")
    dh2q_rsp = got.get(b"DH2Q", b"")
    check("replay: ... with a DH2Q response context (its timeout)",
          len(dh2q_rsp) == 8 and struct.unpack_from("<L", dh2q_rsp)[0] > 0,
          f"contexts {list(got)}")
    if back is not None:
        close_fid(r2, tid2, back["FileID"])
    conn_r.deleteFile(srv.share, name)
    conn_r.logoff()


def main():
    srv = server()
    transfer(srv, 1)
    transfer(srv, 2)
    replayed_create(srv)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
