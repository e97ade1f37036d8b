#!/usr/bin/env python3
"""Holds N TCP connections to HOST:PORT at once, echoes one message over each, then waits.

Used by the reliability load test (the ksock side is the server). Connects in batches so the
server's listen queue (SOMAXCONN 128) is not flooded, then sends "hello <i>\\n" on every
connection and reads the echo back. Prints, one per line:
  CONNECTED <n>      all n connections are established and held
  ECHOED <ok> <bad>  echoes that matched / did not (or never came within the time bound)
Then it holds every connection until a line arrives on stdin (or stdin closes), closes them all,
prints CLOSED and exits. Every wait is bounded.
"""
import selectors
import socket
import sys
import time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + float(sys.argv[4]) if len(sys.argv) > 4 else time.monotonic() + 120

socks = []
batch = 100
for start in range(0, n, batch):
    pending = []
    for i in range(start, min(n, start + batch)):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((host, port))
        pending.append(s)
    sel = selectors.DefaultSelector()
    for s in pending:
        sel.register(s, selectors.EVENT_WRITE)
    left = len(pending)
    while left and time.monotonic() < deadline:
        for key, _ in sel.select(1.0):
            sel.unregister(key.fileobj)
            left -= 1
    sel.close()
    for s in pending:
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
            print("CONNECT_FAILED", flush=True)
            sys.exit(2)
    socks.extend(pending)
print(f"CONNECTED {len(socks)}", flush=True)

sel = selectors.DefaultSelector()
expect = {}
got = {}
for i, s in enumerate(socks):
    msg = f"hello {i}\n".encode()
    s.send(msg)
    expect[s] = msg
    got[s] = b""
    sel.register(s, selectors.EVENT_READ)
ok = bad = 0
left = len(socks)
while left and time.monotonic() < deadline:
    for key, _ in sel.select(1.0):
        s = key.fileobj
        data = s.recv(4096)
        got[s] += data
        if not data or len(got[s]) >= len(expect[s]):
            sel.unregister(s)
            left -= 1
            if got[s] == expect[s]:
                ok += 1
            else:
                bad += 1
bad += left
print(f"ECHOED {ok} {bad}", flush=True)
sys.stdin.readline()
for s in socks:
    s.close()
print("CLOSED", flush=True)
