#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# impacket client against the server for SMB 2.0.2, 2.1, 3.0 and 3.0.2 with signing: login,
# write/read/list, and that unsigned or wrongly signed requests are refused without effect.
# (impacket 0.10 derives 3.1.1 keys wrongly, so 3.1.1 is covered by smbclient/smbtorture.)
"""Run as a ctest integration test, or by hand:
    tests/integration/test_impacket.py                       (against build/skiffd)
    SKIFF_TEST_TARGET=samba tests/integration/test_impacket.py   (against the reference Samba)
With no SKIFF_TEST_PORT in the environment it starts the server itself, twice, through
tests/integration/lib.sh: once with "server signing = mandatory" and once with the server on
"auto" and only the client requiring signing (MS-SMB2 3.3.5.5.3: the session must then be
signed all the same)."""

import os
import sys

from skifftest import run_under_lib

if "SKIFF_TEST_PORT" not in os.environ:
    status = 0
    for mode in ("mandatory", "auto"):
        print(f"##### server signing = {mode}", flush=True)
        env = dict(os.environ, SKIFF_TEST_SIGNING=mode)
        rc = run_under_lib(__file__, env)
        status = status or rc
    sys.exit(1 if status else 0)

import socket  # noqa: E402  (only needed once a server runs)

from impacket import nmb, smb3  # noqa: E402
from impacket.nt_errors import STATUS_ACCESS_DENIED  # noqa: E402
from impacket.smb3structs import (  # noqa: E402
    FILE_ATTRIBUTE_NORMAL, FILE_CREATE, FILE_NON_DIRECTORY_FILE, FILE_OPEN,
    FILE_READ_DATA, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, FILE_WRITE_DATA,
    DELETE, FILE_RENAME_INFORMATION_TYPE_2, SMB2_0_INFO_FILE, SMB2_DIALECT_002, SMB2_DIALECT_21,
    SMB2_DIALECT_30, SMB2_DIALECT_302, SMB2_FILE_RENAME_INFO, SYNCHRONIZE)
from impacket.smbconnection import SMBConnection, SessionError  # noqa: E402

from skifftest import SigningSMB3, check, login, server, summary  # noqa: E402

SRV = server()
HOST, PORT, USER, PASS, SHARE, SHARE_DIR = SRV
SERVER_MANDATORY = os.environ.get("SKIFF_TEST_SIGNING") == "mandatory"

DIALECTS = [("2.0.2", SMB2_DIALECT_002), ("2.1", SMB2_DIALECT_21),
            ("3.0", SMB2_DIALECT_30), ("3.0.2", SMB2_DIALECT_302)]

def connect(dialect):
    """A session of SigningSMB3 ("client signing = required", no encryption) as the test user."""
    return login(SigningSMB3, SRV, dialect, timeout=10)


def outcome(fn):
    """Run one request; describe how the server answered it."""
    try:
        fn()
        return "success"
    except SessionError as e:
        return "status 0x%08x" % e.getErrorCode()
    except smb3.SessionError as e:
        return "status 0x%08x" % e.get_error_code()
    except nmb.NetBIOSTimeout:
        return "no answer (timeout)"
    except (nmb.NetBIOSError, OSError, socket.error):
        return "connection closed"


def refused(result):
    # MS-SMB2 3.3.5.2.4: fail with STATUS_ACCESS_DENIED; Windows may also drop the connection.
    return result in ("status 0x%08x" % STATUS_ACCESS_DENIED, "connection closed")


def unsigned(low, fn):
    """Send fn's requests without SMB2_FLAGS_SIGNED and without a signature."""
    low._Session["SigningActivated"] = False
    try:
        return outcome(fn)
    finally:
        low._Session["SigningActivated"] = True


def badly_signed(low, fn):
    """Send fn's requests flagged as signed but with a random signature."""
    low.signSMB = lambda packet: packet.__setitem__("Signature", os.urandom(16))
    try:
        return outcome(fn)
    finally:
        del low.signSMB


def remote_names(conn):
    return {f.get_longname() for f in conn.listPath(SHARE, "*")}


def read_all(conn, name):
    chunks = []
    conn.getFile(SHARE, name, chunks.append)
    return b"".join(chunks)


def put(conn, name, data):
    tid = conn.connectTree(SHARE)
    fid = conn.createFile(tid, name)
    conn.writeFile(tid, fid, data)
    conn.closeFile(tid, fid)
    conn.disconnectTree(tid)


def rename_blob(new_name):
    req = FILE_RENAME_INFORMATION_TYPE_2()
    req["ReplaceIfExists"] = 0
    req["RootDirectory"] = b"\x00" * 8
    req["FileNameLength"] = len(new_name) * 2
    req["FileName"] = new_name.encode("utf-16le")
    return req.getData()


def on_disk(name):
    return os.path.join(SHARE_DIR, name)


def scenario(label, what, fn):
    """Run one scenario; an exception is a failure of that scenario only."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001  (report and go on with the next scenario)
        # impacket's SessionError has no repr of its own: name the status
        detail = repr(e)
        if isinstance(e, SessionError):
            detail = "SessionError: status 0x%08x %s" % (e.getErrorCode(), e.getErrorString())
        check(f"{label}: {what}: no unexpected error", False, detail)


def open_handle(conn, name, access):
    tid = conn.connectTree(SHARE)
    fid = conn.createFile(tid, name, desiredAccess=access | SYNCHRONIZE,
                          shareMode=FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                          creationOption=FILE_NON_DIRECTORY_FILE, creationDisposition=FILE_OPEN,
                          fileAttributes=FILE_ATTRIBUTE_NORMAL)
    return tid, fid


def test_dialect(label, dialect):
    tag = label.replace(".", "")
    name = f"imp_{tag}.bin"
    data = os.urandom(3 * 1024 * 1024 + 17)
    print(f"=== SMB {label}", flush=True)

    def basics():
        conn, low = connect(dialect)
        check(f"{label}: login", True)
        check(f"{label}: negotiated dialect {label}", conn.getDialect() == dialect,
              "got 0x%04x" % conn.getDialect())
        if SERVER_MANDATORY:
            check(f"{label}: server requires signing in NEGOTIATE", low.server_requires_signing)
        check(f"{label}: session is signed", low._Session["SigningActivated"] is True
              and len(low._Session["SessionKey"]) == 16)
        check(f"{label}: session is not encrypted", not (low._Session["SessionFlags"] & 0x0004))
        # Write, read back, list: through the protocol and on the disk.
        put(conn, name, data)
        check(f"{label}: read back equals written ({len(data)} bytes)", read_all(conn, name) == data)
        with open(on_disk(name), "rb") as f:
            check(f"{label}: share file on disk equals written", f.read() == data)
        entries = {f.get_longname(): f.get_filesize() for f in conn.listPath(SHARE, "*")}
        check(f"{label}: listing shows {name} with its size", entries.get(name) == len(data),
              f"listing: {sorted(entries)}")
        conn.logoff()

    def verify_absent(what, victim):
        conn, _ = connect(dialect)
        check(f"{label}: {what}: {victim} not created (listing)", victim not in remote_names(conn))
        check(f"{label}: {what}: {victim} not created (disk)", not os.path.exists(on_disk(victim)))
        conn.logoff()

    def verify_unchanged(what):
        conn, _ = connect(dialect)
        check(f"{label}: {what}: {name} content unchanged", read_all(conn, name) == data)
        conn.logoff()

    def create_refused(what, send):
        victim = f"{what.split()[0]}_create_{tag}.txt"
        conn, low = connect(dialect)
        tid = conn.connectTree(SHARE)
        res = send(low, lambda: conn.createFile(tid, victim, creationDisposition=FILE_CREATE))
        check(f"{label}: {what} CREATE refused", refused(res), res)
        conn.close()
        verify_absent(f"{what} CREATE", victim)

    def write_refused(what, send):
        conn, low = connect(dialect)
        tid, fid = open_handle(conn, name, FILE_READ_DATA | FILE_WRITE_DATA)
        res = send(low, lambda: conn.writeFile(tid, fid, b"REFUSED WRITE", 0))
        check(f"{label}: {what} WRITE refused", refused(res), res)
        conn.close()
        verify_unchanged(f"{what} WRITE")

    def rename_refused(what, send):
        renamed = f"{what.split()[0]}_renamed_{tag}.bin"
        conn, low = connect(dialect)
        tid, fid = open_handle(conn, name, DELETE)
        res = send(low, lambda: low.setInfo(tid, fid, rename_blob(renamed), SMB2_0_INFO_FILE,
                                            SMB2_FILE_RENAME_INFO))
        check(f"{label}: {what} SET_INFO rename refused", refused(res), res)
        conn.close()
        verify_absent(f"{what} rename", renamed)
        conn, _ = connect(dialect)
        check(f"{label}: {what} rename: {name} still listed", name in remote_names(conn))
        conn.logoff()

    def cleanup():
        conn, _ = connect(dialect)
        conn.deleteFile(SHARE, name)
        check(f"{label}: delete removes {name}", name not in remote_names(conn))
        conn.logoff()

    def bad_password():
        low = SigningSMB3(HOST, HOST, sess_port=PORT, timeout=10, preferredDialect=dialect)
        conn = SMBConnection(existingConnection=low)
        res = outcome(lambda: conn.login(USER, "not-" + PASS))
        check(f"{label}: bad password refused with STATUS_LOGON_FAILURE", res == "status 0xc000006d", res)
        conn.close()

    scenario(label, "login/write/read/list", basics)
    for what, send in (("unsigned", unsigned), ("badsig", badly_signed)):
        scenario(label, f"{what} CREATE", lambda: create_refused(what, send))
        scenario(label, f"{what} WRITE", lambda: write_refused(what, send))
        scenario(label, f"{what} rename", lambda: rename_refused(what, send))
    scenario(label, "delete", cleanup)
    scenario(label, "bad password", bad_password)


def main():
    for label, dialect in DIALECTS:
        test_dialect(label, dialect)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
