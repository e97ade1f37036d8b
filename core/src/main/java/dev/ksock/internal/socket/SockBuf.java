package dev.ksock.internal.socket;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One direction of a socket's buffering: BSD's {@code struct sockbuf} without the bytes.
 *
 * <p>The bytes themselves live in the host socket's buffer (the host kernel queues them; we move
 * them with one syscall per operation and no Java-side copy). What stays here is what the BSD
 * layer decides with: the high- and low-water marks, the timeout, and the one place where a
 * thread waits for the direction to become ready ({@link #await}, BSD's {@code sbwait}) and
 * where it is woken ({@link #wakeup}, BSD's {@code sowakeup}).
 *
 * <p>Readiness is a counter: the event loop bumps {@link #readySeq} on every edge the host
 * reports. A caller samples it before its non-blocking attempt and, on EWOULDBLOCK, waits until
 * it changes, so an edge between the attempt and the wait is never missed.
 *
 * <p>Locking key: {@code lock} guards only the condition wait; {@code readySeq} and
 * {@code waiters} are volatile and written as a Dekker pair (waiter: waiters then seq;
 * loop: seq then waiters), so the loop takes the lock only when someone is waiting.
 */
public final class SockBuf {
    /** sb_hiwat: the buffer size asked for (SO_SNDBUF / SO_RCVBUF), in bytes. */
    volatile int hiwat;
    /** sb_lowat: SO_SNDLOWAT / SO_RCVLOWAT, in bytes. */
    volatile int lowat;
    /** sb_timeo: SO_SNDTIMEO / SO_RCVTIMEO in nanoseconds; 0 = wait forever. */
    volatile long timeoNanos;

    /**
     * The send buffer's own queue: the part of an mbuf chain that a non-blocking
     * {@code sock_sendmbuf} handed to the socket but the host could not take yet. BSD appends
     * the whole chain to {@code so_snd}; so do we, and the event loop writes it out as the host
     * drains. Bounded by {@link #hiwat}. Guarded by {@code this} (monitor); {@code queued} is
     * volatile so senders can check for it without the lock.
     */
    volatile dev.ksock.Mbuf queued;
    /** Bytes in {@link #queued}. Guarded by {@code this}. */
    long queuedBytes;

    /** Bytes in the send buffer's own queue now (for so_snd.sb_cc-like reports; not a data path). */
    public synchronized long queuedBytes() {
        return queuedBytes;
    }

    private volatile long readySeq;
    private volatile int waiters;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    SockBuf(int hiwat, int lowat) {
        this.hiwat = hiwat;
        this.lowat = lowat;
    }

    /** The readiness counter to sample before a non-blocking attempt. */
    long readySeq() {
        return readySeq;
    }

    /**
     * Waits until readiness changes from {@code seenSeq} or {@code deadlineNanos}
     * (a {@link System#nanoTime} value; 0 = none) passes. Returns false on timeout.
     */
    boolean await(long seenSeq, long deadlineNanos) {
        lock.lock();
        try {
            waiters++;
            try {
                while (readySeq == seenSeq) {
                    if (deadlineNanos == 0) {
                        changed.awaitUninterruptibly();
                    } else {
                        long left = deadlineNanos - System.nanoTime();
                        if (left <= 0) {
                            return false;
                        }
                        try {
                            changed.awaitNanos(left);
                        } catch (InterruptedException e) {
                            // The KPI has no EINTR for kernel callers; keep the flag for the caller's code.
                            Thread.currentThread().interrupt();
                            return readySeq != seenSeq;
                        }
                    }
                }
                return true;
            } finally {
                waiters--;
            }
        } finally {
            lock.unlock();
        }
    }

    /** sowakeup: the direction may have become ready (or the socket changed state). */
    void wakeup() {
        readySeq++; // single writer per edge is not required: a lost increment still changes the value
        if (waiters != 0) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** The deadline for an operation starting now, from sb_timeo (0 = none). */
    long deadline() {
        long t = timeoNanos;
        return t == 0 ? 0 : System.nanoTime() + t;
    }

    static long toNanos(long sec, long usec) {
        return TimeUnit.SECONDS.toNanos(sec) + TimeUnit.MICROSECONDS.toNanos(usec);
    }
}
