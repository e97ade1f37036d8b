package dev.ksock;

/**
 * {@code sock_upcall}: how a socket tells its owner that something happened, instead of a
 * thread blocking on it.
 *
 * <p>It is called when readable data reaches the receive low-water mark, when there is room to
 * send, when a connection is ready to be accepted, when a connect completes, and when the socket
 * is disconnected or closed. It runs on one of the socket layer's event-loop threads; upcalls for
 * different sockets may run at the same time on different threads, and are not serialized with
 * the owner's own calls. An upcall is never lost: a condition that already holds when the upcall
 * is installed, or that arises while it runs, is reported again. No upcall starts after
 * {@link KpiSocket#sock_close} has returned. Any KPI call may be made from inside an upcall,
 * including {@code sock_close} of the same socket.
 */
@FunctionalInterface
public interface SockUpcall {
    /**
     * @param so     the very {@link Socket} object that {@code sock_socket}/{@code sock_accept}
     *               returned (compare with {@code ==})
     * @param cookie the cookie given with the upcall
     * @param waitf  {@link KpiMbuf#MBUF_WAITOK} (0) if the upcall may block,
     *               {@link KpiMbuf#MBUF_DONTWAIT} (1) if it must not (it runs on an event loop)
     */
    void upcall(Socket so, Object cookie, int waitf);
}
