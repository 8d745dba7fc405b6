#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# A session's requests on two channels run side by side (issue 13, docs/ARCHITECTURE.md
# "Sessions and channels"): one session (SMB 3.0, signed) bound to a second connection
# (MS-SMB2 3.3.5.5.2, SMB2_SESSION_FLAG_BINDING); a READ on the first channel is made slow
# (strace injects a delay into skiffd's pread64), and a CREATE, an ECHO and a CLOSE of the same
# session on the second channel are answered while that READ is still reading, where they used to
# wait for it behind the session's lock. The READ then answers with the file's bytes; a CLOSE of
# the file being read, on the other channel, answers after the READ, which still reads the bytes.
"""Run as a ctest integration test, or by hand: tests/integration/test_multichannel_overlap.py"""

import os
import shutil
import signal
import subprocess
import sys
import time

from skifftest import run_under_lib

if "SKIFF_TEST_PORT" not in os.environ:
    sys.exit(run_under_lib(__file__))

from impacket.smb3structs import (  # noqa: E402
    FILE_CREATE, FILE_DIRECTORY_FILE, FILE_NON_DIRECTORY_FILE, FILE_OPEN, FILE_OPEN_IF,
    FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, SMB2_0_INFO_FILE, SMB2_DIALECT_30,
    SMB2_ECHO, SMB2_FLAGS_SIGNED, SMB2_READ, SMB2_SET_INFO, SMB2_TREE_DISCONNECT,
    SMB2Create_Response, SMB2Echo, SMB2Read, SMB2Read_Response,
    SMB2SetInfo, SMB2TreeDisconnect,
)

from skifftest import (  # noqa: E402
    SigningSMB3, bind_channel, check, create_packet, close_fid, login, recv_raw, server, summary)

STATUS_SUCCESS = 0
STATUS_PENDING = 0x00000103
STATUS_FILE_CLOSED = 0xC0000128
STATUS_NETWORK_NAME_DELETED = 0xC00000C9
FILE_END_OF_FILE_INFORMATION = 20
GENERIC_READ_ACCESS = 0x00120089    # FILE_GENERIC_READ
READ_WRITE_ACCESS = 0x0012019F      # FILE_GENERIC_READ | FILE_GENERIC_WRITE
SHARE_ALL = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE
DELAY_S = 3.0           # each pread64 of skiffd's takes this long while strace is attached
QUICK_S = 1.0           # what "answered meanwhile" means: well inside the READ's delay
DATA = bytes(range(256)) * 16


def send_signed(low, pkt):
    """Send `pkt` on `low` signed with its current signing key whatever impacket would do; its
    message id."""
    pkt["MessageID"] = low._Connection["SequenceWindow"]
    low._Connection["SequenceWindow"] += 1
    pkt["SessionID"] = low._Session["SessionID"]
    pkt["CreditCharge"] = 1
    pkt["CreditRequestResponse"] = 127
    pkt["Flags"] = SMB2_FLAGS_SIGNED
    low.signSMB(pkt)
    low._NetBIOSSession.send_packet(pkt.getData())
    return pkt["MessageID"]


def bind(first, srv):
    """A second connection bound to `first`'s session (MS-SMB2 3.2.4.1.7 / 3.3.5.5.2), as the
    same client (its ClientGuid): skifftest.bind_channel."""
    low, st, _ = bind_channel(first, srv.host, srv.port, srv.user, srv.password,
                              dialect=SMB2_DIALECT_30, client_class=SigningSMB3, timeout=30)
    return (low, st) if st == STATUS_SUCCESS else (None, st)


def send_create(low, tid, name, disposition, access, options=FILE_NON_DIRECTORY_FILE):
    return send_signed(low, create_packet(low, tid, name, access=access, disposition=disposition,
                                          options=options))


def send_read(low, tid, fid, length):
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_READ
    pkt["TreeID"] = tid
    req = SMB2Read()
    req["FileID"] = fid
    req["Length"] = length
    req["Offset"] = 0
    pkt["Data"] = req
    return send_signed(low, pkt)


def send_echo(low):
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_ECHO
    pkt["Data"] = SMB2Echo()
    return send_signed(low, pkt)


def send_set_eof(low, tid, fid, size):
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_SET_INFO
    pkt["TreeID"] = tid
    req = SMB2SetInfo()
    req["InfoType"] = SMB2_0_INFO_FILE
    req["FileInfoClass"] = FILE_END_OF_FILE_INFORMATION
    req["BufferLength"] = 8
    req["FileID"] = fid
    req["Buffer"] = size.to_bytes(8, "little")
    pkt["Data"] = req
    return send_signed(low, pkt)


def slow_set_info(pid, first, second, tid):
    """A SET_INFO (end of file) on the first channel is slow (its ftruncate): a CREATE of the
    session on the second channel is answered meanwhile."""
    rsp = first.recvSMB(send_create(first, tid, "eof.bin", FILE_OPEN_IF, READ_WRITE_ACCESS))
    check("CREATE of a file to resize", rsp["Status"] == STATUS_SUCCESS,
          f"status {rsp['Status']:#x}")
    if rsp["Status"] != STATUS_SUCCESS:
        return
    fid = SMB2Create_Response(rsp["Data"])["FileID"].getData()
    other = None
    tracer = slow_down(pid, "ftruncate")
    try:
        t0 = time.monotonic()
        send_set_eof(first, tid, fid, 4096)
        time.sleep(0.3)   # the SET_INFO is in its ftruncate now
        rsp, took = timed_answer(second, lambda: send_create(
            second, tid, "other3.txt", FILE_OPEN_IF, READ_WRITE_ACCESS))
        ok = rsp is not None and rsp["Status"] == STATUS_SUCCESS
        check(f"a CREATE on the other channel is answered during a slow SET_INFO ({took:.2f} s)",
              ok and took < QUICK_S, f"status {None if rsp is None else hex(rsp['Status'])}")
        other = SMB2Create_Response(rsp["Data"])["FileID"].getData() if ok else None
        rsp = answer(first, DELAY_S * 3)
        took = time.monotonic() - t0
        check(f"the SET_INFO answers after its delay ({took:.2f} s)",
              rsp is not None and rsp["Status"] == STATUS_SUCCESS and took >= DELAY_S * 0.9,
              f"status {None if rsp is None else hex(rsp['Status'])}")
    finally:
        untrace(pid, tracer)
    check("and the file has its new size",
          os.path.getsize(os.path.join(server().share_dir, "eof.bin")) == 4096)
    close_fid(first, tid, fid)
    if other is not None:
        close_fid(second, tid, other)


def send_tree_disconnect(low, tid):
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_TREE_DISCONNECT
    pkt["TreeID"] = tid
    pkt["Data"] = SMB2TreeDisconnect()
    return send_signed(low, pkt)


def answer(low, timeout):
    """The next answer on the connection that is not an interim one, or None."""
    while True:
        rsp = recv_raw(low, timeout)
        if rsp is None or rsp["Status"] != STATUS_PENDING:
            return rsp


def timed_answer(low, send):
    """Send with `send` and wait for the answer on `low`: (answer or None, seconds it took)."""
    t = time.monotonic()
    send()
    rsp = answer(low, DELAY_S * 3)
    return rsp, time.monotonic() - t


def all_threads_traced(pid):
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                if any(line.startswith("TracerPid:\t0") for line in f):
                    return False
        except FileNotFoundError:
            pass
    return True


def slow_down(pid, syscall):
    """strace attached to every thread of skiffd, delaying each `syscall` by DELAY_S."""
    tracer = subprocess.Popen(
        ["strace", "-f", "-qq", "--seccomp-bpf", "-e", f"trace={syscall}", "-e",
         f"inject={syscall}:delay_enter={int(DELAY_S * 1000000)}", "-o", "/dev/null",
         "-p", str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while not all_threads_traced(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    check(f"strace holds every thread of skiffd ({syscall} slowed down)", all_threads_traced(pid))
    return tracer


def untrace(pid, tracer):
    tracer.send_signal(signal.SIGINT)   # detaches; skiffd goes on untraced
    try:
        tracer.wait(10)
    except subprocess.TimeoutExpired:
        tracer.kill()
        tracer.wait()
    check("skiffd is untraced again", not all_threads_traced(pid))


def slow_creates(pid, first, second, tid):
    """A CREATE of a directory on the first channel is slow (its mkdirat): the session's
    CREATE and ECHO on the second channel are answered meanwhile; then a TREE_DISCONNECT there,
    and the slow CREATE, its tree gone, answers STATUS_NETWORK_NAME_DELETED."""
    tracer = slow_down(pid, "mkdirat")
    try:
        t0 = time.monotonic()
        send_create(first, tid, "slowdir", FILE_CREATE, GENERIC_READ_ACCESS, FILE_DIRECTORY_FILE)
        time.sleep(0.3)   # the CREATE is in its mkdirat now

        rsp, took = timed_answer(second, lambda: send_create(
            second, tid, "other2.txt", FILE_OPEN_IF, READ_WRITE_ACCESS))
        ok = rsp is not None and rsp["Status"] == STATUS_SUCCESS
        check(f"a CREATE on the other channel is answered during a slow CREATE ({took:.2f} s)",
              ok and took < QUICK_S, f"status {None if rsp is None else hex(rsp['Status'])}")
        other = SMB2Create_Response(rsp["Data"])["FileID"].getData() if ok else None
        rsp, took = timed_answer(second, lambda: send_echo(second))
        check(f"and an ECHO ({took:.2f} s)",
              rsp is not None and rsp["Status"] == STATUS_SUCCESS and took < QUICK_S)

        rsp = answer(first, DELAY_S * 3)
        took = time.monotonic() - t0
        ok = rsp is not None and rsp["Status"] == STATUS_SUCCESS
        check(f"the slow CREATE makes its directory after its delay ({took:.2f} s)",
              ok and took >= DELAY_S * 0.9, f"status {None if rsp is None else hex(rsp['Status'])}")
        if ok:
            close_fid(first, tid, SMB2Create_Response(rsp["Data"])["FileID"].getData())
        if other is not None:
            close_fid(second, tid, other)

        # The tree goes while a CREATE in it is slow: the TREE_DISCONNECT does not wait for it,
        # and the CREATE, back from the file system, finds its tree gone.
        send_create(first, tid, "slowdir2", FILE_CREATE, GENERIC_READ_ACCESS, FILE_DIRECTORY_FILE)
        time.sleep(0.3)
        rsp, took = timed_answer(second, lambda: send_tree_disconnect(second, tid))
        check(f"a TREE_DISCONNECT on the other channel is answered during it ({took:.2f} s)",
              rsp is not None and rsp["Status"] == STATUS_SUCCESS and took < QUICK_S,
              f"status {None if rsp is None else hex(rsp['Status'])}")
        rsp = answer(first, DELAY_S * 3)
        check("the CREATE whose tree went meanwhile gets STATUS_NETWORK_NAME_DELETED",
              rsp is not None and rsp["Status"] == STATUS_NETWORK_NAME_DELETED,
              f"status {None if rsp is None else hex(rsp['Status'])}")
        rsp = first.recvSMB(send_create(first, tid, "other2.txt", FILE_OPEN, GENERIC_READ_ACCESS))
        check("and the tree is gone on both channels",
              rsp["Status"] == STATUS_NETWORK_NAME_DELETED, f"status {rsp['Status']:#x}")
    finally:
        untrace(pid, tracer)


def main():
    srv = server()
    pid = int(os.environ["SKIFF_SERVER_PID"])
    if shutil.which("strace") is None:
        check("strace is installed (scripts/install-deps.sh)", False)
        return summary()
    path = os.path.join(srv.share_dir, "slow.bin")
    with open(path, "wb") as f:
        f.write(DATA)
    os.chmod(path, 0o666)

    conn, first = login(SigningSMB3, srv, SMB2_DIALECT_30, 30)
    tid = conn.connectTree(srv.share)
    second, st = bind(first, srv)
    check("a second connection binds the session", second is not None, f"status {st:#x}")
    if second is None:
        return summary()
    # the bound channel works: an ECHO of the session there is answered and signed
    rsp = second.recvSMB(send_echo(second))
    check("the bound channel runs the session's requests", rsp["Status"] == STATUS_SUCCESS,
          f"status {rsp['Status']:#x}")

    rsp = first.recvSMB(send_create(first, tid, "slow.bin", FILE_OPEN, GENERIC_READ_ACCESS))
    check("CREATE of the file to read", rsp["Status"] == STATUS_SUCCESS, f"status {rsp['Status']:#x}")
    if rsp["Status"] != STATUS_SUCCESS:
        return summary()
    fid = SMB2Create_Response(rsp["Data"])["FileID"].getData()

    tracer = slow_down(pid, "pread64")
    try:

        t0 = time.monotonic()
        send_read(first, tid, fid, len(DATA))
        time.sleep(0.3)   # the READ is in its pread64 now

        rsp, took = timed_answer(second, lambda: send_create(
            second, tid, "other.txt", FILE_OPEN_IF, READ_WRITE_ACCESS))
        ok = rsp is not None and rsp["Status"] == STATUS_SUCCESS
        check(f"a CREATE on the other channel is answered during the READ ({took:.2f} s)",
              ok and took < QUICK_S, f"status {None if rsp is None else hex(rsp['Status'])}")
        other = SMB2Create_Response(rsp["Data"])["FileID"].getData() if ok else None

        rsp, took = timed_answer(second, lambda: send_echo(second))
        check(f"an ECHO of the session on the other channel too ({took:.2f} s)",
              rsp is not None and rsp["Status"] == STATUS_SUCCESS and took < QUICK_S)

        if other is not None:
            t = time.monotonic()
            st = close_fid(second, tid, other)
            took = time.monotonic() - t
            check(f"and a CLOSE of another file ({took:.2f} s)",
                  st == STATUS_SUCCESS and took < QUICK_S, f"status {st:#x}")

        rsp = answer(first, DELAY_S * 3)
        took = time.monotonic() - t0
        data = SMB2Read_Response(rsp["Data"])["Buffer"] if rsp is not None and \
            rsp["Status"] == STATUS_SUCCESS else None
        check(f"the READ answers with the file's bytes after its delay ({took:.2f} s)",
              data == DATA and took >= DELAY_S * 0.9,
              f"status {None if rsp is None else hex(rsp['Status'])}")

        # A CLOSE of the very file on the other channel, while a READ of it is reading: the
        # READ finishes with the bytes, then the CLOSE answers; the handle is gone after.
        send_read(first, tid, fid, len(DATA))
        time.sleep(0.3)
        t = time.monotonic()
        closed_st = close_fid(second, tid, fid)
        took = time.monotonic() - t
        rsp = answer(first, DELAY_S * 3)
        data = SMB2Read_Response(rsp["Data"])["Buffer"] if rsp is not None and \
            rsp["Status"] == STATUS_SUCCESS else None
        check("a READ that a CLOSE on the other channel races still reads the file's bytes",
              data == DATA, f"status {None if rsp is None else hex(rsp['Status'])}")
        check(f"and the CLOSE answers once the READ is done ({took:.2f} s)",
              closed_st == STATUS_SUCCESS and took >= DELAY_S * 0.5, f"status {closed_st:#x}")
        rsp = first.recvSMB(send_read(first, tid, fid, 16))
        check("a READ of the closed handle gets STATUS_FILE_CLOSED",
              rsp["Status"] == STATUS_FILE_CLOSED, f"status {rsp['Status']:#x}")
        fid = None
    finally:
        untrace(pid, tracer)
    if fid is not None:
        close_fid(first, tid, fid)
    slow_set_info(pid, first, second, tid)
    slow_creates(pid, first, second, tid)
    conn.logoff()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
