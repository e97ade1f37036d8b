package dev.ksock.internal.mbuf;

import static dev.ksock.KpiMbuf.M16KCLBYTES;
import static dev.ksock.KpiMbuf.MBUF_BCAST;
import static dev.ksock.KpiMbuf.MBUF_COPYALL;
import static dev.ksock.KpiMbuf.MBUF_DONTWAIT;
import static dev.ksock.KpiMbuf.MBUF_EOR;
import static dev.ksock.KpiMbuf.MBUF_EXT;
import static dev.ksock.KpiMbuf.MBUF_FIRSTFRAG;
import static dev.ksock.KpiMbuf.MBUF_FRAG;
import static dev.ksock.KpiMbuf.MBUF_HASFCS;
import static dev.ksock.KpiMbuf.MBUF_LASTFRAG;
import static dev.ksock.KpiMbuf.MBUF_LOOP;
import static dev.ksock.KpiMbuf.MBUF_MCAST;
import static dev.ksock.KpiMbuf.MBUF_PKTHDR;
import static dev.ksock.KpiMbuf.MBUF_PROMISC;
import static dev.ksock.KpiMbuf.MBUF_TYPE_DATA;
import static dev.ksock.KpiMbuf.MBUF_WAITOK;
import static dev.ksock.KpiMbuf.MHLEN;
import static dev.ksock.KpiMbuf.MLEN;
import static dev.ksock.KpiMbuf.MSIZE;
import static dev.ksock.SysErrno.EBUSY;
import static dev.ksock.SysErrno.EINVAL;
import static dev.ksock.SysErrno.ENOBUFS;

import dev.ksock.IntRef;
import dev.ksock.Mbuf;
import dev.ksock.Ref;
import java.lang.foreign.MemorySegment;

/**
 * The chain algorithms of {@code uipc_mbuf.c} behind {@code kpi_mbuf.h}: copy in and out, copy by
 * reference, split, prepend, pull up, trim. Written from the BSD semantics, with every argument
 * checked first so that misuse returns {@code EINVAL} and touches nothing.
 *
 * <p>Every walk along {@code m_next} is bounded by {@link MbufPool#walkBound()}; cycles cannot be
 * made through the KPI ({@code mbuf_setnext} and {@code mbuf_concatenate} refuse them), so hitting
 * the bound means a corrupted chain and is reported as {@code EINVAL}.
 */
public final class ChainOps {
    /** Flags visible to KPI clients ({@code mbuf_flags_mask} in kpi_mbuf.c). */
    public static final int FLAGS_MASK = MBUF_EXT | MBUF_PKTHDR | MBUF_EOR | MBUF_LOOP | MBUF_BCAST
            | MBUF_MCAST | MBUF_FRAG | MBUF_FIRSTFRAG | MBUF_LASTFRAG | MBUF_PROMISC | MBUF_HASFCS;
    /** Flags that travel with the packet header ({@code M_COPYFLAGS}). */
    static final int COPY_FLAGS = FLAGS_MASK & ~MBUF_EXT;
    /** {@code MINCLSIZE}: data above this goes into a cluster. */
    public static final int MINCLSIZE = MHLEN + MLEN;

    private ChainOps() {
    }

    static boolean validHow(int how) {
        return how == MBUF_WAITOK || how == MBUF_DONTWAIT;
    }

    // ------------------------------------------------------------------ walks

    /** Sum of {@code m_len} along the chain; -1 if it holds a freed mbuf or never ends. */
    public static long length(MbufCell m) {
        long bound = MbufPool.walkBound();
        long total = 0;
        for (long i = 0; m != null; m = m.next, i++) {
            if (i > bound || m.isFree()) {
                return -1;
            }
            total += m.len;
        }
        return total;
    }

    /** 1 if {@code target} is on the chain from {@code head}, 0 if not, -1 if the chain is bad. */
    static int contains(MbufCell head, MbufCell target) {
        long bound = MbufPool.walkBound();
        for (long i = 0; head != null; head = head.next, i++) {
            if (head == target) {
                return 1;
            }
            if (i > bound || head.isFree()) {
                return -1;
            }
        }
        return 0;
    }

    /** The last mbuf of the chain, or null if the chain is bad. */
    static MbufCell last(MbufCell m) {
        long bound = MbufPool.walkBound();
        for (long i = 0; ; i++) {
            if (i > bound || m.isFree()) {
                return null;
            }
            if (m.next == null) {
                return m;
            }
            m = m.next;
        }
    }

    /** A caller's segment we may read {@code len} bytes from without an exception. */
    static boolean readable(MemorySegment s, long len) {
        return s != null && s.byteSize() >= len && s.scope().isAlive() && s.isAccessibleBy(Thread.currentThread());
    }

    static boolean writable(MemorySegment s, long len) {
        return readable(s, len) && !s.isReadOnly();
    }

    /** Copies {@code len} bytes of a valid chain from {@code off} into {@code dst} at {@code at}. */
    static void copyOut(MbufCell m, long off, long len, MemorySegment dst, long at) {
        while (off > 0 && off >= m.len) {
            off -= m.len;
            m = m.next;
        }
        while (len > 0) {
            int n = (int) Math.min(m.len - off, len);
            MemorySegment.copy(m.buffer(), m.off + off, dst, at, n);
            at += n;
            len -= n;
            off = 0;
            m = m.next;
        }
    }

    // ------------------------------------------------------------------ allocation

    /**
     * {@code mbuf_allocpacket} (and, with {@code fill}, the receive variant whose mbufs have their
     * length set to capacity). Sizes as XNU's {@code m_allocpacket_internal}: up to {@code MHLEN}
     * one header mbuf; up to {@code MINCLSIZE} two mbufs (or one 2 KiB cluster if
     * {@code *maxchunks == 1}); above, 2/4/16 KiB clusters by packet size, the last one sized for
     * the remainder.
     */
    public static int allocPacket(int how, long packetlen, IntRef maxchunks, Ref<Mbuf> out, boolean fill) {
        if (out == null || packetlen <= 0 || !validHow(how)) {
            return EINVAL;
        }
        out.set(null);
        int max = maxchunks == null ? 0 : maxchunks.value;
        if (max < 0) {
            return EINVAL;
        }
        if (packetlen > MbufPool.limit()) {
            return ENOBUFS;
        }
        int nsegs;
        SizeClass body = null;
        SizeClass last = null;
        if (packetlen <= MHLEN) {
            nsegs = 1;
        } else if (packetlen <= MINCLSIZE) {
            if (max == 1) {
                nsegs = 1;
                body = last = SizeClass.CLUSTER;
            } else {
                nsegs = 2;
            }
        } else {
            body = SizeClass.clusterFitting(Math.min(packetlen, M16KCLBYTES));
            long segs = (packetlen - 1) / body.size + 1;
            if (segs > Integer.MAX_VALUE) {
                return ENOBUFS;
            }
            nsegs = (int) segs;
            long resid = packetlen > body.size ? packetlen % body.size : 0;
            last = resid > 0 ? SizeClass.clusterFitting(resid) : body;
        }
        if (max != 0 && nsegs > max) {
            return ENOBUFS;
        }
        MbufCell head = MbufPool.allocChain(how, MBUF_TYPE_DATA, nsegs, true, body, last);
        if (head == null) {
            return ENOBUFS;
        }
        if (maxchunks != null) {
            maxchunks.value = nsegs;
        }
        if (fill) {
            long total = 0;
            for (MbufCell m = head; m != null; m = m.next) {
                m.len = m.maxlen();
                total += m.len;
            }
            head.pkthdrLen = (int) Math.min(total, Integer.MAX_VALUE);
        }
        out.set(head.handle);
        return 0;
    }

    // ------------------------------------------------------------------ copy in / out

    /** {@code mbuf_copydata}: nothing is copied unless the whole range exists. */
    public static int copydata(MbufCell m, long off, long len, MemorySegment out) {
        if (m == null || m.isFree() || off < 0 || len < 0 || off >= Integer.MAX_VALUE || len >= Integer.MAX_VALUE) {
            return EINVAL;
        }
        if (len > 0 && !writable(out, len)) {
            return EINVAL;
        }
        long total = length(m);
        if (total < 0 || off + len > total) {
            return EINVAL;
        }
        copyOut(m, off, len, out, 0);
        return 0;
    }

    /**
     * {@code mbuf_copyback}: writes {@code len} bytes at {@code off}, zero-filling any gap past the
     * end and extending the chain (growing the last mbuf into its trailing space, then appending
     * mbufs, with clusters when more than {@code MINCLSIZE} remains). On {@code ENOBUFS} what was
     * written stays, and the packet header length covers it, as in XNU.
     */
    public static int copyback(MbufCell m0, long off0, long len0, MemorySegment data, int how) {
        // Fix (reliability fuzzing): "off0 + len0 > Integer.MAX_VALUE" overflowed for a huge offset
        // (Long.MAX_VALUE), passed, and (int) off0 became -1: an out-of-bounds write attempt.
        if (m0 == null || m0.isFree() || off0 < 0 || len0 <= 0 || !validHow(how)
                || len0 > Integer.MAX_VALUE - off0 || !readable(data, len0) || length(m0) < 0) {
            return EINVAL;
        }
        MbufCell m = m0;
        int off = (int) off0;
        int len = (int) len0;
        int totlen = 0;
        long pos = 0;
        int result = 0;
        while (off > m.len) {
            off -= m.len;
            totlen += m.len;
            if (m.next == null) {
                MbufCell n = MbufPool.alloc(how, m.type, false, null);
                if (n == null) {
                    result = ENOBUFS;
                    len = 0;
                    break;
                }
                n.len = Math.min(MLEN, len + off);
                n.buffer().asSlice(n.off, n.len).fill((byte) 0);
                m.next = n;
            }
            m = m.next;
        }
        while (len > 0) {
            int mlen = Math.min(m.len - off, len);
            if (mlen < len && m.next == null && m.trailingSpace() > 0) {
                int grow = Math.min(m.trailingSpace(), len - mlen);
                mlen += grow;
                m.len += grow;
            }
            MemorySegment.copy(data, pos, m.buffer(), m.off + off, mlen);
            pos += mlen;
            len -= mlen;
            totlen += mlen + off;
            off = 0;
            if (len == 0) {
                break;
            }
            if (m.next == null) {
                SizeClass sc = len > MINCLSIZE ? SizeClass.clusterFitting(Math.min(len, M16KCLBYTES)) : null;
                MbufCell n = MbufPool.alloc(how, m.type, false, sc);
                if (n == null && sc != null) {
                    // As in XNU: no cluster is fine, the chain just grows by small mbufs.
                    n = MbufPool.alloc(how, m.type, false, null);
                }
                if (n == null) {
                    result = ENOBUFS;
                    break;
                }
                n.len = Math.min(n.maxlen(), len);
                m.next = n;
            }
            m = m.next;
        }
        if (m0.hasPkthdr() && m0.pkthdrLen < totlen) {
            m0.pkthdrLen = totlen;
        }
        return result;
    }

    // ------------------------------------------------------------------ copies

    /**
     * {@code mbuf_copym}: a new chain over {@code len} bytes from {@code off} ({@code MBUF_COPYALL}:
     * to the end). Cluster data is shared by reference, internal data copied. A copy starting at 0
     * of a packet header chain gets a packet header. Copying nothing, or past the end, is
     * {@code EINVAL} (XNU: {@code ENOMEM} or a panic).
     */
    public static int copym(MbufCell src, long off0, long len0, int how, Ref<Mbuf> out) {
        if (out == null) {
            return EINVAL;
        }
        out.set(null);
        if (src == null || src.isFree() || off0 < 0 || len0 < 0 || !validHow(how)) {
            return EINVAL;
        }
        long total = length(src);
        boolean all = len0 == MBUF_COPYALL;
        long len = all ? total - off0 : len0;
        // Fix (reliability fuzzing): "off0 + len > total" overflowed for a huge len (Long.MAX_VALUE),
        // passed, and the copy loop ran off the end of the chain (NullPointerException).
        if (total < 0 || off0 > total || len > total - off0 || len == 0) {
            return EINVAL;
        }
        boolean copyhdr = off0 == 0 && src.hasPkthdr();
        MbufCell m = src;
        int off = (int) off0;
        while (off > 0 && off >= m.len) {
            off -= m.len;
            m = m.next;
        }
        MbufCell head = null;
        MbufCell tail = null;
        while (len > 0) {
            int avail = m.len - off;
            if (avail == 0) {
                m = m.next;
                off = 0;
                continue;
            }
            boolean hdr = copyhdr && head == null;
            MbufCell n = MbufPool.alloc(how, m.type, hdr, null);
            if (n == null) {
                MbufPool.freeChain(head);
                MbufPool.countCopyFailure();
                return ENOBUFS;
            }
            if (head == null) {
                head = n;
            } else {
                tail.next = n;
            }
            tail = n;
            int piece;
            if (m.ext != null) {
                piece = (int) Math.min(len, avail);
                MbufPool.share(m, n, m.off + off, piece);
            } else {
                piece = (int) Math.min(Math.min(len, avail), n.maxlen());
                MemorySegment.copy(m.buffer(), m.off + off, n.buffer(), n.off, piece);
                n.len = piece;
            }
            if (hdr) {
                n.flags |= src.flags & COPY_FLAGS;
                n.pkthdrLen = all ? src.pkthdrLen : (int) len0;
            }
            len -= piece;
            off += piece;
            if (off == m.len) {
                m = m.next;
                off = 0;
            }
        }
        out.set(head.handle);
        return 0;
    }

    /** {@code mbuf_dup}: a deep copy of the whole chain into new storage (nothing shared). */
    public static int dup(MbufCell src, int how, Ref<Mbuf> out) {
        if (out == null) {
            return EINVAL;
        }
        out.set(null);
        if (src == null || src.isFree() || !validHow(how)) {
            return EINVAL;
        }
        long total = length(src);
        if (total < 0) {
            return EINVAL;
        }
        boolean hdr = src.hasPkthdr();
        MbufCell head = null;
        MbufCell tail = null;
        MbufCell s = src;
        int soff = 0;
        long copied = 0;
        do {
            long remaining = total - copied;
            boolean first = head == null;
            int inlineRoom = first && hdr ? MHLEN : MLEN;
            SizeClass sc = remaining > inlineRoom ? SizeClass.clusterFitting(Math.min(remaining, M16KCLBYTES)) : null;
            MbufCell n = MbufPool.alloc(how, src.type, first && hdr, sc);
            if (n == null) {
                MbufPool.freeChain(head);
                return ENOBUFS;
            }
            if (first) {
                head = n;
            } else {
                tail.next = n;
            }
            tail = n;
            int want = (int) Math.min(remaining, n.maxlen());
            while (n.len < want) {
                while (s.len == soff) {
                    s = s.next;
                    soff = 0;
                }
                int k = Math.min(want - n.len, s.len - soff);
                MemorySegment.copy(s.buffer(), s.off + soff, n.buffer(), n.off + n.len, k);
                soff += k;
                n.len += k;
            }
            copied += want;
        } while (copied < total);
        if (hdr) {
            head.flags |= src.flags & COPY_FLAGS;
            head.pkthdrLen = src.pkthdrLen;
        }
        out.set(head.handle);
        return 0;
    }

    // ------------------------------------------------------------------ reshaping

    /**
     * {@code mbuf_prepend}: {@code len} bytes in front of the data, in place if there is leading
     * space, else in a new mbuf (with a cluster if {@code len} needs one) that takes over the
     * packet header. On failure the chain is freed and {@code *mbuf} set to null, as in XNU.
     */
    public static int prepend(Ref<Mbuf> ref, long len, int how) {
        if (ref == null) {
            return EINVAL;
        }
        MbufCell m = MbufCell.live(ref.get());
        if (m == null || len < 0 || len > M16KCLBYTES || !validHow(how) || length(m) < 0) {
            return EINVAL;
        }
        int n = (int) len;
        if (m.leadingSpace() >= n) {
            m.off -= n;
            m.len += n;
            if (m.hasPkthdr()) {
                m.pkthdrLen += n;
            }
            return 0;
        }
        boolean hdr = m.hasPkthdr();
        SizeClass sc = n > (hdr ? MHLEN : MLEN) ? SizeClass.clusterFitting(n) : null;
        MbufCell h = MbufPool.alloc(how, m.type, hdr, sc);
        if (h == null) {
            MbufPool.freeChain(m);
            ref.set(null);
            return ENOBUFS;
        }
        if (hdr) {
            movePkthdr(m, h);
            h.pkthdrLen += n;
        }
        // Data at the end of the new buffer, aligned (MH_ALIGN): later prepends find room in front.
        h.off = h.start() + ((h.maxlen() - n) & ~7);
        h.len = n;
        h.next = m;
        ref.set(h.handle);
        return 0;
    }

    /**
     * {@code M_MOVE_PKTHDR}: the header flags and length go to {@code to}. Internal data of
     * {@code from} stays valid: without a header its buffer starts earlier, not later.
     */
    private static void movePkthdr(MbufCell from, MbufCell to) {
        to.flags |= from.flags & COPY_FLAGS;
        to.pkthdrLen = from.pkthdrLen;
        from.flags &= ~COPY_FLAGS;
        from.pkthdrLen = 0;
    }

    /**
     * {@code mbuf_split}: {@code src} keeps the first {@code off} bytes, {@code *new_mbuf} gets the
     * rest (cluster data shared, internal data copied). A packet header chain gives the tail a new
     * header mbuf with the remaining length. Splitting at the very end of a chain without header
     * yields an empty mbuf where XNU fails with {@code ENOMEM}.
     */
    public static int split(MbufCell src, long off0, int how, Ref<Mbuf> out) {
        if (out == null) {
            return EINVAL;
        }
        out.set(null);
        if (src == null || src.isFree() || off0 < 0 || !validHow(how)) {
            return EINVAL;
        }
        long total = length(src);
        if (total < 0 || off0 > total) {
            return EINVAL;
        }
        int len0 = (int) off0;
        MbufCell m = src;
        int rem = len0;
        while (rem > m.len) {
            rem -= m.len;
            m = m.next;
        }
        int remain = m.len - rem;
        boolean hdr = src.hasPkthdr();
        if (!hdr && remain == 0) {
            MbufCell n = m.next;
            if (n == null) {
                n = MbufPool.alloc(how, m.type, false, null);
                if (n == null) {
                    return ENOBUFS;
                }
            }
            m.next = null;
            out.set(n.handle);
            return 0;
        }
        MbufCell n = MbufPool.alloc(how, hdr ? src.type : m.type, hdr, null);
        if (n == null) {
            return ENOBUFS;
        }
        MbufCell tail = n;
        if (remain > 0 && m.ext == null && remain > n.maxlen()) {
            // A header mbuf holds less than an ordinary one: the data goes into a second mbuf.
            MbufCell d = MbufPool.alloc(how, m.type, false, null);
            if (d == null) {
                MbufPool.free(n);
                return ENOBUFS;
            }
            n.next = d;
            tail = d;
        }
        if (remain > 0) {
            if (m.ext != null) {
                MbufPool.share(m, tail, m.off + rem, remain);
            } else {
                MemorySegment.copy(m.buffer(), m.off + rem, tail.buffer(), tail.off, remain);
                tail.len = remain;
            }
            m.len = rem;
        }
        if (hdr) {
            n.flags |= src.flags & COPY_FLAGS;
            n.pkthdrLen = src.pkthdrLen - len0;
            src.pkthdrLen = len0;
        }
        tail.next = m.next;
        m.next = null;
        out.set(n.handle);
        return 0;
    }

    /**
     * {@code mbuf_pullup}: makes the first {@code len} bytes contiguous in the first mbuf. Up to
     * {@code M16KCLBYTES} (XNU: {@code MHLEN}, more with clusters); a chain shorter than
     * {@code len} or a larger {@code len} frees the chain and returns {@code EINVAL}, lack of
     * memory frees it and returns {@code ENOBUFS} (XNU: {@code ENOMEM} for both).
     */
    public static int pullup(Ref<Mbuf> ref, long len) {
        if (ref == null) {
            return EINVAL;
        }
        MbufCell m = MbufCell.live(ref.get());
        if (m == null || len < 0) {
            return EINVAL;
        }
        long total = length(m);
        if (total < 0) {
            return EINVAL;
        }
        if (len <= m.len) {
            return 0;
        }
        if (len > total || len > M16KCLBYTES) {
            MbufPool.freeChain(m);
            ref.set(null);
            MbufPool.countPullupFailure();
            return EINVAL;
        }
        int need = (int) len;
        MbufCell head;
        if (m.writable() && m.maxlen() >= need) {
            if (m.end() - m.off < need) {
                MemorySegment.copy(m.buffer(), m.off, m.buffer(), m.start(), m.len);
                m.off = m.start();
            }
            head = m;
        } else {
            boolean hdr = m.hasPkthdr();
            SizeClass sc = need > (hdr ? MHLEN : MLEN) ? SizeClass.clusterFitting(need) : null;
            head = MbufPool.alloc(MBUF_DONTWAIT, m.type, hdr, sc);
            if (head == null) {
                MbufPool.freeChain(m);
                ref.set(null);
                MbufPool.countPullupFailure();
                return ENOBUFS;
            }
            if (hdr) {
                movePkthdr(m, head);
            }
            head.next = m;
        }
        while (head.len < need) {
            MbufCell s = head.next;
            int k = Math.min(need - head.len, s.len);
            MemorySegment.copy(s.buffer(), s.off, head.buffer(), head.off + head.len, k);
            head.len += k;
            s.off += k;
            s.len -= k;
            if (s.len == 0) {
                head.next = MbufPool.free(s);
            }
        }
        ref.set(head.handle);
        return 0;
    }

    /**
     * {@code mbuf_adj}: trims {@code req} bytes from the head ({@code req > 0}) or {@code -req}
     * from the tail; emptied mbufs stay in the chain with length 0, as in BSD. The packet header
     * length follows.
     */
    public static void adj(MbufCell m, long req) {
        if (m == null || m.isFree()) {
            return;
        }
        long total = length(m);
        if (total < 0) {
            return;
        }
        if (req >= 0) {
            long left = req;
            for (MbufCell c = m; c != null && left > 0; c = c.next) {
                if (c.len <= left) {
                    left -= c.len;
                    c.len = 0;
                } else {
                    c.off += (int) left;
                    c.len -= (int) left;
                    left = 0;
                }
            }
            if (m.hasPkthdr()) {
                m.pkthdrLen -= (int) (req - left);
            }
            return;
        }
        long cut = -req;
        MbufCell tail = last(m);
        if (tail.len >= cut) {
            tail.len -= (int) cut;
            if (m.hasPkthdr()) {
                m.pkthdrLen -= (int) cut;
            }
            return;
        }
        long count = Math.max(0, total - cut);
        if (m.hasPkthdr()) {
            m.pkthdrLen = (int) count;
        }
        for (MbufCell c = m; c != null; c = c.next) {
            if (c.len >= count) {
                c.len = (int) count;
                for (MbufCell r = c.next; r != null; r = r.next) {
                    r.len = 0;
                }
                return;
            }
            count -= c.len;
        }
    }

    /**
     * {@code mbuf_concatenate} ({@code m_cat}): links {@code src} after the last mbuf of
     * {@code dst} and returns {@code dst}; null if {@code dst} is null, either is freed, or the
     * link would close a cycle. Packet header lengths are not changed, as in BSD. Unlike
     * {@code m_cat}, small mbufs are linked, not compacted.
     */
    public static MbufCell concatenate(MbufCell dst, MbufCell src) {
        if (dst == null || dst.isFree()) {
            return null;
        }
        if (src == null) {
            return dst;
        }
        if (src.isFree()) {
            return null;
        }
        MbufCell tail = last(dst);
        if (tail == null || contains(src, dst) != 0 || contains(dst, src) != 0) {
            return null;
        }
        tail.next = src;
        return dst;
    }

    /** {@code mbuf_setnext}, refusing freed mbufs, packets ({@code m_nextpkt} set) and cycles. */
    public static int setnext(MbufCell m, MbufCell next) {
        if (m == null || m.isFree()) {
            return EINVAL;
        }
        if (next != null && (next.isFree() || next.nextpkt != null || contains(next, m) != 0)) {
            return EINVAL;
        }
        m.next = next;
        return 0;
    }

    /**
     * {@code mbuf_setflags}: only the public flags; {@code MBUF_EXT} cannot change. Adding or
     * removing {@code MBUF_PKTHDR} moves the start of internal data (XNU's {@code m_reinit}); an
     * mbuf whose internal data would not fit is refused with {@code EBUSY}.
     */
    public static int setflags(MbufCell m, int flags) {
        if (m == null || m.isFree() || ((flags ^ m.flags) & MBUF_EXT) != 0 || (flags & ~FLAGS_MASK) != 0) {
            return EINVAL;
        }
        boolean hdrChange = ((flags ^ m.flags) & MBUF_PKTHDR) != 0;
        if (hdrChange && m.ext == null && m.len > 0) {
            int newStart = (flags & MBUF_PKTHDR) != 0 ? MSIZE - MHLEN : MSIZE - MLEN;
            if (m.off < newStart) {
                return EBUSY;
            }
        }
        m.flags = flags;
        if (hdrChange) {
            m.pkthdrLen = 0;
            if (m.ext == null && m.len == 0) {
                m.off = m.start();
            }
        }
        return 0;
    }

    /** {@code mbuf_setdata}: {@code data} must be native memory inside the mbuf's buffer. */
    public static int setdata(MbufCell m, MemorySegment data, long len) {
        if (m == null || m.isFree() || data == null || !data.isNative() || len < 0) {
            return EINVAL;
        }
        long base = m.buffer().address();
        long a = data.address();
        // Fix (reliability fuzzing): "a + len" overflowed for a huge len and set a negative m_len.
        if (a < base + m.start() || len > base + m.end() - a) {
            return EINVAL;
        }
        m.off = (int) (a - base);
        m.len = (int) len;
        return 0;
    }

    /** {@code mbuf_setlen}: ignored unless the data still ends inside the buffer. */
    public static void setlen(MbufCell m, long len) {
        // Fix (reliability fuzzing): "m.off + len" overflowed for a huge len and set a negative m_len.
        if (m != null && !m.isFree() && len >= 0 && len <= m.end() - m.off) {
            m.len = (int) len;
        }
    }

    /** {@code mbuf_setnextpkt} on live mbufs. */
    public static void setnextpkt(MbufCell m, MbufCell nextpkt) {
        m.nextpkt = nextpkt;
    }

    /** {@code mbuf_pkthdr_setlen} on a live packet header mbuf. */
    public static void setPkthdrLen(MbufCell m, int len) {
        m.pkthdrLen = len;
    }
}
