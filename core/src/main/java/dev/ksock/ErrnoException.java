package dev.ksock;

/**
 * An errno as an unchecked exception, for callers who prefer {@code Errno.check(sock_bind(...))}
 * to testing results. KPI functions themselves never throw it.
 */
public final class ErrnoException extends RuntimeException {
    private final int errno;

    /** An exception for {@code errno}; the message is {@code ENAME: strerror text}. */
    public ErrnoException(int errno) {
        super(Errno.name(errno) + ": " + Errno.strerror(errno));
        this.errno = errno;
    }

    /** An exception for {@code errno} with what failed: {@code context: ENAME: strerror text}. */
    public ErrnoException(int errno, String context) {
        super(context + ": " + Errno.name(errno) + ": " + Errno.strerror(errno));
        this.errno = errno;
    }

    /** The Darwin errno value. */
    public int errno() {
        return errno;
    }
}
