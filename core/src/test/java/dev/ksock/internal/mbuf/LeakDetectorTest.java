package dev.ksock.internal.mbuf;

import static dev.ksock.KpiMbuf.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.Mbuf;
import dev.ksock.Ref;
import org.junit.jupiter.api.Test;

/** An mbuf dropped without mbuf_free is reported; a freed one is not. */
class LeakDetectorTest {

    @Test
    void reportsAnMbufCollectedWithoutFree() throws Exception {
        boolean was = LeakDetector.enabled();
        LeakDetector.setEnabled(true);
        try {
            long before = LeakDetector.leaksReported();
            freedProperly();
            leakOne();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (LeakDetector.leaksReported() == before && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(20);
            }
            assertThat(LeakDetector.leaksReported() - before).as("exactly the dropped mbuf is reported").isEqualTo(1);
        } finally {
            LeakDetector.setEnabled(was);
        }
    }

    private static void freedProperly() {
        Ref<Mbuf> r = new Ref<>();
        assertThat(mbuf_getpacket(MBUF_WAITOK, r)).isZero();
        mbuf_freem(r.get());
    }

    private static void leakOne() {
        Ref<Mbuf> r = new Ref<>();
        // Debug mode: a fresh cell, so no pool structure can keep the dropped mbuf reachable.
        MbufPool.setDebug(true);
        try {
            assertThat(mbuf_gethdr(MBUF_WAITOK, MBUF_TYPE_DATA, r)).isZero();
        } finally {
            MbufPool.setDebug(false);
        }
    }
}
