package dev.ksock;

/**
 * Names and messages for Darwin errno values, and {@link #check} for callers who want
 * exceptions.
 */
public final class Errno {
    private Errno() {
    }

    private static final String[] NAMES = new String[SysErrno.ELAST + 1];
    private static final String[] MESSAGES = new String[SysErrno.ELAST + 1];

    private static void def(int errno, String name, String message) {
        NAMES[errno] = name;
        MESSAGES[errno] = message;
    }

    static {
        def(SysErrno.EPERM, "EPERM", "Operation not permitted");
        def(SysErrno.ENOENT, "ENOENT", "No such file or directory");
        def(SysErrno.ESRCH, "ESRCH", "No such process");
        def(SysErrno.EINTR, "EINTR", "Interrupted system call");
        def(SysErrno.EIO, "EIO", "Input/output error");
        def(SysErrno.ENXIO, "ENXIO", "Device not configured");
        def(SysErrno.E2BIG, "E2BIG", "Argument list too long");
        def(SysErrno.ENOEXEC, "ENOEXEC", "Exec format error");
        def(SysErrno.EBADF, "EBADF", "Bad file descriptor");
        def(SysErrno.ECHILD, "ECHILD", "No child processes");
        def(SysErrno.EDEADLK, "EDEADLK", "Resource deadlock avoided");
        def(SysErrno.ENOMEM, "ENOMEM", "Cannot allocate memory");
        def(SysErrno.EACCES, "EACCES", "Permission denied");
        def(SysErrno.EFAULT, "EFAULT", "Bad address");
        def(SysErrno.EBUSY, "EBUSY", "Resource busy");
        def(SysErrno.EEXIST, "EEXIST", "File exists");
        def(SysErrno.EXDEV, "EXDEV", "Cross-device link");
        def(SysErrno.ENODEV, "ENODEV", "Operation not supported by device");
        def(SysErrno.ENOTDIR, "ENOTDIR", "Not a directory");
        def(SysErrno.EISDIR, "EISDIR", "Is a directory");
        def(SysErrno.EINVAL, "EINVAL", "Invalid argument");
        def(SysErrno.ENFILE, "ENFILE", "Too many open files in system");
        def(SysErrno.EMFILE, "EMFILE", "Too many open files");
        def(SysErrno.ENOTTY, "ENOTTY", "Inappropriate ioctl for device");
        def(SysErrno.EFBIG, "EFBIG", "File too large");
        def(SysErrno.ENOSPC, "ENOSPC", "No space left on device");
        def(SysErrno.ESPIPE, "ESPIPE", "Illegal seek");
        def(SysErrno.EROFS, "EROFS", "Read-only file system");
        def(SysErrno.EMLINK, "EMLINK", "Too many links");
        def(SysErrno.EPIPE, "EPIPE", "Broken pipe");
        def(SysErrno.EDOM, "EDOM", "Numerical argument out of domain");
        def(SysErrno.ERANGE, "ERANGE", "Result too large");
        def(SysErrno.EWOULDBLOCK, "EWOULDBLOCK", "Resource temporarily unavailable");
        def(SysErrno.EINPROGRESS, "EINPROGRESS", "Operation now in progress");
        def(SysErrno.EALREADY, "EALREADY", "Operation already in progress");
        def(SysErrno.ENOTSOCK, "ENOTSOCK", "Socket operation on non-socket");
        def(SysErrno.EDESTADDRREQ, "EDESTADDRREQ", "Destination address required");
        def(SysErrno.EMSGSIZE, "EMSGSIZE", "Message too long");
        def(SysErrno.EPROTOTYPE, "EPROTOTYPE", "Protocol wrong type for socket");
        def(SysErrno.ENOPROTOOPT, "ENOPROTOOPT", "Protocol not available");
        def(SysErrno.EPROTONOSUPPORT, "EPROTONOSUPPORT", "Protocol not supported");
        def(SysErrno.ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT", "Socket type not supported");
        def(SysErrno.ENOTSUP, "ENOTSUP", "Operation not supported");
        def(SysErrno.EPFNOSUPPORT, "EPFNOSUPPORT", "Protocol family not supported");
        def(SysErrno.EAFNOSUPPORT, "EAFNOSUPPORT", "Address family not supported by protocol family");
        def(SysErrno.EADDRINUSE, "EADDRINUSE", "Address already in use");
        def(SysErrno.EADDRNOTAVAIL, "EADDRNOTAVAIL", "Can't assign requested address");
        def(SysErrno.ENETDOWN, "ENETDOWN", "Network is down");
        def(SysErrno.ENETUNREACH, "ENETUNREACH", "Network is unreachable");
        def(SysErrno.ENETRESET, "ENETRESET", "Network dropped connection on reset");
        def(SysErrno.ECONNABORTED, "ECONNABORTED", "Software caused connection abort");
        def(SysErrno.ECONNRESET, "ECONNRESET", "Connection reset by peer");
        def(SysErrno.ENOBUFS, "ENOBUFS", "No buffer space available");
        def(SysErrno.EISCONN, "EISCONN", "Socket is already connected");
        def(SysErrno.ENOTCONN, "ENOTCONN", "Socket is not connected");
        def(SysErrno.ESHUTDOWN, "ESHUTDOWN", "Can't send after socket shutdown");
        def(SysErrno.ETOOMANYREFS, "ETOOMANYREFS", "Too many references: can't splice");
        def(SysErrno.ETIMEDOUT, "ETIMEDOUT", "Operation timed out");
        def(SysErrno.ECONNREFUSED, "ECONNREFUSED", "Connection refused");
        def(SysErrno.ELOOP, "ELOOP", "Too many levels of symbolic links");
        def(SysErrno.ENAMETOOLONG, "ENAMETOOLONG", "File name too long");
        def(SysErrno.EHOSTDOWN, "EHOSTDOWN", "Host is down");
        def(SysErrno.EHOSTUNREACH, "EHOSTUNREACH", "No route to host");
        def(SysErrno.ENOTEMPTY, "ENOTEMPTY", "Directory not empty");
        def(SysErrno.ENOSYS, "ENOSYS", "Function not implemented");
        def(SysErrno.EOVERFLOW, "EOVERFLOW", "Value too large to be stored in data type");
        def(SysErrno.ECANCELED, "ECANCELED", "Operation canceled");
        def(SysErrno.EPROTO, "EPROTO", "Protocol error");
        def(SysErrno.ETIME, "ETIME", "STREAM ioctl timeout");
        def(SysErrno.EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported on socket");
        def(SysErrno.EQFULL, "EQFULL", "Interface output queue is full");
    }

    /** The symbolic name ({@code "EWOULDBLOCK"}), {@code "0"} for success, {@code "E?<n>"} if unknown. */
    public static String name(int errno) {
        if (errno == 0) {
            return "0";
        }
        if (errno == SysErrno.EJUSTRETURN) {
            return "EJUSTRETURN";
        }
        if (errno == SysErrno.ERESTART) {
            return "ERESTART";
        }
        String n = errno > 0 && errno < NAMES.length ? NAMES[errno] : null;
        return n != null ? n : "E?" + errno;
    }

    /** The message Darwin's {@code strerror} gives. */
    public static String strerror(int errno) {
        if (errno == 0) {
            return "Undefined error: 0";
        }
        String m = errno > 0 && errno < MESSAGES.length ? MESSAGES[errno] : null;
        return m != null ? m : "Unknown error: " + errno;
    }

    /** True if {@code errno} is a Darwin errno value this library can return. */
    public static boolean isKnown(int errno) {
        return errno > 0 && errno < NAMES.length && NAMES[errno] != null;
    }

    /**
     * Returns normally if {@code result} is 0 and throws {@link ErrnoException} otherwise.
     * For callers who prefer exceptions: {@code Errno.check(sock_bind(so, addr))}.
     */
    public static void check(int result) {
        if (result != 0) {
            throw new ErrnoException(result);
        }
    }
}
