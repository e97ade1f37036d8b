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
    private static final int WARMUP = 20_000, MEASURED = 5_000;

    @Test
    void acceptAndCloseAllocateLittlePerConnection() throws Exception {
        Socket l = listener(PF_INET, null, null);
        InetSocketAddress to = new InetSocketAddress("127.0.0.1", port(l));
        Ref<Socket> accepted = new Ref<>();
        long measured = 0;
        for (int i = 0; i < WARMUP + MEASURED; i++) {
            try (SocketChannel client = SocketChannel.open(to)) {
                long before = allocatedBytes();
                int r = sock_accept(l, null, 0, 0, null, null, accepted);
                sock_close(accepted.get());
                long after = allocatedBytes();
                assertThat(r).as("accept %d", i).isZero();
                if (i >= WARMUP) {
                    measured += after - before;
                }
            }
        }
        long perConnection = measured / MEASURED - counterOverhead();
        System.out.printf("AcceptAllocationTest: %d B allocated per sock_accept + sock_close%n", perConnection);
        assertThat(perConnection)
                .as("bytes of Java heap one sock_accept + sock_close allocates on the calling thread")
                .isLessThanOrEqualTo(400);
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
