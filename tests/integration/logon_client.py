#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Logon timing client for test_logon_delay.sh (impacket, SMB 3.0, no retries of its own).

  logon_client.py attack HOST PORT USER PASSWORD CONNS ATTEMPTS
      CONNS threads, each making ATTEMPTS logons one after another (a new connection each),
      all with PASSWORD; prints one line per attempt: "<seconds since start> <status>", then
      "total <seconds>".
  logon_client.py logon HOST PORT USER PASSWORD [TIMEOUT]
      one logon; prints "<seconds> <status>" (status "success", the NTSTATUS in hex, or
      "error:NetBIOSTimeout" when no answer came within TIMEOUT seconds, default 600; the
      connection is then closed with its answer still due).
  logon_client.py pipeline HOST PORT COUNT
      raw SMB 2.0.2 on one connection: NEGOTIATE, then COUNT malformed SESSION_SETUPs sent
      together; prints "<seconds> <message id> <NTSTATUS>" per answer in arrival order.
"""
import socket
import struct
import sys
import threading
import time

from impacket.smb3structs import SMB2_DIALECT_30
from impacket.smbconnection import SMBConnection, SessionError


def logon(host, port, user, password, timeout=600):
    """One connection and SESSION_SETUP; returns its status as text."""
    try:
        conn = SMBConnection(host, host, sess_port=port, timeout=timeout, preferredDialect=SMB2_DIALECT_30)
    except Exception as e:  # noqa: BLE001 (report anything the transport raises)
        return "connect-error:%s" % type(e).__name__
    try:
        conn.login(user, password)
        return "success"
    except SessionError as e:
        return "0x%08x" % e.getErrorCode()
    except Exception as e:  # noqa: BLE001
        return "error:%s" % type(e).__name__
    finally:
        try:
            conn.close()
        except Exception:  # noqa: BLE001
            pass


def smb2_header(command, mid, credits=1):
    return (b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ", 64, 0, 0, command, credits, 0, 0, mid, 0, 0, 0)
            + b"\0" * 16)


def send_frame(sock, msg):
    sock.sendall(struct.pack(">I", len(msg)) + msg)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf


def recv_frame(sock):
    n = struct.unpack(">I", recv_exact(sock, 4))[0]
    return recv_exact(sock, n)


def pipeline(host, port, count, t0):
    sock = socket.create_connection((host, port), timeout=120)
    # NEGOTIATE, SMB 2.0.2 only, asking for enough credits to send every SESSION_SETUP at once
    neg = struct.pack("<HHHHI16sQH", 36, 1, 1, 0, 0, b"\x11" * 16, 0, 0x0202)
    send_frame(sock, smb2_header(0, 0, credits=count + 1) + neg)
    recv_frame(sock)
    # SESSION_SETUPs whose security buffer is neither SPNEGO nor NTLMSSP: each fails
    blob = b"\0" * 8
    for mid in range(1, count + 1):
        body = struct.pack("<HBBIIHHQ", 25, 0, 1, 0, 0, 64 + 24, len(blob), 0) + blob
        send_frame(sock, smb2_header(1, mid) + body)
    for _ in range(count):
        rsp = recv_frame(sock)
        status, = struct.unpack_from("<I", rsp, 8)
        mid, = struct.unpack_from("<Q", rsp, 24)
        print("%.3f %d 0x%08x" % (time.monotonic() - t0, mid, status), flush=True)
    sock.close()


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    user, password = (sys.argv[4], sys.argv[5]) if mode != "pipeline" else (None, None)
    t0 = time.monotonic()
    if mode == "pipeline":
        pipeline(host, port, int(sys.argv[4]), t0)
        return
    if mode == "logon":
        st = logon(host, port, user, password, float(sys.argv[6]) if len(sys.argv) > 6 else 600)
        print("%.3f %s" % (time.monotonic() - t0, st), flush=True)
        return
    conns, attempts = int(sys.argv[6]), int(sys.argv[7])
    lock = threading.Lock()

    def worker():
        for _ in range(attempts):
            st = logon(host, port, user, password)
            with lock:
                print("%.3f %s" % (time.monotonic() - t0, st), flush=True)

    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("total %.3f" % (time.monotonic() - t0), flush=True)


if __name__ == "__main__":
    main()
