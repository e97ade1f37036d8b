package dev.ksock.internal.host.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * Per-thread native scratch memory for the syscall wrappers: the errno capture state that
 * {@code Linker.Option.captureCallState("errno")} writes into, plus the few small structs a
 * wrapper fills for the caller (a pollfd, an epoll_event, an 8-byte eventfd counter).
 *
 * <p>Why a {@link ThreadLocal}: the errno must be read by the same thread that made the call,
 * with nothing in between that could overwrite it. A carrier-thread pool would be cheaper for
 * virtual threads but unsafe: a virtual thread may be unmounted between the downcall and the
 * read of the captured errno (at any park point), and another virtual thread on the same
 * carrier would then overwrite it. A plain ThreadLocal works for virtual threads too; the price
 * is one small allocation (~64 bytes native, from an automatic arena, freed by the GC with the
 * thread) the first time each thread makes a syscall. After that, no call allocates.
 */
public final class SyscallScratch {
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final long CAPTURE_SIZE = (CAPTURE.byteSize() + 7) & ~7L;
    private static final long POLLFD_OFFSET = CAPTURE_SIZE;
    private static final long EPOLL_EVENT_OFFSET = POLLFD_OFFSET + LinuxStructs.POLLFD.byteSize();
    private static final long U64_OFFSET = (EPOLL_EVENT_OFFSET + LinuxStructs.EPOLL_EVENT.byteSize() + 7) & ~7L;
    private static final long TOTAL = U64_OFFSET + 8;

    private static final ThreadLocal<SyscallScratch> CURRENT = ThreadLocal.withInitial(SyscallScratch::new);

    /** The capture state segment to pass as the first argument of a capturing downcall. */
    final MemorySegment capture;
    /** One struct pollfd. */
    final MemorySegment pollfd;
    /** One struct epoll_event (12 bytes, packed). */
    final MemorySegment epollEvent;
    /** One 8-byte aligned uint64 (eventfd counter, rlimit staging, ...). */
    final MemorySegment u64;

    private SyscallScratch() {
        MemorySegment all = Arena.ofAuto().allocate(TOTAL, 8);
        capture = all.asSlice(0, CAPTURE.byteSize());
        pollfd = all.asSlice(POLLFD_OFFSET, LinuxStructs.POLLFD.byteSize());
        epollEvent = all.asSlice(EPOLL_EVENT_OFFSET, LinuxStructs.EPOLL_EVENT.byteSize());
        u64 = all.asSlice(U64_OFFSET, 8);
    }

    /** This thread's scratch memory. */
    static SyscallScratch current() {
        return CURRENT.get();
    }

    /** The errno captured by the last capturing downcall made with {@code capture}. */
    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }
}
