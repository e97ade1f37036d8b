package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What accepting and closing one connection costs the accepting thread in Java heap: the
 * per-connection part of a server's allocation (the data path itself allocates nothing, see
 * {@code EventLoopAllocationTest}). Runs in a JVM of its own (surefire's allocation-checks
 * execution) so other tests' threads and JIT activity do not blur the counter.
 */
@Timeout(120)
class AcceptAllocationTest extends SocketTestSupport {
    private static final int WARMUP = 15_000, WINDOWS = 5, PER_WINDOW = 2_000;

    @Test
    void acceptAndCloseAllocateLittlePerConnection() throws Exception {
        Socket l = listener(PF_INET, null, null);
        InetSocketAddress to = new InetSocketAddress("127.0.0.1", port(l));
        Ref<Socket> accepted = new Ref<>();
        for (int i = 0; i < WARMUP; i++) {
            acceptOne(l, to, accepted);
        }
        // The best of several windows: a window in which the JIT recompiles a method (and its
        // escape analysis briefly does not apply) says nothing about the steady state.
        long overhead = counterOverhead();
        long best = Long.MAX_VALUE;
        for (int w = 0; w < WINDOWS; w++) {
            long measured = 0;
            for (int i = 0; i < PER_WINDOW; i++) {
                measured += acceptOne(l, to, accepted);
            }
            best = Math.min(best, measured / PER_WINDOW - overhead);
        }
        System.out.printf("AcceptAllocationTest: %d B allocated per sock_accept + sock_close%n", best);
        assertThat(best)
                .as("bytes of Java heap one sock_accept + sock_close allocates on the calling thread")
                .isLessThanOrEqualTo(400);
    }

    /** Connects a client, then accepts and closes it in ksock: what that allocated, counter included. */
    private static long acceptOne(Socket l, InetSocketAddress to, Ref<Socket> accepted) throws Exception {
        try (SocketChannel client = SocketChannel.open(to)) {
            long before = allocatedBytes();
            int r = sock_accept(l, null, 0, 0, null, null, accepted);
            sock_close(accepted.get());
            long after = allocatedBytes();
            assertThat(r).as("sock_accept").isZero();
            return after - before;
        }
    }

    /** What reading the counter twice allocates by itself (the reflective call boxes its result). */
    private static long counterOverhead() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < 1_000; i++) {
            long a = allocatedBytes();
            min = Math.min(min, allocatedBytes() - a);
        }
        return min;
    }

    private static final Object THREAD_MX;
    private static final java.lang.reflect.Method ALLOCATED_BYTES;

    static {
        // Reflective: the test sources compile in module dev.ksock, which does not read java.management.
        try {
            THREAD_MX = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            ALLOCATED_BYTES = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static long allocatedBytes() {
        try {
            return (long) ALLOCATED_BYTES.invoke(THREAD_MX);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no allocation counter in this JVM", e);
        }
    }
}
