#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Two users' sessions on one connection must stay apart (issue 11 section 1):
#  - a message inside a TRANSFORM encrypted by session A that names session B is refused with
#    STATUS_ACCESS_DENIED and does nothing (MS-SMB2 3.3.5.2.1.1): no file appears, none changes;
#  - an unsigned (or wrongly signed) CANCEL does not end a pending CHANGE_NOTIFY of a session
#    that signs (3.3.5.2.4, 3.3.5.16); a signed one does.
# A small SMB 3.0.2 client of its own (NTLM and SPNEGO from impacket, CMAC signing and AES-CCM
# encryption from pycryptodome) so it can write what no regular client sends.
"""Run as a ctest integration test, or by hand:
    tests/integration/test_session_isolation.py                       (against build/skiffd)
    SKIFF_TEST_TARGET=samba tests/integration/test_session_isolation.py   (against Samba)
User B (its own Unix and SMB account) has a share only B may use ("bshare"; for Samba the
reference server's second user tuser2 and its share2)."""

import os
import select
import socket
import struct
import sys

from skifftest import run_under_lib

SAMBA = os.environ.get("SKIFF_TEST_TARGET") == "samba"

if "SKIFF_TEST_PORT" not in os.environ:
    env = dict(os.environ)
    if not SAMBA:
        env["SKIFF_TEST_PASS_B"] = os.urandom(9).hex()
        # user B and a share only B may use, added to the generated configuration
        env["SKIFF_TEST_CONF_HOOK"] = r'''
getent passwd skifftestb >/dev/null || useradd -M -d /nonexistent -s /usr/sbin/nologin skifftestb
mkdir -p "$SKIFF_TEST_DIR/bshare" && chown skifftestb: "$SKIFF_TEST_DIR/bshare" && chmod 0700 "$SKIFF_TEST_DIR/bshare"
printf '\n[bshare]\npath = %s\nread only = no\nvalid users = skifftestb\n' "$SKIFF_TEST_DIR/bshare" >>"$SKIFF_TEST_DIR/skiffd.conf"
printf '%s\n%s\n' "$SKIFF_TEST_PASS_B" "$SKIFF_TEST_PASS_B" |
	"$SKIFF" -c "$SKIFF_TEST_DIR/skiffd.conf" user add skifftestb >/dev/null 2>&1 || true
'''
    sys.exit(run_under_lib(__file__, env))

from Cryptodome.Cipher import AES  # noqa: E402
from Cryptodome.Hash import CMAC, HMAC, SHA256  # noqa: E402
from impacket import ntlm  # noqa: E402
from impacket.spnego import SPNEGO_NegTokenInit, SPNEGO_NegTokenResp, TypesMech  # noqa: E402

from skifftest import check, server, summary  # noqa: E402

HOST, PORT, USER, PASS, SHARE, _ = server()
if SAMBA:
    USER_B, PASS_B, SHARE_B = "tuser2", "tpass2", "share2"
    DIR_B = os.path.join(os.environ["SKIFF_TEST_DIR"], "samba", "share2")
else:
    USER_B, PASS_B, SHARE_B = "skifftestb", os.environ["SKIFF_TEST_PASS_B"], "bshare"
    DIR_B = os.path.join(os.environ["SKIFF_TEST_DIR"], "bshare")

NEGOTIATE, SESSION_SETUP, TREE_CONNECT, CREATE, CLOSE, WRITE, CANCEL, CHANGE_NOTIFY = 0, 1, 3, 5, 6, 9, 12, 15
FLAGS_RESPONSE, FLAGS_ASYNC, FLAGS_SIGNED = 0x1, 0x2, 0x8
SUCCESS, PENDING, MORE_PROCESSING, ACCESS_DENIED, CANCELLED = \
    0, 0x103, 0xC0000016, 0xC0000022, 0xC0000120

def kdf(key, label, context):
    """SP800-108 counter mode, HMAC-SHA256, one block, L = 128 (MS-SMB2 3.1.4.2)."""
    msg = struct.pack(">I", 1) + label + b"\0" + context + struct.pack(">I", 128)
    return HMAC.new(key, msg, SHA256).digest()[:16]


class Session:
    def __init__(self, sid, key):
        self.id = sid
        self.sign_key = kdf(key, b"SMB2AESCMAC\0", b"SmbSign\0")
        self.c2s = kdf(key, b"SMB2AESCCM\0", b"ServerIn \0")
        self.s2c = kdf(key, b"SMB2AESCCM\0", b"ServerOut\0")


class Msg:
    def __init__(self, raw):
        self.raw = raw
        (self.status, self.command, _, self.flags, self.next, self.mid, self.async_id,
         self.sid) = struct.unpack_from("<IHHIIQQQ", raw, 8)
        self.tid = struct.unpack_from("<I", raw, 36)[0]
        self.body = raw[64:]


class Client:
    def __init__(self):
        self.sock = socket.create_connection((HOST, PORT), timeout=10)
        self.mid = 0
        self.sessions = {}
        self.pending = []   # messages of a frame not yet handed out

    # ---- framing, signing, encryption ----
    def header(self, cmd, sess=None, tid=0, flags=0, mid=None, async_id=None):
        if mid is None:
            mid, self.mid = self.mid, self.mid + 1
        sid = sess.id if sess else 0
        h = struct.pack("<4sHHIHHIIQ", b"\xfeSMB", 64, 1, 0, cmd, 32, flags, 0, mid)
        h += struct.pack("<Q", async_id) if async_id is not None else struct.pack("<II", 0xFEFF, tid)
        return h + struct.pack("<Q", sid) + b"\0" * 16

    @staticmethod
    def sign(msg, sess):
        msg = bytearray(msg)
        struct.pack_into("<I", msg, 16, struct.unpack_from("<I", msg, 16)[0] | FLAGS_SIGNED)
        msg[48:64] = b"\0" * 16
        msg[48:64] = CMAC.new(sess.sign_key, bytes(msg), ciphermod=AES).digest()
        return bytes(msg)

    @staticmethod
    def encrypt(frame, sess):
        nonce = os.urandom(11)
        tail = nonce + b"\0" * 5 + struct.pack("<IHHQ", len(frame), 0, 1, sess.id)
        c = AES.new(sess.c2s, AES.MODE_CCM, nonce=nonce, mac_len=16)
        c.update(tail)
        ct, tag = c.encrypt_and_digest(frame)
        return b"\xfdSMB" + tag + tail + ct

    def send(self, frame, sign=None, encrypt=None):
        if sign:
            frame = self.sign(frame, sign)
        if encrypt:
            frame = self.encrypt(frame, encrypt)
        self.sock.sendall(struct.pack(">I", len(frame)) + frame)

    def recv_frame(self, timeout):
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return None
        self.sock.settimeout(10)
        hdr = self.sock.recv(4, socket.MSG_WAITALL)
        if len(hdr) < 4:
            raise ConnectionError("connection closed by the server")
        n = struct.unpack(">I", hdr)[0] & 0xFFFFFF
        data = self.sock.recv(n, socket.MSG_WAITALL)
        if data[:4] == b"\xfdSMB":
            sess = self.sessions[struct.unpack_from("<Q", data, 44)[0]]
            c = AES.new(sess.s2c, AES.MODE_CCM, nonce=data[20:31], mac_len=16)
            c.update(data[20:52])
            data = c.decrypt_and_verify(data[52:], data[4:20])
        msgs, off = [], 0
        while True:
            m = Msg(data[off:])
            msgs.append(m)
            if not m.next:
                return msgs
            m.raw = m.raw[:m.next]
            off += m.next

    def recv(self, timeout=10, interim=False):
        """The next response message (interim STATUS_PENDING ones only when asked)."""
        while True:
            if not self.pending:
                self.pending = self.recv_frame(timeout) or []
                if not self.pending:
                    return None
            m = self.pending.pop(0)
            if m.mid == 0xFFFFFFFFFFFFFFFF:
                continue   # an oplock break notification
            if m.status == PENDING and m.flags & FLAGS_ASYNC and not interim:
                continue
            return m

    # ---- requests ----
    def negotiate(self):
        body = struct.pack("<HHHHI16sQH", 36, 1, 2, 0, 0x40, os.urandom(16), 0, 0x0302)
        self.send(self.header(NEGOTIATE) + body)
        m = self.recv()
        assert m.status == SUCCESS, hex(m.status)

    def session_setup(self, sid, token):
        body = struct.pack("<HBBIIHHQ", 25, 0, 2, 0, 0, 88, len(token), 0) + token
        h = bytearray(self.header(SESSION_SETUP))
        struct.pack_into("<Q", h, 40, sid)
        self.send(bytes(h) + body)
        return self.recv()

    def logon(self, user, password):
        type1 = ntlm.getNTLMSSPType1("", "", True)
        init = SPNEGO_NegTokenInit()
        init["MechTypes"] = [TypesMech["NTLMSSP - Microsoft NTLM Security Support Provider"]]
        init["MechToken"] = type1.getData()
        m = self.session_setup(0, init.getData())
        assert m.status == MORE_PROCESSING, hex(m.status)
        off, n = struct.unpack_from("<HH", m.body, 4)
        challenge = SPNEGO_NegTokenResp(m.raw[off:off + n])["ResponseToken"]
        type3, key = ntlm.getNTLMSSPType3(type1, challenge, user, password, "", "", "")
        resp = SPNEGO_NegTokenResp()
        resp["ResponseToken"] = type3.getData()
        sid = m.sid
        m = self.session_setup(sid, resp.getData())
        assert m.status == SUCCESS, f"logon of {user}: {m.status:#x}"
        s = Session(sid, key)
        self.sessions[sid] = s
        return s

    def tree_connect(self, sess, share, sign=None, encrypt=None):
        path = f"\\\\{HOST}\\{share}".encode("utf-16-le")
        body = struct.pack("<HHHH", 9, 0, 72, len(path)) + path
        self.send(self.header(TREE_CONNECT, sess) + body, sign, encrypt)
        m = self.recv()
        return m.status, m.tid

    def create(self, sess, tid, name, disposition=2, options=0x40, access=0x0012019F, sign=None,
               encrypt=None, raw=False):
        n = name.encode("utf-16-le")
        body = struct.pack("<HBBIQQIIIIIHHII", 57, 0, 0, 2, 0, 0, access, 0x80, 7, disposition,
                           options, 120, len(n), 0, 0) + (n or b"\0")
        msg = self.header(CREATE, sess, tid) + body
        if raw:
            return msg
        self.send(msg, sign, encrypt)
        m = self.recv()
        return m.status, m.body[64:80] if m.status == SUCCESS else None

    def write(self, sess, tid, fid, data, sign=None, encrypt=None):
        body = struct.pack("<HHIQ16sIIHHI", 49, 112, len(data), 0, fid, 0, 0, 0, 0, 0) + data
        self.send(self.header(WRITE, sess, tid) + body, sign, encrypt)
        return self.recv().status

    def close(self, sess, tid, fid, sign=None, encrypt=None):
        self.send(self.header(CLOSE, sess, tid) + struct.pack("<HHI16s", 24, 0, 0, fid), sign, encrypt)
        return self.recv().status

    def cancel(self, sess, async_id, sign=None):
        h = self.header(CANCEL, sess, flags=FLAGS_ASYNC, mid=0, async_id=async_id)
        self.send(h + struct.pack("<HH", 4, 0), sign)


def chain(*msgs):
    out = b""
    for i, m in enumerate(msgs):
        if i < len(msgs) - 1:
            m += b"\0" * (-len(m) % 8)
            m = m[:20] + struct.pack("<I", len(m)) + m[24:]
        out += m
    return out


def on_disk(name):
    return os.path.exists(os.path.join(DIR_B, name))


def main():
    c = Client()
    c.negotiate()
    a = c.logon(USER, PASS)
    b = c.logon(USER_B, PASS_B)
    check("two users' sessions on one connection", a.id != b.id)

    st, tid_a = c.tree_connect(a, SHARE, sign=a)
    check("A connects its share (signed)", st == SUCCESS, f"{st:#x}")
    st, tid_b = c.tree_connect(b, SHARE_B, sign=b)
    check("B connects its own share (signed)", st == SUCCESS, f"{st:#x}")
    if not SAMBA:   # the reference Samba's share2 is open to both users
        st, _ = c.tree_connect(a, SHARE_B, sign=a)
        check("A may not connect B's share", st == ACCESS_DENIED, f"{st:#x}")

    # Encryption works: A's own request inside A's TRANSFORM runs.
    st, fid = c.create(a, tid_a, "isolation-a.txt", encrypt=a)
    check("TRANSFORM(A){CREATE by A} succeeds", st == SUCCESS, f"{st:#x}")
    if fid:
        c.close(a, tid_a, fid, encrypt=a)

    # The attack: A's TRANSFORM around unsigned requests naming B.
    st, _ = c.create(b, tid_b, "pwned.txt", encrypt=a)
    check("TRANSFORM(A){CREATE as B} is refused with ACCESS_DENIED", st == ACCESS_DENIED, f"{st:#x}")
    check("... and no file appears in B's share", not on_disk("pwned.txt"))
    st, _ = c.tree_connect(b, SHARE_B, encrypt=a)
    check("TRANSFORM(A){TREE_CONNECT as B} is refused with ACCESS_DENIED", st == ACCESS_DENIED, f"{st:#x}")

    st, fid_b = c.create(b, tid_b, "b.txt", sign=b)
    check("B creates its file (signed)", st == SUCCESS, f"{st:#x}")
    if fid_b:
        check("B writes it (signed)", c.write(b, tid_b, fid_b, b"original", sign=b) == SUCCESS)
        st = c.write(b, tid_b, fid_b, b"EVIL", encrypt=a)
        check("TRANSFORM(A){WRITE to B's open as B} is refused with ACCESS_DENIED",
              st == ACCESS_DENIED, f"{st:#x}")
        c.close(b, tid_b, fid_b, sign=b)
        with open(os.path.join(DIR_B, "b.txt"), "rb") as f:
            got = f.read()
        check("... and B's file is unchanged", got == b"original", repr(got))

    # In a compound: A's own message runs, the unrelated one naming B does not.
    frame = chain(c.create(a, tid_a, "isolation-a2.txt", raw=True),
                  c.create(b, tid_b, "pwned2.txt", raw=True))
    c.send(frame, encrypt=a)
    first, second = c.recv(), c.recv()
    check("TRANSFORM(A){CREATE by A, CREATE as B}: A's runs", first.status == SUCCESS, f"{first.status:#x}")
    check("... B's is refused with ACCESS_DENIED", second.status == ACCESS_DENIED, f"{second.status:#x}")
    check("... and creates nothing", not on_disk("pwned2.txt"))

    # CANCEL on B's signing session: a pending CHANGE_NOTIFY on B's share root.
    st, dfid = c.create(b, tid_b, "", disposition=1, options=1, access=0x00120089, sign=b)
    check("B opens its share's root directory", st == SUCCESS, f"{st:#x}")
    notify_mid = c.mid
    c.send(c.header(CHANGE_NOTIFY, b, tid_b) + struct.pack("<HHI16sII", 32, 0, 4096, dfid, 0x17, 0), b)
    interim = c.recv(interim=True)
    check("CHANGE_NOTIFY goes async", interim.status == PENDING and interim.flags & FLAGS_ASYNC,
          f"{interim.status:#x}")
    c.cancel(b, interim.async_id)                  # unsigned
    c.cancel(b, interim.async_id, sign=a)          # signed with the wrong key
    answers = []
    while (m := c.recv(timeout=2)) is not None:
        answers.append(m)
    check("unsigned and wrongly signed CANCELs do not end the notify",
          not any(m.mid == notify_mid for m in answers),
          "; ".join(f"mid {m.mid} status {m.status:#x}" for m in answers))
    if SAMBA:   # Samba answers a refused CANCEL with ACCESS_DENIED; MS-SMB2 3.3.5.16 sends none
        print(f"note  samba answered the refused CANCELs: {[hex(m.status) for m in answers]}")
    else:
        check("... and are not answered (CANCEL gets no response)", not answers,
              "; ".join(f"mid {m.mid} status {m.status:#x}" for m in answers))
    c.cancel(b, interim.async_id, sign=b)
    done = c.recv(timeout=10)
    check("a CANCEL signed by B ends the notify with STATUS_CANCELLED",
          done is not None and done.mid == notify_mid and done.status == CANCELLED,
          done and f"mid {done.mid} status {done.status:#x}")
    c.close(b, tid_b, dfid, sign=b)
    c.sock.close()


try:
    main()
except Exception as e:  # a broken exchange is a failure, with what happened
    check("the exchange completes", False, f"{type(e).__name__}: {e}")
sys.exit(summary())
