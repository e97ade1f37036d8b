package dev.ksock.bench.echo;

import static dev.ksock.KpiSocket.*;

import dev.ksock.IntRef;
import dev.ksock.LongRef;
import dev.ksock.MsgHdr;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.SockUpcall;
import dev.ksock.Socket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An echo server written only against the KPI: the listener's upcall accepts, each connection's
 * upcall reads what is there and writes it back. Nothing is allocated per message: each
 * connection owns its buffer, its two msghdrs and its result holders.
 */
public final class KsockEchoServer implements AutoCloseable {
    private static final int PF_INET = 2, SOCK_STREAM = 1, SOL_SOCKET = 0xffff, SO_REUSEADDR = 0x4;
    private static final int IPPROTO_TCP = 6, TCP_NODELAY = 1, MSG_DONTWAIT = 0x80;
    private static final int EWOULDBLOCK = 35;
    private static final long FIONBIO = 0x8004667EL;
    private static final int BUFFER = 64 * 1024;

    private final Socket listener;
    private final int port;

    /** Per-connection state: the upcall's cookie. */
    private static final class Conn {
        final MemorySegment buf = Arena.ofAuto().allocate(BUFFER, 64);
        final MsgHdr rx = MsgHdr.of(buf);
        final MsgHdr tx = MsgHdr.of(buf);
        final LongRef len = new LongRef();
        MemorySegment lastSlice = buf;
        long pendingFrom;
        long pendingTo;

        MemorySegment slice(long from, long to) {
            MemorySegment s = lastSlice;
            if (s.address() != buf.address() + from || s.byteSize() != to - from) {
                s = lastSlice = buf.asSlice(from, to - from);
            }
            return s;
        }
    }

    private static final SockUpcall ECHO = (so, cookie, waitf) -> {
        Conn c = (Conn) cookie;
        if (c.pendingTo > c.pendingFrom && !flush(so, c)) {
            return;
        }
        for (;;) {
            int r = sock_receive(so, c.rx, MSG_DONTWAIT, c.len);
            if (r == EWOULDBLOCK) {
                return;
            }
            if (r != 0 || c.len.value == 0) {
                sock_close(so);
                return;
            }
            c.pendingFrom = 0;
            c.pendingTo = c.len.value;
            if (!flush(so, c)) {
                return;
            }
            if (c.pendingTo < BUFFER) {
                // A short read drained the host's queue; new data brings a new edge and upcall.
                return;
            }
        }
    };

    /** Writes the pending bytes; false if the socket is full (the send upcall resumes). */
    private static boolean flush(Socket so, Conn c) {
        while (c.pendingFrom < c.pendingTo) {
            c.tx.msg_iov[0] = c.slice(c.pendingFrom, c.pendingTo);
            int r = sock_send(so, c.tx, MSG_DONTWAIT, c.len);
            if (r == EWOULDBLOCK) {
                return false;
            }
            if (r != 0) {
                sock_close(so);
                return false;
            }
            c.pendingFrom += c.len.value;
        }
        return true;
    }

    /** The next connection's state, made ahead so a failed accept wastes nothing (loop thread only). */
    private Conn spare;

    private final SockUpcall acceptor = (so, cookie, waitf) -> {
        Ref<Socket> out = new Ref<>();
        for (;;) {
            if (spare == null) {
                spare = new Conn();
            }
            if (sock_accept(so, null, 0, MSG_DONTWAIT, ECHO, spare, out) != 0) {
                return;
            }
            spare = null;
            Socket s = out.get();
            sock_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, 1);
            sock_ioctl(s, FIONBIO, new IntRef(1));
        }
    };

    public KsockEchoServer(String host, int port) {
        Ref<Socket> l = new Ref<>();
        check(sock_socket(PF_INET, SOCK_STREAM, 0, acceptor, null, l), "sock_socket");
        listener = l.get();
        check(sock_setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, 1), "SO_REUSEADDR");
        check(sock_bind(listener, SockAddr.in(host, port)), "sock_bind");
        check(sock_listen(listener, 1024), "sock_listen");
        check(sock_ioctl(listener, FIONBIO, new IntRef(1)), "FIONBIO");
        SockAddr local = SockAddr.storage();
        check(sock_getsockname(listener, local, 128), "sock_getsockname");
        this.port = local.port();
    }

    public int port() {
        return port;
    }

    private static void check(int errno, String what) {
        if (errno != 0) {
            throw new dev.ksock.ErrnoException(errno, what);
        }
    }

    @Override
    public void close() {
        sock_close(listener);
    }
}
