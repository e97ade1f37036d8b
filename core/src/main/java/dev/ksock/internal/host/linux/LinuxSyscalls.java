package dev.ksock.internal.host.linux;

import java.lang.foreign.MemorySegment;

/**
 * STUB (owner: host helper). The Linux socket syscalls through java.lang.foreign.
 *
 * <p>Every method returns a value ≥ 0 on success or a <em>negated Linux errno</em> on failure,
 * never throws for a host error and allocates nothing. Pointers are {@link MemorySegment}s;
 * {@link MemorySegment#NULL} stands for C's NULL. Values (families, levels, flags) are Linux's:
 * the socket layer translates before calling.
 */
public final class LinuxSyscalls {
    private LinuxSyscalls() {
    }

    /** socket(2) with SOCK_NONBLOCK | SOCK_CLOEXEC added: every host descriptor is non-blocking. */
    public static int socket(int domain, int type, int protocol) { throw new UnsupportedOperationException("stub"); }

    /** socketpair(2) (AF_UNIX), non-blocking and close-on-exec; the two fds go to {@code sv} (int[2]). */
    public static int socketpair(int domain, int type, int protocol, MemorySegment sv) { throw new UnsupportedOperationException("stub"); }

    public static int bind(int fd, MemorySegment addr, int addrlen) { throw new UnsupportedOperationException("stub"); }

    public static int connect(int fd, MemorySegment addr, int addrlen) { throw new UnsupportedOperationException("stub"); }

    public static int listen(int fd, int backlog) { throw new UnsupportedOperationException("stub"); }

    /** accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC; {@code addr}/{@code addrlen} (int in/out) may be NULL. */
    public static int accept4(int fd, MemorySegment addr, MemorySegment addrlen) { throw new UnsupportedOperationException("stub"); }

    public static int getsockname(int fd, MemorySegment addr, MemorySegment addrlen) { throw new UnsupportedOperationException("stub"); }

    public static int getpeername(int fd, MemorySegment addr, MemorySegment addrlen) { throw new UnsupportedOperationException("stub"); }

    public static int getsockopt(int fd, int level, int name, MemorySegment val, MemorySegment len) { throw new UnsupportedOperationException("stub"); }

    public static int setsockopt(int fd, int level, int name, MemorySegment val, int len) { throw new UnsupportedOperationException("stub"); }

    public static int ioctl(int fd, long request, MemorySegment arg) { throw new UnsupportedOperationException("stub"); }

    public static int shutdown(int fd, int how) { throw new UnsupportedOperationException("stub"); }

    public static int close(int fd) { throw new UnsupportedOperationException("stub"); }

    /** sendmsg(2); {@code msghdr} is a native Linux struct msghdr (see {@link LinuxStructs}). */
    public static long sendmsg(int fd, MemorySegment msghdr, int flags) { throw new UnsupportedOperationException("stub"); }

    public static long recvmsg(int fd, MemorySegment msghdr, int flags) { throw new UnsupportedOperationException("stub"); }

    /** send(2) of the whole of {@code buf}, which may be a heap segment. */
    public static long send(int fd, MemorySegment buf, int flags) { throw new UnsupportedOperationException("stub"); }

    /** recv(2) into the whole of {@code buf}, which may be a heap segment. */
    public static long recv(int fd, MemorySegment buf, int flags) { throw new UnsupportedOperationException("stub"); }

    /** poll(2) on one descriptor; returns its revents (0 on timeout). */
    public static int poll(int fd, int events, int timeoutMillis) { throw new UnsupportedOperationException("stub"); }
}
