#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write the seed corpus of fuzz_dispatch (tests/fuzz/corpus/dispatch/): client conversations
in the harness's record framing (see tests/fuzz/fuzz_dispatch.c), each the requests a real
client sends for one scenario: logon on each dialect, tree connect, create/write/read/close,
related compounds, change notify with cancel, encryption, two sessions and two connections.
The harness fills in MessageIds, session and tree ids, FileIds, signatures and encryption.
  tests/fuzz/make_dispatch_corpus.py [OUTDIR]"""
import os
import struct
import sys

# harness records and MSG flags (fuzz_dispatch.c)
OP_LOGON, OP_MSG, OP_RAW, OP_CLOSE = 0, 1, 2, 3
MID, SID, TID, FID, SIGN, ENC, ASYNC = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40
STD = MID | SID | TID | FID | SIGN
# dialect selector and LOGON options
D202, D210, D300, D302, D311 = range(5)
O_ENC, O_CCM_FIRST, O_SIGNCAP, O_SIGN_REQ, O_BIND = 0x01, 0x02, 0x04, 0x08, 0x10


def bind_slot(slot):
    return O_BIND | slot << 5

NEGOTIATE, SESSION_SETUP, LOGOFF, TREE_CONNECT, TREE_DISCONNECT, CREATE, CLOSE, FLUSH, READ, \
    WRITE, LOCK, IOCTL, CANCEL, ECHO, QUERY_DIRECTORY, CHANGE_NOTIFY, QUERY_INFO, SET_INFO = range(18)
RELATED, ASYNC_FLAG = 0x04, 0x02
FID_ANY = b"\0" * 16               # replaced by the harness with the last CREATE's FileId
FID_CHAIN = b"\xff" * 16           # the related-compound placeholder, kept


def hdr(cmd, flags=0, charge=1, sid=0, tid=0, async_id=0):
    h = struct.pack("<4sHHIHHII", b"\xfeSMB", 64, charge, 0, cmd, 64, flags, 0)
    h += struct.pack("<Q", 0)
    h += struct.pack("<Q", async_id) if flags & ASYNC_FLAG else struct.pack("<II", 0xFEFF, tid)
    return h + struct.pack("<Q", sid) + b"\0" * 16


def u16s(s):
    return s.encode("utf-16-le")


def tree_connect(share):
    path = u16s("\\\\fuzz\\" + share)
    return hdr(TREE_CONNECT) + struct.pack("<HHHH", 9, 0, 72, len(path)) + path


def create(name, disposition=3, options=0, access=0x0012019F, flags=0, sid=0, oplock=0):
    n = u16s(name)
    body = struct.pack("<HBBIQQIIIIIHHII", 57, 0, oplock, 2, 0, 0, access, 0x80, 7, disposition,
                       options, 120 if n else 0, len(n), 0, 0)
    return hdr(CREATE, flags, sid=sid) + body + (n or b"\0")


def write(data, offset=0, fid=FID_ANY, flags=0, sid=0):
    return hdr(WRITE, flags, sid=sid) + struct.pack("<HHIQ16sIIHHI", 49, 112, len(data), offset, fid,
                                                    0, 0, 0, 0, 0) + data


def read(length, offset=0, fid=FID_ANY, flags=0, sid=0):
    return hdr(READ, flags, sid=sid) + struct.pack("<HBBIQ16sIIIHHB", 49, 0, 0, length, offset, fid,
                                                   0, 0, 0, 0, 0, 0)


def close(fid=FID_ANY, flags=0, sid=0):
    return hdr(CLOSE, flags, sid=sid) + struct.pack("<HHI16s", 24, 1, 0, fid)


def query_info(cls=0x12, fid=FID_ANY, flags=0, sid=0):
    return hdr(QUERY_INFO, flags, sid=sid) + struct.pack("<HBBIHHIII16s", 41, 1, cls, 4096, 0, 0, 0,
                                                         0, 0, fid)


def query_directory(pattern="*", fid=FID_ANY):
    p = u16s(pattern)
    return hdr(QUERY_DIRECTORY) + struct.pack("<HBBI16sHHI", 33, 0x25, 1, 0, fid, 96, len(p),
                                              65536) + p


def change_notify(fid=FID_ANY):
    return hdr(CHANGE_NOTIFY) + struct.pack("<HHI16sII", 32, 0, 4096, fid, 0x17, 0)


def cancel(async_flag=False):
    return hdr(CANCEL, ASYNC_FLAG if async_flag else 0) + struct.pack("<HH", 4, 0)


def simple(cmd):
    return hdr(cmd) + struct.pack("<HH", 4, 0)


def flush(fid=FID_ANY):
    return hdr(FLUSH) + struct.pack("<HHI16s", 24, 0, 0, fid)


def set_info_eof(size, fid=FID_ANY):
    buf = struct.pack("<Q", size)
    return hdr(SET_INFO) + struct.pack("<HBBIHHI16s", 33, 1, 20, len(buf), 96, 0, 0, fid) + buf


def chain(*msgs):
    """A compound: NextCommand set, each message but the last padded to 8 bytes."""
    out = b""
    for i, m in enumerate(msgs):
        if i < len(msgs) - 1:
            m += b"\0" * (-len(m) % 8)
            m = m[:20] + struct.pack("<I", len(m)) + m[24:]
        out += m
    return out


def logon(conn=0, dialect=D311, opts=O_ENC | O_SIGNCAP):
    return bytes([OP_LOGON, conn, dialect, opts])


def msg(frame, flags=STD, conn=0, sid_slot=0, enc_slot=0):
    return bytes([OP_MSG, conn, sid_slot, enc_slot, flags]) + struct.pack("<H", len(frame)) + frame


def raw(frame, conn=0):
    return bytes([OP_RAW, conn]) + struct.pack("<H", len(frame)) + frame


def close_conn(conn=0):
    return bytes([OP_CLOSE, conn])


def file_session(share="share", flags=STD, conn=0, slot=0, name="f.txt"):
    """Tree connect, then a file's life: create, write, read, query, set size, flush, close."""
    kw = dict(flags=flags, conn=conn, sid_slot=slot, enc_slot=slot)
    return (msg(tree_connect(share), **kw) + msg(create(name, 5), **kw) +
            msg(write(b"hello fuzz" * 8), **kw) + msg(read(80), **kw) + msg(query_info(), **kw) +
            msg(set_info_eof(5), **kw) + msg(flush(), **kw) + msg(close(), **kw))


def seeds():
    s = {}
    echo = simple(ECHO)
    for name, d, o in (("smb311", D311, O_ENC | O_SIGNCAP), ("smb311_ccm", D311, O_ENC | O_CCM_FIRST),
                       ("smb311_signreq", D311, O_SIGNCAP | O_SIGN_REQ), ("smb302", D302, O_ENC),
                       ("smb300_signreq", D300, O_ENC | O_SIGN_REQ), ("smb210", D210, 0),
                       ("smb202_signreq", D202, O_SIGN_REQ)):
        s["files_" + name] = logon(0, d, o) + file_session() + msg(simple(TREE_DISCONNECT)) + \
            msg(simple(LOGOFF), MID | SID | SIGN)
    # everything inside TRANSFORMs, on the share that requires it
    s["encrypted_share"] = logon(0, D311, O_ENC) + file_session("enc", STD | ENC)
    s["encrypted_302"] = logon(0, D302, O_ENC) + file_session("share", STD | ENC)
    # plain requests on the encrypting share: refused
    s["encrypted_share_plain"] = logon(0, D311, O_ENC) + msg(tree_connect("enc"), STD | ENC) + \
        msg(create("p.txt", 5)) + msg(echo, MID)
    # a related compound: create, write, read, close in one frame (and one inside a TRANSFORM)
    comp = chain(create("c.txt", 5), write(b"compound", fid=FID_CHAIN, flags=RELATED, sid=2**64 - 1),
                 read(8, fid=FID_CHAIN, flags=RELATED, sid=2**64 - 1),
                 close(FID_CHAIN, flags=RELATED, sid=2**64 - 1))
    s["compound_related"] = logon() + msg(tree_connect("share")) + msg(comp)
    s["compound_related_enc"] = logon() + msg(tree_connect("share"), STD | ENC) + msg(comp, STD | ENC)
    s["compound_unrelated"] = logon() + msg(tree_connect("share")) + msg(create("u.txt", 5)) + \
        msg(chain(query_info(), echo, flush(), close()))
    # the directory: list it, then watch it and cancel (unsigned first: ignored; then signed)
    s["directory"] = logon() + msg(tree_connect("share")) + msg(create("d", 2, options=1)) + \
        msg(close()) + msg(create("", 1, options=1)) + msg(query_directory()) + \
        msg(query_directory("d*")) + msg(close())
    s["notify_cancel"] = logon(0, D311, O_SIGNCAP | O_SIGN_REQ) + msg(tree_connect("share")) + \
        msg(create("", 1, options=1)) + msg(change_notify()) + msg(cancel(), MID) + \
        msg(cancel(True), MID | ASYNC) + msg(cancel(True), MID | SID | SIGN | ASYNC) + msg(close())
    s["notify_wake"] = logon() + msg(tree_connect("share")) + msg(create("", 1, options=1)) + \
        msg(change_notify()) + msg(create("new.txt", 5)) + msg(close()) + msg(close())
    # two sessions on one connection, and one asking inside the other's TRANSFORM (refused)
    two = logon(0, D311, O_ENC) + logon(0, D311, O_ENC)
    s["two_sessions"] = two + file_session(slot=0) + file_session(slot=1, name="g.txt")
    s["cross_session_transform"] = two + msg(tree_connect("share"), STD | ENC, sid_slot=1, enc_slot=1) + \
        msg(create("x.txt", 5), MID | SID | TID | ENC, sid_slot=1, enc_slot=0) + \
        msg(write(b"as B"), MID | SID | TID | FID | ENC, sid_slot=1, enc_slot=0) + \
        msg(chain(echo, create("y.txt", 5)), MID | TID | ENC, sid_slot=1, enc_slot=0)
    s["cross_session_signed"] = two + msg(tree_connect("share"), STD, sid_slot=1) + \
        msg(create("z.txt", 5), MID | SID | TID, sid_slot=1)
    # two connections, one of them dropped half-way
    s["two_connections"] = logon(0) + logon(1, D302, O_ENC) + file_session(conn=0, slot=0) + \
        msg(tree_connect("share"), STD, conn=1, sid_slot=1) + close_conn(0) + \
        msg(create("h.txt", 5), STD, conn=1, sid_slot=1) + msg(close(), STD, conn=1, sid_slot=1)
    # multichannel: slot 0's session bound to connection 1 (slot 1), used there, then its first
    # connection dropped; and a binding attempt inside a TRANSFORM
    for name, d, o in (("bind_311", D311, O_ENC | O_SIGNCAP), ("bind_302", D302, O_ENC)):
        s[name] = logon(0, d, o) + logon(1, d, o | bind_slot(0)) + \
            msg(tree_connect("share"), STD, conn=1, sid_slot=1) + \
            msg(create("m.txt", 5), STD, conn=1, sid_slot=1) + \
            msg(write(b"channel two"), STD, conn=1, sid_slot=1) + \
            msg(read(11), STD | ENC, conn=1, sid_slot=1, enc_slot=1) + close_conn(0) + \
            msg(close(), STD, conn=1, sid_slot=1)
    # raw frames: garbage after a logon, an SMB1 negotiate
    s["raw"] = logon() + raw(b"\xfeSMB" + b"\0" * 60) + raw(b"\xfdSMB" + b"\0" * 60)
    s["smb1"] = raw(b"\xffSMB\x72" + b"\0" * 27 + b"\x0c\x00\x02NT LM 0.12\x00", conn=1)
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "dispatch")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(seeds())} seeds in {out}")


if __name__ == "__main__":
    main()
