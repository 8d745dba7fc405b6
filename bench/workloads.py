#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# workloads.py: the benchmark's workloads, each one client job run the same way against both servers:
# its untimed preparation, the timed run and its checks (a run that did not do its job fails), and
# the columns it shows in the report.
import json
import os
import re
import subprocess
import threading
import time

from benchlib import (BENCH_DIR, GiB, HOST, MiB, BenchError, check_smbclient, run_clients,
                      settle_free_pages, spawn, wait_rusage)

# Each workload: prepare(srv) once per server (untimed), before(srv, r) ahead of each run (untimed),
# run(srv, r) -> metrics (timed; raises BenchError when the run did not do its job), derive(m) adds
# metrics that need the server's CPU time, clean(srv, r) after each run; fresh: restart the server
# before every run rather than once per workload. cols(): (metric, header, format, ratio direction) for the
# report; primary: the headline metric and which way is better.

def f2(x):
    return f"{x:.2f}"


def f3(x):
    return f"{x:.3f}"


def fmib(x):
    return f"{x / MiB:.1f}"


def f0(x):
    return f"{x:.0f}"


BASE_COLS = [("wall", "wall s", f3, "lower"), ("server_cpu", "server CPU s", f3, "lower"),
             ("server_sys", "of it kernel %", f0, None),
             ("client_cpu", "client CPU s", f3, None), ("rss_peak", "server RSS MiB", fmib, "lower"),
             ("mem_peak", "cgroup peak MiB", fmib, "lower"), ("other_cpu", "others' CPU s", f2, None)]


def check_files(path, count, size, tag):
    """The run made exactly `count` files of `size` bytes in `path`, or it failed."""
    names = os.listdir(path) if os.path.isdir(path) else []
    good = sum(1 for n in names if os.path.getsize(os.path.join(path, n)) == size)
    if len(names) != count or good != count:
        raise BenchError(f"{tag}: {len(names)} files on the share ({good} of {size} bytes), not {count}")


def warm(paths):
    """Read files once so that the timed run finds them in the page cache, whatever evicted them
    since (reclaim on a busy machine): a server's figures must not depend on the disk."""
    buf = bytearray(8 * MiB)
    for p in paths:
        with open(p, "rb", buffering=0) as f:
            while f.readinto(buf):
                pass


class Workload:
    key = title = how = ""
    primary = ("wall", "lower")
    extra_cols = []
    single_client = True
    fresh = False
    timeout = 600

    def __init__(self, ctx):
        self.ctx = ctx

    def prepare(self, srv):
        pass

    def before(self, srv, r):
        pass

    def clean(self, srv, r):
        pass

    def derive(self, m):
        pass

    def cols(self):
        return BASE_COLS[:1] + self.extra_cols + BASE_COLS[1:]


class WriteBig(Workload):
    key = "write_1g"
    title = "Sequential write, 1 GiB"
    how = ("smbclient -m SMB3_11 --client-protection=sign: put of a 1 GiB local file (random data) into a "
           "new file, memory settled before each run (see the machine's free page reporting)")
    extra_cols = [("MBps", "MB/s", f0, "higher")]

    def before(self, srv, r):
        warm([self.ctx.src_big])
        settle_free_pages()

    def run(self, srv, r):
        name = f"w{r}.bin"
        wall, cpu, [(rc, out)] = run_clients([self.ctx.smbclient(srv, f"put {self.ctx.src_big} {name}")],
                                             self.timeout, "put")
        check_smbclient(rc, out, "put")
        got = os.path.getsize(os.path.join(srv.share, name)) if os.path.exists(os.path.join(srv.share, name)) else -1
        if got != GiB:
            raise BenchError(f"put: file on the share has {got} bytes, not {GiB}")
        return {"wall": wall, "client_cpu": cpu, "MBps": GiB / wall / 1e6}

    def clean(self, srv, r):
        try:
            os.unlink(os.path.join(srv.share, f"w{r}.bin"))
        except OSError:
            pass


class WriteBigReplace(WriteBig):
    key = "write_1g_replace"
    title = "Sequential write, 1 GiB, replacing an existing file"
    how = ("the same put over an existing 1 GiB file of other data (its pages in the page cache), memory "
           "settled before each run: the server's truncate frees the pages the new data then takes, "
           "so the hypervisor's new-page cost drops out (see the dd ceilings); the result is checked "
           "against the source at its start, middle and end")

    def before(self, srv, r):
        warm([self.ctx.src_big])
        path = os.path.join(srv.share, f"w{r}.bin")
        zeros = bytes(8 * MiB)
        with open(path, "wb", buffering=0) as f:
            for _ in range(GiB // len(zeros)):
                f.write(zeros)
        os.chown(path, self.ctx.uid, self.ctx.gid)
        settle_free_pages()

    def run(self, srv, r):
        m = super().run(srv, r)
        with open(self.ctx.src_big, "rb") as a, open(os.path.join(srv.share, f"w{r}.bin"), "rb") as b:
            for off in (0, GiB // 2 - MiB, GiB - MiB):
                a.seek(off)
                b.seek(off)
                if a.read(MiB) != b.read(MiB):
                    raise BenchError(f"put: the replaced file differs from the source at offset {off}")
        return m


class ReadBig(Workload):
    key = "read_1g"
    title = "Sequential read, 1 GiB"
    how = "smbclient -m SMB3_11 --client-protection=sign: get of a 1 GiB file (in the page cache) to /dev/null"
    extra_cols = [("MBps", "MB/s", f0, "higher")]
    protection = "sign"

    def prepare(self, srv):
        self.ctx.place_copy(self.ctx.src_big, os.path.join(srv.share, "r1g.bin"))

    def before(self, srv, r):
        warm([os.path.join(srv.share, "r1g.bin")])

    def run(self, srv, r):
        wall, cpu, [(rc, out)] = run_clients([self.ctx.smbclient(srv, "get r1g.bin /dev/null", self.protection)],
                                             self.timeout, "get")
        check_smbclient(rc, out, "get")
        m = re.search(r"of size (\d+)", out)
        if not m or int(m.group(1)) != GiB:
            raise BenchError(f"get: smbclient did not report a {GiB}-byte file: {out.strip()[-200:]}")
        return {"wall": wall, "client_cpu": cpu, "MBps": GiB / wall / 1e6}


class ReadBigEnc(ReadBig):
    key = "read_1g_enc"
    title = "Sequential read, 1 GiB, encrypted (AES-128-GCM)"
    how = ("smbclient -m SMB3_11 --client-protection=encrypt, client smb3 encryption algorithms = "
           "AES-128-GCM: get of the same 1 GiB file to /dev/null")
    protection = "encrypt"

    def prepare(self, srv):
        if not os.path.exists(os.path.join(srv.share, "r1g.bin")):
            super().prepare(srv)


class SmallFiles(Workload):
    key = "mput_2000"
    title = "2,000 files of 4 KiB created and written"
    how = "smbclient: mkdir DIR; cd DIR; lcd LOCAL; prompt off; mput * (2,000 local files of 4 KiB)"
    extra_cols = [("ms_file", "ms/file", f3, "lower"), ("cpu_ms_file", "server CPU ms/file", f3, "lower")]

    def before(self, srv, r):
        warm(os.path.join(self.ctx.small_dir, n) for n in os.listdir(self.ctx.small_dir))

    def run(self, srv, r):
        d = f"m{r}"
        cmd = f"mkdir {d}; cd {d}; lcd {self.ctx.small_dir}; prompt off; mput *"
        wall, cpu, [(rc, out)] = run_clients([self.ctx.smbclient(srv, cmd)], self.timeout, "mput")
        check_smbclient(rc, out, "mput")
        check_files(os.path.join(srv.share, d), self.ctx.n_small, 4096, "mput")
        return {"wall": wall, "client_cpu": cpu, "ms_file": wall * 1e3 / self.ctx.n_small}

    def derive(self, m):
        m["cpu_ms_file"] = m["server_cpu"] * 1e3 / self.ctx.n_small

    # No clean(): each run's files stay until the work directory goes. On ext4 without a journal
    # (this VM's) an inode deleted in the last 30-60 s is skipped, one inode-table lookup each, when
    # a new one is allocated (recently_deleted() in ext4_create): deleting each run's 2,000 files made
    # every later run scan past them, a drift of up to 2x on both servers that measured the bench.


class ListDir(Workload):
    key = "list_20000"
    title = "Listing a directory of 20,000 entries"
    how = "smbclient: cd list; ls (20,000 empty files created directly on disk beforehand)"
    extra_cols = [("us_entry", "µs/entry", f2, "lower")]
    n = 20000

    def prepare(self, srv):
        d = os.path.join(srv.share, "list")
        if os.path.isdir(d):
            return
        os.mkdir(d)
        for i in range(self.n):
            p = os.path.join(d, f"f{i:05d}.dat")
            os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o644))
            os.chown(p, self.ctx.uid, self.ctx.gid)
        os.chown(d, self.ctx.uid, self.ctx.gid)

    def run(self, srv, r):
        wall, cpu, [(rc, out)] = run_clients([self.ctx.smbclient(srv, "cd list; ls")], self.timeout, "ls")
        check_smbclient(rc, out, "ls")
        got = len(re.findall(r"^\s+f\d{5}\.dat\s", out, re.M))
        if got != self.n:
            raise BenchError(f"ls: {got} entries listed, not {self.n}")
        return {"wall": wall, "client_cpu": cpu, "us_entry": wall * 1e6 / self.n}


class Torture(Workload):
    """smbtorture's own load generators: a fixed time, so the headline is operations per second."""
    single_client = True

    def cols(self):
        return [("ops", "ops/s", f0, "higher"), ("cpu_us_op", "server CPU µs/op", f2, "lower")] + BASE_COLS

    primary = ("ops", "higher")

    def run(self, srv, r):
        c = self.ctx
        cmd = ["smbtorture", f"//{HOST}/share", "-s", os.devnull, "-p", str(srv.port), "-A", c.authfile,
               "-m", "SMB3_11", f"--option=torture:timelimit={c.timelimit}",
               f"--option=torture:nprocs={c.nprocs}", "--option=torture:qdepth=1",
               "--option=torture:progress=no", self.test]
        wall, cpu, [(rc, out)] = run_clients([cmd], c.timelimit + 120, self.test)
        ops = self.parse(out)
        if rc != 0 or ops is None or not re.search(r"^success: ", out, re.M):
            lines = [ln for ln in out.splitlines() if re.search(r"failure|error|NT_STATUS|Failed", ln)][:5]
            raise BenchError(f"{self.test}: exit {rc}: " + " | ".join(lines or out.strip().splitlines()[-3:]))
        return {"wall": wall, "client_cpu": cpu, "ops": ops, **self.more}

    def derive(self, m):
        # smbtorture's num/s is its operation count divided by the time limit
        m["cpu_us_op"] = m["server_cpu"] * 1e6 / max(1.0, m["ops"] * self.ctx.timelimit)


class PathContention(Torture):
    key = "path_contention"
    title = "8 connections opening and closing one path (smb2.bench.path-contention-shared)"
    test = "smb2.bench.path-contention-shared"

    @property
    def how(self):
        return (f"smbtorture {self.test} --option=torture:nprocs={self.ctx.nprocs} "
                f"--option=torture:qdepth=1 --option=torture:timelimit={self.ctx.timelimit}; "
                "ops/s = opens per second (each followed by a close)")

    def parse(self, out):
        m = re.search(r"open\[num/s=(\d+).*close\[num/s=(\d+)", out)
        if not m:
            return None
        self.more = {"closes": float(m.group(2))}
        return float(m.group(1))


class Echo(Torture):
    key = "echo"
    title = "ECHO round trips (smb2.bench.echo)"
    test = "smb2.bench.echo"

    @property
    def how(self):
        return (f"smbtorture {self.test} --option=torture:nprocs={self.ctx.nprocs} "
                f"--option=torture:qdepth=1 --option=torture:timelimit={self.ctx.timelimit}")

    def parse(self, out):
        m = re.search(r"echo\[num/s=(\d+)", out)
        self.more = {}
        return float(m.group(1)) if m else None


class Parallel16(Workload):
    key = "parallel_16"
    title = "16 concurrent clients, each reading its own 256 MiB file"
    how = "16 smbclient processes at once, each: get cNN.bin /dev/null (signed, SMB3_11)"
    extra_cols = [("MBps", "aggregate MB/s", f0, "higher")]
    n, size = 16, 256 * MiB
    single_client = False

    def prepare(self, srv):
        for i in range(self.n):
            self.ctx.place_copy(self.ctx.src_256m, os.path.join(srv.share, f"c{i:02d}.bin"))

    def before(self, srv, r):
        warm(os.path.join(srv.share, f"c{i:02d}.bin") for i in range(self.n))

    def run(self, srv, r):
        cmds = [self.ctx.smbclient(srv, f"get c{i:02d}.bin /dev/null") for i in range(self.n)]
        wall, cpu, res = run_clients(cmds, self.timeout, "get x16")
        for i, (rc, out) in enumerate(res):
            check_smbclient(rc, out, f"client {i}")
            m = re.search(r"of size (\d+)", out)
            if not m or int(m.group(1)) != self.size:
                raise BenchError(f"client {i}: smbclient did not report a {self.size}-byte file")
        return {"wall": wall, "client_cpu": cpu, "MBps": self.n * self.size / wall / 1e6}


class IdleConns(Workload):
    key = "idle_1000"
    title = "1,000 idle authenticated connections"
    primary = ("conn_mem", "lower")
    fresh = True  # memory per connection is measured from a server that has served nothing yet

    @property
    def how(self):
        return (f"bench/idle_conns.py (impacket {self.ctx.versions.get('impacket', '?')}): "
                f"{self.ctx.idle_count} connections, each negotiated at 3.0.2, NTLMv2 session setup, "
                "signed tree connect, opened one after the other and held idle; memory measured 1 s "
                "after the last one is up, against the server's memory just before the first; server "
                "CPU per connection over the same span (connect s)")

    def cols(self):
        return [("conn_mem", "cgroup KiB/conn", f0, "lower"), ("conn_rss", "RSS KiB/conn", f0, "lower"),
                ("procs", "server processes", f0, None), ("wall", "connect s", f2, "lower"),
                ("cpu_ms_conn", "server CPU ms/conn", f2, "lower"),
                ("server_cpu", "server CPU s (set-up + tear-down)", f3, "lower"),
                ("client_cpu", "client CPU s", f3, None), ("other_cpu", "others' CPU s", f2, None)]

    def derive(self, m):
        m["cpu_ms_conn"] = m["connect_cpu"] * 1e3 / max(1, m["conns"])

    def run(self, srv, r):
        c = self.ctx
        cg = srv.cg
        base_procs = len(cg.pids())
        time.sleep(0.5)
        use0, rss0, cpu0 = cg.mem_usage(), cg.rss(), cg.cpu_ns()
        cmd = ["/usr/bin/python3", os.path.join(BENCH_DIR, "idle_conns.py"), "--port", str(srv.port),
               "--user", c.user, "--password-file", c.passfile, "--share", "share", "--count", str(c.idle_count)]
        t0 = time.monotonic()
        p = spawn(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = _readline_timeout(p.stdout, 600)
        wall = time.monotonic() - t0
        m = {}
        try:
            parts = line.split()
            if not parts or parts[0] != "READY":
                rest = p.stdout.read() if p.poll() is not None else ""
                raise BenchError(f"idle client: {line.strip() or 'no answer'} {rest.strip()[-300:]}")
            n = int(parts[1])
            wall = float(parts[2])
            time.sleep(1.0)
            use1, rss1, cpu1, procs = cg.mem_usage(), cg.rss(), cg.cpu_ns(), len(cg.pids())
            m = {"conn_mem": (use1 - use0) / n / 1024, "conn_rss": (rss1 - rss0) / n / 1024,
                 "procs": procs, "wall": wall, "conns": n, "connect_cpu": (cpu1 - cpu0) / 1e9}
        finally:
            try:
                p.stdin.write("\n")
                p.stdin.close()
            except OSError:
                pass
            _, cpu = wait_rusage(p, 300)
            m["client_cpu"] = cpu
            m.setdefault("wall", wall)
            # Samba ends one smbd per connection: let them go before the next measurement
            for _ in range(600):
                if len(cg.pids()) <= base_procs:
                    break
                time.sleep(0.1)
        return m


def _readline_timeout(f, seconds):
    box = []
    t = threading.Thread(target=lambda: box.append(f.readline()), daemon=True)
    t.start()
    t.join(seconds)
    return box[0] if box else ""


class LoadClient(Workload):
    """bench's own pipelined client (bench/loadclient, skiff-load): signed SMB 3.1.1, many requests
    in flight, so that a workload smbclient makes client-bound measures the server."""
    depth = 32

    def load(self, srv, *args):
        c = self.ctx
        cmd = [c.load, args[0], "--port", str(srv.port), "--share", "share", "--user", c.user,
               "--password-file", c.passfile, "--depth", str(self.depth)] + list(args[1:])
        wall, cpu, [(rc, out)] = run_clients([cmd], self.timeout, "skiff-load")
        line = next((ln for ln in out.splitlines() if ln.startswith("{")), "")
        try:
            res = json.loads(line)
        except ValueError:
            res = {}
        if rc != 0 or not res.get("ok"):
            raise BenchError(f"skiff-load {args[0]}: exit {rc}: {out.strip()[-300:]}")
        return wall, cpu, res


class LcFiles(LoadClient):
    key = "lc_files_2000"
    title = "2,000 files of 4 KiB created and written, pipelined (skiff-load)"
    how = ("skiff-load files --count 2000 --size 4096 --depth 32: one CREATE+WRITE+CLOSE compound "
           "per file, 32 compounds in flight on one signed 3.1.1 connection")
    extra_cols = [("ms_file", "ms/file", f3, "lower"), ("cpu_ms_file", "server CPU ms/file", f3, "lower")]
    n = 2000

    def run(self, srv, r):
        d = f"l{r}"
        wall, cpu, res = self.load(srv, "files", "--dir", d, "--count", str(self.n), "--size", "4096")
        check_files(os.path.join(srv.share, d), self.n, 4096, "skiff-load files")
        return {"wall": wall, "client_cpu": cpu, "ms_file": wall * 1e3 / self.n}

    def derive(self, m):
        m["cpu_ms_file"] = m["server_cpu"] * 1e3 / self.n

    # no clean(), as for SmallFiles: deleted inodes would slow every later run's creates


class LcWriteInPlace(LoadClient):
    key = "lc_write_1g"
    title = "Sequential write, 1 GiB, over a cached file in place, pipelined (skiff-load)"
    how = ("skiff-load write --size 1GiB --depth 16 (1 MiB writes) over an existing 1 GiB file whose "
           "pages are in the page cache, without truncating it: what writing costs the server, "
           "without the new-page cost that decides write_1g on a VM (see the dd ceilings)")
    extra_cols = [("MBps", "MB/s", f0, "higher")]
    depth = 16

    def prepare(self, srv):
        self.ctx.place_copy(self.ctx.src_big, os.path.join(srv.share, "lw.bin"))

    def before(self, srv, r):
        warm([os.path.join(srv.share, "lw.bin")])

    def run(self, srv, r):
        wall, cpu, res = self.load(srv, "write", "--file", "lw.bin", "--size", str(GiB))
        got = os.path.getsize(os.path.join(srv.share, "lw.bin"))
        if res.get("bytes") != GiB or got != GiB:
            raise BenchError(f"skiff-load write: {res.get('bytes')} bytes written, file has {got}")
        return {"wall": wall, "client_cpu": cpu, "MBps": GiB / wall / 1e6}


class LcRead(LoadClient):
    key = "lc_read_1g"
    title = "Sequential read, 1 GiB, pipelined (skiff-load)"
    how = "skiff-load read --depth 16 (1 MiB reads, each response's signature checked) of the 1 GiB file of read_1g"
    extra_cols = [("MBps", "MB/s", f0, "higher")]
    depth = 16

    def prepare(self, srv):
        if not os.path.exists(os.path.join(srv.share, "r1g.bin")):
            self.ctx.place_copy(self.ctx.src_big, os.path.join(srv.share, "r1g.bin"))

    def before(self, srv, r):
        warm([os.path.join(srv.share, "r1g.bin")])

    def run(self, srv, r):
        wall, cpu, res = self.load(srv, "read", "--file", "r1g.bin")
        if res.get("bytes") != GiB:
            raise BenchError(f"skiff-load read: {res.get('bytes')} bytes, not {GiB}")
        return {"wall": wall, "client_cpu": cpu, "MBps": GiB / wall / 1e6}


WORKLOADS = [WriteBig, WriteBigReplace, ReadBig, ReadBigEnc, SmallFiles, ListDir, PathContention, Echo,
             Parallel16, IdleConns, LcFiles, LcWriteInPlace, LcRead]


