package dev.ksock.cli;

import static dev.ksock.Darwin.*;
import static dev.ksock.KpiSocket.*;

import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.SockUpcall;
import dev.ksock.Socket;
import java.util.function.Supplier;

/**
 * A stream server on the KPI alone: the listener's upcall accepts every ready connection and gives
 * each its own {@link Connection} as the cookie of one shared upcall. No thread of its own: all
 * work runs in upcalls on ksock's event loops.
 */
final class KpiServer implements AutoCloseable {
    /** Each connection's upcall: the cookie knows what to do. */
    private static final SockUpcall CONNECTION = (so, cookie, waitf) -> ((Connection) cookie).ready(so);

    private final Supplier<Connection> connections;
    private final boolean tcp;
    private final Socket listener;
    private final SockAddr bound;
    private final Ref<Socket> accepted = new Ref<>();
    /** The next connection's state, made before accepting so a failed accept wastes nothing. */
    private Connection spare;

    private final SockUpcall acceptor = (so, cookie, waitf) -> acceptAll(so);

    /** Binds and listens on {@code where}; throws ErrnoException (exit 1) if a call fails. */
    KpiServer(Endpoint where, Supplier<Connection> connections) {
        this.connections = connections;
        this.tcp = where.kind() == Endpoint.Kind.TCP;
        SockAddr addr = where.sockaddr();
        Ref<Socket> l = new Ref<>();
        Kpi.check(sock_socket(where.domain(), SOCK_STREAM, 0, acceptor, null, l), "sock_socket");
        listener = l.get();
        try {
            if (tcp) {
                Kpi.check(sock_setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, 1), "SO_REUSEADDR");
            }
            Kpi.check(sock_bind(listener, addr), "sock_bind " + where.text());
            Kpi.check(sock_listen(listener, SOMAXCONN), "sock_listen");
            bound = SockAddr.storage();
            Kpi.check(sock_getsockname(listener, bound, 128), "sock_getsockname");
        } catch (RuntimeException e) {
            sock_close(listener);
            throw e;
        }
    }

    /** The address actually bound (the real port when 0 was asked for). */
    SockAddr address() {
        return bound;
    }

    /** Runs on the listener's loop thread only, so {@code spare} and {@code accepted} need no lock. */
    private void acceptAll(Socket so) {
        for (;;) {
            if (spare == null) {
                spare = connections.get();
            }
            if (sock_accept(so, null, 0, MSG_DONTWAIT, CONNECTION, spare, accepted) != 0) {
                return; // EWOULDBLOCK: the backlog is empty; ECONNABORTED etc.: try at the next edge
            }
            spare = null;
            if (tcp) {
                // Small responses must leave at once, not wait for Nagle's algorithm.
                sock_setsockopt(accepted.get(), IPPROTO_TCP, TCP_NODELAY, 1);
            }
        }
    }

    /** Closes the listener; connections already accepted run until their peers leave. */
    @Override
    public void close() {
        sock_close(listener);
    }
}
