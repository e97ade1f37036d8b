package dev.ksock.internal.host.linux;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The event loop's task queue: many producers, one consumer (the loop thread), unbounded, and
 * FIFO for each producer (tasks one thread submits run in the order it submitted them).
 *
 * <p>Why this shape: the common case is a bounded lock-free array ring (Agrona's
 * ManyToOneConcurrentArrayQueue idea), which allocates nothing per task. Blocking a producer
 * when the ring is full could deadlock (the loop may be waiting for a lock that producer holds),
 * so a full ring spills into an overflow {@link ConcurrentLinkedQueue}, which allocates. Per-producer
 * order across the two is kept by two rules: while {@code overflowCount > 0} every producer
 * goes to the overflow queue, and the consumer takes from the ring first, waiting for a ring slot
 * that was claimed but not yet written rather than skipping to the overflow queue.
 */
final class TaskQueue {
    private static final VarHandle TAIL, HEAD, SLOTS = MethodHandles.arrayElementVarHandle(Runnable[].class);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            TAIL = l.findVarHandle(TaskQueue.class, "tail", long.class);
            HEAD = l.findVarHandle(TaskQueue.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Runnable[] ring;
    private final int mask;
    /** Next position to claim. Written by producers (CAS). */
    private volatile long tail;
    /** Next position to consume. Single writer: the consumer. */
    private volatile long head;
    private final ConcurrentLinkedQueue<Runnable> overflow = new ConcurrentLinkedQueue<>();
    /** Tasks in, or on their way into, the overflow queue: incremented before the offer. */
    private final AtomicInteger overflowCount = new AtomicInteger();

    TaskQueue(int capacity) {
        int cap = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1);
        ring = new Runnable[cap];
        mask = cap - 1;
    }

    /** Enqueues {@code task}; any thread. Never fails. */
    void offer(Runnable task) {
        if (overflowCount.get() == 0) {
            long t;
            while ((t = tail) - head < ring.length) {
                if (TAIL.compareAndSet(this, t, t + 1)) {
                    SLOTS.setRelease(ring, (int) t & mask, task);
                    return;
                }
            }
        }
        overflowCount.incrementAndGet();
        overflow.offer(task);
    }

    /** The next task, or null if the queue is empty. Consumer thread only. */
    Runnable poll() {
        long h = head;
        if (h != tail) {
            int i = (int) h & mask;
            Runnable task;
            // Claimed but not yet written: the producer is between its CAS and its store.
            while ((task = (Runnable) SLOTS.getAcquire(ring, i)) == null) {
                Thread.onSpinWait();
            }
            SLOTS.setRelease(ring, i, null);
            HEAD.setRelease(this, h + 1);
            return task;
        }
        Runnable task = overflow.poll();
        if (task != null) {
            overflowCount.decrementAndGet();
        }
        return task;
    }

    /** True if no task is queued. Exact on the consumer thread; a snapshot elsewhere. */
    boolean isEmpty() {
        return head == tail && overflowCount.get() == 0;
    }
}
