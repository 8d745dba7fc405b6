#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# idle_conns.py: opens COUNT SMB connections (negotiate at 3.0.2, NTLMv2 session setup, signed
# tree connect) with impacket and holds them idle, so bench.py can weigh the server per connection.
#
# Usage: idle_conns.py --port P --user U --password-file F --share S --count N
# Prints "READY <connected> <seconds>" on stdout once all connections are up (or "FAILED <n> <why>"),
# then waits until stdin closes or a line arrives, closes every connection and exits.
import argparse
import resource
import sys
import time

from impacket import smb3
from impacket.smb3structs import SMB2_DIALECT_302
from impacket.smbconnection import SMBConnection


class SignedSMB3(smb3.SMB3):
    """impacket's SMB3 client, kept to signing: impacket would switch a 3.x session to
    encryption whenever the server offers it, and the benchmark compares signed sessions."""

    def negotiateSession(self, preferredDialect=None, negSessionResponse=None):
        super().negotiateSession(preferredDialect, negSessionResponse)
        self._Connection["SupportsEncryption"] = False


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--share", required=True)
    ap.add_argument("--count", type=int, default=1000)
    a = ap.parse_args()
    with open(a.password_file, encoding="utf-8") as f:
        password = f.read().strip()

    # one socket per connection: make sure the descriptor limit is not what stops us
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.count + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))

    conns = []
    t0 = time.monotonic()
    try:
        for i in range(a.count):
            # SMBConnection's own dialect choice knows no 3.0.2: give it a ready SMB3 object
            low = SignedSMB3(a.host, a.host, sess_port=a.port, timeout=60, preferredDialect=SMB2_DIALECT_302)
            c = SMBConnection(existingConnection=low)
            c.login(a.user, password, domain="")
            c.connectTree(a.share)
            conns.append(c)
    except Exception as e:  # report how far we got; bench.py records it as a failure
        print(f"FAILED {len(conns)} connection {len(conns) + 1}: {type(e).__name__}: {e}", flush=True)
    else:
        print(f"READY {len(conns)} {time.monotonic() - t0:.3f}", flush=True)
    sys.stdin.readline()
    # drop the connections without logging off: quicker, and the server must cope with that anyway
    for c in conns:
        try:
            c.getSMBServer().close_session()
        except Exception:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
