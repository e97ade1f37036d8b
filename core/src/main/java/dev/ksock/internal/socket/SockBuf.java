package dev.ksock.internal.socket;

import java.util.concurrent.TimeUnit;

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
 * <p>Locking key: the sockbuf's own monitor guards the wait (and the send queue below);
 * {@code readySeq} and {@code waiters} are volatile and written as a Dekker pair (waiter: waiters
 * then seq; loop: seq then waiters), so the loop takes the monitor only when someone is waiting.
 * A monitor rather than a {@code ReentrantLock} with a {@code Condition}: every accepted
 * connection makes two sockbufs, and the lock objects were 144 of the bytes each one allocated;
 * since JDK 24 a virtual thread waiting in {@code Object.wait} releases its carrier as it would
 * in {@code Condition.await}.
 */
public final class SockBuf {
    /** sb_hiwat: the buffer size asked for (SO_SNDBUF / SO_RCVBUF), in bytes. */
    volatile int hiwat;
    /** sb_lowat: SO_SNDLOWAT / SO_RCVLOWAT, in bytes. */
    volatile int lowat;
    /** sb_timeo: SO_SNDTIMEO / SO_RCVTIMEO in nanoseconds; 0 = wait forever. */
    volatile long timeoNanos;
    /**
     * SB_NOINTR (sock_nointerrupt): a waiting thread's interrupt does not end the wait. Without
     * it an interrupt ends the wait as a signal ends XNU's sbwait, and the call returns EINTR.
     */
    volatile boolean noIntr;

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
    /**
     * SHUT_WR was asked for while {@link #queued} held data: the host's FIN must follow those
     * bytes, so the host shutdown waits until the queue has drained (BSD sends so_snd, then the
     * FIN). Guarded by {@code this}.
     */
    boolean shutdownPending;

    /**
     * The receive buffer's own records: data a socket filter injected ({@code
     * sock_inject_data_in}) or let through from the host, which the layer then holds as BSD's
     * {@code so_rcv} holds everything. Empty (null) for a socket without filters, whose bytes stay
     * in the host. Guarded by {@code this}; {@code held} is volatile so a receive can check for
     * it without the lock.
     */
    volatile RcvRecord held;
    /** The last record of {@link #held}. Guarded by {@code this}. */
    RcvRecord heldTail;
    /** Data bytes in {@link #held}. Guarded by {@code this}. */
    long heldBytes;

    /** Bytes held in the layer's receive records now (FIONREAD and SO_NREAD add them). */
    public synchronized long heldBytes() {
        return heldBytes;
    }

    /** Bytes in the send buffer's own queue now (for so_snd.sb_cc-like reports; not a data path). */
    public synchronized long queuedBytes() {
        return queuedBytes;
    }

    private volatile long readySeq;
    private volatile int waiters;

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
        boolean interrupted = false;
        synchronized (this) {
            waiters++;
            try {
                while (readySeq == seenSeq) {
                    long waitMillis = 0; // 0 = no deadline
                    if (deadlineNanos != 0) {
                        long left = deadlineNanos - System.nanoTime();
                        if (left <= 0) {
                            return false;
                        }
                        waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999));
                    }
                    try {
                        wait(waitMillis);
                    } catch (InterruptedException e) {
                        // Java's interrupt is the signal of XNU's interruptible sbwait (PCATCH):
                        // the wait ends and the caller returns EINTR (the flag is restored for
                        // it to see), unless SB_NOINTR asks to wait on regardless.
                        interrupted = true;
                        if (!noIntr) {
                            return readySeq != seenSeq;
                        }
                    }
                }
                return true;
            } finally {
                waiters--;
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** sowakeup: the direction may have become ready (or the socket changed state). */
    void wakeup() {
        readySeq++; // single writer per edge is not required: a lost increment still changes the value
        if (waiters != 0) {
            synchronized (this) {
                notifyAll();
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
