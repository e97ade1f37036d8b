package dev.ksock.internal.host.linux;

import static dev.ksock.internal.host.linux.LinuxSyscallsTest.Net.AF_UNIX;
import static dev.ksock.internal.host.linux.LinuxSyscallsTest.Net.SOCK_STREAM;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Dispatching IO events (epoll_wait, key look-up, handler call) allocates nothing on the loop thread. */
@Timeout(60)
class EventLoopAllocationTest {
    private static final int WARMUP = 50_000, MEASURED = 10_000;

    @Test
    void ioEventDispatchAllocatesNothingPerEvent() throws Exception {
        try (Arena arena = Arena.ofShared(); EventLoopGroup group = new EventLoopGroup(1)) {
            EventLoop loop = group.next();
            MemorySegment sv = arena.allocate(JAVA_INT, 2);
            assertThat(LinuxSyscalls.socketpair(AF_UNIX, SOCK_STREAM, 0, sv)).isZero();
            int a = sv.getAtIndex(JAVA_INT, 0), b = sv.getAtIndex(JAVA_INT, 1);
            MemorySegment in = arena.allocate(64);
            AtomicInteger events = new AtomicInteger();
            AtomicLong start = new AtomicLong(), end = new AtomicLong();
            long key = loop.register(b, EventLoop.EPOLLIN, ev -> {
                while (LinuxSyscalls.recv(b, in, 0) > 0) {
                    // drain: edge-triggered
                }
                int n = events.incrementAndGet();
                if (n == WARMUP) {
                    start.set(allocatedBytes());
                } else if (n == WARMUP + MEASURED) {
                    end.set(allocatedBytes());
                }
            });
            MemorySegment one = arena.allocate(1);
            try {
                for (int i = 1; i <= WARMUP + MEASURED; i++) {
                    assertThat(LinuxSyscalls.send(a, one, LinuxNative.MSG_NOSIGNAL)).isEqualTo(1);
                    long deadline = System.nanoTime() + 5_000_000_000L;
                    while (events.get() < i) { // one edge per byte: wait for it before the next
                        assertThat(System.nanoTime()).as("event %d delivered", i).isLessThan(deadline);
                        Thread.onSpinWait();
                    }
                }
                long allocated = end.get() - start.get();
                assertThat(allocated)
                        .as("bytes the loop thread allocated while dispatching %d events "
                                + "(one object per event would be ≥ 160 KB)", MEASURED)
                        .isLessThan(16 * 1024);
            } finally {
                loop.deregister(key);
                LinuxSyscalls.close(a);
                LinuxSyscalls.close(b);
            }
        }
    }

    /** Reflective: the test sources compile in module dev.ksock, which does not read java.management. */
    static long allocatedBytes() {
        try {
            Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            return (long) Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getCurrentThreadAllocatedBytes").invoke(mx);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no allocation counter in this JVM", e);
        }
    }
}
