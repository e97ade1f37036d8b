package dev.ksock;

import dev.ksock.internal.socket.RightsTable;
import dev.ksock.internal.socket.SocketCore;

/**
 * Descriptor passing for ksock sockets: an extra of ksock, not part of {@code kpi_socket.h}.
 *
 * <p>In C an {@code SCM_RIGHTS} control message carries {@code int} file descriptors. A ksock
 * {@link Socket} has no descriptor, so it has a <em>handle</em> instead: a positive {@code int}
 * from {@link #handleOf}, which is what goes into the 4-byte slots of a Darwin
 * {@code SCM_RIGHTS} message given to {@code sock_send}/{@code sock_sendmbuf} over a
 * {@code PF_LOCAL} socket. The peer receives a real descriptor (any program: Python, socat, C).
 *
 * <p>In the other direction each descriptor that arrives in an {@code SCM_RIGHTS} message
 * becomes a full ksock socket (registered with the event loop, usable with every KPI call, no
 * upcall) and the received message holds its handle; {@link #socketOf} turns it into the
 * {@link Socket}, which the receiver owns and must {@code sock_close}, as it would close a
 * received descriptor.
 *
 * <p>A handle is valid while its socket is open. Sending a handle that is unknown or whose
 * socket is closed fails with EBADF, as {@code unp_internalize} does for a bad descriptor.
 */
public final class ScmRights {
    private ScmRights() {
    }

    static {
        install();
    }

    /** Lets the layer publish sockets it creates for received descriptors. Idempotent. */
    static void install() {
        RightsTable.setPublisher(ScmRights::publish);
    }

    private static Socket publish(SocketCore core) {
        Socket s = new Socket(core);
        core.setHandle(s);
        return s;
    }

    /** The handle of {@code so} for an {@code SCM_RIGHTS} message; -1 if null or closed. */
    public static int handleOf(Socket so) {
        return so == null ? -1 : RightsTable.handleOf(so.core);
    }

    /** The open socket a handle stands for, or null if the handle is unknown or its socket closed. */
    public static Socket socketOf(int handle) {
        SocketCore c = RightsTable.coreOf(handle);
        return c == null ? null : c.handle();
    }
}
