package dev.ksock;

/**
 * {@code sock_evupcall}: how a socket reports events (connected, disconnected, can't receive
 * more, reset, ...) to the callback installed with {@link KpiSocket#sock_catchevents}.
 *
 * <p>As in XNU it is called synchronously from the state transition that raises the event, on
 * whichever thread made it (the socket's event loop for what the peer did, the caller's thread
 * for {@code sock_shutdown} or a local connect), with no ksock lock held. It must not block.
 */
@FunctionalInterface
public interface SockEvUpcall {
    /**
     * @param so     the very {@link Socket} the events are about
     * @param cookie the context given to {@code sock_catchevents}
     * @param event  the {@code SO_FILT_HINT_*} bits that happened, already masked with the
     *               socket's event mask (several may arrive together, e.g.
     *               {@code SO_FILT_HINT_CONNECTED | SO_FILT_HINT_CONNINFO_UPDATED})
     */
    void upcall(Socket so, Object cookie, int event);
}
