package dev.ksock.internal.host.linux;

import static dev.ksock.internal.host.linux.LinuxSyscallsTest.Net.AF_UNIX;
import static dev.ksock.internal.host.linux.LinuxSyscallsTest.Net.SOCK_STREAM;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The data path must not allocate per call: measured with the JVM's per-thread allocation
 * counter after warm-up (so the JIT has compiled the call sites).
 */
@Timeout(60)
class LinuxSyscallsAllocationTest {
    /**
     * com.sun.management.ThreadMXBean#getThreadAllocatedBytes, reached reflectively: the test
     * sources compile against module dev.ksock, which (rightly) does not read java.management.
     */
    private static long allocatedBytes() {
        try {
            Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            return (long) Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getCurrentThreadAllocatedBytes").invoke(mx);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no allocation counter in this JVM", e);
        }
    }

    @Test
    void sendRecvSendmsgRecvmsgAndEpollWaitAllocateNothingPerCall() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sv = arena.allocate(JAVA_INT, 2);
            assertThat(LinuxSyscalls.socketpair(AF_UNIX, SOCK_STREAM, 0, sv)).isZero();
            int a = sv.getAtIndex(JAVA_INT, 0), b = sv.getAtIndex(JAVA_INT, 1);
            int ep = LinuxSyscalls.epollCreate();
            assertThat(ep).isGreaterThanOrEqualTo(0);
            try {
                assertThat(LinuxSyscalls.epollCtl(ep, LinuxNative.EPOLL_CTL_ADD, b, EventLoop.EPOLLIN, 77L)).isZero();
                MemorySegment nat = arena.allocate(64);
                MemorySegment heap = MemorySegment.ofArray(new byte[64]);
                MemorySegment iov = arena.allocate(LinuxStructs.IOVEC, 2);
                LinuxStructs.iovec(iov, 0, nat.asSlice(0, 32));
                LinuxStructs.iovec(iov, 1, nat.asSlice(32, 32));
                MemorySegment msg = arena.allocate(LinuxStructs.MSGHDR);
                LinuxStructs.msghdr(msg, MemorySegment.NULL, 0, iov, 2, MemorySegment.NULL, 0);
                MemorySegment events = arena.allocate(LinuxStructs.EPOLL_EVENT, 4);

                long[] sink = new long[1];
                Runnable round = () -> {
                    sink[0] += LinuxSyscalls.send(a, nat, LinuxNative.MSG_NOSIGNAL);
                    sink[0] += LinuxSyscalls.epollWait(ep, events, 4, 0);
                    sink[0] += LinuxStructs.epollData(events, 0);
                    sink[0] += LinuxSyscalls.recv(b, heap, 0);
                    sink[0] += LinuxSyscalls.send(a, heap, LinuxNative.MSG_NOSIGNAL);
                    sink[0] += LinuxSyscalls.recvmsg(b, msg, 0);
                    sink[0] += LinuxSyscalls.sendmsg(a, msg, LinuxNative.MSG_NOSIGNAL);
                    sink[0] += LinuxSyscalls.recv(b, nat, 0);
                    sink[0] += LinuxSyscalls.recv(b, nat, 0); // EAGAIN path
                };
                for (int i = 0; i < 30_000; i++) {
                    round.run();
                }
                allocatedBytes();
                long before = allocatedBytes();
                for (int i = 0; i < 10_000; i++) {
                    round.run();
                }
                long allocated = allocatedBytes() - before;
                assertThat(sink[0]).isPositive();
                assertThat(allocated)
                        .as("bytes allocated by 90,000 syscalls after warm-up (measured ~1 KB in total; one object per call would be ≥ 1.4 MB)")
                        .isLessThan(16 * 1024);
            } finally {
                LinuxSyscalls.close(ep);
                LinuxSyscalls.close(a);
                LinuxSyscalls.close(b);
            }
        }
    }
}
