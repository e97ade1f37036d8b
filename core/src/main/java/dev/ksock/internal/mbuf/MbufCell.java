package dev.ksock.internal.mbuf;

import static dev.ksock.KpiMbuf.MBUF_EXT;
import static dev.ksock.KpiMbuf.MBUF_PKTHDR;
import static dev.ksock.KpiMbuf.MBUF_TYPE_FREE;
import static dev.ksock.KpiMbuf.MHLEN;
import static dev.ksock.KpiMbuf.MLEN;
import static dev.ksock.KpiMbuf.MSIZE;

import dev.ksock.Mbuf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The state of one mbuf: XNU's {@code struct m_hdr} + {@code pkthdr} + {@code m_ext}, on the Java
 * heap, over an {@code MSIZE} block of native memory that holds the mbuf's internal data.
 *
 * <p><b>Why a cell behind the public {@link Mbuf}:</b> the public type must be opaque and live in
 * the exported package, while every algorithm lives here. Making {@code Mbuf} a one-field handle
 * keeps all state and logic in one non-exported class; the handle and its cell are created
 * together and recycled together, so the indirection costs one pointer load and no garbage. The
 * bridge is {@link MbufAccess} (the JDK's SharedSecrets pattern).
 *
 * <p><b>Layout of the internal block</b> (mirrors LP64 XNU so that size arithmetic ported from a
 * kext behaves the same): bytes {@code [MSIZE-MLEN, MSIZE)} are {@code m_dat}; a packet header
 * mbuf's {@code m_pktdat} is {@code [MSIZE-MHLEN, MSIZE)}. The bytes in front stand where XNU keeps
 * the header and are never handed out.
 *
 * <p><b>Thread ownership:</b> like a BSD mbuf, a cell is owned by whoever holds the mbuf; the
 * header fields are plain fields, written only by the owner. Ownership moves between threads only
 * through something that orders memory (a socket buffer lock, a queue, the pool's depot lock).
 * {@link #type} {@code == MBUF_TYPE_FREE} marks a cell that is in the pool (or, in debug mode,
 * retired for good): every KPI entry checks it, which is how double frees and use-after-free of a
 * not-yet-reused mbuf are caught.
 */
public final class MbufCell {
    /** Immutable: the public handle, paired with this cell for life. */
    final Mbuf handle;
    /** Immutable: the {@code MSIZE} block holding internal data. */
    final MemorySegment inline;
    /** Immutable: true if the cell is recycled by the pool; false in debug mode. */
    final boolean pooled;
    /** Immutable: the cell's own arena in debug mode (closed at free), else null. */
    final Arena arena;

    // --- mbuf header: owner thread only ---
    /** {@code m_type}; {@code MBUF_TYPE_FREE} while pooled or retired. */
    int type;
    /** {@code m_flags}, public bits only ({@code MBUF_EXT} mirrors {@code ext != null}). */
    int flags;
    /** {@code m_data}, as an offset into {@link #buffer()}. */
    int off;
    /** {@code m_len}. */
    int len;
    /** {@code m_pkthdr.len}; meaningful only with {@code MBUF_PKTHDR}. */
    int pkthdrLen;
    /** {@code m_next}. */
    MbufCell next;
    /** {@code m_nextpkt}. */
    MbufCell nextpkt;
    /** {@code m_ext}: the cluster this mbuf's data lives in, or null for internal data. */
    ClusterRef ext;
    /** Leak-detector record while allocated with leak detection on, else null. */
    LeakDetector.Record leak;

    MbufCell(MemorySegment inline, boolean pooled, Arena arena) {
        this.inline = inline;
        this.pooled = pooled;
        this.arena = arena;
        this.type = MBUF_TYPE_FREE;
        this.handle = MbufAccess.get().newHandle(this);
    }

    /** The cell behind a public handle, or null for a null handle. */
    public static MbufCell of(Mbuf m) {
        return m == null ? null : MbufAccess.get().cell(m);
    }

    /** The cell behind {@code m} if it is allocated, else null (null, freed). */
    public static MbufCell live(Mbuf m) {
        MbufCell c = of(m);
        return c == null || c.type == MBUF_TYPE_FREE ? null : c;
    }

    public Mbuf handle() {
        return handle;
    }

    public boolean isFree() {
        return type == MBUF_TYPE_FREE;
    }

    public int type() {
        return type;
    }

    public int flags() {
        return flags;
    }

    public int len() {
        return len;
    }

    public int pkthdrLen() {
        return pkthdrLen;
    }

    public MbufCell next() {
        return next;
    }

    public MbufCell nextpkt() {
        return nextpkt;
    }

    public boolean hasPkthdr() {
        return (flags & MBUF_PKTHDR) != 0;
    }

    /** The memory the data lives in: the cluster, or the internal block. */
    MemorySegment buffer() {
        return ext != null ? ext.segment : inline;
    }

    /** Offset of {@code mbuf_datastart} in {@link #buffer()}. */
    int start() {
        if (ext != null) {
            return 0;
        }
        return (flags & MBUF_PKTHDR) != 0 ? MSIZE - MHLEN : MSIZE - MLEN;
    }

    /** Offset just past the buffer in {@link #buffer()}. */
    int end() {
        return ext != null ? ext.size() : MSIZE;
    }

    /** {@code mbuf_maxlen}. */
    public int maxlen() {
        return end() - start();
    }

    /** Address of {@code m_data}. */
    public long dataAddress() {
        return buffer().address() + off;
    }

    /** A writer may extend data in place: internal data, or a cluster nobody else shares. */
    boolean writable() {
        return ext == null || !ext.shared();
    }

    /** {@code M_LEADINGSPACE}: 0 in a shared cluster, which BSD treats as read-only. */
    public int leadingSpace() {
        return writable() ? off - start() : 0;
    }

    /** {@code M_TRAILINGSPACE}: 0 in a shared cluster (stricter than XNU, as FreeBSD). */
    public int trailingSpace() {
        return writable() ? end() - off - len : 0;
    }

    /** Segment from {@code m_data} to the end of the buffer (what the caller may write). */
    public MemorySegment dataSegment() {
        return buffer().asSlice(off, end() - off);
    }

    /** Segment over the whole buffer from {@code mbuf_datastart}. */
    public MemorySegment startSegment() {
        return buffer().asSlice(start(), maxlen());
    }

    /** Resets the header of a cell leaving the pool. */
    void init(int type, int flags) {
        this.type = type;
        this.flags = flags;
        this.next = null;
        this.nextpkt = null;
        this.ext = null;
        this.len = 0;
        this.pkthdrLen = 0;
        this.off = start();
    }

    /** Makes the cluster this mbuf's buffer ({@code MBUF_CL_INIT}); data starts at its beginning. */
    void attach(ClusterRef cluster) {
        this.ext = cluster;
        this.flags |= MBUF_EXT;
        this.off = 0;
    }

    @Override
    public String toString() {
        if (type == MBUF_TYPE_FREE) {
            return "mbuf[free]";
        }
        return "mbuf[type=" + type + ", flags=0x" + Integer.toHexString(flags) + ", len=" + len
                + ", maxlen=" + maxlen() + (hasPkthdr() ? ", pkthdr.len=" + pkthdrLen : "") + "]";
    }
}
