#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# bench.py: drives the same client workloads against skiffd and a reference Samba on 127.0.0.1,
# each server in cgroups of its own (CPU and memory per workload), and writes a Markdown report of
# medians and skiffd/Samba ratios. Started by bench/run.sh, which builds skiffd; see bench/README.md.
import argparse
import datetime
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

from benchlib import (BENCH_DIR, CG_ROOT, GiB, HOST, MiB, Samba, Skiffd, ceiling_aes, ceiling_floor,
                      ceiling_iperf, ceiling_pagecache, loadavg, log,
                      measured, reap_started, versions, write_text)
from report import report
from workloads import WORKLOADS

# Context: the options, the bench user and its credentials, the client's data, command builders.

class Ctx:
    def __init__(self, a):
        self.a = a
        self.skiffd, self.skiff, self.load = a.skiffd, a.skiff, a.load
        self.runs = a.runs if a.runs else (1 if a.quick else 3)
        self.timelimit = a.timelimit if a.timelimit else (5 if a.quick else 10)
        self.nprocs = a.nprocs
        self.idle_count = a.idle_count
        self.n_small = 2000
        self.user = a.user
        self.password = secrets.token_hex(12)
        self.work = a.workdir or tempfile.mkdtemp(prefix="skiff-bench.", dir="/tmp")
        os.makedirs(self.work, exist_ok=True)
        os.chmod(self.work, 0o755)  # the shares below must be reachable by the bench user
        self.client = os.path.join(self.work, "client")
        os.makedirs(self.client, mode=0o700, exist_ok=True)
        self.authfile = os.path.join(self.client, "auth")
        self.passfile = os.path.join(self.client, "password")
        write_text(self.authfile, f"username = {self.user}\npassword = {self.password}\n")
        write_text(self.passfile, self.password + "\n")
        os.chmod(self.authfile, 0o600)
        os.chmod(self.passfile, 0o600)
        self.src_big = os.path.join(self.client, "src-1g.bin")
        self.src_256m = os.path.join(self.client, "src-256m.bin")
        self.small_dir = os.path.join(self.client, "small")
        self.versions = {}
        self.load_at = {}  # workload key -> 1-minute load average when it started

    def ensure_user(self):
        try:
            pw = pwd.getpwnam(self.user)
        except KeyError:
            subprocess.run(["useradd", "-M", "-d", "/nonexistent", "-s", "/usr/sbin/nologin", self.user], check=True)
            pw = pwd.getpwnam(self.user)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid

    def smbclient(self, srv, command, protection="sign"):
        # per-operation timeout 60 s instead of 20: on a loaded machine a slow answer should cost
        # time in the figures, not fail the run
        cmd = ["smbclient", "-s", os.devnull, "-p", str(srv.port), f"//{HOST}/share", "-A", self.authfile,
               "-m", "SMB3_11", f"--client-protection={protection}", "-t", "60"]
        if protection == "encrypt":
            cmd.append("--option=client smb3 encryption algorithms=AES-128-GCM")
        if command is not None:
            cmd += ["-c", command]
        return cmd

    def make_client_data(self):
        log("writing the client's data: 1 GiB, 256 MiB and 2,000 x 4 KiB of random bytes")
        # one random 4 MiB block, each copy stamped with its index: incompressible and no two
        # blocks alike, at memory speed (neither server nor client compresses or deduplicates)
        block = bytearray(os.urandom(4 * MiB))
        for path, size in ((self.src_big, GiB), (self.src_256m, 256 * MiB)):
            if os.path.exists(path) and os.path.getsize(path) == size:
                continue
            with open(path, "wb") as f:
                for i in range(size // (4 * MiB)):
                    block[:8] = i.to_bytes(8, "little")
                    f.write(block)
        os.makedirs(self.small_dir, exist_ok=True)
        for i in range(self.n_small):
            with open(os.path.join(self.small_dir, f"s{i:04d}.dat"), "wb") as f:
                f.write(os.urandom(4096))

    def place_copy(self, src, dst):
        """A server's data file, made directly on disk and owned by the bench user."""
        if os.path.exists(dst) and os.path.getsize(dst) == os.path.getsize(src):
            return
        shutil.copyfile(src, dst)
        os.chown(dst, self.uid, self.gid)
        os.chmod(dst, 0o644)


def main():
    ap = argparse.ArgumentParser(description="skiffd vs Samba benchmark (run as root through bench/run.sh)")
    ap.add_argument("--quick", action="store_true", help="1 run, 5 s smbtorture runs, 2 s iperf3")
    ap.add_argument("--runs", type=int, default=0, help="runs per workload and server (default 3, --quick 1)")
    ap.add_argument("--only", default="", help="comma-separated workload keys (default: all)")
    ap.add_argument("--timelimit", type=int, default=0, help="smbtorture seconds (default 10, --quick 5)")
    ap.add_argument("--nprocs", type=int, default=8, help="smbtorture connections (default 8)")
    ap.add_argument("--idle-count", type=int, default=1000, help="idle connections (default 1000)")
    ap.add_argument("--user", default="skiffbench", help="SMB and Unix user (created if missing)")
    ap.add_argument("--skiffd", required=True)
    ap.add_argument("--skiff", required=True)
    ap.add_argument("--load", required=True, help="bench's load client, skiff-load")
    ap.add_argument("--floor", required=True, help="bench's least-work-per-byte transfer, skiff-floor")
    ap.add_argument("--workdir", default="", help="default: a new /tmp/skiff-bench.XXXXXX, removed afterwards")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (configs, logs, shares)")
    ap.add_argument("--results", default=os.path.join(BENCH_DIR, "results"))
    ap.add_argument("--command", default="", help="the command line shown in the report")
    ap.add_argument("--build-info", default="", help="skiffd build description shown in the report")
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench: run as root (cgroups, a Unix user, smbd)")
    for d in ("cpuacct", "memory"):
        if not os.path.isfile(os.path.join(CG_ROOT, d, "cgroup.procs")):
            raise SystemExit(f"bench: cgroup v1 controller {d} is not mounted at {CG_ROOT}/{d}")
    wls_all = [W for W in WORKLOADS]
    if a.only:
        keys = a.only.split(",")
        unknown = set(keys) - {W.key for W in WORKLOADS}
        if unknown:
            raise SystemExit(f"bench: unknown workloads {sorted(unknown)}; known: {[W.key for W in WORKLOADS]}")
        wls_all = [W for W in WORKLOADS if W.key in keys]

    ctx = Ctx(a)
    ctx.iperf_secs = 2 if a.quick else 5
    started = datetime.datetime.now()
    t_start = time.monotonic()
    load0 = loadavg()
    servers = []
    results = {}
    wls = [W(ctx) for W in wls_all]

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    rc = 0
    try:
        ctx.ensure_user()
        ctx.versions = versions()
        log(f"work directory {ctx.work}; {ctx.runs} run(s); workloads: {', '.join(w.key for w in wls)}")
        ceil = {}
        log("ceilings: iperf3, openssl speed, dd")
        ceil["tcp0"] = ceiling_iperf(ctx.iperf_secs)
        ceil["aes0"] = ceiling_aes(3)
        ceil["dd0"] = ceiling_pagecache(ctx.work)
        ctx.make_client_data()
        log("floor: skiff-floor, the least a signing server does per byte here")
        ceil["floor"] = ceiling_floor(a.floor, ctx.src_big, ctx.work)
        servers = [Skiffd(ctx), Samba(ctx)]
        log("placing the servers' data files on disk")
        for s in servers:
            s.make_share()
            for w in wls:
                w.prepare(s)
        log("sync (so the data files' write-back does not run during the measurements)")
        os.sync()
        for w in wls:
            # Both servers start afresh for every workload (for every run if w.fresh), so that its
            # memory figures are its own and not what an earlier workload left behind.
            ctx.load_at[w.key] = loadavg().split()[0]
            for s in servers:
                s.start()
            results[w.key] = {"skiffd": [], "samba": []}
            for r in range(1, ctx.runs + 1):
                for s in servers:
                    if not s.alive():
                        log(f"{s.label} is not running: restarting it")
                        s.notes.append(f"restarted before {w.key} run {r} (it had died)")
                        s.restart()
                    elif w.fresh and r > 1:
                        s.restart()
                    w.before(s, r)
                    smp = measured(s, w, lambda: w.run(s, r))
                    w.clean(s, r)
                    results[w.key][s.key].append(smp)
                    shown = " ".join(f"{k}={v:.3g}" for k, v in smp.m.items() if isinstance(v, float))
                    log(f"{w.key} run {r} {s.label}: {'ok' if smp.ok else 'FAILED ' + smp.error[:300]} {shown}")
            for s in servers:
                s.stop()
        log("ceilings again")
        ceil["tcp1"] = ceiling_iperf(ctx.iperf_secs)
        ceil["aes1"] = ceiling_aes(3)
        ceil["dd1"] = ceiling_pagecache(ctx.work)
        elapsed = time.monotonic() - t_start
        text = report(ctx, servers, results, wls, ceil, started, elapsed, load0, loadavg())
        os.makedirs(a.results, exist_ok=True)
        base = os.path.join(a.results, started.strftime("%Y-%m-%d-%H%M%S"))
        write_text(base + ".md", text)
        raw = {w: {s: [{"ok": x.ok, "error": x.error, **x.m} for x in v] for s, v in d.items()}
               for w, d in results.items()}
        write_text(base + ".json", json.dumps({"ceilings": ceil, "runs": raw}, indent=1) + "\n")
        print(text)
        log(f"report: {base}.md (raw samples: {base}.json)")
    except KeyboardInterrupt as e:
        log(f"interrupted ({e}); cleaning up")
        rc = 130
    except Exception:
        traceback.print_exc()
        rc = 1
    finally:
        for s in servers:
            try:
                s.stop()
            except Exception:
                traceback.print_exc()
        reap_started()
        if a.keep:
            log(f"kept {ctx.work}")
        elif not a.workdir:
            shutil.rmtree(ctx.work, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
