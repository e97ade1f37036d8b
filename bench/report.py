#!/usr/bin/env python3
"""Turns bench/run.sh's raw figures (results.tsv: round, peer, workload, metric, value) into the
markdown results table (medians over rounds, ratios to Netty epoll and to C), an SVG chart, and,
with --docs, the dated results section of docs/BENCHMARKS.md (replaced on every run).
Standard library only: the chart is written by hand."""

import argparse
import datetime
import html
import math
import re
import statistics
from collections import defaultdict

PEERS = [  # column order; key -> label
    ("ksock", "ksock"),
    ("ksock-mbuf", "ksock mbuf"),
    ("netty-epoll", "Netty epoll"),
    ("netty-nio", "Netty NIO"),
    ("nio", "java.nio"),
    ("c", "C epoll"),
]
COLORS = {"ksock": "#d9480f", "ksock-mbuf": "#f08c00", "netty-epoll": "#1864ab",
          "netty-nio": "#4dabf7", "nio": "#5c940d", "c": "#495057"}

# (workload, metric, label, unit, higher_is_better, in_chart)
ROWS = [
    ("echo1", "rate", "echo 64 B, 1 conn", "msgs/s", True, True),
    ("echo1", "p50", "echo 64 B, 1 conn, p50", "µs", False, False),
    ("echo1", "p99", "echo 64 B, 1 conn, p99", "µs", False, False),
    ("echo1", "cpu", "echo 64 B, 1 conn, server CPU", "µs/msg", False, True),
    ("echo50", "rate", "echo 64 B, 50 conns", "msgs/s", True, True),
    ("echo50", "p50", "echo 64 B, 50 conns, p50", "µs", False, False),
    ("echo50", "p99", "echo 64 B, 50 conns, p99", "µs", False, False),
    ("echo50", "cpu", "echo 64 B, 50 conns, server CPU", "µs/msg", False, True),
    ("http", "rate", "HTTP plaintext, wrk -t1 -c50", "req/s", True, True),
    ("http", "cpu", "HTTP plaintext, server CPU", "µs/req", False, True),
    ("pipelined", "rate", "HTTP, 16 pipelined per write", "req/s", True, True),
    ("pipelined", "cpu", "HTTP pipelined, server CPU", "µs/req", False, True),
    ("pipelined-c", "rate", "HTTP, 16 pipelined per write, C client", "req/s", True, True),
    ("pipelined-c", "cpu", "HTTP pipelined (C client), server CPU", "µs/req", False, True),
    ("pipelined-c", "client_cpu", "HTTP pipelined (C client), client CPU", "µs/req", False, False),
    ("bulk", "rate", "bulk 64 KiB writes, 1 conn", "MB/s", True, True),
    ("bulk", "cpu", "bulk, server CPU", "µs/MB", False, True),
    ("accept", "rate", "accept + close", "conns/s", True, True),
    ("accept", "cpu", "accept, server CPU", "µs/conn", False, True),
    ("idle", "heap", "idle conns: Java heap after GC", "B/conn", False, False),
    ("idle", "rss", "idle conns: resident memory", "B/conn", False, False),
    ("alloc", "bytes_per_msg", "allocated on the loop thread, echo 50 conns", "B/msg", False, False),
]

BEGIN = "<!-- bench/run.sh results: begin (generated; rerunning bench/run.sh replaces this section) -->"
END = "<!-- bench/run.sh results: end -->"
HEADING = "## Results: ksock beside its peers (bench/run.sh)"


def load(path):
    values = defaultdict(list)
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5:
                continue
            _, peer, workload, metric, value = parts
            try:
                v = float(value)
            except ValueError:
                continue
            if not math.isnan(v):
                values[(peer, workload, metric)].append(v)
    return {k: statistics.median(v) for k, v in values.items()}, values


def spread(values, workload, metric):
    """Largest (max - min) / median over the peers of a row: how far rounds disagree."""
    worst = None
    for (peer, w, m), v in values.items():
        if w == workload and m == metric and len(v) > 1:
            med = statistics.median(v)
            if med:
                s = (max(v) - min(v)) / abs(med)
                worst = s if worst is None else max(worst, s)
    return "–" if worst is None else f"{100 * worst:.0f} %"


def fmt(v):
    if v is None:
        return "–"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def markdown(med, values, args, date):
    peers = [(k, l) for k, l in PEERS if any(key[0] == k for key in med)]
    out = []
    mode = "**quick mode: 1 round of 1 s windows, noisy; not for comparison**" if args.quick else ""
    out.append(f"Measured {date} by `bench/run.sh` on {args.cores} cores ({args.java}). Each server "
               f"process pinned to core 0, load clients on core 1, one event-loop thread per server "
               f"(`-Dksock.loops=1`); {args.rounds} round(s) alternating the servers, each workload "
               f"{args.warmup} s warm-up then a {args.seconds} s window; medians over rounds. {mode}")
    out.append("")
    out.append("| workload | unit | " + " | ".join(l for _, l in peers) + " | ksock ÷ Netty epoll | ksock ÷ C | spread |")
    out.append("|---|---|" + "---:|" * len(peers) + "---:|---:|---:|")
    for workload, metric, label, unit, higher, _ in ROWS:
        cells = [med.get((k, workload, metric)) for k, _ in peers]
        if all(c is None for c in cells):
            continue
        ks = med.get(("ksock", workload, metric))
        better = "↑" if higher else "↓"
        out.append(f"| {label} | {unit} {better} | " + " | ".join(fmt(c) for c in cells) + " | "
                   + ratio(ks, med.get(("netty-epoll", workload, metric))) + " | "
                   + ratio(ks, med.get(("c", workload, metric))) + " | "
                   + spread(values, workload, metric) + " |")
    out.append("")
    out.append("↑ higher is better, ↓ lower is better. *ksock mbuf* is the ksock sink receiving through "
               "`sock_receivembuf` (chains freed at once); the ratio columns use plain *ksock*. *spread*: the "
               "largest (max − min) ÷ median over rounds among the peers of the row; when it is "
               "larger than a ratio's distance from 1, that ratio is noise. Server CPU "
               "is utime+stime of the whole server process from `/proc/PID/stat` over the window, "
               "divided by the work done (10 ms tick resolution). Idle memory: "
               f"{args.idle_conns:,} connections held open on the echo service, heap used after GC "
               "(MemoryMXBean, in-process) and VmRSS, each minus the figure before connecting. "
               "Allocation: HotSpot's per-thread allocated-bytes counter of the event-loop thread "
               "over the 50-connection echo window (it includes accepting those 50 connections).")
    out.append("")
    out.append("![ksock beside its peers](benchmarks.svg)")
    return "\n".join(out)


def svg(med, args, date):
    """Two panels of horizontal bars, every figure relative to Netty epoll (= 1)."""
    peers = [k for k, _ in PEERS if any(key[0] == k for key in med)]
    labels = dict(PEERS)
    panels = [("Throughput relative to Netty epoll (higher is better)", True),
              ("Server CPU per unit of work relative to Netty epoll (lower is better)", False)]
    bar, gap, left, width = 11, 10, 250, 560
    rows_by_panel = []
    for _, higher in panels:
        rows = [r for r in ROWS if r[5] and r[4] == higher
                and med.get(("netty-epoll", r[0], r[1]))]
        rows_by_panel.append(rows)
    height = 60 + sum(30 + len(rows) * (len(peers) * bar + gap) for rows in rows_by_panel) + 40
    total_w = left + width + 170
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{height}" '
         f'font-family="sans-serif" font-size="11">',
         f'<rect width="100%" height="100%" fill="white"/>',
         f'<text x="10" y="20" font-size="15" font-weight="bold">ksock beside its peers — bench/run.sh, {date}'
         f'{" (quick mode, noisy)" if args.quick else ""}</text>']
    # legend
    x = 10
    for k in peers:
        s.append(f'<rect x="{x}" y="32" width="11" height="11" fill="{COLORS[k]}"/>')
        s.append(f'<text x="{x + 15}" y="42">{html.escape(labels[k])}</text>')
        x += 20 + 7 * len(labels[k]) + 10
    y = 60
    for (title, _), rows in zip(panels, rows_by_panel):
        s.append(f'<text x="10" y="{y + 14}" font-size="13" font-weight="bold">{html.escape(title)}</text>')
        y += 24
        top = y
        vmax = 0.0
        for w, m, *_ in rows:
            base = med[("netty-epoll", w, m)]
            for k in peers:
                v = med.get((k, w, m))
                if v is not None:
                    vmax = max(vmax, v / base)
        vmax = max(vmax, 1.0) * 1.05
        for w, m, label, unit, *_ in rows:
            base = med[("netty-epoll", w, m)]
            n = len(peers)
            s.append(f'<text x="{left - 8}" y="{y + n * bar / 2 + 4}" text-anchor="end">'
                     f'{html.escape(label)} ({html.escape(unit)})</text>')
            for i, k in enumerate(peers):
                v = med.get((k, w, m))
                if v is None:
                    continue
                bw = width * (v / base) / vmax
                s.append(f'<rect x="{left}" y="{y + i * bar}" width="{bw:.1f}" height="{bar - 2}" fill="{COLORS[k]}"/>')
                s.append(f'<text x="{left + bw + 4:.1f}" y="{y + i * bar + bar - 3}" font-size="9">'
                         f'{v / base:.2f} ({fmt(v)})</text>')
            y += n * bar + gap
        one = left + width / vmax
        s.append(f'<line x1="{one:.1f}" y1="{top - 4}" x2="{one:.1f}" y2="{y - gap + 2}" stroke="#868e96" '
                 f'stroke-dasharray="3,3"/>')
        s.append(f'<text x="{one:.1f}" y="{top - 6}" font-size="9" text-anchor="middle" fill="#868e96">Netty epoll = 1</text>')
        y += 16
    s.append("</svg>")
    return "\n".join(s)


def update_docs(path, section):
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        text = "# ksock benchmarks\n"
    block = f"{HEADING}\n\n{BEGIN}\n{section}\n{END}\n"
    pattern = re.compile(re.escape(HEADING) + r"\n.*?" + re.escape(END) + r"\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    with open(path, "w") as f:
        f.write(text)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--results", required=True)
    p.add_argument("--markdown", required=True)
    p.add_argument("--svg", required=True)
    p.add_argument("--docs")
    p.add_argument("--seconds", type=int, default=0)
    p.add_argument("--warmup", type=int, default=0)
    p.add_argument("--rounds", type=int, default=0)
    p.add_argument("--idle-conns", type=int, default=0)
    p.add_argument("--java", default="")
    p.add_argument("--cores", default="?")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    med, values = load(args.results)
    date = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    md = markdown(med, values, args, date)
    with open(args.markdown, "w") as f:
        f.write(md + "\n")
    with open(args.svg, "w") as f:
        f.write(svg(med, args, date) + "\n")
    if args.docs:
        update_docs(args.docs, md)


if __name__ == "__main__":
    main()
