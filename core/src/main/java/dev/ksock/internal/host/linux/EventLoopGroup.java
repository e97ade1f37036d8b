package dev.ksock.internal.host.linux;

/** STUB (owner: host helper). The fixed set of event loops (daemon threads, started lazily). */
public final class EventLoopGroup {
    /** The process-wide group: {@code ksock.loops} threads (default: min(2, cores)). */
    public static EventLoopGroup shared() { throw new UnsupportedOperationException("stub"); }

    /** The next loop, round-robin, for a new socket. */
    public EventLoop next() { throw new UnsupportedOperationException("stub"); }
}
