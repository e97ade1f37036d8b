package dev.ksock.internal.mbuf;

import static dev.ksock.KpiMbuf.*;
import static dev.ksock.SysErrno.EINVAL;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.Mbuf;
import dev.ksock.Ref;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The zero-copy helpers the socket layer uses around sendmsg/recvmsg. */
class MbufChainsTest {

    private static Mbuf forReceive(long len) {
        Ref<Mbuf> r = new Ref<>();
        assertThat(MbufChains.allocForReceive(MBUF_WAITOK, len, r)).isZero();
        return r.get();
    }

    @Test
    void receiveChainIsFullAndBecomesIovecsOverItsOwnMemory() {
        Mbuf m = forReceive(40000);
        assertThat(MbufChains.length(m)).as("lengths at capacity").isEqualTo(3 * 16384);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment iov = arena.allocate(16 * 8, 8);
            assertThat(MbufChains.toIovecs(m, iov, 8)).isEqualTo(3);
            Mbuf cur = m;
            for (int i = 0; i < 3; i++, cur = mbuf_next(cur)) {
                assertThat(iov.get(JAVA_LONG, i * 16L)).isEqualTo(mbuf_data(cur).address());
                assertThat(iov.get(JAVA_LONG, i * 16L + 8)).isEqualTo(mbuf_len(cur));
            }
            assertThat(MbufChains.toIovecs(m, iov, 2)).as("capped by maxIov").isEqualTo(2);
            assertThat(MbufChains.toIovecs(m, iov.asSlice(0, 16), 8)).as("capped by the array's size").isEqualTo(1);
        }
        mbuf_freem(m);
    }

    @Test
    void trimToReceivedFreesUnusedMbufsAndSetsLengths() {
        long base = MbufPool.bytesInUse();
        Mbuf m = MbufChains.trimToReceived(forReceive(40000), 20000);
        assertThat(MbufChains.length(m)).isEqualTo(20000);
        assertThat(mbuf_pkthdr_len(m)).isEqualTo(20000);
        assertThat(mbuf_len(mbuf_next(m))).isEqualTo(20000 - 16384);
        assertThat(mbuf_next(mbuf_next(m))).as("third mbuf freed").isNull();
        assertThat(MbufPool.bytesInUse() - base).isEqualTo(2L * (MSIZE + M16KCLBYTES));
        assertThat(MbufChains.trimToReceived(m, 0)).isNull();
        assertThat(MbufPool.bytesInUse()).isEqualTo(base);
    }

    @Test
    void dropFrontConsumesWhatASendTook() {
        long base = MbufPool.bytesInUse();
        Mbuf m = MbufChains.trimToReceived(forReceive(40000), 40000);
        Mbuf second = mbuf_next(m);
        Mbuf rest = MbufChains.dropFront(m, 16384 + 100);
        assertThat(rest).isSameAs(second);
        assertThat(MbufChains.length(rest)).isEqualTo(40000 - 16384 - 100);
        assertThat(MbufChains.dropFront(rest, 0)).isSameAs(rest);
        assertThat(MbufChains.dropFront(rest, 1 << 20)).as("all consumed").isNull();
        assertThat(MbufPool.bytesInUse()).isEqualTo(base);
    }

    @Test
    void freemReportsBadChains() {
        assertThat(MbufChains.freem(null)).isEqualTo(EINVAL);
        Mbuf m = forReceive(100);
        assertThat(MbufChains.freem(m)).isZero();
        assertThat(MbufChains.freem(m)).as("already freed").isEqualTo(EINVAL);
        assertThat(MbufChains.length(null)).isEqualTo(-EINVAL);
        assertThat(MbufChains.toIovecs(null, MemorySegment.NULL, 0)).isEqualTo(-EINVAL);
    }
}
