#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Seed-corpus capture for the DCE/RPC fuzz targets: a loopback TCP proxy between an SMB client
# (rpcclient, smbclient -L) and a reference server that records the named-pipe traffic.
#
#   capture_rpc_corpus.py LISTEN_PORT SERVER_PORT OUTDIR
#
# DCE/RPC bytes the client sends (SMB2 WRITE data, FSCTL_PIPE_TRANSCEIVE input) go to
# OUTDIR/rpc_pdu/<sha1>; what the server answers (READ data, transceive output) is only logged.
# OUTDIR/log.txt gets one line per transfer: "C <hex>" or "S <hex>", in order, per connection.
# Unencrypted sessions only (a TRANSFORM header hides the pipe data). Stops on SIGTERM.
import hashlib
import os
import socket
import struct
import sys
import threading

FSCTL_PIPE_TRANSCEIVE = 0x0011C017
STATUS_BUFFER_OVERFLOW = 0x80000005
lock = threading.Lock()


def record(outdir, conn, direction, data):
    if not data:
        return
    with lock:
        with open(os.path.join(outdir, "log.txt"), "a") as f:
            f.write("%d %s %s\n" % (conn, direction, data.hex()))
        if direction == "C":
            d = os.path.join(outdir, "rpc_pdu")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
                f.write(data)


def pipe_data(msg):
    """DCE/RPC bytes carried by one SMB2 message, with 'C' or 'S' for its direction."""
    cmd, = struct.unpack_from("<H", msg, 12)
    status, = struct.unpack_from("<I", msg, 8)
    flags, = struct.unpack_from("<I", msg, 16)
    resp = bool(flags & 1)
    b = 64
    if resp and status not in (0, STATUS_BUFFER_OVERFLOW):
        return None, None
    if len(msg) < b + 8:
        return None, None
    if cmd == 0x09 and not resp:
        off, = struct.unpack_from("<H", msg, b + 2)
        n, = struct.unpack_from("<I", msg, b + 4)
        return "C", msg[off:off + n]
    if cmd == 0x08 and resp:
        off = msg[b + 2]
        n, = struct.unpack_from("<I", msg, b + 4)
        return "S", msg[off:off + n]
    if cmd == 0x0B and len(msg) >= b + 40:
        ctl, = struct.unpack_from("<I", msg, b + 4)
        if ctl != FSCTL_PIPE_TRANSCEIVE:
            return None, None
        if not resp:
            off, n = struct.unpack_from("<II", msg, b + 24)
            return "C", msg[off:off + n]
        off, n = struct.unpack_from("<II", msg, b + 32)
        return "S", msg[off:off + n]
    return None, None


def file_frame(outdir, conn, pdu):
    off = 0
    while pdu[off:off + 4] == b"\xfeSMB" and len(pdu) - off >= 64:
        nxt, = struct.unpack_from("<I", pdu, off + 20)
        end = off + nxt if nxt and off + nxt <= len(pdu) else len(pdu)
        direction, data = pipe_data(pdu[off:end])
        if data:
            record(outdir, conn, direction, data)
        if not nxt or end == len(pdu):
            break
        off = end


def pump(src, dst, outdir, conn):
    buf = b""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
            buf += data
            while len(buf) >= 4:
                n = struct.unpack(">I", buf[:4])[0] & 0xFFFFFF
                if len(buf) < 4 + n:
                    break
                file_frame(outdir, conn, buf[4:4 + n])
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
    os.makedirs(outdir, exist_ok=True)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(16)
    conn = 0
    while True:
        c, _ = ls.accept()
        s = socket.create_connection(("127.0.0.1", sport))
        conn += 1
        threading.Thread(target=pump, args=(c, s, outdir, conn), daemon=True).start()
        threading.Thread(target=pump, args=(s, c, outdir, conn), daemon=True).start()


if __name__ == "__main__":
    main()
