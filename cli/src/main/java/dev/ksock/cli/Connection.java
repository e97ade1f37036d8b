package dev.ksock.cli;

import dev.ksock.Socket;

/**
 * One accepted connection of a {@link KpiServer}: the cookie of its socket's upcall. The upcall
 * calls {@link #ready} whenever the socket may have changed (data, room to send, the peer gone),
 * one call at a time, on the socket's event-loop thread; it must not block and must tolerate
 * spurious calls (EWOULDBLOCK).
 */
interface Connection {
    /** Does whatever the socket's state now allows; closes it when the conversation is over. */
    void ready(Socket so);
}
