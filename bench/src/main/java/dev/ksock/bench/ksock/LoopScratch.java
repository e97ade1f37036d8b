package dev.ksock.bench.ksock;

import dev.ksock.LongRef;
import dev.ksock.MsgHdr;
import dev.ksock.bench.Http;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Buffers of one upcall thread. Upcalls of one socket never overlap, and a loop thread runs one
 * upcall at a time, so all connections of a loop can read into the same memory: per-connection
 * memory is then only what a connection must keep between upcalls (unsent output, half a
 * request), allocated when that happens. This is what keeps 10,000 idle connections cheap, and
 * what Netty's pooled read buffers do too.
 */
final class LoopScratch {
    static final int BUF = 64 * 1024;

    private static final ThreadLocal<LoopScratch> CURRENT = ThreadLocal.withInitial(LoopScratch::new);

    /** Input: room for half a request kept from the last read, then one full read. */
    final MemorySegment in;
    /** HTTP output: every response one input buffer can ask for. */
    final MemorySegment out;
    /** Receives into {@code in[0, BUF)}. */
    final MsgHdr rx;
    /** Sends one segment: {@code tx.msg_iov[0]} is set per send. */
    final MsgHdr tx = MsgHdr.of(MemorySegment.NULL);
    final LongRef len = new LongRef();

    /**
     * {@code MsgHdr} takes segments, not (address, length) pairs, so sending the first n bytes of
     * a buffer needs a slice of exactly n bytes. Slices are made once per length and kept, so
     * the steady state allocates nothing.
     */
    private final MemorySegment[] inPrefix = new MemorySegment[BUF + 1];
    private final MemorySegment[] outByCount;

    private LoopScratch() {
        Arena arena = Arena.ofAuto();
        in = arena.allocate(BUF + Http.MAX_REQUEST, 64);
        int maxResponses = Http.maxResponses(BUF + Http.MAX_REQUEST);
        out = arena.allocate((long) maxResponses * Http.RESPONSE_LENGTH, 64);
        outByCount = new MemorySegment[maxResponses + 1];
        rx = MsgHdr.of(inPrefix(BUF));
    }

    static LoopScratch get() {
        return CURRENT.get();
    }

    /** {@code in[0, n)}. */
    MemorySegment inPrefix(int n) {
        MemorySegment s = inPrefix[n];
        if (s == null) {
            s = inPrefix[n] = in.asSlice(0, n);
        }
        return s;
    }

    /** The first {@code count} responses of {@code out}. */
    MemorySegment outResponses(int count) {
        MemorySegment s = outByCount[count];
        if (s == null) {
            s = outByCount[count] = out.asSlice(0, (long) count * Http.RESPONSE_LENGTH);
        }
        return s;
    }
}
