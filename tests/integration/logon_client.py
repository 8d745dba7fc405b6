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
"""
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


def main():
    mode, host, port, user, password = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    t0 = time.monotonic()
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
