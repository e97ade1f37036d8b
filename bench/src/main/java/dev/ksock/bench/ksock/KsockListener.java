package dev.ksock.bench.ksock;

import static dev.ksock.KpiSocket.*;

import dev.ksock.ErrnoException;
import dev.ksock.IntRef;
import dev.ksock.SockAddr;
import dev.ksock.SockUpcall;
import dev.ksock.Socket;
import dev.ksock.Ref;

/** A non-blocking TCP listener on 127.0.0.1 whose upcall is the given acceptor. */
final class KsockListener implements AutoCloseable {
    static final int PF_INET = 2, SOCK_STREAM = 1, SOL_SOCKET = 0xffff, SO_REUSEADDR = 0x4;
    static final int IPPROTO_TCP = 6, TCP_NODELAY = 1;
    static final long FIONBIO = 0x8004667EL;

    final Socket socket;
    final int port;

    KsockListener(SockUpcall acceptor) {
        Ref<Socket> l = new Ref<>();
        check(sock_socket(PF_INET, SOCK_STREAM, 0, acceptor, null, l), "sock_socket");
        socket = l.get();
        check(sock_setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, 1), "SO_REUSEADDR");
        check(sock_bind(socket, SockAddr.in("127.0.0.1", 0)), "sock_bind");
        // Every peer asks for 1024; sock_listen clamps it to Darwin SOMAXCONN (128), as XNU does.
        check(sock_listen(socket, 1024), "sock_listen");
        // The acceptor loops until EWOULDBLOCK, so the listener must never block.
        check(sock_ioctl(socket, FIONBIO, new IntRef(1)), "FIONBIO");
        SockAddr local = SockAddr.storage();
        check(sock_getsockname(socket, local, 128), "sock_getsockname");
        port = local.port();
    }

    /**
     * An acceptor upcall for a service: accepts everything ready, with TCP_NODELAY, giving each
     * connection {@code upcall} and a fresh cookie. Runs on the listener's loop only.
     */
    static SockUpcall acceptor(SockUpcall upcall, java.util.function.Supplier<Object> cookies) {
        Ref<Socket> out = new Ref<>();
        return (so, cookie, waitf) -> {
            for (;;) {
                Object c = cookies.get();
                if (sock_accept(so, null, 0, KsockConn.MSG_DONTWAIT, upcall, c, out) != 0) {
                    return;
                }
                sock_setsockopt(out.get(), IPPROTO_TCP, TCP_NODELAY, 1);
            }
        };
    }

    static void check(int errno, String what) {
        if (errno != 0) {
            throw new ErrnoException(errno, what);
        }
    }

    @Override
    public void close() {
        sock_close(socket);
    }
}
