package dev.ksock.internal.host.linux;

import static dev.ksock.internal.host.linux.LinuxNative.EINPROGRESS;
import static dev.ksock.internal.host.linux.LinuxNative.EINTR;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The Linux socket syscalls through java.lang.foreign: one downcall handle per libc function,
 * each capturing errno.
 *
 * <p>Every method returns a value ≥ 0 on success or a <em>negated Linux errno</em> on failure,
 * never throws for a host error and allocates nothing (errno is captured into
 * {@link SyscallScratch}, a per-thread segment). Pointers are {@link MemorySegment}s;
 * {@link MemorySegment#NULL} stands for C's NULL. Values (families, levels, flags) are Linux's:
 * the socket layer translates before calling. Struct arguments must be native segments; only
 * {@link #send} and {@link #recv} accept heap segments. A segment that is not alive, or a heap
 * segment where a native one is required, is a programming error and throws like any FFM misuse.
 *
 * <p>EINTR is retried inside every wrapper where a retry repeats the same request — all of them
 * except {@link #close} (Linux releases the descriptor even when close reports EINTR, so a retry
 * could close a number another thread has just been given) and {@link #connect} (an interrupted
 * connect continues asynchronously; see there). {@link #epollWait} reports EINTR as "no events".
 *
 * <p>Descriptors made here are always non-blocking (SOCK_NONBLOCK, EFD_NONBLOCK) and must stay
 * so: a blocking call would pin the calling (possibly carrier) thread, and {@link #send}/
 * {@link #recv} on a heap segment run as critical downcalls that hold off the GC. The socket
 * layer emulates FIONBIO itself and never passes FIONBIO to {@link #ioctl}.
 *
 * <p><b>SIGPIPE.</b> No wrapper adds MSG_NOSIGNAL: the caller passes flags. HotSpot installs a
 * SIGPIPE handler that ignores the signal (verified by
 * {@code LinuxSyscallsTest#writeToPeerClosedSocketWithoutNosignalReturnsEpipeAndJvmSurvives}), so
 * a write to a peer-closed stream returns -EPIPE instead of killing the process; it holds with
 * {@code -Xrs} too (checked on JDK 25). But it is a process-wide setting that other code can
 * change: after {@code sun.misc.Signal.handle(new Signal("PIPE"), SignalHandler.SIG_DFL)} the
 * same write kills the JVM (exit status 141 = 128 + SIGPIPE, also checked), and a native library
 * or embedding launcher can do likewise. So the socket layer must add
 * {@link LinuxNative#MSG_NOSIGNAL} to every send/sendmsg on a stream socket, and must not use
 * {@link #write}/{@link #writev} on sockets.
 */
@SuppressWarnings("restricted") // downcallHandle: the whole point of this class; the jar manifest enables native access
public final class LinuxSyscalls {
    private static final System.Logger LOG = System.getLogger("dev.ksock.host");
    private LinuxSyscalls() {
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = downcall("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle SOCKETPAIR = downcall("socketpair", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle BIND = downcall("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle CONNECT = downcall("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle LISTEN = downcall("listen", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle ACCEPT4 = downcall("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle GETSOCKNAME = downcall("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle GETPEERNAME = downcall("getpeername", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle GETSOCKOPT = downcall("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    /** ioctl is variadic: the third argument is the first variadic one. */
    private static final MethodHandle IOCTL = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("ioctl"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SHUTDOWN = downcall("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle CLOSE = downcall("close", JAVA_INT, JAVA_INT);
    private static final MethodHandle SENDMSG = downcall("sendmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle RECVMSG = downcall("recvmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SEND = downcall("send", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle RECV = downcall("recv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    /**
     * Heap segments can only be passed to a critical downcall that allows heap access: the GC
     * is held off for the duration, which is short because the descriptor is non-blocking.
     */
    private static final MethodHandle SEND_HEAP = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("send"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT),
            ERRNO, Linker.Option.critical(true));
    private static final MethodHandle RECV_HEAP = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("recv"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT),
            ERRNO, Linker.Option.critical(true));
    private static final MethodHandle READ = downcall("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle WRITE = downcall("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle READV = downcall("readv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle WRITEV = downcall("writev", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle POLL = downcall("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle EVENTFD = downcall("eventfd", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle EPOLL_CREATE1 = downcall("epoll_create1", JAVA_INT, JAVA_INT);
    private static final MethodHandle EPOLL_CTL = downcall("epoll_ctl", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle EPOLL_WAIT = downcall("epoll_wait", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle GETRLIMIT = downcall("getrlimit", JAVA_INT, JAVA_INT, ADDRESS);

    private static MethodHandle downcall(String name, java.lang.foreign.MemoryLayout result,
                                         java.lang.foreign.MemoryLayout... args) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name),
                FunctionDescriptor.of(result, args), ERRNO);
    }

    // ------------------------------------------------------------------ sockets

    /** socket(2) with SOCK_NONBLOCK | SOCK_CLOEXEC added: every host descriptor is non-blocking. */
    public static int socket(int domain, int type, int protocol) {
        MemorySegment cs = SyscallScratch.current().capture;
        int flagged = type | LinuxNative.SOCK_NONBLOCK | LinuxNative.SOCK_CLOEXEC;
        try {
            int r;
            do {
                r = (int) SOCKET.invokeExact(cs, domain, flagged, protocol);
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** socketpair(2) (AF_UNIX), non-blocking and close-on-exec; the two fds go to {@code sv} (int[2]). */
    public static int socketpair(int domain, int type, int protocol, MemorySegment sv) {
        MemorySegment cs = SyscallScratch.current().capture;
        int flagged = type | LinuxNative.SOCK_NONBLOCK | LinuxNative.SOCK_CLOEXEC;
        try {
            int r;
            do {
                r = (int) SOCKETPAIR.invokeExact(cs, domain, flagged, protocol, sv);
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    public static int bind(int fd, MemorySegment addr, int addrlen) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            int r;
            do {
                r = (int) BIND.invokeExact(cs, fd, addr, addrlen);
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /**
     * connect(2). On the (non-blocking) host socket a TCP connect normally returns
     * -EINPROGRESS; wait for EPOLLOUT/POLLOUT and read SO_ERROR. EINTR is not retried — a
     * second connect would report EALREADY — but reported as -EINPROGRESS, because POSIX says
     * an interrupted connect completes asynchronously, which is exactly that state.
     */
    public static int connect(int fd, MemorySegment addr, int addrlen) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            int r = (int) CONNECT.invokeExact(cs, fd, addr, addrlen);
            if (r >= 0) {
                return r;
            }
            int e = SyscallScratch.errno(cs);
            return e == EINTR ? -EINPROGRESS : -e;
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    public static int listen(int fd, int backlog) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            int r = (int) LISTEN.invokeExact(cs, fd, backlog);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /**
     * accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC; {@code addr}/{@code addrlen} (int in/out)
     * may be NULL. Linux reports errors pending on the new connection (ENETDOWN, EPROTO, ...)
     * through accept; the socket layer should treat those like EAGAIN and accept again.
     */
    public static int accept4(int fd, MemorySegment addr, MemorySegment addrlen) {
        MemorySegment cs = SyscallScratch.current().capture;
        int flags = LinuxNative.SOCK_NONBLOCK | LinuxNative.SOCK_CLOEXEC;
        try {
            int r;
            do {
                r = (int) ACCEPT4.invokeExact(cs, fd, addr, addrlen, flags);
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    public static int getsockname(int fd, MemorySegment addr, MemorySegment addrlen) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            int r = (int) GETSOCKNAME.invokeExact(cs, fd, addr, addrlen);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    public static int getpeername(int fd, MemorySegment addr, MemorySegment addrlen) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            int r = (int) GETPEERNAME.invokeExact(cs, fd, addr, addrlen);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    public static int getsockopt(int fd, int level, int name, MemorySegment val, MemorySegment len) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            int r = (int) GETSOCKOPT.invokeExact(cs, fd, level, name, val, len);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    public static int setsockopt(int fd, int level, int name, MemorySegment val, int len) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            int r = (int) SETSOCKOPT.invokeExact(cs, fd, level, name, val, len);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** ioctl(2) with a pointer argument (FIONREAD, SIOCATMARK, ...). Never pass FIONBIO: see the class comment. */
    public static int ioctl(int fd, long request, MemorySegment arg) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            int r;
            do {
                r = (int) IOCTL.invokeExact(cs, fd, request, arg);
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    public static int shutdown(int fd, int how) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            int r = (int) SHUTDOWN.invokeExact(cs, fd, how);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /**
     * close(2), never retried: Linux frees the descriptor number before it can report EINTR,
     * so a retry might close a descriptor another thread has just opened. An -EINTR result
     * therefore still means "closed".
     */
    public static int close(int fd) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            int r = (int) CLOSE.invokeExact(cs, fd);
            if (r >= 0) {
                return r;
            }
            int errno = SyscallScratch.errno(cs);
            if (errno == LinuxNative.EBADF) {
                // ksock closes only descriptors it owns, once: EBADF means something closed this
                // number twice, and a second close can hit a number the host has given to
                // someone else. Report it loudly with where it came from.
                LOG.log(System.Logger.Level.ERROR, "close(" + fd + ") = EBADF: descriptor closed twice",
                        new IllegalStateException("double close of descriptor " + fd));
            }
            return -errno;
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    // ------------------------------------------------------------------ data transfer

    /**
     * sendmsg(2); {@code msghdr} is a native Linux struct msghdr (see {@link LinuxStructs}) whose
     * iovecs point to native memory. Add MSG_NOSIGNAL for stream sockets (class comment).
     */
    public static long sendmsg(int fd, MemorySegment msghdr, int flags) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            long r;
            do {
                r = (long) SENDMSG.invokeExact(cs, fd, msghdr, flags);
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** recvmsg(2); the kernel writes msg_namelen, msg_controllen and msg_flags back into {@code msghdr}. */
    public static long recvmsg(int fd, MemorySegment msghdr, int flags) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            long r;
            do {
                r = (long) RECVMSG.invokeExact(cs, fd, msghdr, flags);
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /**
     * send(2) of the whole of {@code buf}, which may be a heap segment (sent through a critical
     * downcall with heap access, so no copy). Add MSG_NOSIGNAL for stream sockets.
     */
    public static long send(int fd, MemorySegment buf, int flags) {
        MemorySegment cs = SyscallScratch.current().capture;
        // Each invokeExact names its static final handle: C2 then links the downcall directly.
        // (Choosing the handle at run time and invoking it as a variable crashed C2 in JDK 25.0.3.)
        boolean isNative = buf.isNative();
        try {
            long r;
            do {
                r = isNative
                        ? (long) SEND.invokeExact(cs, fd, buf, buf.byteSize(), flags)
                        : (long) SEND_HEAP.invokeExact(cs, fd, buf, buf.byteSize(), flags);
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** recv(2) into the whole of {@code buf}, which may be a heap segment (critical downcall). */
    public static long recv(int fd, MemorySegment buf, int flags) {
        MemorySegment cs = SyscallScratch.current().capture;
        // Each invokeExact names its static final handle: C2 then links the downcall directly.
        // (Choosing the handle at run time and invoking it as a variable crashed C2 in JDK 25.0.3.)
        boolean isNative = buf.isNative();
        try {
            long r;
            do {
                r = isNative
                        ? (long) RECV.invokeExact(cs, fd, buf, buf.byteSize(), flags)
                        : (long) RECV_HEAP.invokeExact(cs, fd, buf, buf.byteSize(), flags);
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** read(2) into the whole of a native {@code buf} (eventfd counters, pipes). */
    public static long read(int fd, MemorySegment buf) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            long r;
            do {
                r = (long) READ.invokeExact(cs, fd, buf, buf.byteSize());
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** write(2) of the whole of a native {@code buf}. On a stream socket prefer send with MSG_NOSIGNAL. */
    public static long write(int fd, MemorySegment buf) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            long r;
            do {
                r = (long) WRITE.invokeExact(cs, fd, buf, buf.byteSize());
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** readv(2) over {@code iovcnt} native iovecs (see {@link LinuxStructs#IOVEC}). */
    public static long readv(int fd, MemorySegment iov, int iovcnt) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            long r;
            do {
                r = (long) READV.invokeExact(cs, fd, iov, iovcnt);
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** writev(2) of {@code iovcnt} native iovecs. No MSG_NOSIGNAL here: use sendmsg on sockets. */
    public static long writev(int fd, MemorySegment iov, int iovcnt) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            long r;
            do {
                r = (long) WRITEV.invokeExact(cs, fd, iov, iovcnt);
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    // ------------------------------------------------------------------ waiting

    /**
     * poll(2) on one descriptor; returns its revents (0 on timeout). A negative timeout waits
     * forever. EINTR restarts the wait with the time that remains. This blocks the calling
     * thread (and a virtual thread's carrier): the socket layer should wait on an event loop;
     * poll is for tests and setup paths.
     */
    public static int poll(int fd, int events, int timeoutMillis) {
        SyscallScratch s = SyscallScratch.current();
        MemorySegment cs = s.capture;
        MemorySegment pfd = s.pollfd;
        LinuxStructs.POLLFD_FD.set(pfd, 0L, fd);
        LinuxStructs.POLLFD_EVENTS.set(pfd, 0L, (short) events);
        long deadline = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000L : 0;
        int timeout = timeoutMillis;
        try {
            while (true) {
                LinuxStructs.POLLFD_REVENTS.set(pfd, 0L, (short) 0);
                int r = (int) POLL.invokeExact(cs, pfd, 1L, timeout);
                if (r > 0) {
                    return Short.toUnsignedInt((short) LinuxStructs.POLLFD_REVENTS.get(pfd, 0L));
                }
                if (r == 0) {
                    return 0;
                }
                int e = SyscallScratch.errno(cs);
                if (e != EINTR) {
                    return -e;
                }
                if (timeoutMillis > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return 0;
                    }
                    timeout = (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
                }
            }
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    // ------------------------------------------------------------------ eventfd / epoll

    /** eventfd(2), always EFD_NONBLOCK | EFD_CLOEXEC plus {@code flags}. */
    public static int eventfd(int initval, int flags) {
        MemorySegment cs = SyscallScratch.current().capture;
        int f = flags | LinuxNative.EFD_NONBLOCK | LinuxNative.EFD_CLOEXEC;
        try {
            int r = (int) EVENTFD.invokeExact(cs, initval, f);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** Adds {@code value} to an eventfd counter (8-byte write); 0 or a negated errno. */
    public static int eventfdWrite(int efd, long value) {
        MemorySegment u64 = SyscallScratch.current().u64;
        u64.set(JAVA_LONG, 0L, value);
        long r = write(efd, u64);
        return r < 0 ? (int) r : 0;
    }

    /** Reads and resets an eventfd counter; the value (≥ 0; 0 if it was already 0) or a negated errno. */
    public static long eventfdRead(int efd) {
        MemorySegment u64 = SyscallScratch.current().u64;
        long r = read(efd, u64);
        if (r == -LinuxNative.EAGAIN) {
            return 0;
        }
        return r < 0 ? r : u64.get(JAVA_LONG, 0L);
    }

    /** epoll_create1(2), always EPOLL_CLOEXEC. */
    public static int epollCreate() {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            int r = (int) EPOLL_CREATE1.invokeExact(cs, LinuxNative.EPOLL_CLOEXEC);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** epoll_ctl(2) with a caller-filled native epoll_event (or NULL for EPOLL_CTL_DEL). */
    public static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            int r;
            do {
                r = (int) EPOLL_CTL.invokeExact(cs, epfd, op, fd, event);
            } while (r < 0 && SyscallScratch.errno(cs) == EINTR);
            return r >= 0 ? r : -SyscallScratch.errno(cs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** epoll_ctl(2) with the epoll_event built in per-thread scratch memory: no allocation. */
    public static int epollCtl(int epfd, int op, int fd, int events, long data) {
        MemorySegment ev = SyscallScratch.current().epollEvent;
        LinuxStructs.epollEvent(ev, events, data);
        return epollCtl(epfd, op, fd, ev);
    }

    /**
     * epoll_wait(2) into a native epoll_event array of at least {@code maxEvents} elements.
     * Returns the number of events; EINTR is reported as 0 (the loop recomputes its timeout).
     */
    public static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        MemorySegment cs = SyscallScratch.current().capture;
        try {
            int r = (int) EPOLL_WAIT.invokeExact(cs, epfd, events, maxEvents, timeoutMillis);
            if (r >= 0) {
                return r;
            }
            int e = SyscallScratch.errno(cs);
            return e == EINTR ? 0 : -e;
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    // ------------------------------------------------------------------ limits

    /**
     * The soft RLIMIT_NOFILE: how many descriptors this process may have open (a socket layer
     * sizes its socket limit from it). A negated errno on failure; Long.MAX_VALUE for infinity.
     * Setup path: allocates.
     */
    public static long nofileLimit() {
        MemorySegment cs = SyscallScratch.current().capture;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rl = arena.allocate(LinuxStructs.RLIMIT);
            int r = (int) GETRLIMIT.invokeExact(cs, LinuxNative.RLIMIT_NOFILE, rl);
            if (r < 0) {
                return -SyscallScratch.errno(cs);
            }
            long cur = (long) LinuxStructs.RLIM_CUR.get(rl, 0L);
            return cur < 0 ? Long.MAX_VALUE : cur; // RLIM_INFINITY is ~0UL
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /**
     * invokeExact declares Throwable; with these fixed signatures only FFM misuse (a closed or
     * heap segment where native memory is required) can reach here, and it stays unchecked.
     */
    private static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
