#!/usr/bin/env python3
"""The far end of the IPv6 multicast test; runs inside the peer's test network namespace.

  mcast6_peer.py IFNAME PORT GROUP...

Binds [::]:PORT, joins every GROUP on IFNAME and prints "READY <ifindex>". Each datagram received
is printed as "GOT <destination group> <payload> hlim=<hop limit>" (from IPV6_PKTINFO and
IPV6_HOPLIMIT). Each stdin line "send GROUP PORT TEXT" sends TEXT to GROUP out of IFNAME (hop
limit 1, no loopback) and prints "SENT". Ends when stdin closes; the test also kills it.
"""
import socket
import struct
import sys
import threading


def receiver(s):
    while True:
        data, anc, _, _ = s.recvmsg(2048, 256)
        dst, hlim = "?", "?"
        for level, kind, value in anc:
            if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO:
                dst = socket.inet_ntop(socket.AF_INET6, value[:16])
            elif level == socket.IPPROTO_IPV6 and kind == socket.IPV6_HOPLIMIT:
                hlim = struct.unpack("@i", value[:4])[0]
        print(f"GOT {dst} {data.decode(errors='replace')} hlim={hlim}", flush=True)


def main():
    ifname, port, groups = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    idx = socket.if_nametoindex(ifname)
    rx = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    rx.bind(("::", port))
    for g in groups:
        mreq = socket.inet_pton(socket.AF_INET6, g) + struct.pack("@I", idx)
        rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
    tx = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    tx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    tx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    tx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
    threading.Thread(target=receiver, args=(rx,), daemon=True).start()
    print("READY", idx, flush=True)
    for line in sys.stdin:
        w = line.split()
        if len(w) == 4 and w[0] == "send":
            tx.sendto(w[3].encode(), (w[1], int(w[2]), 0, idx))
            print("SENT", flush=True)


if __name__ == "__main__":
    main()
