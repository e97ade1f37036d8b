package dev.ksock.internal.host.linux;

/**
 * Raw Linux x86_64 numbers that the host backend's own plumbing (syscall wrappers, event loop)
 * needs. The Darwin ⇄ Linux translation tables live in {@link LinuxConstants} and
 * {@link LinuxErrno}; this class is only what this package passes to the kernel itself.
 */
public final class LinuxNative {
    private LinuxNative() {
    }

    // errno values this package reacts to (asm-generic/errno-base.h, errno.h)
    public static final int EINTR = 4, EAGAIN = 11, EINVAL = 22, EMFILE = 24, EPIPE = 32,
            EINPROGRESS = 115, ENOENT = 2, EBADF = 9, EEXIST = 17;

    // socket(2) type flags
    public static final int SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;

    // epoll
    public static final int EPOLL_CLOEXEC = 0x80000;
    public static final int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;

    // eventfd
    public static final int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;

    // poll(2)
    public static final short POLLIN = 0x001, POLLPRI = 0x002, POLLOUT = 0x004, POLLERR = 0x008,
            POLLHUP = 0x010, POLLNVAL = 0x020, POLLRDHUP = 0x2000;

    /** MSG_NOSIGNAL: the socket layer must add it to every send on a stream socket (see {@link LinuxSyscalls#send}). */
    public static final int MSG_NOSIGNAL = 0x4000;

    // getrlimit(2)
    public static final int RLIMIT_NOFILE = 7;
}
