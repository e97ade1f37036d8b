package dev.ksock.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.internal.mbuf.MbufPool;
import dev.ksock.internal.socket.UpcallErrors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole KPI under random calls ({@link KpiFuzzer}): 100,000 calls by default,
 * {@code -Dksock.fuzz.calls=1000000} for a million ({@code -Pheavy} sets it), with
 * {@code -Dksock.fuzz.seed=N} to replay a run. BSD's contract for a kernel caller: every call
 * returns 0 or an errno and nothing else, never throws, never hangs; and when the caller has
 * closed its sockets and freed its mbufs, nothing is left behind.
 */
class FuzzKpiTest {
    private static final long CALLS = Long.getLong("ksock.fuzz.calls", 100_000);
    private static final long SEED = Long.getLong("ksock.fuzz.seed", System.nanoTime());
    private static final long CALLS_PER_FUZZER = 10_000;
    private static final long HANG_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** A bound on the whole run, far above its normal time, so the suite cannot stall. */
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(Long.getLong("ksock.fuzz.seconds", 150));

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void randomCallsReturnOnlyErrnosNeverHangAndLeakNothing() throws Exception {
        ReliabilitySupport.warmUp();
        int fdBase = ReliabilitySupport.openFds();
        var fdBaseTargets = ReliabilitySupport.fdTargets();
        long mbufBase = ReliabilitySupport.mbufBytesInUse();
        long oldLimit = MbufPool.limit();
        boolean oldDebug = MbufPool.debug();
        long upcallErrorsBefore = UpcallErrors.count();
        long total = 0;
        long fuzzers = 0;
        long upcalls = 0;
        String summary = "";
        long started = System.nanoTime();
        long deadline = started + RUN_NANOS;
        System.out.printf("FuzzKpiTest: %d calls, seed %d%n", CALLS, SEED);
        try (ReliabilitySupport.InternalErrors internal = new ReliabilitySupport.InternalErrors()) {
            while (total < CALLS && System.nanoTime() < deadline) {
                // Alternate: debug pool with stale handles in use; pooled (recycling) mode without.
                boolean stale = fuzzers % 2 == 0;
                MbufPool.setDebug(stale);
                // A small limit makes ENOBUFS part of the run and bounds the chains a call can
                // build (mbuf_copyback far past the end fills the pool). Debug mode releases each
                // mbuf's memory at free, about 16,000 mbufs a second: a smaller pool keeps every
                // call well under the 5 s watchdog.
                MbufPool.setLimit(stale ? 4L << 20 : 64L << 20);
                KpiFuzzer f = new KpiFuzzer(SEED + fuzzers, stale);
                long n = Math.min(CALLS_PER_FUZZER, CALLS - total);
                total += runWatched(f, n, deadline);
                upcalls += f.upcalls.get();
                summary = f.summary();
                fuzzers++;
                assertThat(f.failure).as("a KPI call broke BSD's contract").isNull();
                long left = ReliabilitySupport.awaitMbufs(mbufBase, 2000);
                assertThat(left).as("mbuf bytes in use after fuzzer seed %d (%s) closed its sockets and freed"
                        + " every mbuf it was handed (baseline %d)", SEED + fuzzers - 1,
                        stale ? "debug pool" : "pooled", mbufBase).isLessThanOrEqualTo(mbufBase);
                assertThat(internal.count())
                        .as("KPI calls that caught an exception inside the layer (returned EINVAL):%n%s", internal.first())
                        .isZero();
            }
        } finally {
            MbufPool.setDebug(oldDebug);
            MbufPool.setLimit(oldLimit);
        }
        long secs = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        System.out.printf("FuzzKpiTest: %d calls by %d fuzzers in %d s, %d upcalls (%d threw, by design)%n"
                + "last fuzzer's results:%n%s", total, fuzzers, secs, upcalls, UpcallErrors.count() - upcallErrorsBefore, summary);
        assertThat(total).as("calls made within the time bound").isGreaterThanOrEqualTo(Math.min(CALLS, 100_000));
        int fds = ReliabilitySupport.awaitFds(fdBase, 3000);
        assertThat(fds).as("open descriptors after every socket was closed (baseline %d); new ones: %s",
                fdBase, ReliabilitySupport.newFds(fdBaseTargets)).isLessThanOrEqualTo(fdBase);
        long mb = ReliabilitySupport.awaitMbufs(mbufBase, 3000);
        assertThat(mb).as("mbuf bytes in use after every chain was freed (baseline %d)", mbufBase)
                .isLessThanOrEqualTo(mbufBase);
    }

    /**
     * Runs the fuzzer on its own thread and watches every call: one that takes more than 5 s
     * fails the test (the watchdog then closes the fuzzer's sockets to free the stuck thread).
     */
    static long runWatched(KpiFuzzer f, long n, long deadline) throws InterruptedException {
        AtomicReference<Throwable> crash = new AtomicReference<>();
        long[] made = new long[1];
        Thread t = Thread.ofPlatform().name("ksock-fuzzer").start(() -> {
            try {
                made[0] = f.run(n, deadline);
            } catch (Throwable e) {
                crash.set(e);
            }
        });
        String hung = null;
        while (t.isAlive()) {
            t.join(100);
            String c = f.current;
            if (c != null && System.nanoTime() - f.currentStart > HANG_NANOS && f.current == c) {
                hung = c;
                break;
            }
        }
        if (hung != null) {
            f.close();
            t.join(10_000);
            throw new AssertionError("a KPI call did not return within 5 s: " + hung
                    + " (call #" + f.calls + "); BSD bounds it by MSG_DONTWAIT / SO_RCVTIMEO / SO_SNDTIMEO");
        }
        f.close();
        ReliabilitySupport.settle(20);
        f.releaseBuffers();
        if (crash.get() != null) {
            throw new AssertionError("the fuzzer itself failed", crash.get());
        }
        return made[0];
    }
}
