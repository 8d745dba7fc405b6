#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The client half of test_multichannel_netns.sh, run in the client namespace against skiffd in
# the server namespace (MC_* and SKIFF_TEST_* in the environment): interface discovery, a
# second channel over the second link, traffic across channels, an oplock break on a live
# channel, and the session and a pending break going on over link B when link A goes down.
"""Run only by test_multichannel_netns.sh."""

import os
import select
import socket
import struct
import subprocess
import sys
import time

from impacket.smb3structs import (
    FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, SMB2_DIALECT_30, SMB2_OPLOCK_BREAK,
    SMB2_OPLOCK_LEVEL_BATCH, SMB2Create_Response, SMB2OplockBreakNotification, SMB2Packet,
)

from skifftest import (
    SigningSMB3, Server, bind_channel, check, close_fid, login, recv_frame, send_create, summary)

FSCTL_QUERY_NETWORK_INTERFACE_INFO = 0x001401FC
SMB2_0_IOCTL_IS_FSCTL = 1
RSS_CAPABLE, RDMA_CAPABLE = 0x1, 0x2
VETH_SPEED = 10_000_000_000          # what the kernel (ethtool) says of a veth: 10000 Mb/s
STATUS_SUCCESS = 0
UNSOLICITED = 0xFFFFFFFFFFFFFFFF
ALL_ACCESS = 0x001F01FF
SHARE_ALL = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE
E = os.environ


def server_at(addr):
    return Server(addr, int(E["SKIFF_TEST_PORT"]), E["SKIFF_TEST_USER"], E["SKIFF_TEST_PASS"],
                  E["SKIFF_TEST_SHARE"], None)


def interfaces(low, tid):
    """FSCTL_QUERY_NETWORK_INTERFACE_INFO decoded (MS-SMB2 2.2.32.5): a set of
    (address, IfIndex, LinkSpeed, Capability)."""
    buf = low.ioctl(tid, None, FSCTL_QUERY_NETWORK_INTERFACE_INFO, SMB2_0_IOCTL_IS_FSCTL,
                    maxOutputResponse=65536)
    out, off = set(), 0
    while buf:
        nxt, index, cap, _, speed = struct.unpack_from("<IIIIQ", buf, off)
        family = struct.unpack_from("<H", buf, off + 24)[0]
        if family == 0x0002:
            addr = socket.inet_ntop(socket.AF_INET, buf[off + 28:off + 32])
        elif family == 0x0017:
            addr = socket.inet_ntop(socket.AF_INET6, buf[off + 32:off + 48])
        else:
            addr = f"family {family:#x}"
        out.add((addr, index, speed, cap))
        if nxt == 0:
            break
        off += nxt
    return out


def batch_open(low, tid, name):
    rsp = low.recvSMB(send_create(low, tid, name, SMB2_OPLOCK_LEVEL_BATCH))
    if rsp["Status"] != STATUS_SUCCESS:
        return None
    r = SMB2Create_Response(rsp["Data"])
    return r["FileID"] if r["OplockLevel"] == SMB2_OPLOCK_LEVEL_BATCH else None


def next_break(channels, timeout):
    """The first OPLOCK_BREAK notification on any of channels {name: SMB3}: (name, notification,
    seconds waited), or (None, None, seconds) when none comes within `timeout`."""
    t0 = time.monotonic()
    socks = {low._NetBIOSSession.get_socket(): name for name, low in channels.items()}
    while time.monotonic() - t0 < timeout:
        ready, _, _ = select.select(list(socks), [], [], timeout - (time.monotonic() - t0))
        for s in ready:
            name = socks[s]
            frame = recv_frame(channels[name], 1)
            if frame is None:
                continue
            pkt = SMB2Packet(frame)
            if pkt["Command"] == SMB2_OPLOCK_BREAK and pkt["MessageID"] == UNSOLICITED:
                return name, SMB2OplockBreakNotification(pkt["Data"]), time.monotonic() - t0
    return None, None, time.monotonic() - t0


def main():
    a_srv, b_srv = server_at(E["MC_ADDR_A"]), server_at(E["MC_ADDR_B"])
    conn, a = login(SigningSMB3, a_srv, SMB2_DIALECT_30, 10)
    tid = conn.connectTree(a_srv.share)
    idx_a, idx_b = int(E["MC_IFINDEX_A"]), int(E["MC_IFINDEX_B"])

    got = interfaces(a, tid)
    want = {(E["MC_ADDR_A"], idx_a, VETH_SPEED, RSS_CAPABLE),
            (E["MC_ADDR6_A"], idx_a, VETH_SPEED, RSS_CAPABLE),
            (E["MC_ADDR_B"], idx_b, VETH_SPEED, 0),
            (E["MC_ADDR6_B"], idx_b, VETH_SPEED, 0)}
    check("interface info: both links' IPv4 and IPv6 addresses, their IfIndex, 10 Gb/s, RSS on "
          "link A (4 receive queues) only; no loopback, no link-local, no RDMA", got == want,
          f"got {sorted(got)}\n      want {sorted(want)}")

    b, st, sig_ok = bind_channel(a, b_srv.host, b_srv.port, b_srv.user, b_srv.password,
                                 client_class=SigningSMB3)
    check("a second channel binds over link B", st == STATUS_SUCCESS and sig_ok,
          f"status {st:#x}, response signature {'ok' if sig_ok else 'bad'}")
    if st != STATUS_SUCCESS:
        return summary()
    peer_b = b._NetBIOSSession.get_socket().getpeername()[0]
    check("... its TCP connection goes to address B", peer_b == E["MC_ADDR_B"], peer_b)

    fid = a.create(tid, "mc.dat", 0x0012019F, 7, 0x40, 5, 0)
    a.write(tid, fid, b"over link A", 0, 11)
    check("a write on channel A is read on channel B", b.read(tid, fid, 0, 11) == b"over link A")
    a.close(tid, fid)

    # A batch oplock held by the session; another client's open breaks it on a live channel.
    other_conn, other = login(SigningSMB3, a_srv, SMB2_DIALECT_30, 60)
    other_tid = other_conn.connectTree(a_srv.share)
    held = batch_open(a, tid, "mc.dat")
    check("the session holds a batch oplock", held is not None)
    mid = send_create(other, other_tid, "mc.dat", SMB2_OPLOCK_LEVEL_BATCH)
    chan, brk, waited = next_break({"A": a, "B": b}, 10)
    check("another client's open sends the break on one of the session's channels",
          brk is not None and held is not None and brk["FileID"].getData() == held.getData(),
          f"none within {waited:.1f} s" if brk is None else "another file id")
    print(f"      (break on channel {chan} after {waited:.2f} s)")
    if held is not None:
        close_fid(b, tid, held)   # answered from channel B by closing
    final = other.recvSMB(mid)
    check("... and once answered, the other client's open goes on",
          final["Status"] == STATUS_SUCCESS, f"status {final['Status']:#x}")
    if final["Status"] == STATUS_SUCCESS:
        close_fid(other, other_tid, SMB2Create_Response(final["Data"])["FileID"])
    other_conn.logoff()

    # Link A fails (its server end goes down): the session goes on over B, and a break the
    # server sends to A, which never acknowledges it, is sent again on B.
    held = batch_open(a, tid, "mc.dat")
    check("a batch oplock again, taken over A", held is not None)
    subprocess.run(["ip", "-n", E["MC_SRV_NS"], "link", "set", E["MC_SRV_LINK_A"], "down"],
                   check=True)
    other_conn, other = login(SigningSMB3, b_srv, SMB2_DIALECT_30, 60)
    other_tid = other_conn.connectTree(b_srv.share)
    t0 = time.monotonic()
    mid = send_create(other, other_tid, "mc.dat", SMB2_OPLOCK_LEVEL_BATCH)
    chan, brk, waited = next_break({"B": b}, 20)
    check("with link A down the break comes on channel B, well before the 35 s break timeout",
          brk is not None and held is not None and brk["FileID"].getData() == held.getData(),
          f"none within {waited:.1f} s")
    print(f"      (break on channel B after {waited:.2f} s)")
    if held is not None:
        close_fid(b, tid, held)
    final = other.recvSMB(mid)
    check("... answered on B, the other client's open goes on",
          final["Status"] == STATUS_SUCCESS, f"status {final['Status']:#x}")
    print(f"      (other client's CREATE answered after {time.monotonic() - t0:.2f} s)")
    if final["Status"] == STATUS_SUCCESS:
        close_fid(other, other_tid, SMB2Create_Response(final["Data"])["FileID"])
    other_conn.logoff()
    fid = b.create(tid, "mc.dat", 0x0012019F, 7, 0x40, 1, 0)
    check("the session reads over B what was written over A",
          b.read(tid, fid, 0, 11) == b"over link A")
    b.close(tid, fid)
    got = interfaces(b, tid)
    want = {(E["MC_ADDR_B"], idx_b, VETH_SPEED, 0), (E["MC_ADDR6_B"], idx_b, VETH_SPEED, 0)}
    check("interface info over B no longer offers link A", got == want, f"got {sorted(got)}")
    return summary()


sys.exit(main())
