package dev.ksock.internal.mbuf;

import static dev.ksock.SysErrno.EINVAL;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.ksock.Mbuf;
import dev.ksock.Ref;
import java.lang.foreign.MemorySegment;

/**
 * What the socket layer needs of mbuf chains to move them to and from the host without copying:
 * chains become {@code struct iovec} arrays for {@code sendmsg}/{@code recvmsg} and are trimmed to
 * what the host transferred. Allocation-free: nothing here creates a Java object. Errors are Darwin
 * errno values.
 */
public final class MbufChains {
    /** {@code sizeof(struct iovec)} on Linux x86_64: {@code void *iov_base; size_t iov_len}. */
    private static final long IOVEC_BYTES = 16;

    private MbufChains() {
    }

    /**
     * Writes one Linux {@code struct iovec} (16 bytes: base, len) per mbuf of the chain whose
     * length is non-zero into {@code iov}, at most {@code maxIov} (and at most what {@code iov}
     * holds). Returns the count, or {@code -EINVAL} if the chain is null, freed or cyclic.
     */
    public static int toIovecs(Mbuf m, MemorySegment iov, int maxIov) {
        MbufCell c = MbufCell.live(m);
        if (c == null || iov == null || maxIov < 0 || iov.isReadOnly()) {
            return -EINVAL;
        }
        long cap = Math.min(maxIov, iov.byteSize() / IOVEC_BYTES);
        long bound = MbufPool.walkBound();
        int n = 0;
        for (long i = 0; c != null && n < cap; c = c.next, i++) {
            if (i > bound || c.isFree()) {
                return -EINVAL;
            }
            if (c.len > 0) {
                long at = n * IOVEC_BYTES;
                iov.set(JAVA_LONG_UNALIGNED, at, c.dataAddress());
                iov.set(JAVA_LONG_UNALIGNED, at + 8, c.len);
                n++;
            }
        }
        return n;
    }

    /** Total data bytes in the chain, or {@code -EINVAL} if it is null, freed or cyclic. */
    public static long length(Mbuf m) {
        MbufCell c = MbufCell.live(m);
        long len = c == null ? -1 : ChainOps.length(c);
        return len < 0 ? -EINVAL : len;
    }

    /**
     * Allocates a packet chain with room for {@code len} bytes whose mbufs each have their length
     * set to their whole capacity, ready for {@link #toIovecs}; stores it in {@code out}. Returns
     * 0, ENOBUFS (memory limit), EINVAL.
     */
    public static int allocForReceive(int how, long len, Ref<Mbuf> out) {
        return ChainOps.allocPacket(how, len, null, out, true);
    }

    /**
     * After the host wrote {@code received} bytes into a chain from {@link #allocForReceive}:
     * sets each mbuf's length, frees the mbufs left empty and sets the packet header length.
     * Returns the chain (null and everything freed if {@code received} is 0).
     */
    public static Mbuf trimToReceived(Mbuf m, long received) {
        MbufCell head = MbufCell.live(m);
        if (head == null) {
            return null;
        }
        if (received <= 0) {
            MbufPool.freeChain(head);
            return null;
        }
        long left = received;
        long bound = MbufPool.walkBound();
        MbufCell c = head;
        MbufCell prev = null;
        for (long i = 0; c != null && left > 0 && i <= bound && !c.isFree(); i++) {
            int take = (int) Math.min(c.len, left);
            c.len = take;
            left -= take;
            prev = c;
            c = c.next;
        }
        prev.next = null;
        MbufPool.freeChain(c);
        if (head.hasPkthdr()) {
            head.pkthdrLen = (int) Math.min(received - left, Integer.MAX_VALUE);
        }
        return m;
    }

    /**
     * Drops {@code n} bytes from the front of the chain (what a partial send consumed), freeing
     * the mbufs emptied; returns the new head (null if nothing is left). If the head survives, its
     * packet header length shrinks by {@code n}; a freed head's packet header is not moved on.
     */
    public static Mbuf dropFront(Mbuf m, long n) {
        MbufCell c = MbufCell.live(m);
        if (c == null) {
            return null;
        }
        if (n <= 0) {
            return m;
        }
        MbufCell head = c;
        long left = n;
        while (c != null && !c.isFree() && c.len <= left) {
            left -= c.len;
            c = MbufPool.free(c);
        }
        if (c == null || c.isFree()) {
            return null;
        }
        if (left > 0) {
            c.off += (int) left;
            c.len -= (int) left;
        }
        if (c == head && c.hasPkthdr()) {
            c.pkthdrLen -= (int) Math.min(n, Integer.MAX_VALUE);
        }
        return c.handle;
    }

    /**
     * Links chain {@code tail} after chain {@code head} (a send queue growing); returns the head.
     * A null {@code head} gives {@code tail}. Lengths of packet headers are left as they are.
     */
    public static Mbuf append(Mbuf head, Mbuf tail) {
        MbufCell h = MbufCell.live(head);
        if (h == null) {
            return tail;
        }
        MbufCell joined = ChainOps.concatenate(h, MbufCell.live(tail));
        return joined == null ? head : joined.handle;
    }

    /** Frees the whole chain; 0 or EINVAL (null, freed, cyclic). */
    public static int freem(Mbuf m) {
        MbufCell c = MbufCell.live(m);
        if (c == null) {
            return EINVAL;
        }
        long len = ChainOps.length(c);
        MbufPool.freeChain(c);
        return len < 0 ? EINVAL : 0;
    }
}
