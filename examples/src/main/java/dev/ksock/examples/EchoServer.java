package dev.ksock.examples;

import static dev.ksock.Darwin.*;
import static dev.ksock.KpiSocket.*;

import dev.ksock.Errno;
import dev.ksock.LongRef;
import dev.ksock.MsgHdr;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.SockUpcall;
import dev.ksock.Socket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An echo server the way a kernel extension writes one: no thread of its own, everything happens
 * in upcalls. The listener's upcall accepts; each connection's upcall reads what has arrived with
 * {@code sock_receive(MSG_DONTWAIT)} and writes it back with {@code sock_send(MSG_DONTWAIT)}.
 *
 * <p>Upcalls run on ksock's event-loop threads and must not block (their {@code waitf} is
 * {@code MBUF_DONTWAIT}); that is why every call here passes {@code MSG_DONTWAIT} and treats
 * {@code EWOULDBLOCK} as "wait for the next upcall". When the peer does not read, the unsent
 * rest is kept and nothing more is read until it has gone: a slow peer cannot make the server
 * buffer more than one buffer per connection.
 *
 * <pre>{@code
 * try (EchoServer server = EchoServer.start(SockAddr.in("127.0.0.1", 0))) {
 *     System.out.println("echo on " + server.address());
 *     ...
 * }
 * }</pre>
 */
public final class EchoServer implements AutoCloseable {
    private static final int BUFFER = 16 * 1024;

    private final Socket listener;
    private final SockAddr address;

    /** One connection's state, the cookie of its upcall. Touched only by that upcall. */
    private static final class Conn {
        final MemorySegment buf = Arena.ofAuto().allocate(BUFFER);
        final MsgHdr rx = MsgHdr.of(buf);
        final MsgHdr tx = MsgHdr.of(buf);
        final LongRef n = new LongRef();
        /** {@code buf[from, to)} has been received but not yet sent back. */
        long from;
        long to;
    }

    /** The upcall of every accepted connection. */
    private static final SockUpcall ECHO = (so, cookie, waitf) -> {
        Conn c = (Conn) cookie;
        for (;;) {
            // First finish what the peer was not ready to take last time.
            while (c.from < c.to) {
                c.tx.msg_iov[0] = c.buf.asSlice(c.from, c.to - c.from);
                int r = sock_send(so, c.tx, MSG_DONTWAIT, c.n);
                if (r == EWOULDBLOCK) {
                    return; // the "room to send" upcall brings us back
                }
                if (r != 0) {
                    sock_close(so);
                    return;
                }
                c.from += c.n.value;
            }
            int r = sock_receive(so, c.rx, MSG_DONTWAIT, c.n);
            if (r == EWOULDBLOCK) {
                return;
            }
            if (r != 0 || c.n.value == 0) { // an error, or the peer closed: everything is echoed
                sock_close(so);
                return;
            }
            c.from = 0;
            c.to = c.n.value;
        }
    };

    /**
     * The listener's upcall: accept every connection that is ready, each with its own cookie.
     * The listener's cookie says whether the connections are TCP.
     */
    private static final SockUpcall ACCEPT = (so, cookie, waitf) -> {
        boolean tcp = (Boolean) cookie;
        Ref<Socket> accepted = new Ref<>();
        while (sock_accept(so, null, 0, MSG_DONTWAIT, ECHO, new Conn(), accepted) == 0) {
            if (tcp) {
                sock_setsockopt(accepted.get(), IPPROTO_TCP, TCP_NODELAY, 1); // echo small messages at once
            }
        }
    };

    private EchoServer(Socket listener, SockAddr address) {
        this.listener = listener;
        this.address = address;
    }

    /**
     * Listens on {@code where} (IPv4, IPv6 or a local path; port 0 picks a free port).
     *
     * @throws dev.ksock.ErrnoException if a KPI call fails (e.g. {@code EADDRINUSE})
     */
    public static EchoServer start(SockAddr where) {
        Ref<Socket> ref = new Ref<>();
        boolean tcp = where.sa_family() != AF_LOCAL;
        // AF_ and PF_ values are the same numbers, as in BSD.
        Errno.check(sock_socket(where.sa_family(), SOCK_STREAM, 0, ACCEPT, tcp, ref));
        Socket l = ref.get();
        try {
            Errno.check(sock_bind(l, where));
            Errno.check(sock_listen(l, SOMAXCONN));
            SockAddr bound = SockAddr.storage();
            Errno.check(sock_getsockname(l, bound, 128));
            return new EchoServer(l, bound);
        } catch (RuntimeException e) {
            sock_close(l);
            throw e;
        }
    }

    /** The bound address, with the real port. */
    public SockAddr address() {
        return address;
    }

    /** Stops accepting; connections already open end when their peers close. */
    @Override
    public void close() {
        sock_close(listener);
    }

    /** {@code java ... dev.ksock.examples.EchoServer 127.0.0.1 7007}: serves until killed. */
    public static void main(String[] args) throws InterruptedException {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 7007;
        EchoServer server = start(host.contains(":") ? SockAddr.in6(host, port) : SockAddr.in(host, port));
        System.out.println("echo server on " + server.address());
        Thread.currentThread().join();
    }
}
