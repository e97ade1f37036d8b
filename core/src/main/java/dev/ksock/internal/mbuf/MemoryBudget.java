package dev.ksock.internal.mbuf;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The global memory limit of the mbuf pool, and the place where {@code MBUF_WAITOK} allocations
 * wait for memory.
 *
 * <p>Bytes are <em>granted</em> to thread caches in chunks ({@link #chunk()}), which then charge
 * and refund individual mbufs and clusters without touching this shared counter: a global atomic
 * per allocation would make two threads allocating at once bounce one cache line between cores.
 * The price is slack: up to about two chunks per live thread may be granted but unused, so
 * {@code ENOBUFS} can come that much before the limit. {@code bytesInUse = granted - Σ credits}
 * stays exact (see {@link ThreadCache#totalCredit()}).
 */
final class MemoryBudget {
    /** Bytes granted to thread caches (in use + their unused credit). Any thread, atomically. */
    private final AtomicLong granted = new AtomicLong();
    /** The limit; written by configuration/tests, read by granting threads. */
    private volatile long limit;
    /** Highest value {@link #granted} reached; raised by granting threads under CAS. */
    private final AtomicLong highWater = new AtomicLong();
    /** Number of threads blocked in {@link #await}; freeing threads hand credit back when > 0. */
    private volatile int waiters;
    /** Monitor the waiters wait on. */
    private final Object monitor = new Object();

    MemoryBudget(long limit) {
        this.limit = limit;
    }

    long limit() {
        return limit;
    }

    void setLimit(long limit) {
        this.limit = limit;
        wakeWaiters();
    }

    long granted() {
        return granted.get();
    }

    long highWater() {
        return highWater.get();
    }

    /** Grant size for thread caches: 1/128 of the limit, between 4 KiB and 64 KiB. */
    long chunk() {
        return Math.max(4096, Math.min(64 * 1024, limit >> 7));
    }

    boolean hasWaiters() {
        return waiters > 0;
    }

    /** Grants {@code bytes} if that keeps the total within the limit. */
    boolean tryGrant(long bytes) {
        for (;;) {
            long g = granted.get();
            long next = g + bytes;
            if (next > limit || next < 0) {
                return false;
            }
            if (granted.compareAndSet(g, next)) {
                raiseHighWater(next);
                return true;
            }
        }
    }

    /** Returns granted bytes; wakes threads waiting for memory. */
    void release(long bytes) {
        if (bytes == 0) {
            return;
        }
        granted.addAndGet(-bytes);
        if (waiters > 0) {
            wakeWaiters();
        }
    }

    /**
     * Waits until memory is released or {@code deadlineNanos} passes. Returns false once the
     * deadline has passed (nothing more to wait for). Wakes at least every 10 ms so a release that
     * slipped between the caller's failed attempt and this wait costs at most that.
     */
    boolean await(long deadlineNanos) {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            return false;
        }
        synchronized (monitor) {
            waiters++;
            try {
                long millis = Math.max(1, Math.min(10, TimeUnit.NANOSECONDS.toMillis(remaining)));
                monitor.wait(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                waiters--;
            }
        }
        return true;
    }

    private void wakeWaiters() {
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    private void raiseHighWater(long value) {
        long h;
        while (value > (h = highWater.get())) {
            if (highWater.compareAndSet(h, value)) {
                return;
            }
        }
    }
}
