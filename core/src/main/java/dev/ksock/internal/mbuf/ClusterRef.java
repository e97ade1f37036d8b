package dev.ksock.internal.mbuf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One external buffer (XNU's {@code m_ext} with its {@code ext_ref}): a 2, 4 or 16 KiB block of
 * native memory shared by reference count between the mbufs that point into it, so that
 * {@code mbuf_copym} and {@code mbuf_split} never copy cluster payload.
 *
 * <p>Pooled clusters live forever and are recycled; in debug mode each cluster has its own arena,
 * closed when the last reference goes, so a stale {@code MemorySegment} fails instead of reading
 * memory that someone else now owns.
 */
public final class ClusterRef {
    private static final VarHandle REFCNT;

    static {
        try {
            REFCNT = MethodHandles.lookup().findVarHandle(ClusterRef.class, "refcnt", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Immutable. */
    final SizeClass sizeClass;
    /** Immutable: the cluster's memory, exactly {@code sizeClass.size} bytes. */
    final MemorySegment segment;
    /** Immutable: null for pooled clusters, the cluster's own arena in debug mode. */
    final Arena arena;

    /**
     * Number of mbufs pointing into this cluster; 0 while it sits in a cache or depot. Changed
     * atomically because mbufs sharing a cluster may be freed on different threads.
     */
    private volatile int refcnt;

    ClusterRef(SizeClass sizeClass, MemorySegment segment, Arena arena) {
        this.sizeClass = sizeClass;
        this.segment = segment;
        this.arena = arena;
    }

    int size() {
        return sizeClass.size;
    }

    /** First owner: called once the cluster left the pool, before anyone else can see it. */
    void initRef() {
        REFCNT.setRelease(this, 1);
    }

    /** One more mbuf shares the cluster (the caller holds a reference already). */
    void retain() {
        REFCNT.getAndAdd(this, 1);
    }

    /** True if more than one mbuf points here: BSD's MCLHASREFERENCE, the cluster is read-only. */
    boolean shared() {
        return refcnt > 1;
    }

    /**
     * Drops one reference; true if it was the last and the cluster must go back to the pool.
     * Count 1 means the caller is the only holder and nobody can retain concurrently (retaining
     * needs a reference), so the atomic read-modify-write is skipped on the common path.
     */
    boolean release() {
        if (refcnt == 1) {
            // Release store: a plain store on x86, where a volatile store would need a fence.
            REFCNT.setRelease(this, 0);
            return true;
        }
        return (int) REFCNT.getAndAdd(this, -1) == 1;
    }
}
