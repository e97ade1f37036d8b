#!/usr/bin/env python3
"""The far end of the reliability fault tests; runs inside a test network namespace.

  fault_peer.py sink   ADDR PORT          accept one connection, read to EOF, print "<bytes> <sha256>"
  fault_peer.py source ADDR PORT BYTES    accept one, send BYTES deterministic bytes, close; print the sha256
  fault_peer.py reset  ADDR PORT BYTES    accept one, read BYTES, then close with SO_LINGER {1,0}: a RST
  fault_peer.py stream ADDR PORT          accept one, send until killed (the test sends SIGKILL)

Prints LISTEN once listening. Every mode is bounded by the test's own timeouts and kill.
"""
import hashlib
import socket
import struct
import sys


def pattern(block):
    # 64 KiB blocks, each stamped with its index, so loss, duplication or reordering changes the hash.
    base = bytes((i * 131 + 7) & 0xFF for i in range(65536))
    return struct.pack("<Q", block) + base[8:]


def main():
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(1)
    print("LISTEN", flush=True)
    c, _ = ls.accept()
    if mode == "sink":
        h, n = hashlib.sha256(), 0
        while True:
            d = c.recv(1 << 20)
            if not d:
                break
            h.update(d)
            n += len(d)
        print(f"{n} {h.hexdigest()}", flush=True)
    elif mode == "source":
        total, h, block = int(sys.argv[4]), hashlib.sha256(), 0
        sent = 0
        while sent < total:
            b = pattern(block)[: total - sent]
            c.sendall(b)
            h.update(b)
            sent += len(b)
            block += 1
        c.close()
        print(f"{sent} {h.hexdigest()}", flush=True)
    elif mode == "reset":
        want, n = int(sys.argv[4]), 0
        while n < want:
            d = c.recv(1 << 16)
            if not d:
                break
            n += len(d)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        print(f"RESET after {n}", flush=True)
    elif mode == "stream":
        print("STREAMING", flush=True)
        block = 0
        while True:
            c.sendall(pattern(block))
            block += 1


if __name__ == "__main__":
    main()
