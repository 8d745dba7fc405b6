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

from impacket import crypto, ntlm, smb3
from impacket.smb3structs import (
    FILE_ATTRIBUTE_NORMAL, FILE_NON_DIRECTORY_FILE, FILE_OPEN_IF, FILE_SHARE_DELETE,
    FILE_SHARE_READ, FILE_SHARE_WRITE, SMB2_CLOSE, SMB2_CREATE, SMB2_FLAGS_SIGNED,
    SMB2_NEGOTIATE_SIGNING_REQUIRED, SMB2_SESSION_SETUP, SMB2Close, SMB2Create, SMB2Packet,
    SMB2SessionSetup, SMB2SessionSetup_Response,
)
from impacket.spnego import SPNEGO_NegTokenInit, SPNEGO_NegTokenResp, TypesMech
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


# ---- CREATE by hand (impacket's create() sends no lease, durable or other contexts) ----

ALL_ACCESS = 0x001F01FF             # FILE_ALL_ACCESS
SHARE_ALL = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE
SMB2_HDR = 64


def create_packet(low, tid, name, oplock=0, access=ALL_ACCESS, share=SHARE_ALL,
                  disposition=FILE_OPEN_IF, options=FILE_NON_DIRECTORY_FILE,
                  attributes=FILE_ATTRIBUTE_NORMAL, contexts=b""):
    """A CREATE request for `low` on tree `tid`, its create contexts (already encoded, chained)
    8-byte aligned after the name as MS-SMB2 2.2.13 wants; the caller sends it."""
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_CREATE
    pkt["TreeID"] = tid
    req = SMB2Create()
    req["RequestedOplockLevel"] = oplock
    req["ImpersonationLevel"] = 2
    req["DesiredAccess"] = access
    req["FileAttributes"] = attributes
    req["ShareAccess"] = share
    req["CreateDisposition"] = disposition
    req["CreateOptions"] = options
    req["NameLength"] = len(name) * 2
    buf = name.encode("utf-16le")
    req["CreateContextsOffset"] = req["CreateContextsLength"] = 0
    if contexts:
        buf += bytes(-(SMB2_HDR + SMB2Create.SIZE + len(buf)) % 8)
        req["CreateContextsOffset"] = SMB2_HDR + SMB2Create.SIZE + len(buf)
        req["CreateContextsLength"] = len(contexts)
        buf += contexts
    req["Buffer"] = buf
    pkt["Data"] = req
    return pkt


def send_create(low, tid, name, oplock=0, **kw):
    """Send create_packet(...) with impacket's signing; its message id (the answer is read
    apart, so that a test can wait for a break meanwhile)."""
    return low.sendSMB(create_packet(low, tid, name, oplock, **kw))


def send_close(low, tid, fid):
    """Send a CLOSE of an open a test made by hand; its message id (the answer read apart)."""
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_CLOSE
    pkt["TreeID"] = tid
    c = SMB2Close()
    c["FileID"] = fid
    pkt["Data"] = c
    return low.sendSMB(pkt)


def close_fid(low, tid, fid):
    """CLOSE an open a test made by hand (impacket closes only those it knows of); the status."""
    return low.recvSMB(send_close(low, tid, fid))["Status"]


# ---- a second channel of a session (multichannel), driven by hand ----

STATUS_MORE_PROCESSING_REQUIRED = 0xC0000016
SMB2_SESSION_FLAG_BINDING = 0x01


def with_client_guid(client_class, guid):
    """client_class announcing ClientGuid `guid` (16 characters) in its NEGOTIATE."""
    class WithGuid(client_class):
        def negotiateSession(self, preferredDialect=None, negSessionResponse=None):
            self.ClientGuid = guid
            super().negotiateSession(preferredDialect, negSessionResponse)
    return WithGuid


def cmac_signature(key, packet):
    """The AES-CMAC signature (3.0, 3.0.2) of an SMB2Packet, its Signature field taken as zero."""
    packet["Signature"] = b"\0" * 16
    data = packet.getData()
    return crypto.AES_CMAC(key, data, len(data))


def send_signed(low, packet, session_id, key):
    """Send `packet` on low's connection for session_id, signed with `key` (unsigned if None),
    as impacket would not: it signs only with its own session's key. The message id."""
    packet["MessageID"] = low._Connection["SequenceWindow"]
    low._Connection["SequenceWindow"] += 1
    packet["SessionID"] = session_id
    packet["CreditCharge"] = 1
    packet["CreditRequestResponse"] = 127
    packet["Flags"] = SMB2_FLAGS_SIGNED if key else 0
    packet["Signature"] = cmac_signature(key, packet) if key else b"\0" * 16
    low._NetBIOSSession.send_packet(packet.getData())
    return packet["MessageID"]


def bind_channel(primary, host, port, user, password, guid=None, dialect=None, signed=True,
                 client_class=UnencryptedSMB3, timeout=10, sign_key=None):
    """Connect to host:port and bind the connection to `primary`'s session (an impacket SMB3
    logged on at 3.0 or 3.0.2 with signing) as a new channel, the way MS-SMB2 3.2.4.1.7 has a
    client do it: SESSION_SETUP with SMB2_SESSION_FLAG_BINDING and the session's id, signed with
    Session.SigningKey, and NTLM again as the session's user. The connection announces
    primary's ClientGuid unless told another. Returns (SMB3 object, status, response signature
    checked): on success the object sends on the session with its own Channel.SigningKey and
    shares primary's tree and open tables, so impacket's calls work on it. `sign_key` signs the
    binding with another key than the session's; signed=False sends it unsigned."""
    cls = with_client_guid(client_class, primary.ClientGuid if guid is None else guid)
    low = cls(host, host, sess_port=port, timeout=timeout,
              preferredDialect=dialect or primary._Connection["Dialect"])
    sess_id = primary._Session["SessionID"]
    sess_key = (sign_key or primary._Session["SigningKey"]) if signed else None
    setup = SMB2SessionSetup()
    setup["SecurityMode"] = SMB2_NEGOTIATE_SIGNING_REQUIRED
    setup["Flags"] = SMB2_SESSION_FLAG_BINDING
    auth = ntlm.getNTLMSSPType1("", "", True)
    blob = SPNEGO_NegTokenInit()
    blob["MechTypes"] = [TypesMech["NTLMSSP - Microsoft NTLM Security Support Provider"]]
    blob["MechToken"] = auth.getData()
    setup["SecurityBufferLength"] = len(blob)
    setup["Buffer"] = blob.getData()
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_SESSION_SETUP
    pkt["Data"] = setup
    rsp = low.recvSMB(send_signed(low, pkt, sess_id, sess_key))
    if rsp["Status"] != STATUS_MORE_PROCESSING_REQUIRED:
        return low, rsp["Status"], False
    challenge = SPNEGO_NegTokenResp(SMB2SessionSetup_Response(rsp["Data"])["Buffer"])
    type3, session_key = ntlm.getNTLMSSPType3(auth, challenge["ResponseToken"], user, password,
                                              "", "", "")
    token = SPNEGO_NegTokenResp()
    token["ResponseToken"] = type3.getData()
    setup["SecurityBufferLength"] = len(token)
    setup["Buffer"] = token.getData()
    pkt = low.SMB_PACKET()
    pkt["Command"] = SMB2_SESSION_SETUP
    pkt["Data"] = setup
    rsp = low.recvSMB(send_signed(low, pkt, sess_id, sess_key))
    if rsp["Status"] != 0:
        return low, rsp["Status"], False
    channel_key = crypto.KDF_CounterMode(session_key, b"SMB2AESCMAC\0", b"SmbSign\0", 128)
    got = rsp["Signature"]
    signature_ok = (bool(rsp["Flags"] & SMB2_FLAGS_SIGNED) and
                    cmac_signature(channel_key, rsp) == got)
    low._Session.update({
        "SessionID": sess_id, "SessionKey": session_key, "SigningKey": channel_key,
        "SigningRequired": True, "SigningActivated": True,
        "TreeConnectTable": primary._Session["TreeConnectTable"],
        "OpenTable": primary._Session["OpenTable"],
    })
    return low, 0, signature_ok
