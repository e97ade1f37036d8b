#!/usr/bin/env python3
"""Top methods of a JFR recording's samples on the event-loop thread, from `jfr print --json`:
self (top frame) and inclusive (anywhere on the stack) counts. Standard library only.
Usage: jfr print --json --events jdk.CPUTimeSample,jdk.ExecutionSample,jdk.NativeMethodSample F.jfr | jfr_top.py [N]"""
import json
import re
import sys
from collections import Counter

LOOP = re.compile(r"^(ksock-loop-|multiThreadIoEventLoopGroup|nio-loop)")


def name(frame):
    m = frame["method"]
    return m["type"]["name"].replace("/", ".") + "." + m["name"]


def main():
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    events = json.load(sys.stdin)["recording"]["events"]
    for kind in ("jdk.CPUTimeSample", "jdk.ExecutionSample", "jdk.NativeMethodSample"):
        selfc, incl, n = Counter(), Counter(), 0
        for e in events:
            if e["type"] != kind:
                continue
            v = e["values"]
            thread = (v.get("sampledThread") or v.get("eventThread") or {}).get("javaName") or ""
            st = v.get("stackTrace") or {}
            frames = st.get("frames") or []
            if not LOOP.match(thread) or not frames:
                continue
            n += 1
            selfc[name(frames[0])] += 1
            for f in set(name(f) for f in frames):
                incl[f] += 1
        if n == 0:
            continue
        print(f"{kind}: {n} samples on the event-loop thread")
        print("  self (top frame):")
        for m, c in selfc.most_common(top):
            print(f"    {100 * c / n:5.1f}%  {m}")
        print("  inclusive (on the stack), event-loop frames excluded:")
        shown = 0
        for m, c in incl.most_common():
            if re.search(r"(EventLoop\.run|Thread\.run|runWith|SingleThreadIoEventLoop\.run|"
                         r"ThreadExecutorMap|FastThreadLocalRunnable|SingleThreadEventExecutor\$)", m):
                continue
            print(f"    {100 * c / n:5.1f}%  {m}")
            shown += 1
            if shown == top:
                break


if __name__ == "__main__":
    main()
