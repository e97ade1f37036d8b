package dev.ksock;

import static dev.ksock.KpiMbuf.*;
import static dev.ksock.SysErrno.EINVAL;
import static dev.ksock.SysErrno.ENOBUFS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.internal.mbuf.MbufChains;
import dev.ksock.internal.mbuf.MbufPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The behaviour of single kpi_mbuf.h functions, as XNU defines it (differences noted). */
class KpiMbufTest {

    private static List<Long> segmentSizes(Mbuf head) {
        List<Long> sizes = new ArrayList<>();
        for (Mbuf m = head; m != null; m = mbuf_next(m)) {
            sizes.add(mbuf_maxlen(m));
        }
        return sizes;
    }

    private static Mbuf allocpacket(long len, IntRef maxchunks) {
        Ref<Mbuf> r = new Ref<>();
        assertThat(mbuf_allocpacket(MBUF_WAITOK, len, maxchunks, r)).isZero();
        return r.get();
    }

    @Test
    void allocpacketSizesChainsLikeXnu() {
        record Case(long len, int maxchunks, List<Long> sizes) {
        }
        for (Case c : List.of(
                new Case(50, 0, List.of(88L)),
                new Case(200, 0, List.of(88L, 224L)),
                new Case(200, 1, List.of(2048L)),
                new Case(2048, 0, List.of(2048L)),
                new Case(3000, 0, List.of(4096L)),
                new Case(20000, 0, List.of(16384L, 4096L)),
                new Case(40000, 0, List.of(16384L, 16384L, 16384L)),
                new Case(65536, 0, List.of(16384L, 16384L, 16384L, 16384L)))) {
            IntRef chunks = new IntRef(c.maxchunks());
            Mbuf m = allocpacket(c.len(), chunks);
            assertThat(segmentSizes(m)).as("chain for %d bytes", c.len()).isEqualTo(c.sizes());
            assertThat(chunks.value).as("maxchunks out for %d", c.len()).isEqualTo(c.sizes().size());
            assertThat(mbuf_flags(m) & MBUF_PKTHDR).isEqualTo(MBUF_PKTHDR);
            assertThat(mbuf_len(m)).isZero();
            assertThat(mbuf_pkthdr_len(m)).isZero();
            mbuf_freem(m);
        }
    }

    @Test
    void allocpacketRefusesZeroLengthAndTooManyChunks() {
        Ref<Mbuf> r = new Ref<>();
        assertThat(mbuf_allocpacket(MBUF_WAITOK, 0, null, r)).as("XNU: EINVAL for packetlen 0").isEqualTo(EINVAL);
        IntRef two = new IntRef(2);
        assertThat(mbuf_allocpacket(MBUF_WAITOK, 65536, two, r)).as("4 chunks needed, 2 allowed").isEqualTo(ENOBUFS);
        assertThat(two.value).as("maxchunks untouched on failure").isEqualTo(2);
        assertThat(r.get()).isNull();
    }

    @Test
    void getpacketIsHeaderWithTwoKiBCluster() {
        Ref<Mbuf> r = new Ref<>();
        assertThat(mbuf_getpacket(MBUF_DONTWAIT, r)).isZero();
        assertThat(mbuf_flags(r.get())).isEqualTo(MBUF_PKTHDR | MBUF_EXT);
        assertThat(mbuf_maxlen(r.get())).isEqualTo(MCLBYTES);
        assertThat(mbuf_trailingspace(r.get())).isEqualTo(MCLBYTES);
        assertThat(mbuf_type(r.get())).isEqualTo(MBUF_TYPE_DATA);
        mbuf_freem(r.get());
    }

    @Test
    void getAndGethdrHaveInternalDataOfMlenAndMhlen() {
        Ref<Mbuf> r = new Ref<>();
        assertThat(mbuf_get(MBUF_WAITOK, MBUF_TYPE_CONTROL, r)).isZero();
        assertThat(mbuf_maxlen(r.get())).isEqualTo(mbuf_get_mlen()).isEqualTo(224);
        assertThat(mbuf_type(r.get())).isEqualTo(MBUF_TYPE_CONTROL);
        assertThat(mbuf_flags(r.get())).isZero();
        mbuf_free(r.get());
        assertThat(mbuf_gethdr(MBUF_WAITOK, MBUF_TYPE_DATA, r)).isZero();
        assertThat(mbuf_maxlen(r.get())).isEqualTo(mbuf_get_mhlen()).isEqualTo(88);
        assertThat(mbuf_get_minclsize()).isEqualTo(88 + 224);
        mbuf_free(r.get());
    }

    @Test
    void mclgetAllocatesOrAttachesAndRefusesASecondCluster() {
        Ref<Mbuf> r = new Ref<>();
        assertThat(mbuf_mclget(MBUF_WAITOK, MBUF_TYPE_DATA, r)).as("NULL *mbuf: allocate one").isZero();
        assertThat(mbuf_maxlen(r.get())).isEqualTo(MCLBYTES);
        assertThat(mbuf_mclget(MBUF_WAITOK, MBUF_TYPE_DATA, r)).as("already has a cluster").isEqualTo(EINVAL);
        mbuf_free(r.get());

        r.set(null);
        assertThat(mbuf_gethdr(MBUF_WAITOK, MBUF_TYPE_DATA, r)).isZero();
        Mbuf m = r.get();
        assertThat(mbuf_getcluster(MBUF_WAITOK, MBUF_TYPE_DATA, M16KCLBYTES, r)).isZero();
        assertThat(r.get()).isSameAs(m);
        assertThat(mbuf_flags(m)).isEqualTo(MBUF_PKTHDR | MBUF_EXT);
        assertThat(mbuf_maxlen(m)).isEqualTo(M16KCLBYTES);
        mbuf_free(m);

        Ref<Mbuf> none = new Ref<>();
        assertThat(mbuf_getcluster(MBUF_WAITOK, MBUF_TYPE_DATA, 1000, none)).isEqualTo(EINVAL);
        assertThat(mbuf_getcluster(MBUF_WAITOK, MBUF_TYPE_DATA, MBIGCLBYTES, none)).isZero();
        assertThat(mbuf_maxlen(none.get())).isEqualTo(MBIGCLBYTES);
        mbuf_free(none.get());
    }

    @Test
    void freeReturnsNextAndFreemFreesTheChain() {
        long base = MbufPool.bytesInUse();
        Mbuf m = allocpacket(40000, null);
        Mbuf second = mbuf_next(m);
        assertThat(mbuf_free(m)).isSameAs(second);
        mbuf_freem(second);
        assertThat(MbufPool.bytesInUse()).isEqualTo(base);
    }

    @Test
    void setflagsAcceptsOnlyPublicFlagsAndNeverExt() {
        Ref<Mbuf> r = new Ref<>();
        mbuf_getpacket(MBUF_WAITOK, r);
        Mbuf m = r.get();
        assertThat(mbuf_setflags(m, MBUF_PKTHDR | MBUF_EXT | MBUF_EOR | MBUF_BCAST)).isZero();
        assertThat(mbuf_flags(m)).isEqualTo(MBUF_PKTHDR | MBUF_EXT | MBUF_EOR | MBUF_BCAST);
        assertThat(mbuf_setflags(m, MBUF_PKTHDR | MBUF_EOR)).as("clearing MBUF_EXT").isEqualTo(EINVAL);
        assertThat(mbuf_setflags(m, MBUF_PKTHDR | MBUF_EXT | 0x8000)).as("private bit").isEqualTo(EINVAL);
        assertThat(mbuf_flags(m)).as("unchanged after EINVAL").isEqualTo(MBUF_PKTHDR | MBUF_EXT | MBUF_EOR | MBUF_BCAST);
        mbuf_freem(m);

        mbuf_get(MBUF_WAITOK, MBUF_TYPE_DATA, r);
        assertThat(mbuf_setflags(r.get(), MBUF_PKTHDR)).as("empty mbuf becomes a header mbuf").isZero();
        assertThat(mbuf_maxlen(r.get())).isEqualTo(MHLEN);
        mbuf_freem(r.get());
    }

    @Test
    void copymSharesClustersAndEitherSideCanBeFreed() {
        Mbuf src = allocpacket(6000, null);
        byte[] data = new byte[6000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        assertThat(mbuf_copyback(src, 0, data.length, MemorySegment.ofArray(data), MBUF_WAITOK)).isZero();
        Ref<Mbuf> copy = new Ref<>();
        assertThat(mbuf_copym(src, 100, MBUF_COPYALL, MBUF_WAITOK, copy)).isZero();
        assertThat(mbuf_data(copy.get()).address()).as("shared cluster, not a copy").isEqualTo(mbuf_data(src).address() + 100);
        assertThat(mbuf_leadingspace(src)).as("shared cluster is read-only").isZero();
        assertThat(mbuf_trailingspace(src)).isZero();
        mbuf_freem(src);
        byte[] out = new byte[5900];
        assertThat(mbuf_copydata(copy.get(), 0, 5900, MemorySegment.ofArray(out))).isZero();
        assertThat(out).isEqualTo(java.util.Arrays.copyOfRange(data, 100, 6000));
        assertThat(mbuf_trailingspace(copy.get())).as("sole owner again: writable").isPositive();
        mbuf_freem(copy.get());
    }

    @Test
    void copybackPastTheEndZeroFillsAndGrowsPkthdr() {
        Ref<Mbuf> r = new Ref<>();
        mbuf_gethdr(MBUF_WAITOK, MBUF_TYPE_DATA, r);
        byte[] abc = {1, 2, 3};
        assertThat(mbuf_copyback(r.get(), 1000, 3, MemorySegment.ofArray(abc), MBUF_WAITOK)).isZero();
        assertThat(mbuf_pkthdr_len(r.get())).isEqualTo(1003);
        byte[] out = new byte[1003];
        mbuf_copydata(r.get(), 0, 1003, MemorySegment.ofArray(out));
        assertThat(out[0]).isZero();
        assertThat(out[999]).isZero();
        assertThat(java.util.Arrays.copyOfRange(out, 1000, 1003)).isEqualTo(abc);
        assertThat(mbuf_copyback(r.get(), 0, 0, MemorySegment.ofArray(abc), MBUF_WAITOK)).as("XNU: EINVAL for len 0").isEqualTo(EINVAL);
        mbuf_freem(r.get());
    }

    @Test
    void prependUsesLeadingSpaceThenANewHeaderMbuf() {
        Ref<Mbuf> r = new Ref<>();
        mbuf_getpacket(MBUF_WAITOK, r);
        Mbuf m = r.get();
        MemorySegment start = mbuf_datastart(m);
        assertThat(mbuf_setdata(m, start.asSlice(100), 10)).isZero();
        mbuf_pkthdr_setlen(m, 10);
        assertThat(mbuf_prepend(r, 40, MBUF_WAITOK)).isZero();
        assertThat(r.get()).as("fits in leading space").isSameAs(m);
        assertThat(mbuf_len(m)).isEqualTo(50);
        assertThat(mbuf_prepend(r, 80, MBUF_WAITOK)).isZero();
        Mbuf h = r.get();
        assertThat(h).as("no room: new head").isNotSameAs(m);
        assertThat(mbuf_next(h)).isSameAs(m);
        assertThat(mbuf_flags(h) & MBUF_PKTHDR).isEqualTo(MBUF_PKTHDR);
        assertThat(mbuf_flags(m) & MBUF_PKTHDR).as("header moved").isZero();
        assertThat(mbuf_pkthdr_len(h)).isEqualTo(130);
        mbuf_freem(h);
    }

    @Test
    void splitGivesTheTailAHeaderWithTheRemainingLength() {
        Mbuf m = MbufChains.trimToReceived(receiveChain(10000), 10000);
        Ref<Mbuf> tail = new Ref<>();
        assertThat(mbuf_split(m, 3000, MBUF_WAITOK, tail)).isZero();
        assertThat(mbuf_pkthdr_len(m)).isEqualTo(3000);
        assertThat(mbuf_pkthdr_len(tail.get())).isEqualTo(7000);
        assertThat(MbufChains.length(tail.get())).isEqualTo(7000);
        assertThat(mbuf_split(m, 3001, MBUF_WAITOK, new Ref<>())).as("past the end").isEqualTo(EINVAL);
        mbuf_freem(m);
        mbuf_freem(tail.get());
    }

    @Test
    void pullupFailureFreesTheChainAsXnu() {
        long base = MbufPool.bytesInUse();
        Ref<Mbuf> r = new Ref<>(MbufChains.trimToReceived(receiveChain(100), 100));
        assertThat(mbuf_pullup(r, 101)).isEqualTo(EINVAL);
        assertThat(r.get()).isNull();
        assertThat(MbufPool.bytesInUse()).as("chain freed").isEqualTo(base);
    }

    @Test
    void adjTrimsHeadAndTail() {
        Mbuf m = MbufChains.trimToReceived(receiveChain(5000), 5000);
        mbuf_adj(m, 100);
        assertThat(mbuf_pkthdr_len(m)).isEqualTo(4900);
        mbuf_adj(m, -4000);
        assertThat(mbuf_pkthdr_len(m)).isEqualTo(900);
        assertThat(MbufChains.length(m)).isEqualTo(900);
        mbuf_adj(m, -100000);
        assertThat(MbufChains.length(m)).isZero();
        mbuf_freem(m);
    }

    @Test
    void statsCountWhatIsInUse() {
        MbufStat before = new MbufStat();
        mbuf_stats(before);
        Ref<Mbuf> r = new Ref<>();
        mbuf_getpacket(MBUF_WAITOK, r);
        Ref<Mbuf> big = new Ref<>();
        mbuf_getcluster(MBUF_WAITOK, MBUF_TYPE_OOBDATA, MBIGCLBYTES, big);
        MbufStat during = new MbufStat();
        mbuf_stats(during);
        assertThat(during.mtypes[MBUF_TYPE_DATA] - before.mtypes[MBUF_TYPE_DATA]).isEqualTo(1);
        assertThat(during.mtypes[MBUF_TYPE_OOBDATA] - before.mtypes[MBUF_TYPE_OOBDATA]).isEqualTo(1);
        assertThat((during.clusters - during.clfree) - (before.clusters - before.clfree)).isEqualTo(1);
        assertThat((during.bigclusters - during.bigclfree) - (before.bigclusters - before.bigclfree)).isEqualTo(1);
        assertThat(during.bytesInUse - before.bytesInUse).isEqualTo(2L * MSIZE + MCLBYTES + MBIGCLBYTES);
        assertThat(during.msize).isEqualTo(MSIZE);
        assertThat(during.mclbytes).isEqualTo(MCLBYTES);
        assertThat(during.bigmclbytes).isEqualTo(MBIGCLBYTES);
        assertThat(during.limitBytes).isEqualTo(MbufPool.limit());
        assertThat(during.highWaterBytes).isGreaterThanOrEqualTo(during.bytesInUse);
        mbuf_freem(r.get());
        mbuf_freem(big.get());
        MbufStat after = new MbufStat();
        mbuf_stats(after);
        assertThat(after.bytesInUse).isEqualTo(before.bytesInUse);
        assertThat(after.mtypes[MBUF_TYPE_DATA]).isEqualTo(before.mtypes[MBUF_TYPE_DATA]);
    }

    @Test
    void dataSegmentReachesTheEndOfTheBuffer() {
        Ref<Mbuf> r = new Ref<>();
        mbuf_getpacket(MBUF_WAITOK, r);
        Mbuf m = r.get();
        assertThat(mbuf_setdata(m, mbuf_datastart(m).asSlice(48), 0)).isZero();
        MemorySegment data = mbuf_data(m);
        assertThat(data.byteSize()).isEqualTo(MCLBYTES - 48);
        data.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0x01020304);
        mbuf_setlen(m, 4);
        assertThat(mbuf_len(m)).isEqualTo(4);
        mbuf_setlen(m, MCLBYTES);
        assertThat(mbuf_len(m)).as("would pass the end of the cluster: ignored").isEqualTo(4);
        assertThat(mbuf_leadingspace(m)).isEqualTo(48);
        try (Arena a = Arena.ofConfined()) {
            assertThat(mbuf_setdata(m, a.allocate(16), 4)).as("foreign memory").isEqualTo(EINVAL);
        }
        mbuf_freem(m);
    }

    static Mbuf receiveChain(long len) {
        Ref<Mbuf> r = new Ref<>();
        assertThat(MbufChains.allocForReceive(MBUF_WAITOK, len, r)).isZero();
        return r.get();
    }
}
