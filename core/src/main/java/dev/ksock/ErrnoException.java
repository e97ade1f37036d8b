package dev.ksock;

/**
 * An errno as an unchecked exception, for callers who prefer {@code Errno.check(sock_bind(...))}
 * to testing results. KPI functions themselves never throw it.
 */
public final class ErrnoException extends RuntimeException {
    private final int errno;

    public ErrnoException(int errno) {
        super(Errno.name(errno) + ": " + Errno.strerror(errno));
        this.errno = errno;
    }

    public ErrnoException(int errno, String context) {
        super(context + ": " + Errno.name(errno) + ": " + Errno.strerror(errno));
        this.errno = errno;
    }

    /** The Darwin errno value. */
    public int errno() {
        return errno;
    }
}
