package dev.ksock.internal.mbuf;

import static dev.ksock.KpiMbuf.MBUF_EXT;
import static dev.ksock.KpiMbuf.MBUF_PKTHDR;
import static dev.ksock.KpiMbuf.MBUF_TYPE_FREE;
import static dev.ksock.KpiMbuf.MBUF_WAITOK;
import static dev.ksock.KpiMbuf.MCLBYTES;
import static dev.ksock.KpiMbuf.MBIGCLBYTES;
import static dev.ksock.KpiMbuf.MHLEN;
import static dev.ksock.KpiMbuf.MLEN;
import static dev.ksock.KpiMbuf.MSIZE;

import dev.ksock.MbufStat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mbuf allocator: mbuf cells and clusters from per-thread caches over global depots of
 * pooled native memory, under one global memory limit.
 *
 * <p>Every mbuf costs {@code MSIZE} bytes of the budget and every cluster its size, charged when it
 * leaves the pool and refunded when it returns (for a shared cluster: when its last reference
 * goes). Reaching the limit fails the allocation ({@code ENOBUFS}) at once for
 * {@code MBUF_DONTWAIT}, after up to {@code ksock.mbuf.waitMillis} for {@code MBUF_WAITOK}.
 *
 * <p><b>Debug mode</b> ({@code -Dksock.mbuf.debug=true} or {@link #setDebug}): cells and clusters
 * are made fresh for each allocation, each over its own arena, and never recycled; at free the
 * arena is closed. A stale {@code Mbuf} then stays freed forever (every KPI call on it returns
 * {@code EINVAL}) and a stale {@code MemorySegment} throws instead of reading reused memory. In
 * normal mode the one misuse that cannot be detected is using a handle after it was freed
 * <em>and handed out again</em>: it then names a live mbuf of its new owner.
 */
public final class MbufPool {
    static final MemoryBudget BUDGET = new MemoryBudget(MbufConfig.limit());
    static final Depot<MbufCell> CELLS = new Depot<>(SizeClass.MBUF, seg -> new MbufCell(seg, true, null));
    private static final Depot<ClusterRef> CLUSTERS_2K = clusterDepot(SizeClass.CLUSTER);
    private static final Depot<ClusterRef> CLUSTERS_4K = clusterDepot(SizeClass.BIGCLUSTER);
    private static final Depot<ClusterRef> CLUSTERS_16K = clusterDepot(SizeClass.JUMBO);

    /** Read by allocating threads; written by configuration/tests. */
    private static volatile boolean debug = MbufConfig.debug();
    private static volatile long waitNanos = TimeUnit.MILLISECONDS.toNanos(MbufConfig.waitMillis());
    /** Largest limit ever set: bounds the length of any acyclic chain. */
    private static volatile long maxLimitSeen = BUDGET.limit();

    // Rare events: shared atomics are fine.
    private static final AtomicLong DROPS = new AtomicLong();
    private static final AtomicLong WAITS = new AtomicLong();
    private static final AtomicLong MCFAIL = new AtomicLong();
    private static final AtomicLong MPFAIL = new AtomicLong();
    /** Debug-mode blocks currently allocated, per size class (they are not in any depot). */
    private static final AtomicLong[] DEBUG_LIVE = {new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong()};

    private MbufPool() {
    }

    private static Depot<ClusterRef> clusterDepot(SizeClass sc) {
        return new Depot<>(sc, seg -> new ClusterRef(sc, seg, null));
    }

    static Depot<ClusterRef> depot(SizeClass sc) {
        return switch (sc) {
            case CLUSTER -> CLUSTERS_2K;
            case BIGCLUSTER -> CLUSTERS_4K;
            case JUMBO -> CLUSTERS_16K;
            case MBUF -> throw new IllegalArgumentException("mbuf cells have their own depot");
        };
    }

    // ------------------------------------------------------------------ configuration

    public static long limit() {
        return BUDGET.limit();
    }

    /** Changes the memory limit (bytes); allocations beyond it fail with ENOBUFS. */
    public static void setLimit(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + bytes);
        }
        if (bytes > maxLimitSeen) {
            maxLimitSeen = bytes;
        }
        BUDGET.setLimit(bytes);
    }

    public static long waitMillis() {
        return TimeUnit.NANOSECONDS.toMillis(waitNanos);
    }

    /** How long MBUF_WAITOK allocations wait for memory. */
    public static void setWaitMillis(long millis) {
        waitNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, millis));
    }

    public static boolean debug() {
        return debug;
    }

    /** Switches debug mode for allocations from now on; mbufs keep the mode they were made in. */
    public static void setDebug(boolean on) {
        debug = on;
    }

    /** Bytes of mbufs and clusters allocated and not yet freed. Exact when allocators are quiet. */
    public static long bytesInUse() {
        return BUDGET.granted() - ThreadCache.totalCredit();
    }

    /** Bytes granted to thread caches: in use plus their unused credit; what the limit bounds. */
    public static long bytesGranted() {
        return BUDGET.granted();
    }

    /** Native memory reserved by the pool's slabs (never returned). */
    public static long bytesReserved() {
        long sum = CELLS.reservedBytes();
        for (SizeClass sc : SizeClass.values()) {
            if (sc != SizeClass.MBUF) {
                sum += depot(sc).reservedBytes();
            }
        }
        return sum;
    }

    /** No acyclic chain can have more mbufs than this: each one is charged MSIZE. */
    public static long walkBound() {
        return maxLimitSeen / MSIZE + 16;
    }

    // ------------------------------------------------------------------ allocation

    /** One mbuf, optionally with a cluster of class {@code cluster}; null if out of memory. */
    public static MbufCell alloc(int how, int type, boolean pkthdr, SizeClass cluster) {
        return allocChain(how, type, 1, pkthdr, cluster, cluster);
    }

    /**
     * A chain of {@code nsegs} mbufs, the first a packet header if {@code pkthdr}: all with
     * internal data if {@code body} is null, else each with a {@code body} cluster except the last,
     * which gets a {@code last} cluster. Lengths are 0. Charged to the budget in one step, so
     * allocating a 64 KiB chain costs about what one mbuf does. Null if out of memory.
     */
    public static MbufCell allocChain(int how, int type, int nsegs, boolean pkthdr, SizeClass body, SizeClass last) {
        long bytes = (long) nsegs * MSIZE;
        if (body != null) {
            bytes += (long) (nsegs - 1) * body.size + last.size;
        }
        ThreadCache tc = ThreadCache.current();
        if (!reserve(tc, bytes, how)) {
            return null;
        }
        MbufCell head = null;
        MbufCell tail = null;
        for (int i = 0; i < nsegs; i++) {
            MbufCell m = takeCell(tc, type, i == 0 && pkthdr ? MBUF_PKTHDR : 0);
            if (m == null) {
                return undo(tc, head, bytes);
            }
            if (head == null) {
                head = m;
            } else {
                tail.next = m;
            }
            tail = m;
            if (body != null) {
                ClusterRef c = takeCluster(tc, i == nsegs - 1 ? last : body);
                if (c == null) {
                    return undo(tc, head, bytes);
                }
                m.attach(c);
            }
        }
        return head;
    }

    /**
     * Attaches a fresh cluster to an mbuf that has none ({@code m_mclget}); its data now starts at
     * the cluster. False if out of memory.
     */
    public static boolean attachCluster(MbufCell m, SizeClass sc, int how) {
        ThreadCache tc = ThreadCache.current();
        if (!reserve(tc, sc.size, how)) {
            return false;
        }
        ClusterRef c = takeCluster(tc, sc);
        if (c == null) {
            tc.refund(sc.size);
            return false;
        }
        m.attach(c);
        return true;
    }

    /** Charges {@code bytes}, waiting if {@code how} allows; counts a drop on failure. */
    private static boolean reserve(ThreadCache tc, long bytes, int how) {
        return tc.charge(bytes) || reserveSlow(tc, bytes, how);
    }

    private static boolean reserveSlow(ThreadCache tc, long bytes, int how) {
        if (bytes <= BUDGET.limit()) {
            // Credit stranded in the caches of terminated threads is the cheapest memory to find.
            if (ThreadCache.reclaimDead() && tc.charge(bytes)) {
                return true;
            }
            long wait = waitNanos;
            if (how == MBUF_WAITOK && wait > 0) {
                WAITS.incrementAndGet();
                long deadline = System.nanoTime() + wait;
                while (BUDGET.await(deadline)) {
                    if (tc.charge(bytes)) {
                        return true;
                    }
                }
                if (tc.charge(bytes)) {
                    return true;
                }
            }
        }
        DROPS.incrementAndGet();
        return false;
    }

    /** A cell leaving the pool, already charged; null only if native memory ran out. */
    private static MbufCell takeCell(ThreadCache tc, int type, int flags) {
        MbufCell m;
        if (debug) {
            m = debugCell();
        } else {
            m = tc.popCell();
        }
        if (m == null) {
            return null;
        }
        m.init(type, flags);
        tc.count(ThreadCache.CLASS_BASE, 1);
        tc.count(ThreadCache.TYPE_BASE + type, 1);
        if (LeakDetector.enabled()) {
            m.leak = LeakDetector.track(m.handle, MSIZE);
        }
        return m;
    }

    private static ClusterRef takeCluster(ThreadCache tc, SizeClass sc) {
        ClusterRef c = debug ? debugCluster(sc) : tc.popCluster(sc);
        if (c == null) {
            return null;
        }
        c.initRef();
        tc.count(ThreadCache.CLASS_BASE + sc.ordinal(), 1);
        return c;
    }

    private static MbufCell debugCell() {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg = arena.allocate(MSIZE, 64);
            DEBUG_LIVE[SizeClass.MBUF.ordinal()].incrementAndGet();
            return new MbufCell(seg, false, arena);
        } catch (OutOfMemoryError e) {
            arena.close();
            return null;
        }
    }

    private static ClusterRef debugCluster(SizeClass sc) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg = arena.allocate(sc.size, 64);
            DEBUG_LIVE[sc.ordinal()].incrementAndGet();
            return new ClusterRef(sc, seg, arena);
        } catch (OutOfMemoryError e) {
            arena.close();
            return null;
        }
    }

    /** Frees a partly built chain and refunds the part of {@code charged} it did not use. */
    private static MbufCell undo(ThreadCache tc, MbufCell head, long charged) {
        long used = 0;
        for (MbufCell m = head; m != null; m = m.next) {
            used += MSIZE + (m.ext != null ? m.ext.size() : 0);
        }
        freeChain(tc, head);
        tc.refund(charged - used);
        DROPS.incrementAndGet();
        return null;
    }

    // ------------------------------------------------------------------ free

    /** Frees one live mbuf ({@code m_free}); returns its {@code m_next}. */
    public static MbufCell free(MbufCell m) {
        return free(ThreadCache.current(), m);
    }

    /** Frees live mbufs along {@code m_next} until null or an mbuf that is already free. */
    public static void freeChain(MbufCell m) {
        freeChain(ThreadCache.current(), m);
    }

    private static void freeChain(ThreadCache tc, MbufCell m) {
        // Bounded without a counter: each step frees an mbuf, and a freed one ends the walk.
        while (m != null && m.type != MBUF_TYPE_FREE) {
            m = free(tc, m);
        }
    }

    private static MbufCell free(ThreadCache tc, MbufCell m) {
        MbufCell next = m.next;
        long bytes = MSIZE;
        ClusterRef c = m.ext;
        if (c != null) {
            m.ext = null;
            if (c.release()) {
                bytes += c.size();
                recycle(tc, c);
            }
        }
        if (m.leak != null) {
            m.leak.freed();
            m.leak = null;
        }
        tc.count(ThreadCache.CLASS_BASE, -1);
        tc.count(ThreadCache.TYPE_BASE + m.type, -1);
        m.type = MBUF_TYPE_FREE;
        m.flags = 0;
        m.len = 0;
        m.next = null;
        m.nextpkt = null;
        if (m.pooled) {
            tc.pushCell(m);
        } else {
            m.arena.close();
            DEBUG_LIVE[SizeClass.MBUF.ordinal()].decrementAndGet();
        }
        tc.refund(bytes);
        return next;
    }

    private static void recycle(ThreadCache tc, ClusterRef c) {
        tc.count(ThreadCache.CLASS_BASE + c.sizeClass.ordinal(), -1);
        if (c.arena == null) {
            tc.pushCluster(c);
        } else {
            c.arena.close();
            DEBUG_LIVE[c.sizeClass.ordinal()].decrementAndGet();
        }
    }

    /** Drops the cluster of a live mbuf (it goes back to internal data), refunding if last. */
    static void detachCluster(MbufCell m) {
        ClusterRef c = m.ext;
        if (c == null) {
            return;
        }
        m.ext = null;
        m.flags &= ~MBUF_EXT;
        if (c.release()) {
            ThreadCache tc = ThreadCache.current();
            recycle(tc, c);
            tc.refund(c.size());
        }
    }

    /** Another mbuf now points into {@code from}'s cluster ({@code m_copym}/{@code m_split}). */
    static void share(MbufCell from, MbufCell to, int off, int len) {
        from.ext.retain();
        to.ext = from.ext;
        to.flags |= MBUF_EXT;
        to.off = off;
        to.len = len;
    }

    static void countCopyFailure() {
        MCFAIL.incrementAndGet();
    }

    static void countPullupFailure() {
        MPFAIL.incrementAndGet();
    }

    // ------------------------------------------------------------------ statistics

    /** Fills {@code s} ({@code mbuf_stats}); counts are a snapshot, exact when allocators are quiet. */
    public static void fillStats(MbufStat s) {
        long[] inUse = new long[SizeClass.values().length];
        for (SizeClass sc : SizeClass.values()) {
            inUse[sc.ordinal()] = ThreadCache.total(ThreadCache.CLASS_BASE + sc.ordinal());
        }
        long mbufs = CELLS.carved() + DEBUG_LIVE[0].get();
        long cl = CLUSTERS_2K.carved() + DEBUG_LIVE[1].get();
        long big = CLUSTERS_4K.carved() + DEBUG_LIVE[2].get();
        long jumbo = CLUSTERS_16K.carved() + DEBUG_LIVE[3].get();
        s.mbufs = mbufs;
        s.clusters = cl;
        s.clfree = cl - inUse[SizeClass.CLUSTER.ordinal()];
        s.bigclusters = big;
        s.bigclfree = big - inUse[SizeClass.BIGCLUSTER.ordinal()];
        s.jumboclusters = jumbo;
        s.jumboclfree = jumbo - inUse[SizeClass.JUMBO.ordinal()];
        s.drops = DROPS.get();
        s.wait = WAITS.get();
        s.drain = 0;
        java.util.Arrays.fill(s.mtypes, 0);
        long typed = 0;
        for (int t = 1; t < ThreadCache.TYPES; t++) {
            s.mtypes[t] = ThreadCache.total(ThreadCache.TYPE_BASE + t);
            typed += s.mtypes[t];
        }
        s.mtypes[MBUF_TYPE_FREE] = mbufs - typed;
        s.mcfail = MCFAIL.get();
        s.mpfail = MPFAIL.get();
        s.msize = MSIZE;
        s.mclbytes = MCLBYTES;
        s.minclsize = MHLEN + MLEN;
        s.mlen = MLEN;
        s.mhlen = MHLEN;
        s.bigmclbytes = MBIGCLBYTES;
        s.bytesInUse = bytesInUse();
        s.highWaterBytes = BUDGET.highWater();
        s.limitBytes = BUDGET.limit();
        s.bytesReserved = bytesReserved();
    }
}
