package dev.ksock;

import dev.ksock.internal.socket.SocketCore;

/**
 * {@code socket_t}: a socket of the ksock socket layer. Opaque: it has no public constructor and
 * no descriptor; every operation goes through {@link KpiSocket}. The object an upcall receives is
 * this very object.
 */
public final class Socket {
    final SocketCore core;

    Socket(SocketCore core) {
        this.core = core;
    }

    @Override
    public String toString() {
        return "Socket[" + core.describe() + "]";
    }
}
