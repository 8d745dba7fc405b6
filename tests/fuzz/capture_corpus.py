#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Seed-corpus capture for the wire fuzz targets: a loopback TCP proxy between an SMB client
# (smbclient, smbtorture) and a reference server that files every client->server message.
#
#   capture_corpus.py LISTEN_PORT SERVER_PORT OUTDIR
#
# Each SMB2 message (compounds split at NextCommand) lands in OUTDIR/<cmd>/<sha1> as its body
# (the bytes after the 64-byte header: the fuzz targets put a header back in front); whole
# messages also go to OUTDIR/header/, SMB1 NEGOTIATEs to OUTDIR/smb1_negotiate/ and
# encrypted PDUs (0xFD 'SMB') to OUTDIR/transform/, both whole. Stops on SIGTERM.
import hashlib
import os
import socket
import struct
import sys
import threading

NAMES = {0x00: "negotiate", 0x01: "session_setup", 0x03: "tree_connect", 0x05: "create",
         0x06: "close", 0x07: "flush", 0x08: "read", 0x09: "write", 0x0A: "lock",
         0x0B: "ioctl", 0x0E: "query_directory", 0x0F: "change_notify", 0x10: "query_info",
         0x11: "set_info", 0x12: "oplock_break"}


def save(outdir, name, data):
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def file_pdu(outdir, pdu):
    if pdu[:4] == b"\xffSMB":
        if len(pdu) > 4 and pdu[4] == 0x72:
            save(outdir, "smb1_negotiate", pdu)
        return
    if pdu[:4] == b"\xfdSMB":
        save(outdir, "transform", pdu)
        return
    off = 0
    while pdu[off:off + 4] == b"\xfeSMB" and len(pdu) - off >= 64:
        (cmd,) = struct.unpack_from("<H", pdu, off + 12)
        (nxt,) = struct.unpack_from("<I", pdu, off + 20)
        end = off + nxt if nxt and off + nxt <= len(pdu) else len(pdu)
        msg = pdu[off:end]
        save(outdir, "header", msg)
        if cmd in NAMES:
            save(outdir, NAMES[cmd], msg[64:])
        if not nxt or end == len(pdu):
            break
        off = end


def pump(src, dst, outdir, parse):
    buf = b""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
            if not parse:
                continue
            buf += data
            while len(buf) >= 4:
                n = struct.unpack(">I", buf[:4])[0] & 0xFFFFFF
                if len(buf) < 4 + n:
                    break
                file_pdu(outdir, buf[4:4 + n])
                buf = buf[4 + n:]
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    lport, sport, outdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(16)
    while True:
        c, _ = ls.accept()
        s = socket.create_connection(("127.0.0.1", sport))
        threading.Thread(target=pump, args=(c, s, outdir, True), daemon=True).start()
        threading.Thread(target=pump, args=(s, c, outdir, False), daemon=True).start()


if __name__ == "__main__":
    main()
