package dev.ksock;

import static dev.ksock.SysErrno.EINVAL;
import static dev.ksock.SysErrno.ENOBUFS;

import dev.ksock.internal.mbuf.ChainOps;
import dev.ksock.internal.mbuf.MbufCell;
import dev.ksock.internal.mbuf.MbufPool;
import dev.ksock.internal.mbuf.SizeClass;
import java.lang.foreign.MemorySegment;

/**
 * {@code <sys/kpi_mbuf.h>}: the mbuf functions a socket client needs, named and ordered as in C,
 * over pooled native memory.
 *
 * <p><b>Memory.</b> mbufs ({@link #MSIZE} bytes, data inside) and clusters (2, 4 and 16 KiB) come
 * from slabs of native memory cached per thread; an mbuf freed on another thread than the one that
 * allocated it goes back to the pool all the same. All of it is bounded by one limit
 * ({@code -Dksock.mbuf.limit=64m}, default 512 MiB). At the limit an allocation fails with
 * {@code ENOBUFS} — at once with {@link #MBUF_DONTWAIT}, after waiting up to
 * {@code ksock.mbuf.waitMillis} (default 100 ms) for memory freed by other threads with
 * {@link #MBUF_WAITOK}. <em>Differs from XNU</em>, which returns {@code ENOMEM} (or
 * {@code EWOULDBLOCK} from {@code mbuf_getpacket}) when the allocator fails: ksock always returns
 * {@code ENOBUFS} for lack of mbuf memory, as the socket layer does.
 *
 * <p><b>Threads.</b> As in the kernel, an mbuf chain belongs to one holder at a time and is not
 * synchronized; the allocator itself is thread-safe. Clusters shared by {@link #mbuf_copym} or
 * {@link #mbuf_split} are reference counted atomically, so the chains sharing them may be freed on
 * different threads.
 *
 * <p><b>Misuse.</b> No function throws. A null or freed mbuf, a double free, out-of-range offsets
 * or lengths, negative sizes and links that would make a cycle return {@code EINVAL}; functions
 * without an errno return their "nothing" value (null, {@link MemorySegment#NULL}, 0) or, for
 * {@code void} ones, leave everything unchanged. The pool recycles {@link Mbuf} objects, so one
 * misuse cannot be caught in normal operation: a handle kept after {@code mbuf_free} and used
 * after the pool handed the same object out again acts on its new owner's mbuf. Run with
 * {@code -Dksock.mbuf.debug=true} to disable recycling: every use after free then returns
 * {@code EINVAL}, and segments obtained from {@link #mbuf_data} throw once the mbuf is freed.
 * {@code -Dksock.mbuf.leakDetection=true} logs mbufs garbage-collected without being freed, with
 * their allocation stack trace.
 *
 * <p><b>Layout constants.</b> {@link #MSIZE}, {@link #MLEN} and {@link #MHLEN} are those of LP64
 * XNU (256, 224, 88), so size decisions ported from a kext come out the same; the mbuf header
 * itself lives on the Java heap.
 */
public final class KpiMbuf {
    private KpiMbuf() {
    }

    // mbuf_how_t
    /** {@code mbuf_how_t}: the allocation may wait for memory (not from an upcall, whose {@code waitf} is {@code MBUF_DONTWAIT}). */
    public static final int MBUF_WAITOK = 0;
    /** {@code mbuf_how_t}: the allocation fails at once ({@code ENOBUFS}) rather than wait. */
    public static final int MBUF_DONTWAIT = 1;

    // mbuf_type_t
    /** {@code mbuf_type_t}: on the free list; what a freed mbuf reports. */
    public static final int MBUF_TYPE_FREE = 0;
    /** {@code mbuf_type_t}: dynamic data, the type of socket payload. */
    public static final int MBUF_TYPE_DATA = 1;
    /** {@code mbuf_type_t}: a packet header. */
    public static final int MBUF_TYPE_HEADER = 2;
    /** {@code mbuf_type_t}: socket structure (historic BSD). */
    public static final int MBUF_TYPE_SOCKET = 3;
    /** {@code mbuf_type_t}: protocol control block (historic BSD). */
    public static final int MBUF_TYPE_PCB = 4;
    /** {@code mbuf_type_t}: routing table entry (historic BSD). */
    public static final int MBUF_TYPE_RTABLE = 5;
    /** {@code mbuf_type_t}: IMP host table (historic BSD). */
    public static final int MBUF_TYPE_HTABLE = 6;
    /** {@code mbuf_type_t}: address resolution table (historic BSD). */
    public static final int MBUF_TYPE_ATABLE = 7;
    /** {@code mbuf_type_t}: a socket name (address), as queued before a datagram. */
    public static final int MBUF_TYPE_SONAME = 8;
    /** {@code mbuf_type_t}: socket options. */
    public static final int MBUF_TYPE_SOOPTS = 10;
    /** {@code mbuf_type_t}: fragment reassembly header. */
    public static final int MBUF_TYPE_FTABLE = 11;
    /** {@code mbuf_type_t}: access rights (passed descriptors). */
    public static final int MBUF_TYPE_RIGHTS = 12;
    /** {@code mbuf_type_t}: interface address. */
    public static final int MBUF_TYPE_IFADDR = 13;
    /** {@code mbuf_type_t}: ancillary data ({@code cmsghdr}s). */
    public static final int MBUF_TYPE_CONTROL = 14;
    /** {@code mbuf_type_t}: out-of-band data. */
    public static final int MBUF_TYPE_OOBDATA = 15;

    // mbuf_flags_t
    /** {@code mbuf_flags_t}: the data lives in an external cluster, not inside the mbuf. */
    public static final int MBUF_EXT = 0x0001;
    /** {@code mbuf_flags_t}: the first mbuf of a packet, carrying the packet header ({@code mbuf_pkthdr_len}). */
    public static final int MBUF_PKTHDR = 0x0002;
    /** {@code mbuf_flags_t}: end of record. */
    public static final int MBUF_EOR = 0x0004;
    /** {@code mbuf_flags_t}: the packet is looped back. */
    public static final int MBUF_LOOP = 0x0040;
    /** {@code mbuf_flags_t}: sent or received as link-level broadcast. */
    public static final int MBUF_BCAST = 0x0100;
    /** {@code mbuf_flags_t}: sent or received as link-level multicast. */
    public static final int MBUF_MCAST = 0x0200;
    /** {@code mbuf_flags_t}: a fragment of a larger packet. */
    public static final int MBUF_FRAG = 0x0400;
    /** {@code mbuf_flags_t}: the first fragment. */
    public static final int MBUF_FIRSTFRAG = 0x0800;
    /** {@code mbuf_flags_t}: the last fragment. */
    public static final int MBUF_LASTFRAG = 0x1000;
    /** {@code mbuf_flags_t}: received in promiscuous mode, not for this host. */
    public static final int MBUF_PROMISC = 0x2000;
    /** {@code mbuf_flags_t}: the frame carries its frame check sequence. */
    public static final int MBUF_HASFCS = 0x4000;

    /** {@code mbuf_copym} length meaning "to the end of the chain". */
    public static final int MBUF_COPYALL = 1000000000;

    // mbuf_tso_request_flags_t
    /** {@code mbuf_tso_request_flags_t}: TCP segmentation offload requested for IPv4 (kept for source compatibility; the Linux host segments by itself). */
    public static final int MBUF_TSO_IPV4 = 0x100000;
    /** {@code mbuf_tso_request_flags_t}: TCP segmentation offload requested for IPv6 (kept for source compatibility). */
    public static final int MBUF_TSO_IPV6 = 0x200000;

    // mbuf_csum_request_flags_t
    /** {@code mbuf_csum_request_flags_t}: the IPv4 header checksum is to be computed by the interface (kept for source compatibility: the host computes checksums). */
    public static final int MBUF_CSUM_REQ_IP = 0x0001;
    /** {@code mbuf_csum_request_flags_t}: TCP over IPv4 checksum requested from the interface. */
    public static final int MBUF_CSUM_REQ_TCP = 0x0002;
    /** {@code mbuf_csum_request_flags_t}: UDP over IPv4 checksum requested from the interface. */
    public static final int MBUF_CSUM_REQ_UDP = 0x0004;
    /** {@code mbuf_csum_request_flags_t}: TCP over IPv6 checksum requested from the interface. */
    public static final int MBUF_CSUM_REQ_TCPIPV6 = 0x0020;
    /** {@code mbuf_csum_request_flags_t}: UDP over IPv6 checksum requested from the interface. */
    public static final int MBUF_CSUM_REQ_UDPIPV6 = 0x0040;

    // mbuf_csum_performed_flags_t
    /** {@code mbuf_csum_performed_flags_t}: the interface checked the IPv4 header checksum. */
    public static final int MBUF_CSUM_DID_IP = 0x0100;
    /** {@code mbuf_csum_performed_flags_t}: ... and found it good. */
    public static final int MBUF_CSUM_IP_GOOD = 0x0200;
    /** {@code mbuf_csum_performed_flags_t}: the interface computed the payload checksum (in {@code csum_data}). */
    public static final int MBUF_CSUM_DID_DATA = 0x0400;
    /** {@code mbuf_csum_performed_flags_t}: that checksum includes the pseudo-header. */
    public static final int MBUF_CSUM_PSEUDO_HDR = 0x0800;

    /** Bytes of one mbuf (bsd/i386/param.h). */
    public static final int MSIZE = 256;
    /** Internal data of an mbuf without packet header (LP64 XNU: MSIZE - 32). */
    public static final int MLEN = 224;
    /** Internal data of a packet header mbuf (LP64 XNU's value). */
    public static final int MHLEN = 88;
    /** Cluster. */
    public static final int MCLBYTES = 2048;
    /** Big cluster. */
    public static final int MBIGCLBYTES = 4096;
    /** Jumbo cluster. */
    public static final int M16KCLBYTES = 16384;

    // ------------------------------------------------------------------ allocation

    /**
     * Allocates a packet of {@code packetlen} bytes as a chain sized like XNU does (see
     * {@link ChainOps#allocPacket}); lengths are 0, the first mbuf has a packet header. If
     * {@code maxchunks} is non-null and non-zero it caps the number of mbufs ({@code ENOBUFS} if
     * more are needed); on success it receives the number used. {@code EINVAL} for
     * {@code packetlen == 0}.
     */
    public static int mbuf_allocpacket(int how, long packetlen, IntRef maxchunks, Ref<Mbuf> mbuf) {
        return ChainOps.allocPacket(how, packetlen, maxchunks, mbuf, false);
    }

    /** A packet header mbuf with a 2 KiB cluster. */
    public static int mbuf_getpacket(int how, Ref<Mbuf> mbuf) {
        if (mbuf == null || invalidHow(how)) {
            return EINVAL;
        }
        MbufCell m = MbufPool.alloc(how, MBUF_TYPE_DATA, true, SizeClass.CLUSTER);
        mbuf.set(m == null ? null : m.handle());
        return m == null ? ENOBUFS : 0;
    }

    /** An mbuf with internal data ({@link #MLEN} bytes) of the given type. */
    public static int mbuf_get(int how, int type, Ref<Mbuf> mbuf) {
        return get(how, type, false, mbuf);
    }

    /** A packet header mbuf ({@link #MHLEN} bytes of internal data). */
    public static int mbuf_gethdr(int how, int type, Ref<Mbuf> mbuf) {
        return get(how, type, true, mbuf);
    }

    private static int get(int how, int type, boolean hdr, Ref<Mbuf> mbuf) {
        if (mbuf == null || invalidHow(how) || invalidType(type)) {
            return EINVAL;
        }
        MbufCell m = MbufPool.alloc(how, type, hdr, null);
        mbuf.set(m == null ? null : m.handle());
        return m == null ? ENOBUFS : 0;
    }

    /**
     * Attaches a 2 KiB cluster to {@code *mbuf}, allocating the mbuf first if {@code *mbuf} is null
     * (and freeing it again on failure). {@code EINVAL} if the mbuf already has a cluster.
     */
    public static int mbuf_mclget(int how, int type, Ref<Mbuf> mbuf) {
        return mbuf_getcluster(how, type, MCLBYTES, mbuf);
    }

    /**
     * Like {@link #mbuf_mclget} with a cluster of {@code size} bytes: {@link #MCLBYTES},
     * {@link #MBIGCLBYTES} or {@link #M16KCLBYTES}, else {@code EINVAL}.
     */
    public static int mbuf_getcluster(int how, int type, long size, Ref<Mbuf> mbuf) {
        SizeClass sc = SizeClass.clusterOfSize(size);
        if (mbuf == null || sc == null || invalidHow(how) || invalidType(type)) {
            return EINVAL;
        }
        if (mbuf.get() == null) {
            MbufCell m = MbufPool.alloc(how, type, false, sc);
            mbuf.set(m == null ? null : m.handle());
            return m == null ? ENOBUFS : 0;
        }
        MbufCell m = MbufCell.live(mbuf.get());
        if (m == null || (m.flags() & MBUF_EXT) != 0) {
            return EINVAL;
        }
        return MbufPool.attachCluster(m, sc, how) ? 0 : ENOBUFS;
    }

    /** Frees one mbuf (and its cluster reference); returns its {@code m_next}, null if invalid. */
    public static Mbuf mbuf_free(Mbuf mbuf) {
        MbufCell m = MbufCell.live(mbuf);
        if (m == null) {
            return null;
        }
        MbufCell next = MbufPool.free(m);
        return next == null ? null : next.handle();
    }

    /** Frees the chain along {@code m_next}; stops at an mbuf that is already free. */
    public static void mbuf_freem(Mbuf mbuf) {
        MbufPool.freeChain(MbufCell.live(mbuf));
    }

    // ------------------------------------------------------------------ data

    /**
     * {@code m_data}: a segment from the data pointer to the end of the buffer, so the caller can
     * write into the trailing space too ({@link #mbuf_len} says how much is data). The segment
     * stays valid while the mbuf is allocated; {@link MemorySegment#NULL} for a null or freed mbuf.
     */
    public static MemorySegment mbuf_data(Mbuf mbuf) {
        MbufCell m = MbufCell.live(mbuf);
        return m == null ? MemorySegment.NULL : m.dataSegment();
    }

    /** The whole buffer from its start ({@link #mbuf_maxlen} bytes); NULL if invalid. */
    public static MemorySegment mbuf_datastart(Mbuf mbuf) {
        MbufCell m = MbufCell.live(mbuf);
        return m == null ? MemorySegment.NULL : m.startSegment();
    }

    /**
     * Points the mbuf's data at {@code data} (a native segment inside its buffer, as returned by
     * {@link #mbuf_datastart} or a slice of it) with length {@code len}; {@code EINVAL} otherwise.
     */
    public static int mbuf_setdata(Mbuf mbuf, MemorySegment data, long len) {
        return ChainOps.setdata(MbufCell.live(mbuf), data, len);
    }

    /** Bytes of data in this mbuf; 0 if invalid. */
    public static long mbuf_len(Mbuf mbuf) {
        MbufCell m = MbufCell.live(mbuf);
        return m == null ? 0 : m.len();
    }

    /**
     * Sets the data length. Ignored (XNU would corrupt memory) if it would reach past the end of
     * the buffer, is negative, or the mbuf is invalid.
     */
    public static void mbuf_setlen(Mbuf mbuf, long len) {
        ChainOps.setlen(MbufCell.live(mbuf), len);
    }

    /** Capacity of the buffer from its start; 0 if invalid. */
    public static long mbuf_maxlen(Mbuf mbuf) {
        MbufCell m = MbufCell.live(mbuf);
        return m == null ? 0 : m.maxlen();
    }

    /** Free bytes before the data; 0 if the cluster is shared (read-only) or the mbuf invalid. */
    public static long mbuf_leadingspace(Mbuf mbuf) {
        MbufCell m = MbufCell.live(mbuf);
        return m == null ? 0 : m.leadingSpace();
    }

    /** Free bytes after the data; 0 if the cluster is shared (read-only) or the mbuf invalid. */
    public static long mbuf_trailingspace(Mbuf mbuf) {
        MbufCell m = MbufCell.live(mbuf);
        return m == null ? 0 : m.trailingSpace();
    }

    // ------------------------------------------------------------------ header fields

    /** {@code m_next}: the next mbuf of the same packet (chain), or null at its end or for a freed mbuf. */
    public static Mbuf mbuf_next(Mbuf mbuf) {
        MbufCell m = MbufCell.live(mbuf);
        return m == null || m.next() == null ? null : m.next().handle();
    }

    /**
     * Links {@code next} after {@code mbuf}. {@code EINVAL} if either is freed, {@code next} heads
     * a packet of a list ({@code m_nextpkt} set, as XNU), or the link would make a cycle.
     */
    public static int mbuf_setnext(Mbuf mbuf, Mbuf next) {
        return ChainOps.setnext(MbufCell.live(mbuf), next == null ? null : MbufCell.of(next));
    }

    /** {@code m_nextpkt}: the next packet of a packet list, or null. */
    public static Mbuf mbuf_nextpkt(Mbuf mbuf) {
        MbufCell m = MbufCell.live(mbuf);
        return m == null || m.nextpkt() == null ? null : m.nextpkt().handle();
    }

    /** Sets the next packet of a list; ignored if either mbuf is freed. */
    public static void mbuf_setnextpkt(Mbuf mbuf, Mbuf nextpkt) {
        MbufCell m = MbufCell.live(mbuf);
        MbufCell n = MbufCell.of(nextpkt);
        if (m != null && (n == null || !n.isFree())) {
            ChainOps.setnextpkt(m, n);
        }
    }

    /** {@code MBUF_TYPE_*}; {@link #MBUF_TYPE_FREE} for a freed (or null) mbuf. */
    public static int mbuf_type(Mbuf mbuf) {
        MbufCell m = MbufCell.live(mbuf);
        return m == null ? MBUF_TYPE_FREE : m.type();
    }

    /** The public flags; 0 if invalid. */
    public static int mbuf_flags(Mbuf mbuf) {
        MbufCell m = MbufCell.live(mbuf);
        return m == null ? 0 : m.flags() & ChainOps.FLAGS_MASK;
    }

    /**
     * Replaces the public flags. {@code EINVAL} for bits outside the public mask
     * ({@code MBUF_EXT|PKTHDR|EOR|LOOP|BCAST|MCAST|FRAG|FIRSTFRAG|LASTFRAG|PROMISC|HASFCS}) or a
     * change of {@link #MBUF_EXT}, as XNU. Toggling {@link #MBUF_PKTHDR} resets the packet length;
     * {@code EBUSY} if internal data would not fit the new layout.
     */
    public static int mbuf_setflags(Mbuf mbuf, int flags) {
        return ChainOps.setflags(MbufCell.live(mbuf), flags);
    }

    /** The packet header length; 0 without a packet header (or if negative, as XNU). */
    public static long mbuf_pkthdr_len(Mbuf mbuf) {
        MbufCell m = MbufCell.live(mbuf);
        return m == null || !m.hasPkthdr() || m.pkthdrLen() < 0 ? 0 : m.pkthdrLen();
    }

    /** Sets the packet header length (clamped to {@code INT32_MAX}); ignored without a header. */
    public static void mbuf_pkthdr_setlen(Mbuf mbuf, long len) {
        MbufCell m = MbufCell.live(mbuf);
        if (m != null && m.hasPkthdr() && len >= 0) {
            ChainOps.setPkthdrLen(m, (int) Math.min(len, Integer.MAX_VALUE));
        }
    }

    // ------------------------------------------------------------------ chains

    /** Copies {@code length} bytes from {@code offset} into {@code out}; {@code EINVAL} if the chain is too short. */
    public static int mbuf_copydata(Mbuf m, long offset, long length, MemorySegment out) {
        return ChainOps.copydata(MbufCell.live(m), offset, length, out);
    }

    /**
     * Writes {@code length} bytes of {@code data} at {@code offset}, extending the chain (zero-
     * filling a gap) as XNU does. {@code EINVAL} for {@code length == 0}; {@code ENOBUFS} if memory
     * runs out midway (what fit is written). Writes through shared clusters like XNU: don't
     * copy back into a chain made by {@link #mbuf_copym} unless you mean both to change.
     */
    public static int mbuf_copyback(Mbuf m, long offset, long length, MemorySegment data, int how) {
        return ChainOps.copyback(MbufCell.live(m), offset, length, data, how);
    }

    /**
     * Copies {@code len} bytes from {@code offset} ({@link #MBUF_COPYALL}: to the end) into a new
     * chain; cluster data is shared by reference count, not copied. {@code EINVAL} for a range
     * outside the chain or an empty copy.
     */
    public static int mbuf_copym(Mbuf src, long offset, long len, int how, Ref<Mbuf> new_mbuf) {
        return ChainOps.copym(MbufCell.live(src), offset, len, how, new_mbuf);
    }

    /** A deep copy of the chain with its packet header. */
    public static int mbuf_dup(Mbuf src, int how, Ref<Mbuf> new_mbuf) {
        return ChainOps.dup(MbufCell.live(src), how, new_mbuf);
    }

    /**
     * Makes room for {@code len} bytes (at most {@link #M16KCLBYTES}) in front of the data; may
     * put a new mbuf at the head, stored in {@code *mbuf}. On {@code ENOBUFS} the chain is freed
     * and {@code *mbuf} set to null, as XNU.
     */
    public static int mbuf_prepend(Ref<Mbuf> mbuf, long len, int how) {
        return ChainOps.prepend(mbuf, len, how);
    }

    /** Splits the chain at {@code offset}; the tail goes to {@code *new_mbuf}. */
    public static int mbuf_split(Mbuf src, long offset, int how, Ref<Mbuf> new_mbuf) {
        return ChainOps.split(MbufCell.live(src), offset, how, new_mbuf);
    }

    /**
     * Makes the first {@code len} bytes contiguous in the first mbuf (up to
     * {@link #M16KCLBYTES}). On failure the chain is freed and {@code *mbuf} set to null, as XNU:
     * {@code EINVAL} if the chain is shorter than {@code len}, {@code ENOBUFS} without memory.
     */
    public static int mbuf_pullup(Ref<Mbuf> mbuf, long len) {
        return ChainOps.pullup(mbuf, len);
    }

    /** Trims {@code len} bytes from the head, or {@code -len} from the tail if negative. */
    public static void mbuf_adj(Mbuf mbuf, int len) {
        ChainOps.adj(MbufCell.live(mbuf), len);
    }

    /**
     * Appends {@code src} to {@code dst}'s chain and returns {@code dst}; null if {@code dst} is
     * null or the link is invalid (freed mbuf, cycle). Packet lengths are not updated.
     */
    public static Mbuf mbuf_concatenate(Mbuf dst, Mbuf src) {
        MbufCell r = ChainOps.concatenate(MbufCell.live(dst), src == null ? null : MbufCell.of(src));
        return r == null ? null : r.handle();
    }

    // ------------------------------------------------------------------ pool

    /** Fills {@code stats} with the pool's counters; ignored if null. */
    public static void mbuf_stats(MbufStat stats) {
        if (stats != null) {
            MbufPool.fillStats(stats);
        }
    }

    /** {@link #MLEN}. */
    public static int mbuf_get_mlen() {
        return MLEN;
    }

    /** {@link #MHLEN}. */
    public static int mbuf_get_mhlen() {
        return MHLEN;
    }

    /** {@code MINCLSIZE} = {@link #MHLEN} + {@link #MLEN}: from this size on, data goes into clusters. */
    public static int mbuf_get_minclsize() {
        return ChainOps.MINCLSIZE;
    }

    private static boolean invalidHow(int how) {
        return how != MBUF_WAITOK && how != MBUF_DONTWAIT;
    }

    /** Types 1..15 ({@code MBUF_TYPE_DATA} .. {@code MBUF_TYPE_OOBDATA}); FREE is not allocatable. */
    private static boolean invalidType(int type) {
        return type <= MBUF_TYPE_FREE || type > MBUF_TYPE_OOBDATA;
    }
}
