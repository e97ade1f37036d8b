package dev.ksock.internal.host.linux;

/**
 * STUB (owner: host helper). One thread owning one epoll set (edge-triggered) plus an eventfd
 * that wakes it for queued tasks, and a timer heap.
 */
public final class EventLoop {
    /** Linux epoll bits the socket layer asks for. */
    public static final int EPOLLIN = 0x001, EPOLLPRI = 0x002, EPOLLOUT = 0x004, EPOLLERR = 0x008,
            EPOLLHUP = 0x010, EPOLLRDHUP = 0x2000, EPOLLET = 1 << 31;

    /**
     * Registers {@code fd} (edge-triggered; EPOLLET is added). Thread-safe. Returns a key > 0,
     * or a negated Linux errno. Events for a key that has been deregistered are never delivered,
     * even if the descriptor number is reused.
     */
    public long register(int fd, int events, IoHandler handler) { throw new UnsupportedOperationException("stub"); }

    /** Changes the events of a registration; 0 or a negated Linux errno. Thread-safe. */
    public int modify(long key, int events) { throw new UnsupportedOperationException("stub"); }

    /**
     * Removes the registration (before the descriptor is closed). After it returns, no new
     * {@link IoHandler#onIoEvents} call for the key starts. Thread-safe.
     */
    public void deregister(long key) { throw new UnsupportedOperationException("stub"); }

    /** Runs {@code task} on this loop's thread, soon. Thread-safe. */
    public void execute(Runnable task) { throw new UnsupportedOperationException("stub"); }

    /** Runs {@code task} on this loop's thread after {@code delayNanos}; returns an id for {@link #cancel}. */
    public long schedule(Runnable task, long delayNanos) { throw new UnsupportedOperationException("stub"); }

    /** Cancels a scheduled task if it has not started; true if it will not run. */
    public boolean cancel(long timerId) { throw new UnsupportedOperationException("stub"); }

    /** True when called on this loop's own thread. */
    public boolean inEventLoop() { throw new UnsupportedOperationException("stub"); }

    /** True when called on any ksock event-loop thread. */
    public static boolean onAnyEventLoop() { throw new UnsupportedOperationException("stub"); }
}
