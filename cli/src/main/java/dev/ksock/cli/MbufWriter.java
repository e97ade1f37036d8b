package dev.ksock.cli;

import static dev.ksock.KpiMbuf.*;

import dev.ksock.Mbuf;
import java.lang.foreign.MemorySegment;

/**
 * Fills an mbuf chain made by {@code mbuf_allocpacket} (whose lengths start at 0) from front to
 * back, crossing mbuf boundaries, and keeps {@code mbuf_len} and the packet header length right.
 * Reusable: {@link #start} points it at the next chain.
 */
final class MbufWriter {
    private Mbuf head;
    private Mbuf cur;
    private long total;

    /** Starts filling {@code chain}. */
    void start(Mbuf chain) {
        head = chain;
        cur = chain;
        total = 0;
    }

    /** Appends all of {@code src}; false if the chain has no room left (it was allocated too small). */
    boolean put(MemorySegment src) {
        long off = 0;
        long n = src.byteSize();
        while (off < n) {
            if (cur == null) {
                return false;
            }
            long room = mbuf_trailingspace(cur);
            if (room == 0) {
                cur = mbuf_next(cur);
                continue;
            }
            long k = Math.min(room, n - off);
            long len = mbuf_len(cur);
            MemorySegment.copy(src, off, mbuf_data(cur), len, k);
            mbuf_setlen(cur, len + k);
            off += k;
            total += k;
        }
        mbuf_pkthdr_setlen(head, total);
        return true;
    }

    /** Bytes written since {@link #start}. */
    long written() {
        return total;
    }
}
