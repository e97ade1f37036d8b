#!/usr/bin/env python3
"""A userspace netem: impairs IP packets between the root namespace and a test namespace.

This host's kernel has no sch_netem (``tc qdisc add ... netem`` answers "Specified qdisc kind is
unknown"), so the reliability tests impair the path themselves. Two TUN devices carry raw IP
packets: ``<name>a`` stays in the root namespace (address A, point-to-point to B) and ``<name>b``
is moved into the test namespace NS (address B, point-to-point to A). This process relays every
packet between them and applies, per direction, netem's rules:

  loss     drop the packet with this probability
  dup      send it twice with this probability
  delay    hold it this many milliseconds
  reorder  send it at once, skipping the delay, with this probability (so it overtakes earlier
           delayed packets: netem's "delay 10ms reorder 25%")

Commands on stdin, one per line: ``set loss=1.0`` (any of loss/dup/delay/reorder), ``stats``.
End of stdin (the test JVM went away) stops the relay, so it never outlives its test. The caller
deletes the namespace; the TUN devices vanish with this process.

Prints ``READY`` once both ends are up, then one ``STATS ...`` line per ``stats`` and at exit.
"""
import argparse
import fcntl
import heapq
import os
import random
import select
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def sh(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ns", required=True)
    ap.add_argument("--name", required=True, help="TUN name prefix (<= 12 chars)")
    ap.add_argument("--a", required=True, help="root-namespace address")
    ap.add_argument("--b", required=True, help="test-namespace address")
    ap.add_argument("--mtu", type=int, default=1500)
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--dup", type=float, default=0.0)
    ap.add_argument("--delay", type=float, default=0.0, help="milliseconds")
    ap.add_argument("--reorder", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--direction", choices=["both", "a2b", "b2a"], default="both",
                    help="which way is impaired (netem on one device impairs its egress only)")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    cfg = {"loss": args.loss, "dup": args.dup, "delay": args.delay, "reorder": args.reorder}

    na, nb = args.name + "a", args.name + "b"
    fa, fb = open_tun(na), open_tun(nb)
    sh("ip", "link", "set", nb, "netns", args.ns)
    sh("ip", "addr", "add", args.a, "peer", args.b, "dev", na)
    sh("ip", "link", "set", na, "mtu", str(args.mtu), "up")
    sh("ip", "netns", "exec", args.ns, "ip", "addr", "add", args.b, "peer", args.a, "dev", nb)
    sh("ip", "netns", "exec", args.ns, "ip", "link", "set", nb, "mtu", str(args.mtu), "up")
    sh("ip", "netns", "exec", args.ns, "ip", "link", "set", "lo", "up")
    print("READY", flush=True)

    stats = {"packets": 0, "bytes": 0, "dropped": 0, "duplicated": 0, "reordered": 0, "delayed": 0}
    queue = []  # (due, seq, fd, packet)
    seq = 0
    other = {fa: fb, fb: fa}
    impaired = {"both": {fa, fb}, "a2b": {fa}, "b2a": {fb}}[args.direction]

    def write(fd, pkt):
        try:
            os.write(fd, pkt)
        except BlockingIOError:
            stats["dropped"] += 1  # a full TUN queue drops, as a full qdisc would

    def report():
        print("STATS " + " ".join(f"{k}={v}" for k, v in stats.items()), flush=True)

    stdin = sys.stdin.fileno()
    inputs = [fa, fb, stdin]
    buf = b""
    while True:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, fd, pkt = heapq.heappop(queue)
            write(fd, pkt)
        timeout = max(0.0, queue[0][0] - now) if queue else 1.0
        ready, _, _ = select.select(inputs, [], [], timeout)
        for fd in ready:
            if fd == stdin:
                data = os.read(stdin, 4096)
                if not data:
                    report()
                    return
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    words = line.decode().split()
                    if words and words[0] == "set":
                        for w in words[1:]:
                            k, v = w.split("=")
                            cfg[k] = float(v)
                        print("OK", flush=True)
                    elif words and words[0] == "stats":
                        report()
                continue
            for _ in range(64):
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                stats["packets"] += 1
                stats["bytes"] += len(pkt)
                if fd not in impaired:
                    write(other[fd], pkt)
                    continue
                if rnd.random() < cfg["loss"]:
                    stats["dropped"] += 1
                    continue
                copies = 2 if rnd.random() < cfg["dup"] else 1
                if copies == 2:
                    stats["duplicated"] += 1
                out = other[fd]
                for _ in range(copies):
                    if cfg["delay"] > 0 and rnd.random() >= cfg["reorder"]:
                        stats["delayed"] += 1
                        seq += 1
                        heapq.heappush(queue, (time.monotonic() + cfg["delay"] / 1000.0, seq, out, pkt))
                    else:
                        if cfg["delay"] > 0:
                            stats["reordered"] += 1
                        write(out, pkt)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
