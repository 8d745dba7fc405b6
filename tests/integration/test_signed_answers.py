#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# On a session that must sign (skiffd's default "server signing = mandatory"): the answers a
# client requiring signing must be able to check are signed, and what must be refused is.
# - re-authentication (a SESSION_SETUP on the session, MS-SMB2 3.3.5.5): signed legs get signed
#   answers (MORE_PROCESSING_REQUIRED, SUCCESS, and LOGON_FAILURE, after which the session is
#   gone); an unsigned or wrongly signed one is refused with ACCESS_DENIED before it reaches
#   authentication, so it can neither take over nor tear down the session;
# - compounds (3.3.5.2.7): the error a related message inherits from a failed CREATE is signed;
#   a chain that starts "related" is refused with INVALID_PARAMETER, flagged as signed.
"""Run as a ctest integration test, or by hand:
    tests/integration/test_signed_answers.py                         (against build/skiffd)
    SKIFF_TEST_TARGET=samba tests/integration/test_signed_answers.py (against the reference Samba)
With no SKIFF_TEST_PORT in the environment it starts the server itself through
tests/integration/lib.sh with "server signing = mandatory"."""

import os
import sys

from skifftest import run_under_lib

if "SKIFF_TEST_PORT" not in os.environ:
    env = dict(os.environ, SKIFF_TEST_SIGNING="mandatory")
    sys.exit(run_under_lib(__file__, env))

import hashlib  # noqa: E402  (only needed once a server runs)
import hmac  # noqa: E402
import struct  # noqa: E402

from impacket import crypto, ntlm, smb3  # noqa: E402
from impacket.spnego import SPNEGO_NegTokenInit, SPNEGO_NegTokenResp, TypesMech  # noqa: E402
from impacket.smb3structs import (  # noqa: E402
    FILE_ATTRIBUTE_NORMAL, FILE_NON_DIRECTORY_FILE, FILE_OPEN, FILE_OVERWRITE_IF, FILE_READ_DATA,
    FILE_SHARE_READ, FILE_SHARE_WRITE, FILE_WRITE_DATA, SMB2_CLOSE, SMB2_CREATE,
    SMB2_DIALECT_21, SMB2_DIALECT_302, SMB2_FLAGS_RELATED_OPERATIONS, SMB2_FLAGS_SIGNED,
    SMB2_NEGOTIATE_SIGNING_REQUIRED, SMB2_SESSION_SETUP, SMB2Close, SMB2Create,
    SMB2SessionSetup, SMB2SessionSetup_Response)

from skifftest import SigningSMB3, check, server, summary  # noqa: E402

HOST, PORT, USER, PASS, SHARE, _ = server()

STATUS_SUCCESS = 0
STATUS_MORE_PROCESSING_REQUIRED = 0xC0000016
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_OBJECT_NAME_NOT_FOUND = 0xC0000034
STATUS_LOGON_FAILURE = 0xC000006D
STATUS_INVALID_PARAMETER = 0xC000000D
STATUS_USER_SESSION_DELETED = 0xC0000203

class Answer:
    """One response message as received: status, flags, session id, signature check."""

    def __init__(self, low, raw):
        self.raw = raw
        self.status, = struct.unpack_from("<I", raw, 8)
        self.flags, = struct.unpack_from("<I", raw, 16)
        self.session_id, = struct.unpack_from("<Q", raw, 40)
        self.signature = raw[48:64]
        self.flagged = bool(self.flags & SMB2_FLAGS_SIGNED)
        self.sig_ok = self.flagged and signature(low, raw) == self.signature

    def __repr__(self):
        return (f"status 0x{self.status:08x} flags 0x{self.flags:x} session 0x{self.session_id:x}"
                f" signature {'valid' if self.sig_ok else self.signature.hex()}")


def signature(low, msg):
    """MS-SMB2 3.1.4.1 over msg (padding included) with the signature field zeroed."""
    m = bytearray(msg)
    m[48:64] = bytes(16)
    if low._Connection["Dialect"] == SMB2_DIALECT_21:
        return hmac.new(low._Session["SessionKey"], bytes(m), hashlib.sha256).digest()[:16]
    return crypto.AES_CMAC(low._Session["SigningKey"], bytes(m), len(m))


def send_messages(low, packets, sign="good"):
    """Send packets [(SMB2Packet, related)] as one frame (a compound if several), each signed
    as `sign` says (good | none | bad); return the answers, in order."""
    frame = b""
    for i, (p, related) in enumerate(packets):
        p["MessageID"] = low._Connection["SequenceWindow"]
        low._Connection["SequenceWindow"] += 1
        p["SessionID"] = low._Session["SessionID"]
        p["CreditCharge"] = 1
        p["CreditRequestResponse"] = 8
        p["Flags"] = (SMB2_FLAGS_SIGNED if sign != "none" else 0) | \
            (SMB2_FLAGS_RELATED_OPERATIONS if related else 0)
        p["Signature"] = bytes(16)
        last = i == len(packets) - 1
        size = len(p.getData())
        padded = size if last else (size + 7) // 8 * 8
        p["NextCommand"] = 0 if last else padded
        msg = bytearray(p.getData() + bytes(padded - size))
        if sign == "good":
            msg[48:64] = signature(low, msg)
        elif sign == "bad":
            msg[48:64] = os.urandom(16)
        frame += bytes(msg)
    low._NetBIOSSession.send_packet(frame)
    answers = []
    while len(answers) < len(packets):
        data = low._NetBIOSSession.recv_packet(10).get_trailer()
        off = 0
        while True:
            nxt, = struct.unpack_from("<I", data, off + 20)
            msg = data[off:off + nxt] if nxt else data[off:]
            if struct.unpack_from("<I", msg, 8)[0] != 0x103:   # skip STATUS_PENDING interims
                answers.append(Answer(low, msg))
            if not nxt:
                break
            off += nxt
    return answers


def session_setup(low, token, sign="good"):
    req = SMB2SessionSetup()
    req["SecurityMode"] = SMB2_NEGOTIATE_SIGNING_REQUIRED
    req["Flags"] = 0
    req["SecurityBufferLength"] = len(token)
    req["Buffer"] = token
    p = low.SMB_PACKET()
    p["Command"] = SMB2_SESSION_SETUP
    p["Data"] = req
    return send_messages(low, [(p, False)], sign)[0]


def reauth(low, password, sign_first="good", sign_second="good"):
    """Re-authenticate low's session with NTLM; return the answers of the legs sent."""
    auth = ntlm.getNTLMSSPType1("", "", True)
    init = SPNEGO_NegTokenInit()
    init["MechTypes"] = [TypesMech["NTLMSSP - Microsoft NTLM Security Support Provider"]]
    init["MechToken"] = auth.getData()
    first = session_setup(low, init.getData(), sign_first)
    if first.status != STATUS_MORE_PROCESSING_REQUIRED:
        return [first]
    rsp = SMB2SessionSetup_Response(first.raw[64:])
    challenge = SPNEGO_NegTokenResp(rsp["Buffer"])["ResponseToken"]
    type3, _ = ntlm.getNTLMSSPType3(auth, challenge, USER, password, "", "", "")
    token = SPNEGO_NegTokenResp()
    token["ResponseToken"] = type3.getData()
    return [first, session_setup(low, token.getData(), sign_second)]


def connect(dialect):
    low = SigningSMB3(HOST, HOST, sess_port=PORT, timeout=10, preferredDialect=dialect)
    low.login(USER, PASS)
    return low


def open_file(low, name, disposition=FILE_OPEN):
    tid = low.connectTree(SHARE)
    fid = low.create(tid, name, FILE_READ_DATA | FILE_WRITE_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE,
                     FILE_NON_DIRECTORY_FILE, disposition, FILE_ATTRIBUTE_NORMAL)
    return tid, fid


def still_reads(low, tid, fid, data):
    try:
        return low.read(tid, fid, 0, len(data)) == data
    except Exception:  # noqa: BLE001  (any failure means the session or handle is gone)
        return False


def session_status(low, tid, fid):
    """The status of a signed READ on the session's old handle."""
    p = low.SMB_PACKET()
    p["Command"] = smb3.SMB2_READ
    p["TreeID"] = tid
    rd = smb3.SMB2Read()
    rd["Padding"] = 0x50
    rd["FileID"] = fid
    rd["Length"] = 1
    rd["Offset"] = 0
    rd["Buffer"] = b"\x00"
    p["Data"] = rd
    return send_messages(low, [(p, False)])[0]


def test_dialect(label, dialect):
    name = f"signed_answers_{label.replace('.', '')}.bin"
    data = os.urandom(1000)
    print(f"=== SMB {label}", flush=True)

    low = connect(dialect)
    tid, fid = open_file(low, name, FILE_OVERWRITE_IF)
    low.write(tid, fid, data, 0, len(data))

    # A signed re-authentication: every answer signed, the session and its handles go on.
    first, second = reauth(low, PASS)
    check(f"{label}: signed reauth leg 1 answered MORE_PROCESSING_REQUIRED",
          first.status == STATUS_MORE_PROCESSING_REQUIRED, repr(first))
    check(f"{label}: signed reauth leg 1 answer is signed (MS-SMB2 3.3.4.1.1)", first.sig_ok,
          repr(first))
    check(f"{label}: signed reauth leg 2 answered SUCCESS", second.status == STATUS_SUCCESS,
          repr(second))
    check(f"{label}: signed reauth leg 2 answer is signed", second.sig_ok, repr(second))
    check(f"{label}: after reauth the old handle still reads", still_reads(low, tid, fid, data))

    # Unsigned or forged re-authentication (even of the right user): refused before it reaches
    # authentication, so with a wrong password it does not end the session either.
    for sign in ("none", "bad"):
        for password in (PASS, "not-" + PASS):
            what = f"{'unsigned' if sign == 'none' else 'badly signed'} reauth" + \
                (" with a wrong password" if password != PASS else "")
            ans = reauth(low, password, sign_first=sign)[0]
            check(f"{label}: {what} refused with ACCESS_DENIED",
                  ans.status == STATUS_ACCESS_DENIED, repr(ans))
            check(f"{label}: {what}: session and handle unharmed", still_reads(low, tid, fid, data))

    # Compound: CREATE of a missing file, then a related CLOSE: both fail with the CREATE's
    # error, both signed (3.3.5.2.7.2).
    cr = SMB2Create()
    cr["SecurityFlags"] = 0
    cr["RequestedOplockLevel"] = 0
    cr["ImpersonationLevel"] = 2
    cr["DesiredAccess"] = FILE_READ_DATA
    cr["FileAttributes"] = FILE_ATTRIBUTE_NORMAL
    cr["ShareAccess"] = FILE_SHARE_READ
    cr["CreateDisposition"] = FILE_OPEN
    cr["CreateOptions"] = FILE_NON_DIRECTORY_FILE
    missing = "no_such_file.bin".encode("utf-16le")
    cr["NameLength"] = len(missing)
    cr["Buffer"] = missing
    create = low.SMB_PACKET()
    create["Command"] = SMB2_CREATE
    create["TreeID"] = tid
    create["Data"] = cr

    def close_packet(related):
        cl = SMB2Close()
        cl["FileID"] = b"\xff" * 16
        p = low.SMB_PACKET()
        p["Command"] = SMB2_CLOSE
        p["TreeID"] = tid
        p["Data"] = cl
        return (p, related)

    answers = send_messages(low, [(create, False), close_packet(True)])
    check(f"{label}: compound CREATE of a missing file fails NOT_FOUND, signed",
          answers[0].status == STATUS_OBJECT_NAME_NOT_FOUND and answers[0].sig_ok, repr(answers[0]))
    check(f"{label}: its related CLOSE gets the CREATE's error, signed",
          answers[1].status == STATUS_OBJECT_NAME_NOT_FOUND and answers[1].sig_ok, repr(answers[1]))

    # A chain that starts "related" names no session: INVALID_PARAMETER, refused before any
    # signature is checked, so not signed but still flagged as such, under the request's session
    # id (a client checks the flag and finds the session by that id: smb2.compound.invalid1).
    ans = send_messages(low, [close_packet(True)])[0]
    check(f"{label}: a chain starting related fails INVALID_PARAMETER",
          ans.status == STATUS_INVALID_PARAMETER, repr(ans))
    check(f"{label}: ...flagged as signed, under the request's session id",
          ans.flagged and ans.session_id == low._Session["SessionID"], repr(ans))
    check(f"{label}: after the compounds the handle still reads", still_reads(low, tid, fid, data))

    # The second leg forged after a genuine first one: refused the same way (this leaves an
    # authentication half-way, so the next scenario takes a new session).
    answers = reauth(low, "not-" + PASS, sign_second="bad")
    check(f"{label}: reauth whose 2nd leg is badly signed refused with ACCESS_DENIED",
          len(answers) == 2 and answers[1].status == STATUS_ACCESS_DENIED, repr(answers))
    check(f"{label}: ...and the session and handle are unharmed", still_reads(low, tid, fid, data))
    low.close_session()

    # A signed re-authentication with a wrong password: LOGON_FAILURE, signed, session gone.
    low = connect(dialect)
    tid, fid = open_file(low, name)
    answers = reauth(low, "not-" + PASS)
    last = answers[-1]
    check(f"{label}: signed reauth with a wrong password fails LOGON_FAILURE",
          last.status == STATUS_LOGON_FAILURE, repr(answers))
    check(f"{label}: ...and that answer is signed (smb2.session.reauth6)", last.sig_ok, repr(last))
    ans = session_status(low, tid, fid)
    check(f"{label}: ...and the session is gone (USER_SESSION_DELETED)",
          ans.status == STATUS_USER_SESSION_DELETED, repr(ans))
    low.close_session()


def main():
    for label, dialect in (("2.1", SMB2_DIALECT_21), ("3.0.2", SMB2_DIALECT_302)):
        try:
            test_dialect(label, dialect)
        except Exception as e:  # noqa: BLE001  (report, go on with the next dialect)
            check(f"{label}: no unexpected error", False, repr(e))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
