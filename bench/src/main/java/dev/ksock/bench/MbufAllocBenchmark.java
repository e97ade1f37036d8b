package dev.ksock.bench;

import static dev.ksock.KpiMbuf.MBUF_WAITOK;
import static dev.ksock.KpiMbuf.mbuf_allocpacket;
import static dev.ksock.KpiMbuf.mbuf_freem;
import static dev.ksock.KpiMbuf.mbuf_getpacket;

import dev.ksock.Mbuf;
import dev.ksock.Ref;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Allocate + free of a 2 KiB packet and of a 64 KiB chain, ksock's mbuf pool beside Netty's
 * {@link PooledByteBufAllocator} (direct buffers), on 1 and 2 threads, in the same run.
 *
 * <p>Fairness: both sides use per-thread caches for all threads (Netty's
 * {@code useCacheForAllThreads=true}, its default arenas/page size/cache sizes), Netty's leak
 * detector is off as ksock's is, and Netty may use {@code sun.misc.Unsafe} (its fast path).
 * 64 KiB: ksock builds XNU's chain (4 × 16 KiB clusters with their mbufs); Netty is measured both
 * as one contiguous {@code directBuffer(65536)} (what a Netty user would do — note 64 KiB is above
 * Netty's default {@code maxCachedBufferCapacity} of 32 KiB, so it is served by the arena, not the
 * thread cache) and as the structural twin, a composite of 4 × 16 KiB buffers.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {
        "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow",
        "-Dio.netty.leakDetection.level=disabled"})
public class MbufAllocBenchmark {
    static final PooledByteBufAllocator NETTY = new PooledByteBufAllocator(
            true, 0, PooledByteBufAllocator.defaultNumDirectArena(), PooledByteBufAllocator.defaultPageSize(),
            PooledByteBufAllocator.defaultMaxOrder(), PooledByteBufAllocator.defaultSmallCacheSize(),
            PooledByteBufAllocator.defaultNormalCacheSize(), true);

    /** Per-thread out-parameter, allocated once: the KPI's {@code mbuf_t *}. */
    @State(Scope.Thread)
    public static class Out {
        final Ref<Mbuf> ref = new Ref<>();
    }

    // ---------------------------------------------------------------- 2 KiB packet

    private static void ksockAllocpacket(Out o, long len, Blackhole bh) {
        if (mbuf_allocpacket(MBUF_WAITOK, len, null, o.ref) != 0) {
            throw new IllegalStateException("mbuf_allocpacket failed");
        }
        Mbuf m = o.ref.get();
        bh.consume(m);
        mbuf_freem(m);
    }

    private static void ksockGetpacket(Out o, Blackhole bh) {
        if (mbuf_getpacket(MBUF_WAITOK, o.ref) != 0) {
            throw new IllegalStateException("mbuf_getpacket failed");
        }
        Mbuf m = o.ref.get();
        bh.consume(m);
        mbuf_freem(m);
    }

    private static void nettyDirect(int len, Blackhole bh) {
        ByteBuf b = NETTY.directBuffer(len);
        bh.consume(b);
        b.release();
    }

    private static void nettyComposite64k(Blackhole bh) {
        CompositeByteBuf c = NETTY.compositeDirectBuffer(4);
        for (int i = 0; i < 4; i++) {
            c.addComponent(true, NETTY.directBuffer(16384));
        }
        bh.consume(c);
        c.release();
    }

    @Benchmark
    @Threads(1)
    public void packet2k_ksock_allocpacket_1t(Out o, Blackhole bh) {
        ksockAllocpacket(o, 2048, bh);
    }

    @Benchmark
    @Threads(1)
    public void packet2k_ksock_getpacket_1t(Out o, Blackhole bh) {
        ksockGetpacket(o, bh);
    }

    @Benchmark
    @Threads(1)
    public void packet2k_netty_direct_1t(Blackhole bh) {
        nettyDirect(2048, bh);
    }

    @Benchmark
    @Threads(2)
    public void packet2k_ksock_allocpacket_2t(Out o, Blackhole bh) {
        ksockAllocpacket(o, 2048, bh);
    }

    @Benchmark
    @Threads(2)
    public void packet2k_ksock_getpacket_2t(Out o, Blackhole bh) {
        ksockGetpacket(o, bh);
    }

    @Benchmark
    @Threads(2)
    public void packet2k_netty_direct_2t(Blackhole bh) {
        nettyDirect(2048, bh);
    }

    // ---------------------------------------------------------------- 64 KiB chain

    @Benchmark
    @Threads(1)
    public void chain64k_ksock_allocpacket_1t(Out o, Blackhole bh) {
        ksockAllocpacket(o, 65536, bh);
    }

    @Benchmark
    @Threads(1)
    public void chain64k_netty_direct_1t(Blackhole bh) {
        nettyDirect(65536, bh);
    }

    @Benchmark
    @Threads(1)
    public void chain64k_netty_composite_1t(Blackhole bh) {
        nettyComposite64k(bh);
    }

    @Benchmark
    @Threads(2)
    public void chain64k_ksock_allocpacket_2t(Out o, Blackhole bh) {
        ksockAllocpacket(o, 65536, bh);
    }

    @Benchmark
    @Threads(2)
    public void chain64k_netty_direct_2t(Blackhole bh) {
        nettyDirect(65536, bh);
    }

    @Benchmark
    @Threads(2)
    public void chain64k_netty_composite_2t(Blackhole bh) {
        nettyComposite64k(bh);
    }
}
