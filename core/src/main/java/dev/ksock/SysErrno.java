package dev.ksock;

/**
 * {@code <sys/errno.h>}: error numbers with their Darwin (XNU kernel) values. Every KPI function
 * returns 0 or one of these; host error numbers never reach the caller untranslated.
 */
public interface SysErrno {
    /** Operation not permitted. */
    int EPERM = 1;
    /** No such file or directory. */
    int ENOENT = 2;
    /** No such process. */
    int ESRCH = 3;
    /** Interrupted system call. */
    int EINTR = 4;
    /** Input/output error. */
    int EIO = 5;
    /** Device not configured. */
    int ENXIO = 6;
    /** Argument list too long. */
    int E2BIG = 7;
    /** Exec format error. */
    int ENOEXEC = 8;
    /** Bad file descriptor. */
    int EBADF = 9;
    /** No child processes. */
    int ECHILD = 10;
    /** Resource deadlock avoided. */
    int EDEADLK = 11;
    /** Cannot allocate memory. */
    int ENOMEM = 12;
    /** Permission denied. */
    int EACCES = 13;
    /** Bad address. */
    int EFAULT = 14;
    /** Resource busy. */
    int EBUSY = 16;
    /** File exists. */
    int EEXIST = 17;
    /** Cross-device link. */
    int EXDEV = 18;
    /** Operation not supported by device. */
    int ENODEV = 19;
    /** Not a directory. */
    int ENOTDIR = 20;
    /** Is a directory. */
    int EISDIR = 21;
    /** Invalid argument. */
    int EINVAL = 22;
    /** Too many open files in system. */
    int ENFILE = 23;
    /** Too many open files. */
    int EMFILE = 24;
    /** Inappropriate ioctl for device. */
    int ENOTTY = 25;
    /** File too large. */
    int EFBIG = 27;
    /** No space left on device. */
    int ENOSPC = 28;
    /** Illegal seek. */
    int ESPIPE = 29;
    /** Read-only file system. */
    int EROFS = 30;
    /** Too many links. */
    int EMLINK = 31;
    /** Broken pipe. */
    int EPIPE = 32;
    /** Numerical argument out of domain. */
    int EDOM = 33;
    /** Result too large. */
    int ERANGE = 34;
    /** Resource temporarily unavailable: the same value as {@link #EWOULDBLOCK}. */
    int EAGAIN = 35;
    /** Resource temporarily unavailable. */
    int EWOULDBLOCK = EAGAIN;
    /** Operation now in progress. */
    int EINPROGRESS = 36;
    /** Operation already in progress. */
    int EALREADY = 37;
    /** Socket operation on non-socket. */
    int ENOTSOCK = 38;
    /** Destination address required. */
    int EDESTADDRREQ = 39;
    /** Message too long. */
    int EMSGSIZE = 40;
    /** Protocol wrong type for socket. */
    int EPROTOTYPE = 41;
    /** Protocol not available. */
    int ENOPROTOOPT = 42;
    /** Protocol not supported. */
    int EPROTONOSUPPORT = 43;
    /** Socket type not supported. */
    int ESOCKTNOSUPPORT = 44;
    /** Operation not supported. */
    int ENOTSUP = 45;
    /** Protocol family not supported. */
    int EPFNOSUPPORT = 46;
    /** Address family not supported by protocol family. */
    int EAFNOSUPPORT = 47;
    /** Address already in use. */
    int EADDRINUSE = 48;
    /** Can't assign requested address. */
    int EADDRNOTAVAIL = 49;
    /** Network is down. */
    int ENETDOWN = 50;
    /** Network is unreachable. */
    int ENETUNREACH = 51;
    /** Network dropped connection on reset. */
    int ENETRESET = 52;
    /** Software caused connection abort. */
    int ECONNABORTED = 53;
    /** Connection reset by peer. */
    int ECONNRESET = 54;
    /** No buffer space available. */
    int ENOBUFS = 55;
    /** Socket is already connected. */
    int EISCONN = 56;
    /** Socket is not connected. */
    int ENOTCONN = 57;
    /** Can't send after socket shutdown. */
    int ESHUTDOWN = 58;
    /** Too many references: can't splice. */
    int ETOOMANYREFS = 59;
    /** Operation timed out. */
    int ETIMEDOUT = 60;
    /** Connection refused. */
    int ECONNREFUSED = 61;
    /** Too many levels of symbolic links. */
    int ELOOP = 62;
    /** File name too long. */
    int ENAMETOOLONG = 63;
    /** Host is down. */
    int EHOSTDOWN = 64;
    /** No route to host. */
    int EHOSTUNREACH = 65;
    /** Directory not empty. */
    int ENOTEMPTY = 66;
    /** Function not implemented. */
    int ENOSYS = 78;
    /** Value too large to be stored in data type. */
    int EOVERFLOW = 84;
    /** Operation canceled. */
    int ECANCELED = 89;
    /** Protocol error. */
    int EPROTO = 100;
    /** STREAM ioctl timeout. */
    int ETIME = 101;
    /** The kernel's value (distinct from {@link #ENOTSUP}); user-space legacy libc folds it into 45. */
    int EOPNOTSUPP = 102;
    /** Interface output queue is full. */
    int EQFULL = 106;
    /** The largest errno value Darwin defines. */
    int ELAST = 106;

    // Kernel-only pseudo-errors (never returned to user space).
    /** Restart the system call (kernel-internal). */
    int ERESTART = -1;
    /**
     * "Don't touch the result": a socket filter's data callback returns it when it has taken the
     * mbufs; from any other filter callback it makes the operation return 0 without doing it.
     */
    int EJUSTRETURN = -2;
}
