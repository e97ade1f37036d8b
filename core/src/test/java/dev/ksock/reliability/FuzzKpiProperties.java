package dev.ksock.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.internal.mbuf.MbufPool;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;

/**
 * The fuzzer's short form, under jqwik: short random call sequences, so that a failure shrinks to
 * the shortest prefix (and a smaller seed) that still breaks BSD's contract. The long run with
 * watchdog and baselines is {@link FuzzKpiTest}.
 */
class FuzzKpiProperties {
    @Property(tries = 40, shrinking = ShrinkingMode.FULL)
    void shortRandomCallSequencesKeepTheKpiContract(@ForAll long seed, @ForAll @IntRange(min = 1, max = 400) int calls,
                                                    @ForAll boolean debugPool) throws Exception {
        long oldLimit = MbufPool.limit();
        boolean oldDebug = MbufPool.debug();
        MbufPool.setDebug(debugPool);
        MbufPool.setLimit(4L << 20);
        KpiFuzzer f = new KpiFuzzer(seed, debugPool);
        try (ReliabilitySupport.InternalErrors internal = new ReliabilitySupport.InternalErrors()) {
            FuzzKpiTest.runWatched(f, calls, System.nanoTime() + 60_000_000_000L);
            assertThat(f.failure).as("a KPI call broke BSD's contract").isNull();
            assertThat(internal.count()).as("calls that caught an exception inside the layer:%n%s", internal.first()).isZero();
        } finally {
            MbufPool.setDebug(oldDebug);
            MbufPool.setLimit(oldLimit);
        }
    }
}
