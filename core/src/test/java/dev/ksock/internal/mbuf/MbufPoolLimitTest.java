package dev.ksock.internal.mbuf;

import static dev.ksock.KpiMbuf.*;
import static dev.ksock.SysErrno.ENOBUFS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.Mbuf;
import dev.ksock.MbufStat;
import dev.ksock.Ref;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The memory limit: ENOBUFS (never an Error) when reached, recovery after frees, bounded waits. */
class MbufPoolLimitTest {
    private static final long HEADROOM = 2L << 20;
    private static final long PACKET = MSIZE + MCLBYTES;
    private long savedLimit;
    private long savedWait;
    private final Deque<Mbuf> held = new ArrayDeque<>();

    @BeforeEach
    void tightLimit() {
        savedLimit = MbufPool.limit();
        savedWait = MbufPool.waitMillis();
        MbufPool.setLimit(MbufPool.bytesGranted() + HEADROOM);
    }

    @AfterEach
    void restore() {
        held.forEach(KpiMbuf_::freem);
        MbufPool.setLimit(savedLimit);
        MbufPool.setWaitMillis(savedWait);
    }

    /** Fills the pool up to the limit with 2 KiB packets; returns how many fit. */
    private int fill() {
        Ref<Mbuf> r = new Ref<>();
        int n = 0;
        while (mbuf_getpacket(MBUF_DONTWAIT, r) == 0) {
            held.push(r.get());
            n++;
        }
        assertThat(r.get()).as("*mbuf is NULL on failure").isNull();
        return n;
    }

    @Test
    void reachingTheLimitGivesEnobufsAndFreeingRecovers() {
        MbufStat before = new MbufStat();
        mbuf_stats(before);
        int n = fill();
        assertThat(n).isPositive();
        assertThat(MbufPool.bytesGranted()).as("never beyond the limit").isLessThanOrEqualTo(MbufPool.limit());
        // Other threads of the test JVM (event loops of earlier tests) may hold unused credit,
        // so measure what is left of the global budget, not what is in use.
        assertThat(MbufPool.limit() - MbufPool.bytesGranted())
                .as("stopped close to the limit: less than 2 chunks of budget left ungranted")
                .isLessThan(2 * 64 * 1024 + PACKET);
        Ref<Mbuf> r = new Ref<>();
        assertThat(mbuf_allocpacket(MBUF_DONTWAIT, 65536, null, r)).isEqualTo(ENOBUFS);
        assertThat(mbuf_get(MBUF_DONTWAIT, MBUF_TYPE_DATA, r)).as("a small mbuf may still fit").isIn(0, ENOBUFS);
        mbuf_freem(r.get());
        MbufStat at = new MbufStat();
        mbuf_stats(at);
        assertThat(at.drops).isGreaterThan(before.drops);
        assertThat(at.highWaterBytes).as("peak covers the current use").isGreaterThanOrEqualTo(at.bytesInUse);

        mbuf_freem(held.pop());
        assertThat(mbuf_getpacket(MBUF_DONTWAIT, r)).as("memory freed is allocatable again").isZero();
        held.push(r.get());
    }

    @Test
    void waitokWaitsForMemoryFreedByAnotherThread() throws Exception {
        MbufPool.setWaitMillis(2000);
        fill();
        Mbuf victim = held.pop();
        Thread freer = new Thread(() -> {
            sleep(50);
            mbuf_freem(victim);
        });
        long t0 = System.nanoTime();
        freer.start();
        Ref<Mbuf> r = new Ref<>();
        assertThat(mbuf_getpacket(MBUF_WAITOK, r)).as("succeeds once the other thread frees").isZero();
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        held.push(r.get());
        freer.join();
        assertThat(waitedMs).isBetween(40L, 1500L);
    }

    @Test
    void waitokGivesUpAfterTheConfiguredTime() {
        MbufPool.setWaitMillis(60);
        fill();
        Ref<Mbuf> r = new Ref<>();
        long t0 = System.nanoTime();
        assertThat(mbuf_getpacket(MBUF_WAITOK, r)).isEqualTo(ENOBUFS);
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(waitedMs).isBetween(55L, 1000L);
        long dontwait0 = System.nanoTime();
        assertThat(mbuf_getpacket(MBUF_DONTWAIT, r)).isEqualTo(ENOBUFS);
        assertThat((System.nanoTime() - dontwait0) / 1_000_000).as("DONTWAIT fails at once").isLessThan(50L);
    }

    @Test
    void aRequestLargerThanTheLimitFailsAtOnce() {
        MbufPool.setWaitMillis(5000);
        Ref<Mbuf> r = new Ref<>();
        long t0 = System.nanoTime();
        assertThat(mbuf_allocpacket(MBUF_WAITOK, MbufPool.limit() + 1, null, r)).isEqualTo(ENOBUFS);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1000L);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Method reference target for freeing what a test still holds. */
    private static final class KpiMbuf_ {
        static void freem(Mbuf m) {
            mbuf_freem(m);
        }
    }
}
