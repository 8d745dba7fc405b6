#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The SMB2-command side of the resource bounds, driven by impacket with hand-built requests
# (impacket itself never asks for more than the server offers): run by test_resource_limits.sh,
# one scenario per invocation ("sizes", "compound", "wildcard", "opens", "emfile"); prints
# ok/FAIL lines and exits 1 if any check failed.
import os
import struct
import subprocess
import sys
import time

from impacket import smb3
from impacket.nt_errors import (STATUS_INSUFFICIENT_RESOURCES, STATUS_INVALID_PARAMETER,
                                STATUS_OBJECT_NAME_INVALID, STATUS_SUCCESS)
from impacket.smb3structs import (
    FILE_CREATE, FILE_DIRECTORY_FILE, FILE_LIST_DIRECTORY, FILE_NON_DIRECTORY_FILE, FILE_OPEN,
    FILE_READ_DATA, FILE_SHARE_READ, FILE_SHARE_WRITE, FILE_WRITE_DATA, FILE_ATTRIBUTE_NORMAL,
    SMB2_0_INFO_FILE, SMB2_DIALECT_002, SMB2_DIALECT_21, SMB2_ECHO, SMB2_IOCTL, SMB2Echo,
    SMB2_QUERY_DIRECTORY, SMB2_QUERY_INFO, SMB2_READ, SMB2_WRITE, SMB2Ioctl, SMB2Packet,
    SMB2QueryDirectory, SMB2QueryInfo, SMB2Read, SMB2Write)

import skifftest
from skifftest import check, login, proc_status_kib

SRV = skifftest.server()
SHARE, SHARE_DIR = SRV.share, SRV.share_dir
SERVER_PID = os.environ["SKIFF_SERVER_PID"]
USERS = {1: (SRV.user, SRV.password),
         2: (os.environ["LIMITS_USER2"], os.environ["LIMITS_PASS2"])}
FSCTL_GET_OBJECT_ID = 0x0009009C
FILE_STANDARD_INFORMATION = 5
FILE_NAMES_INFORMATION = 12
MIB = 1024 * 1024

def st_name(st):
    return "0x%08x" % st


def connect(dialect, user=1):
    conn, low = login(smb3.SMB3, SRV, dialect, 60, *USERS[user])   # encryption as offered
    return conn, low, low.connectTree(SHARE)


def send(low, tid, command, body, charge=1):
    """Send one request (message ids advance by its charge, which impacket does not do)."""
    p = SMB2Packet()
    p["Command"] = command
    p["TreeID"] = tid
    p["CreditCharge"] = charge
    p["Data"] = body
    mid = low.sendSMB(p)
    low._Connection["SequenceWindow"] += charge - 1
    return low.recvSMB(mid)


def read_req(fid, length):
    r = SMB2Read()
    r["Padding"] = 0x50
    r["FileID"] = fid
    r["Length"] = length
    r["Offset"] = 0
    return r


def open_file(low, tid, name, access=FILE_READ_DATA | FILE_WRITE_DATA, disposition=FILE_OPEN):
    return low.create(tid, name, access, FILE_SHARE_READ | FILE_SHARE_WRITE,
                      FILE_NON_DIRECTORY_FILE, disposition, FILE_ATTRIBUTE_NORMAL)


def status_of(fn):
    try:
        fn()
        return STATUS_SUCCESS
    except smb3.SessionError as e:
        return e.get_error_code()


def vm(field):
    return (proc_status_kib(SERVER_PID, field) or 0) * 1024


# ---------------------------------------------------------------------------------------------
def sizes():
    """2.0.2 announces 64 KiB for reads, writes and transacts: larger requests are refused with
    STATUS_INVALID_PARAMETER (MS-SMB2 3.3.5.12/13/15/18/20/21), exactly 64 KiB works."""
    _, low, tid = connect(SMB2_DIALECT_002)
    check("2.0.2: MaxReadSize 65536 announced", low._Connection["MaxReadSize"] == 65536)
    fid = open_file(low, tid, "big.bin")
    ans = send(low, tid, SMB2_READ, read_req(fid, 65536))
    check("2.0.2: a 64 KiB READ succeeds", ans["Status"] == STATUS_SUCCESS, st_name(ans["Status"]))
    for length in (65537, 8 * MIB):
        ans = send(low, tid, SMB2_READ, read_req(fid, length))
        check(f"2.0.2: a READ of {length} bytes is INVALID_PARAMETER",
              ans["Status"] == STATUS_INVALID_PARAMETER, st_name(ans["Status"]))
    w = SMB2Write()
    w["FileID"] = fid
    w["Offset"] = 0
    w["Buffer"] = b"w" * 65537
    w["Length"] = 65537
    ans = send(low, tid, SMB2_WRITE, w)
    check("2.0.2: a WRITE of 65537 bytes is INVALID_PARAMETER",
          ans["Status"] == STATUS_INVALID_PARAMETER, st_name(ans["Status"]))
    q = SMB2QueryInfo()
    q["InfoType"] = SMB2_0_INFO_FILE
    q["FileInfoClass"] = FILE_STANDARD_INFORMATION
    q["OutputBufferLength"] = 65537
    q["FileID"] = fid
    q["Buffer"] = b""
    ans = send(low, tid, SMB2_QUERY_INFO, q)
    check("2.0.2: QUERY_INFO with OutputBufferLength 65537 is INVALID_PARAMETER",
          ans["Status"] == STATUS_INVALID_PARAMETER, st_name(ans["Status"]))
    io = SMB2Ioctl()
    io["CtlCode"] = FSCTL_GET_OBJECT_ID
    io["FileID"] = fid
    io["MaxOutputResponse"] = 65537
    io["Flags"] = 1
    io["Buffer"] = b""
    ans = send(low, tid, SMB2_IOCTL, io)
    check("2.0.2: IOCTL with MaxOutputResponse 65537 is INVALID_PARAMETER",
          ans["Status"] == STATUS_INVALID_PARAMETER, st_name(ans["Status"]))
    low.close(tid, fid)
    dfid = low.create(tid, "", FILE_LIST_DIRECTORY, FILE_SHARE_READ | FILE_SHARE_WRITE,
                      FILE_DIRECTORY_FILE, FILE_OPEN, 0)
    qd = SMB2QueryDirectory()
    qd["FileInformationClass"] = FILE_NAMES_INFORMATION
    qd["FileID"] = dfid
    qd["OutputBufferLength"] = 65537
    qd["FileNameLength"] = 2
    qd["Buffer"] = "*".encode("utf-16le")
    ans = send(low, tid, SMB2_QUERY_DIRECTORY, qd)
    check("2.0.2: QUERY_DIRECTORY with OutputBufferLength 65537 is INVALID_PARAMETER",
          ans["Status"] == STATUS_INVALID_PARAMETER, st_name(ans["Status"]))
    low.close(tid, dfid)


def send_read_compound(low, reads):
    """Send READs (tree id, file id, length, credit charge) as one unrelated compound; returns
    the response frame and each answer's (status, body StructureSize)."""
    first = low._Connection["SequenceWindow"]
    chunks, mid = [], first
    for i, (tid, fid, length, charge) in enumerate(reads):
        p = SMB2Packet()
        p["Command"] = SMB2_READ
        p["TreeID"] = tid
        p["SessionID"] = low._Session["SessionID"]
        p["CreditCharge"] = charge
        p["CreditRequestResponse"] = charge
        p["MessageID"] = mid
        p["Data"] = read_req(fid, length)
        data = p.getData()
        if i < len(reads) - 1:
            data += b"\0" * ((8 - len(data) % 8) % 8)
            p["NextCommand"] = len(data)
            data = p.getData() + b"\0" * ((8 - len(p.getData()) % 8) % 8)
        chunks.append(data)
        mid += charge
    low._Connection["SequenceWindow"] = mid
    low._NetBIOSSession.send_packet(b"".join(chunks))
    frame = low._NetBIOSSession.recv_packet(120).get_trailer()
    answers, off = [], 0
    while True:
        status, nxt = struct.unpack_from("<L", frame, off + 8)[0], struct.unpack_from("<L", frame, off + 20)[0]
        answers.append((status, struct.unpack_from("<H", frame, off + 64)[0]))
        if not nxt or len(answers) > len(reads):
            break
        off += nxt
    return frame, answers


# ---------------------------------------------------------------------------------------------
def compound():
    """40 READs of 8 MiB in one compound (5120 credits, all granted): the first is answered,
    the others get STATUS_INSUFFICIENT_RESOURCES, and the server's memory stays bounded."""
    nreads, charge = 40, 128
    _, low, tid = connect(SMB2_DIALECT_21)
    fid = open_file(low, tid, "big.bin")
    for _ in range(60):   # each ECHO asks for 127 credits: collect what 40 x 128 needs
        ans = send(low, tid, SMB2_ECHO, SMB2Echo())
    rss_before = vm("VmRSS")
    hwm_before = vm("VmHWM")
    t0 = time.monotonic()
    frame, answers = send_read_compound(low, [(tid, fid, 8 * MIB, charge)] * nreads)
    elapsed = time.monotonic() - t0
    hwm_after = vm("VmHWM")
    statuses = [st for st, _ in answers]
    check("compound: one answer per READ", len(statuses) == nreads, f"{len(statuses)} answers")
    check("compound: the first 8 MiB READ is answered", statuses[:1] == [STATUS_SUCCESS],
          " ".join(map(st_name, statuses[:3])))
    check("compound: the other 39 get INSUFFICIENT_RESOURCES",
          statuses[1:] == [STATUS_INSUFFICIENT_RESOURCES] * (nreads - 1),
          " ".join(sorted(set(map(st_name, statuses[1:])))))
    check("compound: the response holds one READ's data", len(frame) < 8 * MIB + 64 * 1024,
          f"{len(frame)} bytes")
    grew = max(hwm_after - hwm_before, 0)
    print(f"      RSS {rss_before // MIB} MiB before, peak {hwm_before // MIB} -> "
          f"{hwm_after // MIB} MiB; answered in {elapsed:.2f} s", flush=True)
    check("compound: the server's peak RSS grew by less than 64 MiB", grew < 64 * MIB,
          f"grew {grew // MIB} MiB")
    ans = send(low, tid, SMB2_ECHO, SMB2Echo())
    check("compound: the connection still works", ans["Status"] == STATUS_SUCCESS)

    # A named pipe's READ past the budget is refused the same way: an error answer (body
    # StructureSize 9), not a READ body under an error status.
    ipc = low.connectTree("IPC$")
    pipe = low.create(ipc, "srvsvc", FILE_READ_DATA | FILE_WRITE_DATA,
                      FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_NON_DIRECTORY_FILE, FILE_OPEN,
                      FILE_ATTRIBUTE_NORMAL)
    _, answers = send_read_compound(low, [(tid, fid, 8 * MIB, charge), (ipc, pipe, 128 * 1024, 2)])
    check("compound: a pipe READ past the budget gets INSUFFICIENT_RESOURCES as an error answer",
          answers[1:] == [(STATUS_INSUFFICIENT_RESOURCES, 9)], repr(answers))
    ans = send(low, tid, SMB2_ECHO, SMB2Echo())
    check("compound: the connection still works after the pipe READ", ans["Status"] == STATUS_SUCCESS)


# ---------------------------------------------------------------------------------------------
def wildcard():
    """16,000 '<' over 40 long names took 30 s of CPU: a pattern beyond MAX_PATH is refused at
    once, and one at the bound is matched quickly."""
    names = [f"{i:02d}" + "x" * 200 + ".dat" for i in range(40)]
    os.makedirs(os.path.join(SHARE_DIR, "wild"), exist_ok=True)
    for n in names:
        open(os.path.join(SHARE_DIR, "wild", n), "w").close()
    _, low, tid = connect(SMB2_DIALECT_002)
    dfid = low.create(tid, "wild", FILE_LIST_DIRECTORY, FILE_SHARE_READ | FILE_SHARE_WRITE,
                      FILE_DIRECTORY_FILE, FILE_OPEN, 0)

    def query(pattern):
        qd = SMB2QueryDirectory()
        qd["FileInformationClass"] = FILE_NAMES_INFORMATION
        qd["Flags"] = 1   # SMB2_RESTART_SCANS
        qd["FileID"] = dfid
        qd["OutputBufferLength"] = 65536
        qd["FileNameLength"] = len(pattern) * 2
        qd["Buffer"] = pattern.encode("utf-16le")
        t0 = time.monotonic()
        ans = send(low, tid, SMB2_QUERY_DIRECTORY, qd)
        return ans, time.monotonic() - t0

    # A final character no name ends with leaves every '<' scanning to the end of the name.
    try:
        ans, took = query("<" * 15999 + "q")
        status = ans["Status"]
    except Exception as e:   # the old server: no answer within the client's 60 s
        status, took = f"no answer ({type(e).__name__})", 60
    check("wildcard: 15,999 '<' and a 'q' is OBJECT_NAME_INVALID",
          status == STATUS_OBJECT_NAME_INVALID, st_name(status) if isinstance(status, int) else status)
    check("wildcard: ... answered within 2 s", took < 2, f"{took:.1f} s")
    ans, took = query("<" * 259 + "t")
    check("wildcard: 259 '<' and a 't' (260 characters) lists the 40 names",
          ans["Status"] == STATUS_SUCCESS and ans["Data"].count(b"x\0" * 10) >= 40,
          st_name(ans["Status"]))
    check("wildcard: ... within 2 s", took < 2, f"{took:.1f} s")
    low.close(tid, dfid)


# ---------------------------------------------------------------------------------------------
def opens():
    """max open files = 15 per session, max open files per user = 20: past either a CREATE is
    INSUFFICIENT_RESOURCES and creates nothing, another user still opens, a close frees a slot."""
    _, low_a, tid_a = connect(SMB2_DIALECT_21)
    held_a = [open_file(low_a, tid_a, f"a{i}", disposition=FILE_CREATE) for i in range(15)]
    st = status_of(lambda: open_file(low_a, tid_a, "a15", disposition=FILE_CREATE))
    check("opens: the 16th open of a session is INSUFFICIENT_RESOURCES",
          st == STATUS_INSUFFICIENT_RESOURCES, st_name(st))
    check("opens: ... and created nothing", not os.path.exists(os.path.join(SHARE_DIR, "a15")))
    _, low_b, tid_b = connect(SMB2_DIALECT_21)
    held_b = [open_file(low_b, tid_b, f"b{i}", disposition=FILE_CREATE) for i in range(5)]
    st = status_of(lambda: open_file(low_b, tid_b, "b5", disposition=FILE_CREATE))
    check("opens: the user's 21st open (6th of a second session) is INSUFFICIENT_RESOURCES",
          st == STATUS_INSUFFICIENT_RESOURCES, st_name(st))
    _, low_2, tid_2 = connect(SMB2_DIALECT_21, user=2)
    st = status_of(lambda: low_2.close(tid_2, open_file(low_2, tid_2, "other", disposition=FILE_CREATE)))
    check("opens: another user still opens a file", st == STATUS_SUCCESS, st_name(st))
    low_b.close(tid_b, held_b.pop())
    st = status_of(lambda: held_b.append(open_file(low_b, tid_b, "b5", disposition=FILE_CREATE)))
    check("opens: after a close the user may open again", st == STATUS_SUCCESS, st_name(st))
    for fid in held_a:
        low_a.close(tid_a, fid)
    for fid in held_b:
        low_b.close(tid_b, fid)


# ---------------------------------------------------------------------------------------------
def emfile():
    """Out of descriptors (RLIMIT_NOFILE lowered under the running server): CREATE is
    INSUFFICIENT_RESOURCES, another user's open file still reads, and a close lets opens in."""
    _, low_2, tid_2 = connect(SMB2_DIALECT_21, user=2)
    fid_2 = open_file(low_2, tid_2, "big.bin")
    _, low, tid = connect(SMB2_DIALECT_21)
    nfds = len(os.listdir(f"/proc/{SERVER_PID}/fd"))
    old = subprocess.run(["prlimit", "--pid", SERVER_PID, "--nofile", "--raw", "--noheadings",
                          "--output=SOFT,HARD"], capture_output=True, text=True).stdout.split()
    subprocess.run(["prlimit", "--pid", SERVER_PID, f"--nofile={nfds + 4}:{old[1]}"], check=True)
    try:
        held, st = [], STATUS_SUCCESS
        for i in range(12):
            st = status_of(lambda: held.append(open_file(low, tid, f"e{i}", disposition=FILE_CREATE)))
            if st != STATUS_SUCCESS:
                break
        check("emfile: out of descriptors, CREATE is INSUFFICIENT_RESOURCES",
              st == STATUS_INSUFFICIENT_RESOURCES, f"{st_name(st)} after {len(held)} opens")
        ans = send(low_2, tid_2, SMB2_READ, read_req(fid_2, 4096))
        check("emfile: another user's open file still reads", ans["Status"] == STATUS_SUCCESS,
              st_name(ans["Status"]))
        for fid in held:
            low.close(tid, fid)
        st = status_of(lambda: low_2.close(tid_2, open_file(low_2, tid_2, "big.bin")))
        check("emfile: once descriptors are free the other user opens again", st == STATUS_SUCCESS,
              st_name(st))
    finally:
        subprocess.run(["prlimit", "--pid", SERVER_PID, f"--nofile={old[0]}:{old[1]}"], check=True)


if __name__ == "__main__":
    {"sizes": sizes, "compound": compound, "wildcard": wildcard, "opens": opens,
     "emfile": emfile}[sys.argv[1]]()
    sys.exit(1 if skifftest.failed else 0)
