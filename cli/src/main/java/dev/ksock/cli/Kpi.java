package dev.ksock.cli;

import dev.ksock.Errno;
import dev.ksock.ErrnoException;

/** The command's one rule for KPI results: 0 goes on, an errno stops the command with its name. */
final class Kpi {
    private Kpi() {
    }

    /** Throws {@link ErrnoException} (exit 1, message {@code what: ENAME: meaning}) unless 0. */
    static void check(int errno, String what) {
        if (errno != 0) {
            throw new ErrnoException(errno, what);
        }
    }

    /** {@code EADDRINUSE (Address already in use)}. */
    static String describe(int errno) {
        return Errno.name(errno) + " (" + Errno.strerror(errno) + ")";
    }
}
