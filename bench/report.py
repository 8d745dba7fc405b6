#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# report.py: turns the samples of a bench run into the Markdown report: machine, ceilings, a summary
# of skiffd/Samba ratios, one table per workload (medians), failures and what limited each workload.
import os
import statistics

from benchlib import HOST, MiB, machine_info

NCPU = os.cpu_count() or 1


def med(samples, key):
    vals = [s.m[key] for s in samples if s.ok and key in s.m]
    return statistics.median(vals) if vals else None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def gbs(x):
    return f"{x / 1e9:.2f} GB/s" if x else "not measured"


def fmt(col, v):
    return col[2](v) if v is not None else "–"


def limits(w, label, m):
    """What held this workload back, from the medians: the client, round trips, other load."""
    out = []
    wall, ccpu, scpu = m.get("wall"), m.get("client_cpu"), m.get("server_cpu")
    idle, other = m.get("idle_cpu"), m.get("other_cpu")
    if None in (wall, ccpu, scpu) or wall <= 0 or w.key == "idle_1000":
        return out
    if w.single_client and ccpu / wall >= 0.8:
        out.append(f"{label}: the client used {ccpu:.2f} s of CPU in {wall:.2f} s ({100 * ccpu / wall:.0f}% of a "
                   f"core): the single-threaded client is (close to) the bottleneck; the server used {scpu:.2f} s.")
    elif w.single_client and ccpu + scpu < 0.6 * wall and idle is not None and idle > 0.3 * wall * NCPU:
        out.append(f"{label}: client ({ccpu:.2f} s) and server ({scpu:.2f} s) together kept "
                   f"{100 * (ccpu + scpu) / wall:.0f}% of one core busy over {wall:.2f} s while the machine "
                   f"had {idle:.2f} s of idle CPU: the run is bound by round trips or waiting, not by CPU.")
    if not w.single_client and (ccpu + scpu) / wall >= 0.8 * NCPU:
        out.append(f"{label}: clients {ccpu:.2f} s + server {scpu:.2f} s of CPU in {wall:.2f} s on {NCPU} "
                   f"cores: the machine's CPUs are saturated, so the clients' own cost limits the aggregate.")
    if other is not None and other > 0.3 * wall:
        out.append(f"{label}: other (un-niced) processes on the machine used {other:.2f} s of CPU during "
                   f"the {wall:.2f} s run: expect noise.")
    return out


FLOOR_ROWS = (
    ("read", "pread 8 MiB into a buffer, GMAC, send"),
    ("read_1m", "the same in 1 MiB messages"),
    ("read_nomac", "the same without the MAC (no signing)"),
    ("read_mmap", "GMAC over a read-only mapping, send from it (one copy fewer)"),
    ("read_sendfile", "GMAC over a mapping, sendfile (no copy in the server)"),
    ("write_inplace_1m", "receive 1 MiB messages, check the GMAC, pwrite over a cached file in place"),
    ("write_replace", "receive 8 MiB, check, pwrite into that file truncated first (a replace)"),
)

# Goals of the bulk workloads (issue 4: wall at most Samba's / 1.5, server CPU at most half of
# Samba's) and the floor variant that does the same transfer with no protocol around it. A put into
# a new file has none: on a VM its cost is the hypervisor's for fresh pages (the dd ceilings), which
# varies too much from run to run to bound anything.
GOAL_FLOOR = (
    ("write_1g_replace", "write_replace"),
    ("read_1g", "read"),
    ("lc_write_1g", "write_inplace_1m"),
    ("lc_read_1g", "read_1m"),
)
WALL_GOAL_FACTOR = 1 / 1.5
CPU_GOAL_FACTOR = 0.5


def floor_rows(floor):
    """Ceilings-table rows for skiff-floor: wall, serving-side CPU and the other end's."""
    rows = []
    for key, what in FLOOR_ROWS:
        v = floor.get(key)
        fig = (f"{v['wall']:.3f} s wall, {v['cpu']:.3f} s CPU (other end {v['client_cpu']:.3f} s)"
               if v else "not measured")
        rows.append(f"| floor, 1 GiB over loopback TCP (`skiff-floor`, median of 3): {what} | {fig} | |")
    return rows


def goals_vs_floor(results, wls, floor):
    """For each bulk workload: Samba's figures, the goals they set, the floor and skiffd's."""
    keys = {w.key: w for w in wls}
    rows = []
    for wkey, fkey in GOAL_FLOOR:
        f = floor.get(fkey)
        if wkey not in keys or not f:
            continue
        rs = results[wkey]
        sw, sc = med(rs["samba"], "wall"), med(rs["samba"], "server_cpu")
        kw, kc = med(rs["skiffd"], "wall"), med(rs["skiffd"], "server_cpu")
        if None in (sw, sc, kw, kc):
            continue
        gw, gc = sw * WALL_GOAL_FACTOR, sc * CPU_GOAL_FACTOR

        def verdict(have, goal, fl):
            if have <= goal:
                return "met"
            return f"not met; goal = {goal / fl:.2f}× floor"
        rows.append(f"| {keys[wkey].title} | {sw:.3f} | {gw:.3f} | {f['wall']:.3f} | {kw:.3f} | "
                    f"{verdict(kw, gw, f['wall'])} | {sc:.3f} | {gc:.3f} | {f['cpu']:.3f} | {kc:.3f} | "
                    f"{verdict(kc, gc, f['cpu'])} |")
    if not rows:
        return []
    return ["", "## Bulk goals against the floor", "",
            "Goals: wall at most Samba's / 1.5, server CPU at most half of Samba's. Floor: skiff-floor "
            "doing the same transfer with no server around it (ceilings above). A goal well under the floor "
            "asks less than signing and moving those bytes costs on this machine; near it, mind that the "
            "loopback TCP work is split between the two ends by who runs it.", "",
            "| workload | Samba wall s | goal | floor | skiffd | wall | Samba CPU s | goal | floor | skiffd "
            "| CPU |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"] + rows


def report(ctx, servers, results, wls, ceil, started, elapsed, load0, load1):
    sk, sa = servers
    pair = (("skiffd", sk), ("samba", sa))
    L = [f"# Skiff benchmark: skiffd vs Samba, {started:%Y-%m-%d %H:%M}", ""]
    L.append(f"Made by `{ctx.a.command or 'bench/run.sh'}` in {elapsed / 60:.1f} min: {ctx.runs} run(s) of each "
             "workload per server, alternating skiffd, Samba, skiffd, Samba…, both servers started afresh "
             "for each workload (for each run of the idle connections); every figure is the median over the runs, and ratio = skiffd / Samba "
             "(below 1: skiffd's figure is lower).")
    L += ["", "## Machine", "", "| | |", "| --- | --- |"]
    for k, v in machine_info(ctx):
        L.append(f"| {k} | {v} |")
    L.append(f"| load average (1/5/15 min) | {load0} at the start, {load1} at the end (each workload's "
             "own starting load is shown with it) |")
    L.append(f"| skiffd | {ctx.a.build_info or ctx.skiffd} |")
    for k in ("samba", "smbclient", "smbtorture", "impacket", "iperf3", "openssl"):
        L.append(f"| {k} | {ctx.versions.get(k, '?')} |")

    L += ["", "## Ceilings", "", "| | start | end |", "| --- | --- | --- |"]
    L.append(f"| loopback TCP, one stream (`iperf3 -c {HOST} -t {ctx.iperf_secs}`) | "
             f"{gbs(ceil.get('tcp0'))} | {gbs(ceil.get('tcp1'))} |")
    L.append("| AES-128-GCM, one core, 16 KiB blocks (`openssl speed -evp aes-128-gcm -seconds 3 -bytes 16384`) "
             f"| {gbs(ceil.get('aes0'))} | {gbs(ceil.get('aes1'))} |")
    def dd(which, key):
        v = (ceil.get(which) or {}).get(key)
        return f"{v:.2f} s" if v is not None else "?"
    L.append("| 1 GiB into a new file of the share's file system (`dd bs=8M`, cached source), memory settled | "
             f"{dd('dd0', 'new')} | {dd('dd1', 'new')} |")
    L.append("| the same into a new file just after deleting a 1 GiB file (page cache recycled) | "
             f"{dd('dd0', 'recycled')} | {dd('dd1', 'recycled')} |")
    L.append("| the same over that file in place (`dd bs=8M conv=notrunc`) | "
             f"{dd('dd0', 'inplace')} | {dd('dd1', 'inplace')} |")
    L += floor_rows(ceil.get("floor") or {})
    tcp = max(ceil.get("tcp0") or 0, ceil.get("tcp1") or 0)

    L += ["", "## Summary", "",
          "| workload | headline | skiffd | Samba | skiffd/Samba | server CPU skiffd/Samba | "
          "server memory skiffd/Samba | status |",
          "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for w in wls:
        rs = results[w.key]
        cols = {c[0]: c for c in w.cols()}
        pk, pdir = w.primary
        a, b = med(rs["skiffd"], pk), med(rs["samba"], pk)
        ck = next(k for k in ("cpu_us_op", "cpu_ms_conn", "server_cpu") if k in cols)
        mk = "conn_mem" if "conn_mem" in cols else "rss_peak"
        st = [f"{srv.label} failed {sum(1 for x in rs[k] if not x.ok)}/{len(rs[k])}"
              for k, srv in pair if any(not x.ok for x in rs[k])]
        L.append(f"| {w.title} | {cols[pk][1]} ({pdir} is better) | {fmt(cols[pk], a) if a is not None else 'FAILED'} | "
                 f"{fmt(cols[pk], b) if b is not None else 'FAILED'} | {ratio(a, b)} | "
                 f"{ratio(med(rs['skiffd'], ck), med(rs['samba'], ck))} | "
                 f"{ratio(med(rs['skiffd'], mk), med(rs['samba'], mk))} | {', '.join(st) or 'ok'} |")
    L += ["", "Server CPU compares CPU seconds (per operation for the smbtorture workloads, per connection "
          "for the idle connections); server memory compares the peak anonymous memory of the server's "
          "cgroup (per connection, all memory, for the idle connections)."]

    L += goals_vs_floor(results, wls, ceil.get("floor") or {})

    L += ["", "## Workloads"]
    for w in wls:
        rs = results[w.key]
        cols = w.cols()
        L += ["", f"### {w.title}", "", w.how + ".", "",
              "| server | " + " | ".join(c[1] for c in cols) + " | runs ok |",
              "|" + " --- |" * (len(cols) + 2)]
        meds = {}
        for k, srv in pair:
            meds[k] = {c[0]: med(rs[k], c[0]) for c in cols}
            for extra in ("idle_cpu", "MBps"):
                meds[k][extra] = med(rs[k], extra)
            L.append(f"| {srv.label} | " + " | ".join(fmt(c, meds[k][c[0]]) for c in cols) +
                     f" | {sum(1 for x in rs[k] if x.ok)}/{len(rs[k])} |")
        L.append("| skiffd/Samba | " + " | ".join(ratio(meds["skiffd"][c[0]], meds["samba"][c[0]]) if c[3] else ""
                                                 for c in cols) + " | |")
        if w.key in ctx.load_at:
            L += ["", f"Load average (1 min) when the workload started: {ctx.load_at[w.key]}."]
        pcol = next(c for c in cols if c[0] == w.primary[0])
        runs = "; ".join(f"{srv.label} " + ", ".join(fmt(pcol, x.m.get(pcol[0])) if x.ok else "failed"
                                                     for x in rs[k]) for k, srv in pair)
        L += ["", f"Each run ({pcol[1]}): {runs}."]
        if w.key.startswith("read_1g") and tcp:
            L.append("Share of the loopback TCP ceiling: " + ", ".join(
                f"{srv.label} {meds[k]['MBps'] * 1e6 / tcp * 100:.0f}%" for k, srv in pair if meds[k].get("MBps")) + ".")
        notes = []
        for k, srv in pair:
            notes += limits(w, srv.label, meds[k])
        if notes:
            L.append("")
            L += [f"- {n}" for n in notes]
        for k, srv in pair:
            errs = [f"run {i + 1}: {x.error}" for i, x in enumerate(rs[k]) if not x.ok]
            if errs:
                L += ["", f"**{srv.label} failed:**", "", "```"] + errs + ["```"]

    L += ["", "## How it was measured", ""]
    notes = []
    for s in servers:
        if s.rss_idle:
            lo, hi = min(s.rss_idle) / MiB, max(s.rss_idle) / MiB
            notes.append(f"{s.label} at rest, right after each start: "
                         f"{f'{lo:.1f}' if f'{lo:.1f}' == f'{hi:.1f}' else f'{lo:.1f}–{hi:.1f}'} MiB of anonymous memory.")
        notes += [f"{s.label}: {n}" for n in s.notes]
    notes.append("Samba's io_uring VFS module (Debian's samba-vfs-modules ships it): " +
                 ("in use — an smbd held an io_uring descriptor after a tree connect." if sa.io_uring else
                  "configured but NOT seen in use."))
    notes += [
        "Both servers sign every request (`server signing = mandatory`); at SMB 3.1.1 smbclient 4.17 and both "
        "servers choose AES-128-GMAC signing. The encrypted read asks for AES-128-GCM only. smbclient runs "
        "with `-s /dev/null -t 60` (no smb.conf, 60 s per-operation timeout).",
        "Server CPU: the delta of the server cgroup's cpuacct.usage (every thread or process, user + system; "
        "'of it kernel %' is the cpuacct.usage_sys share: system calls, page cache, TCP, crypto stays in user "
        "space). "
        "On loopback the kernel's TCP work is charged to whichever side runs it, so the client/server split "
        "of network-stack CPU is approximate. Client CPU: the client processes' own user + system time "
        "(wait4). Others' CPU: what the whole machine used meanwhile (/proc/stat, without niced work, which "
        "yields to the benchmark) minus both; for the idle connections it spans the connections' set-up "
        "and tear-down, longer than the connect time shown.",
        "Server RSS: peak of the memory cgroup's `rss` (anonymous memory), sampled every 50 ms. Cgroup peak: "
        "memory.max_usage_in_bytes, which also counts page cache the server brought in itself (files it "
        "wrote or read from disk) and kernel memory. The files the servers read were written by bench "
        "directly and are read once by bench before every run, so the runs find them in the page cache and "
        "it is charged to neither server.",
        "Idle connections: memory.usage_in_bytes (anonymous memory, page cache, kernel memory — for Samba "
        "also one process per connection) 1 s after the last connection is up minus just before the first, "
        "per connection; RSS/conn the same with anonymous memory only.",
        "skiff-load (bench/loadclient) is bench's pipelined client, used against both servers where "
        "smbclient is the bottleneck; skiff-floor (bench/floor) is no server at all: the least work per "
        "byte any signing server does, the floor in the goals table.",
    ]
    loads = [float(load0.split()[0])] + [float(x) for x in ctx.load_at.values()]
    if max(loads) > 1:
        notes.append(f"The machine was not idle (1-minute load average up to {max(loads):.1f} when a workload "
                     "started; Samba's 1,000 processes in the idle-connection workload raise it too): absolute "
                     "figures are noisy; alternating the servers keeps their ratios comparable.")
    L += [f"- {n}" for n in notes] + [""]
    return "\n".join(L)
