package dev.ksock.internal.mbuf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

/**
 * One thread's private stock of free mbuf cells and clusters, plus its share of the memory budget
 * (credit) and its statistics counters: what makes allocation and free touch no shared cache line
 * on the common path.
 *
 * <p><b>Ownership:</b> every field except {@link #retired} is written only by the owning thread;
 * statistics readers use opaque reads of {@link #credit} and {@link #counters}. A thread's cache is
 * retired (its blocks and credit handed back) by a {@link Cleaner} once the thread is gone, or
 * earlier by an allocation that runs short of memory and finds the thread dead
 * ({@link #reclaimDead()}; {@code Thread.isAlive() == false} orders the dead thread's writes before
 * the reclaimer's reads).
 *
 * <p>Virtual threads share one cache ({@link #shared}), used under its monitor: a private cache per
 * virtual thread would strand blocks in every short-lived one.
 */
final class ThreadCache {
    /** Counter slots: blocks in use per {@link SizeClass}, then mbufs in use per type (0..15). */
    static final int CLASS_BASE = 0;
    static final int TYPE_BASE = SizeClass.values().length;
    static final int TYPES = 16;
    static final int COUNTERS = TYPE_BASE + TYPES;

    private static final VarHandle CREDIT;
    private static final VarHandle COUNTER = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            CREDIT = MethodHandles.lookup().findVarHandle(ThreadCache.class, "credit", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final MemoryBudget BUDGET = MbufPool.BUDGET;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final ThreadLocal<ThreadCache> LOCAL = ThreadLocal.withInitial(ThreadCache::forCurrentThread);

    /** Guards {@link #LIVE}, {@link #RETIRED_COUNTERS} and every cache's {@link #retired}. */
    private static final Object REGISTRY_LOCK = new Object();
    private static final List<ThreadCache> LIVE = new ArrayList<>();
    /** Counters folded in from retired caches. */
    private static final long[] RETIRED_COUNTERS = new long[COUNTERS];

    static final ThreadCache SHARED = new ThreadCache(null, true);

    /** Immutable. */
    private final boolean shared;
    /** Immutable: the owner, weakly, so the cache never keeps a dead thread reachable. */
    private final WeakReference<Thread> owner;

    private final MbufCell[] cells = new MbufCell[SizeClass.MBUF.cacheCapacity];
    private int cellCount;
    private final ClusterRef[][] clusters = new ClusterRef[SizeClass.values().length][];
    private final int[] clusterCount = new int[SizeClass.values().length];

    /** Bytes granted by {@link MemoryBudget} and not yet charged to an mbuf. */
    private long credit;
    /** Statistics deltas (see slot constants); may be negative when others free what we made. */
    private final long[] counters = new long[COUNTERS];
    /** Guarded by {@link #REGISTRY_LOCK}. */
    private boolean retired;

    private ThreadCache(Thread owner, boolean shared) {
        this.shared = shared;
        this.owner = owner == null ? null : new WeakReference<>(owner);
        for (SizeClass sc : SizeClass.values()) {
            if (sc != SizeClass.MBUF) {
                clusters[sc.ordinal()] = new ClusterRef[sc.cacheCapacity];
            }
        }
        synchronized (REGISTRY_LOCK) {
            LIVE.add(this);
        }
    }

    private static ThreadCache forCurrentThread() {
        Thread t = Thread.currentThread();
        ThreadCache cache = new ThreadCache(t, false);
        CLEANER.register(t, cache::retire);
        return cache;
    }

    /** The cache of the calling thread. */
    static ThreadCache current() {
        return Thread.currentThread().isVirtual() ? SHARED : LOCAL.get();
    }

    // ------------------------------------------------------------------ budget

    /** Charges {@code bytes} to this thread's credit, asking the budget for more when short. */
    boolean charge(long bytes) {
        if (shared) {
            synchronized (this) {
                return charge0(bytes);
            }
        }
        return charge0(bytes);
    }

    private boolean charge0(long bytes) {
        long c = credit;
        if (c >= bytes) {
            CREDIT.setOpaque(this, c - bytes);
            return true;
        }
        long need = bytes - c;
        long extra = BUDGET.hasWaiters() ? 0 : BUDGET.chunk();
        if (BUDGET.tryGrant(need + extra)) {
            CREDIT.setOpaque(this, extra);
            return true;
        }
        if (extra != 0 && BUDGET.tryGrant(need)) {
            CREDIT.setOpaque(this, 0L);
            return true;
        }
        return false;
    }

    /** Refunds {@code bytes}; hands surplus credit back to the budget (all of it if anyone waits). */
    void refund(long bytes) {
        if (shared) {
            synchronized (this) {
                refund0(bytes);
            }
            return;
        }
        refund0(bytes);
    }

    private void refund0(long bytes) {
        long c = credit + bytes;
        long chunk = BUDGET.chunk();
        if (c > 2 * chunk || BUDGET.hasWaiters()) {
            long keep = BUDGET.hasWaiters() ? 0 : chunk;
            CREDIT.setOpaque(this, keep);
            BUDGET.release(c - keep);
        } else {
            CREDIT.setOpaque(this, c);
        }
    }

    // ------------------------------------------------------------------ blocks

    /** A free cell, or null if the depot could not reserve native memory. */
    MbufCell popCell() {
        if (shared) {
            synchronized (this) {
                return popCell0();
            }
        }
        return popCell0();
    }

    private MbufCell popCell0() {
        int n = cellCount;
        if (n == 0) {
            n = MbufPool.CELLS.take(cells, 0, cells.length / 2);
            if (n == 0) {
                return null;
            }
        }
        MbufCell c = cells[--n];
        cells[n] = null;
        cellCount = n;
        return c;
    }

    void pushCell(MbufCell c) {
        if (shared) {
            synchronized (this) {
                pushCell0(c);
            }
            return;
        }
        pushCell0(c);
    }

    private void pushCell0(MbufCell c) {
        int n = cellCount;
        if (n == cells.length) {
            int half = cells.length / 2;
            MbufPool.CELLS.give(cells, half, half);
            java.util.Arrays.fill(cells, half, cells.length, null);
            n = half;
        }
        cells[n] = c;
        cellCount = n + 1;
    }

    ClusterRef popCluster(SizeClass sc) {
        if (shared) {
            synchronized (this) {
                return popCluster0(sc);
            }
        }
        return popCluster0(sc);
    }

    private ClusterRef popCluster0(SizeClass sc) {
        int i = sc.ordinal();
        ClusterRef[] stack = clusters[i];
        int n = clusterCount[i];
        if (n == 0) {
            n = MbufPool.depot(sc).take(stack, 0, stack.length / 2);
            if (n == 0) {
                return null;
            }
        }
        ClusterRef c = stack[--n];
        stack[n] = null;
        clusterCount[i] = n;
        return c;
    }

    void pushCluster(ClusterRef c) {
        if (shared) {
            synchronized (this) {
                pushCluster0(c);
            }
            return;
        }
        pushCluster0(c);
    }

    private void pushCluster0(ClusterRef c) {
        int i = c.sizeClass.ordinal();
        ClusterRef[] stack = clusters[i];
        int n = clusterCount[i];
        if (n == stack.length) {
            int half = stack.length / 2;
            MbufPool.depot(c.sizeClass).give(stack, half, half);
            java.util.Arrays.fill(stack, half, stack.length, null);
            n = half;
        }
        stack[n] = c;
        clusterCount[i] = n + 1;
    }

    // ------------------------------------------------------------------ statistics

    /** Adds {@code delta} to counter {@code slot}. */
    void count(int slot, long delta) {
        if (shared) {
            synchronized (this) {
                COUNTER.setOpaque(counters, slot, counters[slot] + delta);
            }
            return;
        }
        COUNTER.setOpaque(counters, slot, counters[slot] + delta);
    }

    /** Sum of one counter over all caches, live and retired. */
    static long total(int slot) {
        synchronized (REGISTRY_LOCK) {
            long sum = RETIRED_COUNTERS[slot];
            for (ThreadCache c : LIVE) {
                sum += (long) COUNTER.getOpaque(c.counters, slot);
            }
            return sum;
        }
    }

    /** Credit held by all live caches: granted but not in use. */
    static long totalCredit() {
        synchronized (REGISTRY_LOCK) {
            long sum = 0;
            for (ThreadCache c : LIVE) {
                sum += (long) CREDIT.getOpaque(c);
            }
            return sum;
        }
    }

    // ------------------------------------------------------------------ retirement

    /** Retires the caches of threads that have terminated; true if any credit came back. */
    static boolean reclaimDead() {
        List<ThreadCache> dead = new ArrayList<>();
        synchronized (REGISTRY_LOCK) {
            for (ThreadCache c : LIVE) {
                if (c.owner != null) {
                    Thread t = c.owner.get();
                    if (t == null || !t.isAlive()) {
                        dead.add(c);
                    }
                }
            }
        }
        boolean any = false;
        for (ThreadCache c : dead) {
            any |= c.retire();
        }
        return any;
    }

    /**
     * Hands everything back: blocks to the depots, credit to the budget, counters to the retired
     * totals. Runs on the Cleaner's thread or a reclaiming allocator, after the owner terminated.
     */
    private boolean retire() {
        long c;
        synchronized (REGISTRY_LOCK) {
            if (retired) {
                return false;
            }
            retired = true;
            LIVE.remove(this);
            for (int i = 0; i < COUNTERS; i++) {
                RETIRED_COUNTERS[i] += counters[i];
            }
            c = credit;
            credit = 0;
        }
        if (cellCount > 0) {
            MbufPool.CELLS.give(cells, 0, cellCount);
            cellCount = 0;
        }
        for (SizeClass sc : SizeClass.values()) {
            int i = sc.ordinal();
            if (sc != SizeClass.MBUF && clusterCount[i] > 0) {
                MbufPool.depot(sc).give(clusters[i], 0, clusterCount[i]);
                clusterCount[i] = 0;
            }
        }
        BUDGET.release(c);
        return c > 0;
    }
}
