package dev.ksock.internal.mbuf;

import static dev.ksock.KpiMbuf.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.Mbuf;
import dev.ksock.MbufStat;
import dev.ksock.Ref;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Four threads allocate and free mbufs, chains and shared copies; half of what a thread allocates
 * is freed by another. When all is freed the pool must be exactly back at its baseline: no byte,
 * mbuf or cluster lost or counted twice, whichever thread freed it.
 */
class MbufPoolStressTest {
    private static final int THREADS = 4;
    private static final int OPS = 200_000;

    @Test
    void crossThreadAllocAndFreeReturnsToBaseline() throws Exception {
        MbufStat before = new MbufStat();
        mbuf_stats(before);
        long base = MbufPool.bytesInUse();
        ConcurrentLinkedQueue<Mbuf> handoff = new ConcurrentLinkedQueue<>();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            long seed = 42 + t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    churn(new SplittableRandom(seed), handoff);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "mbuf-stress-" + t);
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertThat(failure.get()).isNull();
        for (Mbuf m; (m = handoff.poll()) != null; ) {
            mbuf_freem(m);
        }
        assertThat(MbufPool.bytesInUse()).as("bytes in use back at baseline").isEqualTo(base);
        MbufStat after = new MbufStat();
        mbuf_stats(after);
        assertThat(after.clusters - after.clfree).isEqualTo(before.clusters - before.clfree);
        assertThat(after.bigclusters - after.bigclfree).isEqualTo(before.bigclusters - before.bigclfree);
        assertThat(after.jumboclusters - after.jumboclfree).isEqualTo(before.jumboclusters - before.jumboclfree);
        assertThat(after.mbufs - after.mtypes[MBUF_TYPE_FREE]).isEqualTo(before.mbufs - before.mtypes[MBUF_TYPE_FREE]);
        assertThat(after.drops).as("no allocation failed under the default limit").isEqualTo(before.drops);
    }

    private static void churn(SplittableRandom rnd, ConcurrentLinkedQueue<Mbuf> handoff) {
        Ref<Mbuf> r = new Ref<>();
        Ref<Mbuf> copy = new Ref<>();
        Mbuf[] local = new Mbuf[64];
        for (int i = 0; i < OPS; i++) {
            int slot = rnd.nextInt(local.length);
            if (local[slot] != null) {
                if (rnd.nextBoolean()) {
                    mbuf_freem(local[slot]);
                } else {
                    handoff.add(local[slot]);
                }
                local[slot] = null;
            }
            int err = switch (rnd.nextInt(5)) {
                case 0 -> mbuf_getpacket(MBUF_WAITOK, r);
                case 1 -> mbuf_get(MBUF_WAITOK, MBUF_TYPE_DATA, r);
                case 2 -> mbuf_allocpacket(MBUF_WAITOK, 1 + rnd.nextInt(65536), null, r);
                case 3 -> mbuf_getcluster(MBUF_WAITOK, MBUF_TYPE_DATA, MBIGCLBYTES, r.get() == null ? r : new Ref<>());
                default -> mbuf_allocpacket(MBUF_WAITOK, 2048, null, r);
            };
            assertThat(err).isZero();
            Mbuf m = r.get();
            r.set(null);
            mbuf_setlen(m, mbuf_maxlen(m));
            if (rnd.nextInt(8) == 0 && mbuf_copym(m, 0, MBUF_COPYALL, MBUF_WAITOK, copy) == 0) {
                // The copy shares the cluster; another thread frees one of the two.
                handoff.add(copy.get());
            }
            local[slot] = m;
            Mbuf other = handoff.poll();
            if (other != null) {
                mbuf_freem(other);
            }
        }
        for (Mbuf m : local) {
            mbuf_freem(m);
        }
    }
}
