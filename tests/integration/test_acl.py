#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Security descriptors end to end with impacket against skiffd: the DACL synthesized from the
# mode, a DACL set and read back and what it did to mode / POSIX ACL on disk, inheritance into new
# files and directories, the SecD create context, owner rules, READ_CONTROL / WRITE_DAC checks,
# a DACL that takes DELETE away (delete-on-close-perms), and a local chmod winning again.
"""Run as a ctest integration test, or by hand: tests/integration/test_acl.py (against
build/skiffd). Skiff's SIDs are Unix ones (S-1-22-1-uid), so this test is for skiffd only."""

import os
import stat
import struct
import sys

from skifftest import run_under_lib

if "SKIFF_TEST_PORT" not in os.environ:
    if os.environ.get("SKIFF_TEST_TARGET", "skiffd") != "skiffd":
        print("test_acl: skiffd only (Samba maps users to other SIDs)")
        sys.exit(0)
    sys.exit(run_under_lib(__file__))

import pwd  # noqa: E402

from impacket import smb3, smb3structs as s3  # noqa: E402
from impacket import smbconnection  # noqa: E402
from impacket.smbconnection import SMBConnection  # noqa: E402

from skifftest import check, server, summary  # noqa: E402

# impacket raises its SMB3 layer's error from queryInfo/setInfo, the connection's from the rest.
SessionError = (smb3.SessionError, smbconnection.SessionError)

HOST, PORT, USER, PASS, SHARE, SHARE_DIR = server()
UID = pwd.getpwnam(USER).pw_uid
GID = pwd.getpwnam(USER).pw_gid

READ_CONTROL, WRITE_DAC, WRITE_OWNER, DELETE = 0x20000, 0x40000, 0x80000, 0x10000
FILE_ALL, GENERIC_READ_F, GENERIC_WRITE_F, GENERIC_EXEC_F = 0x1F01FF, 0x120089, 0x120116, 0x1200A0
OI, CI, IO, INHERITED = 0x01, 0x02, 0x08, 0x10
OWNER, GROUP, DACL = 1, 2, 4
STATUS = {"ACCESS_DENIED": 0xC0000022, "INVALID_OWNER": 0xC000005A}

# ---- descriptors in and out (MS-DTYP 2.4.6), independent of the server's code ----

def sid_bytes(s):
    parts = s.split("-")
    auth, subs = int(parts[2]), [int(x) for x in parts[3:]]
    return struct.pack("<BB", 1, len(subs)) + auth.to_bytes(6, "big") + b"".join(
        struct.pack("<I", x) for x in subs)


def sid_str(b, off):
    n = b[off + 1]
    auth = int.from_bytes(b[off + 2:off + 8], "big")
    subs = struct.unpack_from("<%dI" % n, b, off + 8)
    return "S-1-%d" % auth + "".join("-%d" % x for x in subs)


def make_sd(aces=None, owner=None, group=None, control=0x8004):
    """aces: list of (type, flags, mask, sid); None = no DACL."""
    body, offs = b"", [0, 0, 0, 0]
    pos = 20
    for i, s in ((0, owner), (1, group)):
        if s:
            offs[i] = pos
            body += sid_bytes(s)
            pos += len(sid_bytes(s))
    if aces is not None:
        acl = b""
        for t, fl, mask, s in aces:
            sb = sid_bytes(s)
            acl += struct.pack("<BBHI", t, fl, 8 + len(sb), mask) + sb
        offs[3] = pos
        body += struct.pack("<BBHHH", 2, 0, 8 + len(acl), len(aces), 0) + acl
    else:
        control &= ~0x0004
    return struct.pack("<BBHIIII", 1, 0, control, *offs) + body


def parse_sd(b):
    _, _, control, o, g, _, d = struct.unpack_from("<BBHIIII", b, 0)
    aces = []
    if d:
        _, _, _, count, _ = struct.unpack_from("<BBHHH", b, d)
        p = d + 8
        for _ in range(count):
            t, fl, size, mask = struct.unpack_from("<BBHI", b, p)
            aces.append((t, fl, mask, sid_str(b, p + 8)))
            p += size
    return {"control": control, "owner": sid_str(b, o) if o else None,
            "group": sid_str(b, g) if g else None, "aces": aces}


def secd_context(sd):
    """SMB2_CREATE_SD_BUFFER: name at 16, data 8-aligned at 24."""
    ctx = s3.SMB2CreateContext()
    ctx["NameOffset"], ctx["NameLength"] = 16, 4
    ctx["DataOffset"], ctx["DataLength"] = 24, len(sd)
    ctx["Buffer"] = b"SecD" + b"\0" * 4 + sd
    return ctx


def status_of(e):
    return e.getErrorCode() if hasattr(e, "getErrorCode") else e.get_error_code()


conn = SMBConnection(HOST, HOST, sess_port=PORT)
conn.login(USER, PASS)
tid = conn.connectTree(SHARE)
srv = conn.getSMBServer()
ME, MYGROUP = "S-1-22-1-%d" % UID, "S-1-22-2-%d" % GID
SHARE_ALL = 7


def open_(path, access, isdir=False, disp=s3.FILE_OPEN, contexts=None):
    return srv.create(tid, path, access, SHARE_ALL, s3.FILE_DIRECTORY_FILE if isdir else s3.FILE_NON_DIRECTORY_FILE,
                      disp, 0, createContexts=contexts)


def get_sd(path, isdir=False, info=OWNER | GROUP | DACL, access=READ_CONTROL):
    fid = open_(path, access, isdir)
    try:
        return parse_sd(srv.queryInfo(tid, fid, infoType=s3.SMB2_0_INFO_SECURITY, fileInfoClass=0,
                                      additionalInformation=info))
    finally:
        srv.close(tid, fid)


def set_sd(path, sd, info, isdir=False, access=WRITE_DAC | WRITE_OWNER | READ_CONTROL):
    fid = open_(path, access, isdir)
    try:
        srv.setInfo(tid, fid, inputBlob=sd, infoType=s3.SMB2_0_INFO_SECURITY, fileInfoClass=0,
                    additionalInformation=info)
        return 0
    except SessionError as e:
        return status_of(e)
    finally:
        srv.close(tid, fid)


def host(rel):
    return os.path.join(SHARE_DIR, rel.replace("\\", "/"))


def mode(rel):
    return stat.S_IMODE(os.stat(host(rel)).st_mode)


def touch(path):
    srv.close(tid, open_(path, 0x12019F, disp=s3.FILE_CREATE))


# 1. A new file: owner, group, and a DACL that says what the mode says.
touch("plain.txt")
m = mode("plain.txt")
sd = get_sd("plain.txt")
check("owner is S-1-22-1-uid", sd["owner"] == ME, sd["owner"])
check("group is S-1-22-2-gid", sd["group"] == MYGROUP, sd["group"])
owner_ace = [a for a in sd["aces"] if a[3] == ME and a[0] == 0]
check("owner ACE present with WRITE_DAC", owner_ace and owner_ace[0][2] & WRITE_DAC, sd["aces"])
check("owner ACE read/write follows the mode",
      owner_ace and bool(owner_ace[0][2] & 1) == bool(m & 0o400) and bool(owner_ace[0][2] & 2) == bool(m & 0o200),
      "mode %o aces %s" % (m, sd["aces"]))
everyone = [a for a in sd["aces"] if a[3] == "S-1-1-0"]
check("Everyone ACE iff other has bits", bool(everyone) == bool(m & 0o7), "mode %o" % m)
check("only what was asked: DACL alone", get_sd("plain.txt", info=DACL)["owner"] is None)
nothing = get_sd("plain.txt", info=0, access=0x80)
check("nothing asked: empty descriptor without READ_CONTROL (smb2.sdread)",
      nothing["owner"] is None and not nothing["aces"] and nothing["control"] == 0x8000, nothing)
try:
    get_sd("plain.txt", access=0x80)
    check("DACL without READ_CONTROL refused", False)
except SessionError as e:
    check("DACL without READ_CONTROL refused", status_of(e) == STATUS["ACCESS_DENIED"])

# 2. Set a DACL: mode follows, the DACL comes back as sent.
aces = [(0, 0, FILE_ALL, ME), (0, 0, GENERIC_READ_F, MYGROUP), (0, 0, GENERIC_READ_F | GENERIC_EXEC_F, "S-1-1-0")]
check("set DACL", set_sd("plain.txt", make_sd(aces), DACL) == 0)
check("mode is 0755 on disk", mode("plain.txt") == 0o755, "%o" % mode("plain.txt"))
check("DACL reads back as sent", get_sd("plain.txt")["aces"] == aces, get_sd("plain.txt")["aces"])
rc = set_sd("plain.txt", make_sd(aces), DACL, access=READ_CONTROL)
check("set DACL without WRITE_DAC refused", rc == STATUS["ACCESS_DENIED"], hex(rc or 0))

# 3. Another Unix user in the DACL: a POSIX ACL entry.
aces2 = aces[:1] + [(0, 0, GENERIC_READ_F | GENERIC_WRITE_F, "S-1-22-1-1234"), (1, 0, 2, "S-1-22-2-4321"),
                    (0, 0, GENERIC_READ_F, "S-1-22-2-4321")]
check("set DACL with named user and group", set_sd("plain.txt", make_sd(aces2), DACL) == 0)
try:
    pacl = os.getxattr(host("plain.txt"), "system.posix_acl_access")
    ents = [struct.unpack_from("<HHI", pacl, 4 + 8 * i) for i in range((len(pacl) - 4) // 8)]
    check("POSIX ACL: user:1234:rw-, group:4321:r--, mask rw-",
          (2, 6, 1234) in ents and (8, 4, 4321) in ents and (0x10, 6, 0xFFFFFFFF) in ents, ents)
except OSError as e:
    check("POSIX ACL written", False, str(e))
check("mode group bits are the mask", mode("plain.txt") == 0o760, "%o" % mode("plain.txt"))

# 4. Owner: nobody but root gives a file away; naming oneself is fine.
check("owner to another user refused",
      set_sd("plain.txt", make_sd(owner="S-1-22-1-1234"), OWNER) == STATUS["INVALID_OWNER"])
check("owner Everyone refused", set_sd("plain.txt", make_sd(owner="S-1-1-0"), OWNER) == STATUS["INVALID_OWNER"])
check("owner to oneself accepted", set_sd("plain.txt", make_sd(owner=ME), OWNER) == 0)

# 5. Inheritance into new files and directories.
srv.close(tid, open_("inh", 0x12019F | WRITE_DAC, isdir=True, disp=s3.FILE_CREATE))
dacl = [(0, OI | CI, FILE_ALL, ME), (0, OI | CI | IO, 0x10000000, "S-1-3-0"), (0, OI | CI, GENERIC_READ_F, "S-1-1-0")]
# (auto-inherited, i.e. AUTO_INHERITED with AUTO_INHERIT_REQ: the copies are marked INHERITED_ACE,
# as NTFS marks them under such a parent)
check("set inheritable DACL on directory", set_sd("inh", make_sd(dacl, control=0x8504), DACL, isdir=True) == 0)
touch("inh\\child.txt")
got = get_sd("inh\\child.txt")["aces"]
check("file inherits OI ACEs, CREATOR OWNER becomes the owner",
      got == [(0, INHERITED, FILE_ALL, ME), (0, INHERITED, FILE_ALL, ME), (0, INHERITED, GENERIC_READ_F, "S-1-1-0")], got)
check("inherited file mode 0744", mode("inh/child.txt") == 0o744, "%o" % mode("inh/child.txt"))
srv.close(tid, open_("inh\\sub", 0x12019F, isdir=True, disp=s3.FILE_CREATE))
got = get_sd("inh\\sub", isdir=True)["aces"]
check("directory inherits CI ACEs (CREATOR OWNER split in two)",
      got == [(0, OI | CI | INHERITED, FILE_ALL, ME), (0, INHERITED, FILE_ALL, ME),
              (0, OI | CI | IO | INHERITED, 0x10000000, "S-1-3-0"), (0, OI | CI | INHERITED, GENERIC_READ_F, "S-1-1-0")], got)

# 6. SecD create context.
secd = make_sd([(0, 0, FILE_ALL, ME)], control=0x8004 | 0x1000)
srv.close(tid, open_("secd.txt", 0x12019F, disp=s3.FILE_CREATE, contexts=[secd_context(secd)]))
got = get_sd("secd.txt")
check("SecD DACL applied (protected: no inheritance)",
      got["aces"] == [(0, 0, FILE_ALL, ME)] and got["control"] & 0x1000, got)
check("SecD file mode 0700", mode("secd.txt") == 0o700, "%o" % mode("secd.txt"))
try:
    srv.close(tid, open_("secd2.txt", 0x12019F, disp=s3.FILE_CREATE,
                         contexts=[secd_context(make_sd(owner="S-1-22-1-1234"))]))
    check("SecD owner of someone else refused", False)
except SessionError as e:
    check("SecD owner of someone else refused", status_of(e) == STATUS["INVALID_OWNER"])
check("... and nothing created", not os.path.exists(host("secd2.txt")))

# 7. A directory DACL without DELETE / FILE_DELETE_CHILD (smb2.delete-on-close-perms).
srv.close(tid, open_("nodel", 0x12019F | WRITE_DAC, isdir=True, disp=s3.FILE_CREATE))
check("set no-delete DACL", set_sd("nodel", make_sd([(0, OI, 0x1E01BF, ME)]), DACL, isdir=True) == 0)
touch("nodel\\f")
try:
    srv.close(tid, open_("nodel\\f", DELETE))
    check("DELETE on an existing file refused", False)
except SessionError as e:
    check("DELETE on an existing file refused", status_of(e) == STATUS["ACCESS_DENIED"])
check("give FILE_DELETE_CHILD back", set_sd("nodel", make_sd([(0, OI, 0x1E01FF, ME)]), DACL, isdir=True) == 0)
srv.close(tid, open_("nodel\\f", DELETE))
check("DELETE allowed again", True)

# 8. A chmod on the server: POSIX wins, the DACL is synthesized again.
os.chmod(host("plain.txt"), 0o640)
got = get_sd("plain.txt")["aces"]
check("after a local chmod the DACL follows the mode",
      not any(a[3] == "S-1-1-0" for a in got) and any(a[3] == ME for a in got), got)

sys.exit(summary(need_a_pass=False))
