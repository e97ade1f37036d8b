package dev.ksock;

/**
 * {@code struct mbuf_stat}, filled by {@link KpiMbuf#mbuf_stats}: fields named as in Darwin
 * ({@code kpi_mbuf.h}), widened to {@code long}, plus ksock's own memory counters.
 *
 * <p>"Obtained" counts are blocks the pool has carved from native memory (in use or free); the pool
 * never gives memory back, as XNU's mbuf map does not. Values are a snapshot taken while other
 * threads may allocate; they are exact when nobody does.
 */
public final class MbufStat {
    /** mbufs obtained (in use + free in the pool). */
    public long mbufs;
    /** 2 KiB clusters obtained. */
    public long clusters;
    /** 2 KiB clusters free in the pool. */
    public long clfree;
    /** Allocations that failed for lack of memory (ENOBUFS). */
    public long drops;
    /** Allocations that waited for memory ({@code MBUF_WAITOK} at the limit). */
    public long wait;
    /** Times protocols were asked to drain; ksock has no drain, always 0. */
    public long drain;
    /** mbufs in use per type ({@code MBUF_TYPE_*}); index 0 ({@code MBUF_TYPE_FREE}) counts free ones. */
    public final long[] mtypes = new long[256];
    /** {@code mbuf_copym} failures. */
    public long mcfail;
    /** {@code mbuf_pullup} failures. */
    public long mpfail;
    /** {@code MSIZE}. */
    public long msize;
    /** {@code MCLBYTES}. */
    public long mclbytes;
    /** {@code MINCLSIZE}: the smallest amount of data put in a cluster. */
    public long minclsize;
    /** {@code MLEN}. */
    public long mlen;
    /** {@code MHLEN}. */
    public long mhlen;
    /** 4 KiB clusters obtained. */
    public long bigclusters;
    /** 4 KiB clusters free in the pool. */
    public long bigclfree;
    /** {@code MBIGCLBYTES}. */
    public long bigmclbytes;

    // ksock extras

    /** 16 KiB clusters obtained (Darwin's struct has no field for them). */
    public long jumboclusters;
    /** 16 KiB clusters free in the pool. */
    public long jumboclfree;
    /** Bytes of mbufs and clusters allocated and not freed ({@code MSIZE} per mbuf + cluster sizes). */
    public long bytesInUse;
    /**
     * Peak of bytes granted against the limit: bytes in use plus what thread caches held in
     * reserve at the time (at most about 128 KiB per allocating thread).
     */
    public long highWaterBytes;
    /** The memory limit ({@code ksock.mbuf.limit}). */
    public long limitBytes;
    /** Native memory the pool has reserved for its slabs. */
    public long bytesReserved;

    /** Zeroed statistics, to pass to {@link KpiMbuf#mbuf_stats}. */
    public MbufStat() {
    }

    @Override
    public String toString() {
        return "MbufStat[mbufs=" + mbufs + ", clusters=" + clusters + ", clfree=" + clfree
                + ", bigclusters=" + bigclusters + ", bigclfree=" + bigclfree
                + ", jumboclusters=" + jumboclusters + ", jumboclfree=" + jumboclfree
                + ", drops=" + drops + ", wait=" + wait + ", mcfail=" + mcfail + ", mpfail=" + mpfail
                + ", bytesInUse=" + bytesInUse + ", highWaterBytes=" + highWaterBytes
                + ", limitBytes=" + limitBytes + ", bytesReserved=" + bytesReserved + "]";
    }
}
