# SPDX-License-Identifier: Apache-2.0
"""What the Python integration tests of tests/integration/ have in common: starting the server
through lib.sh when run by hand or by ctest, the server lib.sh describes in SKIFF_TEST_*,
the "ok"/"FAIL" check lines with their count and closing "N checks passed, N failed" line, and
impacket SMB3 clients kept from encrypting (an encrypted request carries no signature, and the
tests need to see or forge the requests). The scripts import it from their own directory, which
Python puts first on sys.path when it runs a script."""

import collections
import os
import socket
import subprocess
import sys

from impacket import smb3
from impacket.smb3structs import SMB2_CLOSE, SMB2Close, SMB2Packet
from impacket.smbconnection import SMBConnection

HERE = os.path.dirname(os.path.abspath(__file__))


def run_under_lib(script, env=None):
    """Run `script` (a test's __file__) through `bash lib.sh run`, which starts the server,
    exports SKIFF_TEST_* and stops the server afterwards; return the script's exit status."""
    return subprocess.call(["bash", os.path.join(HERE, "lib.sh"), "run", sys.executable,
                            os.path.abspath(script)], env=env)


Server = collections.namedtuple("Server", "host port user password share share_dir")


def server():
    """The server lib.sh started, from SKIFF_TEST_* (share_dir None if lib.sh gave none)."""
    e = os.environ
    return Server(e["SKIFF_TEST_HOST"], int(e["SKIFF_TEST_PORT"]), e["SKIFF_TEST_USER"],
                  e["SKIFF_TEST_PASS"], e["SKIFF_TEST_SHARE"], e.get("SKIFF_TEST_SHARE_DIR"))


passed = 0
failed = 0


def check(desc, ok, detail=""):
    """Count one check and print "ok    DESC" or "FAIL  DESC" (with DETAIL on the next line)."""
    global passed, failed
    if ok:
        passed += 1
        print(f"ok    {desc}", flush=True)
    else:
        failed += 1
        print(f"FAIL  {desc}" + (f"\n      {detail}" if detail else ""), flush=True)


def summary(need_a_pass=True):
    """Print the closing count line; return the exit status: 1 if a check failed or, with
    need_a_pass, if none passed (a test that checked nothing has not passed)."""
    print(f"{passed} checks passed, {failed} failed", flush=True)
    return 0 if failed == 0 and (passed > 0 or not need_a_pass) else 1


def proc_status_kib(pid, field):
    """A "kB" field of /proc/PID/status (VmRSS, VmHWM...), or None if it has none."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


class UnencryptedSMB3(smb3.SMB3):
    """impacket's SMB3 kept to signing: impacket would encrypt whenever a 3.x server offers it."""

    def negotiateSession(self, preferredDialect=None, negSessionResponse=None):
        super().negotiateSession(preferredDialect, negSessionResponse)
        self._Connection["SupportsEncryption"] = False


class SigningSMB3(UnencryptedSMB3):
    """... and with "client signing = required": announces SIGNING_REQUIRED and signs every
    request after login even when the server only has signing enabled.
    server_requires_signing keeps what the server said."""

    def negotiateSession(self, preferredDialect=None, negSessionResponse=None):
        self.RequireMessageSigning = True
        super().negotiateSession(preferredDialect, negSessionResponse)
        # Only the server's SecurityMode (or 3.1.1) sets this inside impacket.
        self.server_requires_signing = self._Connection["RequireSigning"]
        self._Connection["RequireSigning"] = True


def login(client_class, srv, dialect, timeout, user=None, password=None):
    """Connect with client_class (an impacket SMB3) at `dialect` and log on (as srv's user
    unless told); return (SMBConnection, the SMB3 object)."""
    low = client_class(srv.host, srv.host, sess_port=srv.port, timeout=timeout,
                       preferredDialect=dialect)
    conn = SMBConnection(existingConnection=low)
    conn.login(srv.user if user is None else user, srv.password if password is None else password)
    return conn, low


# ---- raw messages for the tests that drive oplocks and leases by hand ----

def recv_frame(low, timeout):
    """The next frame on the connection as raw bytes (no decryption), or None on timeout."""
    try:
        return low._NetBIOSSession.recv_packet(timeout).get_trailer()
    except (socket.timeout, TimeoutError):
        return None
    except Exception as e:  # impacket wraps the socket timeout in its own error
        if "timed out" in str(e).lower():
            return None
        raise


def recv_raw(low, timeout):
    """The next message on the connection as it comes (interims and breaks included), or None
    when nothing comes within `timeout` seconds."""
    frame = recv_frame(low, timeout)
    return None if frame is None else SMB2Packet(frame)


def close_fid(low, tid, fid):
    """CLOSE an open a test made by hand (impacket closes only those it knows of); the status."""
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_CLOSE
    pkt["TreeID"] = tid
    c = SMB2Close()
    c["FileID"] = fid
    pkt["Data"] = c
    return low.recvSMB(low.sendSMB(pkt))["Status"]
