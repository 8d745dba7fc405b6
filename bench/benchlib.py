#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# benchlib.py: what bench.py measures with: the processes it starts (and kills by PID), one cgroup
# v1 cpuacct+memory pair per server, the two servers (skiffd, Samba), a measured client run, the
# ceilings (iperf3, openssl speed) and the machine's description.
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
CG_ROOT = "/sys/fs/cgroup"
MiB = 1 << 20
GiB = 1 << 30
HOST = "127.0.0.1"


class BenchError(Exception):
    """A workload run that did not do what it should; the message goes into the report."""


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def read_text(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def write_text(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def tail(path, n=25):
    try:
        return "\n".join(read_text(path).splitlines()[-n:])
    except OSError:
        return ""


def cmd_output(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


# ---------------------------------------------------------------------------------------------
# Processes: everything bench starts is recorded and, if still alive at the end, killed by PID.

STARTED = []  # Popen objects


def spawn(cmd, **kw):
    p = subprocess.Popen(cmd, **kw)
    STARTED.append(p)
    return p


def kill_pid(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def reap_started():
    for p in STARTED:
        if p.returncode is None and p.poll() is None:
            kill_pid(p.pid, signal.SIGKILL)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def wait_rusage(p, timeout):
    """Wait for p (our child) with a time limit; returns (exit code, CPU seconds of the child).
    The CPU time comes from wait4's rusage, so it is the client process's own user+sys time."""
    timer = threading.Timer(timeout, kill_pid, (p.pid, signal.SIGKILL))
    timer.start()
    try:
        _, status, ru = os.wait4(p.pid, 0)
    finally:
        timer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, ru.ru_utime + ru.ru_stime


# ---------------------------------------------------------------------------------------------
# cgroup v1: one cpuacct and one memory group per server.

class Cgroup:
    def __init__(self, name):
        self.name = name
        self.cpu = os.path.join(CG_ROOT, "cpuacct", name)
        self.mem = os.path.join(CG_ROOT, "memory", name)

    def create(self):
        for d in (self.cpu, self.mem):
            if os.path.isdir(d):
                left = self._procs(d)
                if left:
                    raise SystemExit(f"bench: cgroup {d} still holds processes {sorted(left)} "
                                     "(another bench run, or a crashed one: stop them first)")
                os.rmdir(d)
            os.mkdir(d)

    @staticmethod
    def _procs(d):
        try:
            return {int(x) for x in read_text(os.path.join(d, "cgroup.procs")).split()}
        except OSError:
            return set()

    def pids(self):
        return self._procs(self.cpu) | self._procs(self.mem)

    def wrap(self, cmd):
        """cmd, started inside both groups before it execs (so every child is born inside)."""
        return ["/bin/sh", "-c", 'echo $$ >"$1" && echo $$ >"$2" && shift 2 && exec "$@"', "sh",
                os.path.join(self.cpu, "cgroup.procs"), os.path.join(self.mem, "cgroup.procs")] + cmd

    def cpu_ns(self):
        return int(read_text(os.path.join(self.cpu, "cpuacct.usage")))

    def cpu_sys_ns(self):
        """Kernel share of cpu_ns (cpuacct.usage_sys: system calls, page cache, TCP)."""
        return int(read_text(os.path.join(self.cpu, "cpuacct.usage_sys")))

    def mem_usage(self):
        return int(read_text(os.path.join(self.mem, "memory.usage_in_bytes")))

    def mem_max(self):
        return int(read_text(os.path.join(self.mem, "memory.max_usage_in_bytes")))

    def mem_reset_max(self):
        write_text(os.path.join(self.mem, "memory.max_usage_in_bytes"), "0")

    def mem_stat(self):
        st = {}
        for line in read_text(os.path.join(self.mem, "memory.stat")).splitlines():
            k, _, v = line.partition(" ")
            st[k] = int(v)
        return st

    def rss(self):
        """Anonymous memory of the group (heap, stacks, private copies), without page cache."""
        return self.mem_stat().get("rss", 0)

    def destroy(self):
        """Kill what is left in the groups (only processes bench started live there)."""
        for sig, rounds in ((signal.SIGTERM, 50), (signal.SIGKILL, 100)):
            left = self.pids()
            if not left:
                break
            for pid in left:
                kill_pid(pid, sig)
            for _ in range(rounds):
                if not self.pids():
                    break
                time.sleep(0.1)
        for d in (self.cpu, self.mem):
            for _ in range(50):
                try:
                    if os.path.isdir(d):
                        os.rmdir(d)
                    break
                except OSError:
                    time.sleep(0.1)


class MemSampler:
    """Samples the group's anonymous memory every 50 ms while a workload runs (cgroup v1 keeps a
    peak only for the total, page cache included)."""

    def __init__(self, cg):
        self.cg = cg
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while True:
            try:
                self.peak = max(self.peak, self.cg.rss())
            except OSError:
                pass
            if self._stop.wait(0.05):
                return

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self.cg.rss())


# ---------------------------------------------------------------------------------------------
# Servers

def port_in_use(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((HOST, port)) == 0


def pick_port():
    for _ in range(100):
        p = random.randint(20000, 40000)
        if not port_in_use(p):
            return p
    raise SystemExit("bench: no free port between 20000 and 40000")


def port_listening(port):
    """True if something listens on 127.0.0.1:port, without connecting (iperf3 -s -1 would take a
    probe for its one client)."""
    want = f"0100007F:{port:04X}"
    try:
        lines = read_text("/proc/net/tcp").splitlines()[1:]
    except OSError:
        return False
    return any(f[1] == want and f[3] == "0A" for f in (ln.split() for ln in lines) if len(f) > 3)


def wait_port(port, proc, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if port_in_use(port):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.1)
    return False


class Server:
    key = label = ""

    def __init__(self, ctx):
        self.ctx = ctx
        self.dir = os.path.join(ctx.work, self.key)
        self.share = os.path.join(self.dir, "share")
        self.cg = Cgroup(f"skiff-bench-{self.key}")
        self.proc = None
        self.port = 0
        self.logfile = ""
        self.notes = []
        self.rss_idle = []  # anonymous memory right after each start

    def make_share(self):
        os.makedirs(self.share, exist_ok=True)
        os.chown(self.share, self.ctx.uid, self.ctx.gid)
        os.chmod(self.share, 0o755)

    def start(self):
        self.make_share()
        self.cg.create()
        for _ in range(3):
            self.port = pick_port()
            self._start()
            if wait_port(self.port, self.proc, 30):
                self._ready()
                time.sleep(0.5)
                self.rss_idle.append(self.cg.rss())
                log(f"{self.label} pid {self.proc.pid} on {HOST}:{self.port}")
                return
            self._kill_all()
        raise SystemExit(f"bench: {self.label} did not start; log {self.logfile}:\n{tail(self.logfile)}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def restart(self):
        self.stop()
        self.start()

    def _kill_all(self):
        if self.proc is not None and self.proc.poll() is None:
            kill_pid(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                kill_pid(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        # children (Samba's per-connection smbd processes) are in the group: kill them by PID
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.cg.pids():
                kill_pid(pid, sig)
            for _ in range(50):
                if not self.cg.pids():
                    break
                time.sleep(0.1)

    def stop(self):
        self._kill_all()
        self.cg.destroy()

    def _ready(self):
        pass


class Skiffd(Server):
    key, label = "skiffd", "skiffd"

    def _start(self):
        c = self.ctx
        state = os.path.join(self.dir, "state")
        os.makedirs(state, mode=0o700, exist_ok=True)
        conf = os.path.join(self.dir, "skiffd.conf")
        write_text(conf, "\n".join([
            "# skiffd for bench/bench.py: equivalent to bench/smb.conf.in",
            "[global]",
            f"listen = {HOST}",
            f"port = {self.port}",
            "server signing = mandatory",
            "log level = 1",
            f"state directory = {state}",
            "netbios name = SKIFFBENCH",
            "workgroup = WORKGROUP",
            "server min protocol = SMB2_02",
            "server max protocol = SMB3_11",
            "server smb encrypt = if_required",
            "# caps only (defaults 1024, and 64 per address): the idle workload holds 1000",
            "# connections at once, all from 127.0.0.1; Samba has no per-address limit",
            "max connections = 4096",
            "max connections per address = 0",
            "",
            "[share]",
            f"path = {self.share}",
            "read only = no",
            f"valid users = {c.user}",
            "comment = bench share",
            ""]))
        chk = subprocess.run([c.skiffd, "-c", conf, "--check-config"], capture_output=True, text=True)
        if chk.returncode != 0:
            raise SystemExit(f"bench: skiffd --check-config rejected {conf}:\n{chk.stdout}{chk.stderr}")
        if not os.path.exists(os.path.join(state, "users.db")):
            add = subprocess.run([c.skiff, "-c", conf, "user", "add", c.user], capture_output=True,
                                 text=True, input=f"{c.password}\n{c.password}\n")
            if add.returncode != 0:
                raise SystemExit(f"bench: skiff user add failed:\n{add.stdout}{add.stderr}")
        self.logfile = os.path.join(self.dir, "skiffd.log")
        logf = open(self.logfile, "ab")
        self.proc = spawn(self.cg.wrap([c.skiffd, "-c", conf]), stdin=subprocess.DEVNULL,
                          stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        logf.close()


class Samba(Server):
    key, label = "samba", "Samba"

    def _start(self):
        c = self.ctx
        for d in ("private", "lock", "state", "cache", "pid", "ncalrpc", "bind-dns", "usershares", "log"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        os.chmod(os.path.join(self.dir, "private"), 0o700)
        conf = os.path.join(self.dir, "smb.conf")
        text = read_text(os.path.join(BENCH_DIR, "smb.conf.in"))
        for k, v in (("DIR", self.dir), ("PORT", str(self.port)), ("SHARE", self.share), ("USER", c.user)):
            text = text.replace(f"@{k}@", v)
        write_text(conf, text)
        tp = subprocess.run(["testparm", "-s", conf], capture_output=True, text=True)
        if tp.returncode != 0:
            raise SystemExit(f"bench: testparm rejected {conf}:\n{tp.stderr}")
        pw = subprocess.run(["smbpasswd", "-c", conf, "-L", "-s", "-a", c.user], capture_output=True,
                            text=True, input=f"{c.password}\n{c.password}\n")
        if pw.returncode != 0:
            raise SystemExit(f"bench: smbpasswd -a {c.user} failed:\n{pw.stdout}{pw.stderr}")
        self.logfile = os.path.join(self.dir, "log", "log.smbd")
        out = open(os.path.join(self.dir, "log", "smbd.stdout"), "ab")
        self.proc = spawn(self.cg.wrap(["smbd", "--foreground", "--no-process-group", "-s", conf]),
                          stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                          start_new_session=True)
        out.close()

    io_uring = None

    def _ready(self):
        # smbd binds before it can serve: wait for a real logon, then (once) check that the
        # io_uring module is in use (a tree connect sets up a ring in the connection's smbd).
        for _ in range(40):
            r = subprocess.run(self.ctx.smbclient(self, "ls"), capture_output=True, text=True)
            if r.returncode == 0:
                break
            time.sleep(0.25)
        else:
            raise SystemExit(f"bench: Samba answers on port {self.port} but smbclient cannot list the "
                             f"share:\n{r.stdout}{r.stderr}")
        if self.io_uring is not None:
            return
        p = spawn(self.ctx.smbclient(self, None), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL, text=True)
        try:
            p.stdin.write("ls\n")
            p.stdin.flush()
            rings = 0
            for _ in range(20):
                time.sleep(0.25)
                rings = sum(1 for pid in self.cg.pids() for fd in _fd_targets(pid) if "io_uring" in fd)
                if rings:
                    break
        finally:
            p.stdin.close()
            p.wait(timeout=30)
        self.io_uring = rings > 0
        if not self.io_uring:
            self.notes.append("Samba's io_uring VFS module was configured but no smbd held an "
                              "io_uring descriptor after a tree connect (see log.smbd)")


def _fd_targets(pid):
    d = f"/proc/{pid}/fd"
    try:
        names = os.listdir(d)
    except OSError:
        return []
    out = []
    for n in names:
        try:
            out.append(os.readlink(os.path.join(d, n)))
        except OSError:
            pass
    return out


# ---------------------------------------------------------------------------------------------
# Measurement

class Sample:
    def __init__(self):
        self.ok = True
        self.error = ""
        self.m = {}  # metric name -> value


def machine_cpu():
    """(busy, spare) CPU seconds of the whole machine so far, from /proc/stat. Niced work counts as
    spare: it yields to the benchmark (other people's fuzzers run at nice 19 on these machines)."""
    f = [int(x) for x in read_text("/proc/stat").splitlines()[0].split()[1:9]]
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, idle, iowait, irq, softirq, steal = f
    return (user + system + irq + softirq + steal) / hz, (idle + iowait + nice) / hz


def measured(srv, wl, body):
    """Runs body() -> dict of metrics (it must include 'wall' and 'client_cpu') and adds what the
    server's cgroups saw (CPU seconds, peak memory) and what the rest of the machine did meanwhile
    ('other_cpu': un-niced CPU used by neither server nor client, 'idle_cpu': idle or niced CPU)."""
    os.sync()  # the previous run's dirty pages must not be written back during this one
    time.sleep(0.3)
    s = Sample()
    cg = srv.cg
    cg.mem_reset_max()
    cpu0, sys0 = cg.cpu_ns(), cg.cpu_sys_ns()
    busy0, idle0 = machine_cpu()
    try:
        with MemSampler(cg) as ms:
            s.m.update(body())
            time.sleep(0.3)  # the server's side of the connection's end belongs to this workload
    except BenchError as e:
        s.ok, s.error = False, str(e)
    busy1, idle1 = machine_cpu()
    s.m["server_cpu"] = (cg.cpu_ns() - cpu0) / 1e9
    s.m["server_sys"] = 100 * (cg.cpu_sys_ns() - sys0) / 1e9 / max(s.m["server_cpu"], 1e-9)
    s.m["rss_peak"] = ms.peak
    s.m["mem_peak"] = cg.mem_max()
    s.m["idle_cpu"] = idle1 - idle0
    s.m["other_cpu"] = max(0.0, busy1 - busy0 - s.m["server_cpu"] - s.m.get("client_cpu", 0.0))
    if s.ok:
        wl.derive(s.m)
    if not srv.alive():
        s.ok = False
        s.error = (s.error + "; " if s.error else "") + \
            f"{srv.label} died (exit {srv.proc.returncode}); log tail:\n{tail(srv.logfile)}"
    return s


def run_clients(cmds, timeout, tag):
    """Starts every command at once; returns (wall seconds until the last ended, summed client CPU
    seconds, [(exit code, output)])."""
    outs = []
    procs = []
    t0 = time.monotonic()
    for i, cmd in enumerate(cmds):
        f = tempfile.TemporaryFile()
        outs.append(f)
        procs.append(spawn(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT))
    cpu = 0.0
    codes = []
    for p in procs:
        rc, c = wait_rusage(p, timeout)
        codes.append(rc)
        cpu += c
    wall = time.monotonic() - t0
    res = []
    for rc, f in zip(codes, outs):
        f.seek(0)
        res.append((rc, f.read().decode("utf-8", "replace")))
        f.close()
    if any(rc == -signal.SIGKILL for rc in codes):
        raise BenchError(f"{tag}: client killed after the {timeout} s time limit")
    return wall, cpu, res


def check_smbclient(rc, out, tag):
    errs = sorted(set(re.findall(r"NT_STATUS_[A-Z_]+", out)))
    if rc != 0 or errs:
        lines = [ln for ln in out.splitlines() if "NT_STATUS" in ln or "rror" in ln][:5]
        raise BenchError(f"{tag}: smbclient exit {rc} {' '.join(errs)}: " + " | ".join(lines or out.splitlines()[-3:]))


# ---------------------------------------------------------------------------------------------
# Ceilings and machine

def ceiling_iperf(seconds):
    port = pick_port()
    srv = spawn(["iperf3", "-s", "-1", "-B", HOST, "-p", str(port)], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if port_listening(port) or srv.poll() is not None:
                break
            time.sleep(0.1)
        r = subprocess.run(["iperf3", "-c", HOST, "-p", str(port), "-t", str(seconds), "-J"],
                           capture_output=True, text=True, timeout=seconds + 30)
        return json.loads(r.stdout)["end"]["sum_received"]["bits_per_second"] / 8
    except (subprocess.SubprocessError, ValueError, KeyError) as e:
        log(f"iperf3 failed: {e}")
        return None
    finally:
        if srv.poll() is None:
            kill_pid(srv.pid, signal.SIGTERM)
        srv.wait()


def ceiling_aes(seconds):
    r = subprocess.run(["openssl", "speed", "-evp", "aes-128-gcm", "-seconds", str(seconds), "-bytes", "16384"],
                       capture_output=True, text=True)
    m = re.search(r"^AES-128-GCM\s+([\d.]+)k\s*$", r.stdout, re.M | re.I)
    return float(m.group(1)) * 1000 if m else None


# A VM whose balloon device does free page reporting hands memory the guest frees back to the
# hypervisor about 2 s later (the kernel's page_reporting_delay); the next first touch of such a page
# then faults in the hypervisor. Writing a new 1 GiB file takes 1 GiB of fresh page cache, so on such a
# VM its cost depends on how long ago the previous run freed its file. bench makes that state the same
# for every run of both servers: it waits until reporting has taken everything back (settle).
VIRTIO_ID_BALLOON = 5
VIRTIO_BALLOON_F_REPORTING = 5
PAGE_REPORT_SETTLE_S = 3.0


def free_page_reporting():
    """True when a virtio balloon with free page reporting is bound here."""
    base = "/sys/bus/virtio/devices"
    for dev in os.listdir(base) if os.path.isdir(base) else []:
        try:
            if int(read_text(os.path.join(base, dev, "device")), 16) != VIRTIO_ID_BALLOON:
                continue
            bits = read_text(os.path.join(base, dev, "features")).strip()
        except (OSError, ValueError):
            continue
        if len(bits) > VIRTIO_BALLOON_F_REPORTING and bits[VIRTIO_BALLOON_F_REPORTING] == "1":
            return True
    return False


def settle_free_pages():
    """Let free page reporting take back what earlier runs freed, so that each run starts alike."""
    if free_page_reporting():
        time.sleep(PAGE_REPORT_SETTLE_S)


def ceiling_pagecache(workdir):
    """Seconds to write 1 GiB through the page cache of the share's file system with dd, from a
    cached source: into a new file once memory has settled (on a VM that reports free pages, every
    new page faults in the hypervisor, which can cost more than anything a server does), into a new
    file just after deleting the previous one (its pages recycled), and over a file in place (its
    pages already there). A server's 1 GiB put into a new file cannot beat the first or second figure
    in the same conditions; the third bounds what writing costs."""
    d = os.path.join(workdir, "ceiling-dd")
    os.makedirs(d, exist_ok=True)
    src, dst = os.path.join(d, "src"), os.path.join(d, "dst")
    out = {}

    def dd(key, extra):
        t = time.monotonic()
        r = subprocess.run(["dd", f"if={src}", f"of={dst}", "bs=8M"] + extra,
                           capture_output=True, text=True, timeout=300)
        out[key] = time.monotonic() - t if r.returncode == 0 else None

    try:
        block = os.urandom(8 * MiB)
        with open(src, "wb") as f:
            for _ in range(GiB // len(block)):
                f.write(block)
        with open(src, "rb") as f:   # in the page cache, as bench's own data files are
            while f.read(8 * MiB):
                pass
        settle_free_pages()
        dd("new", [])
        dd("inplace", ["conv=notrunc"])
        os.unlink(dst)
        dd("recycled", [])
    except (OSError, subprocess.SubprocessError) as e:
        log(f"page-cache ceiling failed: {e}")
    finally:
        for f in (src, dst):
            try:
                os.unlink(f)
            except OSError:
                pass
    return out


# What skiff-floor measures (bench/floor): (key, arguments). Each moves the 1 GiB client file over
# loopback TCP in signed messages doing only what any signing server must do per byte; "1m" ones
# use skiff-load's 1 MiB I/O size, the others smbclient's 8 MiB.
FLOOR_VARIANTS = (
    ("read", ["read", "{src}"]),
    ("read_1m", ["read", "{src}", "--chunk", str(MiB)]),
    ("read_nomac", ["read", "{src}", "--no-mac"]),
    ("read_mmap", ["read", "{src}", "--via", "mmap"]),
    ("read_sendfile", ["read", "{src}", "--via", "sendfile"]),
    ("write_inplace_1m", ["write", "{src}", "--dest", "{dst}", "--chunk", str(MiB)]),
    ("write_replace", ["write", "{src}", "--dest", "{dst}", "--truncate"]),
)


def ceiling_floor(floor_bin, src, workdir, runs=3):
    """Medians of skiff-floor's wall, serving-side and other-end CPU seconds for each FLOOR_VARIANTS
    entry: what a server that does nothing but move and sign the bytes costs on this machine."""
    d = os.path.join(workdir, "ceiling-floor")
    os.makedirs(d, exist_ok=True)
    dst = os.path.join(d, "dst")
    out = {}
    try:
        shutil.copyfile(src, dst)   # in place: its pages cached, like the servers' files
        for key, args in FLOOR_VARIANTS:
            walls, cpus, peer = [], [], []
            for _ in range(runs):
                if key.startswith("write"):
                    settle_free_pages()
                cmd = [floor_bin] + [x.format(src=src, dst=dst) for x in args]
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
                if r.returncode != 0:
                    raise BenchError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()[-300:]}")
                j = json.loads(r.stdout)
                walls.append(j["wall_s"])
                cpus.append(j["server_cpu_s"])
                peer.append(j["client_cpu_s"])
            out[key] = {"wall": statistics.median(walls), "cpu": statistics.median(cpus),
                        "client_cpu": statistics.median(peer)}
    except (OSError, ValueError, KeyError, subprocess.SubprocessError, BenchError) as e:
        log(f"floor ceiling failed: {e}")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return out


def loadavg():
    return " ".join(read_text("/proc/loadavg").split()[:3])


def machine_info(ctx):
    cpu = next((ln.split(":", 1)[1].strip() for ln in read_text("/proc/cpuinfo").splitlines()
                if ln.startswith("model name")), "?")
    mem = next((ln.split()[1] for ln in read_text("/proc/meminfo").splitlines() if ln.startswith("MemTotal")), "0")
    osr = next((ln.split("=", 1)[1].strip('"') for ln in read_text("/etc/os-release").splitlines()
                if ln.startswith("PRETTY_NAME=")), "?")
    fs = cmd_output(["findmnt", "-n", "-o", "SOURCE,FSTYPE,OPTIONS", "-T", ctx.work])
    return [("CPUs (nproc)", f"{os.cpu_count()} × {cpu}"), ("memory", f"{int(mem) // 1024} MiB"),
            ("kernel", platform.release()), ("OS", osr), ("share file system", fs),
            ("free page reporting (virtio balloon)", "on: write workloads settle "
             f"{PAGE_REPORT_SETTLE_S:.0f} s before each run" if free_page_reporting() else "off")]


def versions():
    v = {"samba": cmd_output(["smbd", "--version"]), "smbclient": cmd_output(["smbclient", "--version"]),
         "smbtorture": cmd_output(["smbtorture", "--version"]).splitlines()[0],
         "iperf3": cmd_output(["iperf3", "--version"]).splitlines()[0],
         "openssl": cmd_output(["openssl", "version"])}
    v["impacket"] = cmd_output(["/usr/bin/python3", "-c", "import impacket.version as v; print(v.version)"])
    return v


