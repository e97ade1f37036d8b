package dev.ksock.internal.mbuf;

import dev.ksock.Mbuf;
import dev.ksock.Ref;
import java.lang.foreign.MemorySegment;

/**
 * STUB (owner: mbuf helper). What the socket layer needs of mbuf chains to move them to and
 * from the host without copying. Errors are Darwin errno values.
 */
public final class MbufChains {
    private MbufChains() {
    }

    /**
     * Writes one Linux {@code struct iovec} (16 bytes: base, len) per mbuf of the chain whose
     * length is non-zero into {@code iov}, at most {@code maxIov}. Returns the count, or
     * {@code -EINVAL} if the chain is null, freed or cyclic.
     */
    public static int toIovecs(Mbuf m, MemorySegment iov, int maxIov) {
        throw new UnsupportedOperationException("stub");
    }

    /** Total data bytes in the chain, or {@code -EINVAL} if it is null, freed or cyclic. */
    public static long length(Mbuf m) {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * Allocates a packet chain with room for {@code len} bytes whose mbufs each have their length
     * set to their whole capacity, ready for {@link #toIovecs}; stores it in {@code out}. Returns
     * 0, ENOBUFS (memory limit), EINVAL.
     */
    public static int allocForReceive(int how, long len, Ref<Mbuf> out) {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * After the host wrote {@code received} bytes into a chain from {@link #allocForReceive}:
     * sets each mbuf's length, frees the mbufs left empty and sets the packet header length.
     * Returns the chain (null and everything freed if {@code received} is 0).
     */
    public static Mbuf trimToReceived(Mbuf m, long received) {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * Drops {@code n} bytes from the front of the chain (what a partial send consumed), freeing
     * the mbufs emptied; returns the new head (null if nothing is left).
     */
    public static Mbuf dropFront(Mbuf m, long n) {
        throw new UnsupportedOperationException("stub");
    }

    /** Frees the whole chain; 0 or EINVAL (null, freed, cyclic). */
    public static int freem(Mbuf m) {
        throw new UnsupportedOperationException("stub");
    }
}
