package dev.ksock;

import static dev.ksock.KpiMbuf.*;
import static dev.ksock.SysErrno.EINVAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ksock.internal.mbuf.MbufChains;
import dev.ksock.internal.mbuf.MbufPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Misuse never crashes and never touches freed memory: it returns EINVAL (or the function's
 * "nothing" value). Runs in debug mode, where no mbuf object is recycled, so every stale handle
 * stays detectably freed.
 */
class KpiMbufMisuseTest {
    private final Ref<Mbuf> r = new Ref<>();

    @BeforeEach
    void debugMode() {
        MbufPool.setDebug(true);
    }

    @AfterEach
    void normalMode() {
        MbufPool.setDebug(false);
    }

    private Mbuf packet() {
        assertThat(mbuf_getpacket(MBUF_WAITOK, r)).isZero();
        return r.get();
    }

    @Test
    void doubleFreeIsHarmless() {
        long base = MbufPool.bytesInUse();
        Mbuf m = packet();
        mbuf_freem(m);
        assertThat(MbufPool.bytesInUse()).isEqualTo(base);
        assertThat(mbuf_free(m)).isNull();
        mbuf_freem(m);
        assertThat(MbufChains.freem(m)).isEqualTo(EINVAL);
        assertThat(MbufPool.bytesInUse()).as("nothing freed twice").isEqualTo(base);
    }

    @Test
    void everyFunctionRefusesAFreedMbuf() {
        Mbuf m = packet();
        mbuf_freem(m);
        MemorySegment buf = MemorySegment.ofArray(new byte[64]);
        Ref<Mbuf> out = new Ref<>();
        assertThat(mbuf_data(m)).isEqualTo(MemorySegment.NULL);
        assertThat(mbuf_datastart(m)).isEqualTo(MemorySegment.NULL);
        assertThat(mbuf_len(m)).isZero();
        assertThat(mbuf_maxlen(m)).isZero();
        assertThat(mbuf_type(m)).isEqualTo(MBUF_TYPE_FREE);
        assertThat(mbuf_flags(m)).isZero();
        assertThat(mbuf_next(m)).isNull();
        assertThat(mbuf_leadingspace(m)).isZero();
        assertThat(mbuf_trailingspace(m)).isZero();
        assertThat(mbuf_pkthdr_len(m)).isZero();
        assertThat(mbuf_setflags(m, 0)).isEqualTo(EINVAL);
        assertThat(mbuf_copydata(m, 0, 1, buf)).isEqualTo(EINVAL);
        assertThat(mbuf_copyback(m, 0, 1, buf, MBUF_WAITOK)).isEqualTo(EINVAL);
        assertThat(mbuf_copym(m, 0, MBUF_COPYALL, MBUF_WAITOK, out)).isEqualTo(EINVAL);
        assertThat(mbuf_dup(m, MBUF_WAITOK, out)).isEqualTo(EINVAL);
        assertThat(mbuf_split(m, 0, MBUF_WAITOK, out)).isEqualTo(EINVAL);
        assertThat(mbuf_prepend(new Ref<>(m), 4, MBUF_WAITOK)).isEqualTo(EINVAL);
        assertThat(mbuf_pullup(new Ref<>(m), 4)).isEqualTo(EINVAL);
        assertThat(mbuf_mclget(MBUF_WAITOK, MBUF_TYPE_DATA, new Ref<>(m))).isEqualTo(EINVAL);
        assertThat(mbuf_concatenate(m, null)).isNull();
        assertThat(MbufChains.length(m)).isEqualTo(-EINVAL);
        assertThat(MbufChains.toIovecs(m, MemorySegment.ofArray(new long[4]), 2)).isEqualTo(-EINVAL);
        mbuf_adj(m, 10);
        mbuf_setlen(m, 10);
        mbuf_pkthdr_setlen(m, 10);
        assertThat(out.get()).isNull();
    }

    @Test
    void nullArgumentsAreEinval() {
        assertThat(mbuf_get(MBUF_WAITOK, MBUF_TYPE_DATA, null)).isEqualTo(EINVAL);
        assertThat(mbuf_getpacket(MBUF_WAITOK, null)).isEqualTo(EINVAL);
        assertThat(mbuf_allocpacket(MBUF_WAITOK, 100, null, null)).isEqualTo(EINVAL);
        assertThat(mbuf_mclget(MBUF_WAITOK, MBUF_TYPE_DATA, null)).isEqualTo(EINVAL);
        assertThat(mbuf_setnext(null, null)).isEqualTo(EINVAL);
        assertThat(mbuf_copydata(null, 0, 0, MemorySegment.NULL)).isEqualTo(EINVAL);
        assertThat(mbuf_prepend(null, 1, MBUF_WAITOK)).isEqualTo(EINVAL);
        assertThat(mbuf_pullup(new Ref<>(), 1)).isEqualTo(EINVAL);
        assertThat(mbuf_free(null)).isNull();
        mbuf_freem(null);
        mbuf_stats(null);
        assertThat(mbuf_concatenate(null, packet())).isNull();
        mbuf_freem(r.get());
    }

    @Test
    void badHowTypeAndSizeAreEinval() {
        assertThat(mbuf_get(7, MBUF_TYPE_DATA, r)).isEqualTo(EINVAL);
        assertThat(mbuf_get(MBUF_WAITOK, MBUF_TYPE_FREE, r)).isEqualTo(EINVAL);
        assertThat(mbuf_get(MBUF_WAITOK, 16, r)).isEqualTo(EINVAL);
        assertThat(mbuf_getcluster(MBUF_WAITOK, MBUF_TYPE_DATA, 8192, r)).isEqualTo(EINVAL);
        assertThat(mbuf_allocpacket(MBUF_WAITOK, -1, null, r)).isEqualTo(EINVAL);
        assertThat(mbuf_allocpacket(MBUF_WAITOK, 10, new IntRef(-1), r)).isEqualTo(EINVAL);
    }

    @Test
    void cyclesAreRefused() {
        Mbuf a = packet();
        assertThat(mbuf_get(MBUF_WAITOK, MBUF_TYPE_DATA, r)).isZero();
        Mbuf b = r.get();
        assertThat(mbuf_get(MBUF_WAITOK, MBUF_TYPE_DATA, r)).isZero();
        Mbuf c = r.get();
        assertThat(mbuf_setnext(a, a)).as("self loop").isEqualTo(EINVAL);
        assertThat(mbuf_setnext(a, b)).isZero();
        assertThat(mbuf_setnext(b, c)).isZero();
        assertThat(mbuf_setnext(c, a)).as("c -> a -> b -> c").isEqualTo(EINVAL);
        assertThat(mbuf_concatenate(a, b)).as("b already in a's chain").isNull();
        assertThat(mbuf_concatenate(c, a)).as("would close a -> b -> c -> a").isNull();
        assertThat(mbuf_next(c)).isNull();
        mbuf_setnextpkt(c, a);
        assertThat(mbuf_setnext(b, c)).as("XNU: next must not head a packet list").isEqualTo(EINVAL);
        mbuf_setnextpkt(c, null);
        mbuf_freem(a);
        assertThat(mbuf_type(c)).as("freem freed the whole chain").isEqualTo(MBUF_TYPE_FREE);
    }

    @Test
    void outOfRangeOffsetsAndLengthsAreRefused() {
        Mbuf m = MbufChains.trimToReceived(KpiMbufTest.receiveChain(3000), 3000);
        MemorySegment big = MemorySegment.ofArray(new byte[4000]);
        MemorySegment small = MemorySegment.ofArray(new byte[10]);
        Ref<Mbuf> out = new Ref<>();
        assertThat(mbuf_copydata(m, 2990, 11, big)).isEqualTo(EINVAL);
        assertThat(mbuf_copydata(m, -1, 1, big)).isEqualTo(EINVAL);
        assertThat(mbuf_copydata(m, 0, -1, big)).isEqualTo(EINVAL);
        assertThat(mbuf_copydata(m, 0, 11, small)).as("output too small").isEqualTo(EINVAL);
        assertThat(mbuf_copydata(m, 0, 5, small.asReadOnly())).as("read-only output").isEqualTo(EINVAL);
        assertThat(mbuf_copyback(m, 0, 11, small, MBUF_WAITOK)).as("input too small").isEqualTo(EINVAL);
        assertThat(mbuf_copyback(m, -5, 1, small, MBUF_WAITOK)).isEqualTo(EINVAL);
        assertThat(mbuf_copym(m, 3001, MBUF_COPYALL, MBUF_WAITOK, out)).isEqualTo(EINVAL);
        assertThat(mbuf_copym(m, 10, 2991, MBUF_WAITOK, out)).isEqualTo(EINVAL);
        assertThat(mbuf_copym(m, 0, -2, MBUF_WAITOK, out)).isEqualTo(EINVAL);
        assertThat(mbuf_split(m, -1, MBUF_WAITOK, out)).isEqualTo(EINVAL);
        assertThat(mbuf_prepend(new Ref<>(m), -1, MBUF_WAITOK)).isEqualTo(EINVAL);
        assertThat(mbuf_prepend(new Ref<>(m), M16KCLBYTES + 1, MBUF_WAITOK)).isEqualTo(EINVAL);
        assertThat(mbuf_pullup(new Ref<>(m), -1)).isEqualTo(EINVAL);
        assertThat(mbuf_setdata(m, mbuf_datastart(m).asSlice(10), mbuf_maxlen(m))).as("past the buffer").isEqualTo(EINVAL);
        assertThat(mbuf_setdata(m, MemorySegment.ofArray(new byte[8]), 1)).as("heap memory").isEqualTo(EINVAL);
        long len = mbuf_len(m);
        mbuf_setlen(m, -1);
        mbuf_setlen(m, Long.MAX_VALUE);
        assertThat(mbuf_len(m)).isEqualTo(len);
        assertThat(MbufChains.length(m)).as("chain intact after all refusals").isEqualTo(3000);
        mbuf_freem(m);
    }

    @Test
    void closedOrForeignThreadSegmentsAreRefusedNotThrown() throws Exception {
        Mbuf m = packet();
        mbuf_setlen(m, 8);
        Arena arena = Arena.ofConfined();
        MemorySegment seg = arena.allocate(8);
        Thread t = new Thread(() -> assertThat(mbuf_copydata(m, 0, 8, seg)).isEqualTo(EINVAL));
        t.start();
        t.join();
        arena.close();
        assertThat(mbuf_copydata(m, 0, 8, seg)).as("closed arena").isEqualTo(EINVAL);
        mbuf_freem(m);
    }

    @Test
    void debugModeMakesStaleSegmentsFail() {
        Mbuf m = packet();
        MemorySegment data = mbuf_data(m);
        data.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        mbuf_freem(m);
        assertThatThrownBy(() -> data.get(ValueLayout.JAVA_BYTE, 0))
                .as("memory of a freed mbuf is released in debug mode")
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void debugModeNeverHandsOutAStaleHandleAgain() {
        Mbuf m = packet();
        mbuf_freem(m);
        Mbuf again = packet();
        assertThat(again).isNotSameAs(m);
        assertThat(mbuf_len(m)).isZero();
        assertThat(mbuf_type(m)).isEqualTo(MBUF_TYPE_FREE);
        mbuf_freem(again);
    }

    /**
     * The one thing recycling cannot catch, shown so nobody is surprised: in normal mode a freed
     * handle comes back to the next allocation on the same thread, and the stale reference then
     * names the new owner's live mbuf.
     */
    @Test
    void normalModeRecyclesHandlesSoAStaleHandleAliasesTheNextMbuf() {
        MbufPool.setDebug(false);
        Mbuf m = packet();
        mbuf_freem(m);
        Mbuf again = packet();
        assertThat(again).isSameAs(m);
        assertThat(mbuf_type(m)).as("undetectable: the stale handle looks live").isEqualTo(MBUF_TYPE_DATA);
        mbuf_freem(again);
    }
}
