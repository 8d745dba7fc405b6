#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Seed-corpus capture for fuzz_spnego / fuzz_ntlmssp: a loopback TCP proxy between an SMB client
# and a reference server that files every SESSION_SETUP security buffer (both directions) and the
# NEGOTIATE response's token as OUTDIR/spnego/<sha1>, and each NTLMSSP message inside them as
# OUTDIR/ntlmssp/<sha1>.
#
#   capture_auth_corpus.py LISTEN_PORT SERVER_PORT OUTDIR      (stops on SIGTERM)
#   e.g. smbclient -p LISTEN_PORT //127.0.0.1/share -U tuser%tpass -c ls
import hashlib
import os
import socket
import struct
import sys
import threading


def save(outdir, kind, data):
    if not data:
        return
    d = os.path.join(outdir, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def der_walk(buf, depth=0):
    """Yield the value of every primitive OCTET STRING in a DER blob (best effort)."""
    i = 0
    while i + 2 <= len(buf) and depth < 16:
        tag, n = buf[i], buf[i + 1]
        i += 2
        if n & 0x80:
            k = n & 0x7F
            if k == 0 or k > 4 or i + k > len(buf):
                return
            n = int.from_bytes(buf[i:i + k], "big")
            i += k
        val = buf[i:i + n]
        i += n
        if tag == 0x04:
            yield val
        elif tag & 0x20:
            yield from der_walk(val, depth + 1)


def file_token(outdir, tok):
    if tok[:8] == b"NTLMSSP\0":
        save(outdir, "ntlmssp", tok)
        return
    save(outdir, "spnego", tok)
    for v in der_walk(tok):
        if v[:8] == b"NTLMSSP\0":
            save(outdir, "ntlmssp", v)


def inspect(outdir, msg, to_server):
    if msg[:4] != b"\xfeSMB" or len(msg) < 72:
        return
    cmd = struct.unpack_from("<H", msg, 12)[0]
    if cmd == 1 and to_server:
        off, ln = struct.unpack_from("<HH", msg, 64 + 12)
        file_token(outdir, msg[off:off + ln])
    elif cmd == 1:
        off, ln = struct.unpack_from("<HH", msg, 64 + 4)
        file_token(outdir, msg[off:off + ln])
    elif cmd == 0 and not to_server and len(msg) >= 64 + 60:
        off, ln = struct.unpack_from("<HH", msg, 64 + 56)
        file_token(outdir, msg[off:off + ln])


def pipe(src, dst, outdir, to_server):
    buf = b""
    try:
        while True:
            d = src.recv(65536)
            if not d:
                break
            dst.sendall(d)
            buf += d
            while len(buf) >= 4:
                n = struct.unpack(">I", buf[:4])[0] & 0xFFFFFF
                if len(buf) < 4 + n:
                    break
                inspect(outdir, buf[4:4 + n], to_server)
                buf = buf[4 + n:]
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def main():
    lport, sport, outdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(8)
    while True:
        c, _ = ls.accept()
        s = socket.create_connection(("127.0.0.1", sport))
        threading.Thread(target=pipe, args=(c, s, outdir, True), daemon=True).start()
        threading.Thread(target=pipe, args=(s, c, outdir, False), daemon=True).start()


if __name__ == "__main__":
    main()
