package dev.ksock.internal.host.linux;

import static dev.ksock.SysErrno.*;

/**
 * Darwin ⇄ Linux x86_64 errno translation: the one place where a host error number becomes the
 * Darwin value the KPI returns. Each row is a Darwin errno and Linux's number for the same error
 * (same name on both unless noted).
 *
 * <p>Choices:
 * <ul>
 * <li>Linux 95 is both ENOTSUP and EOPNOTSUPP. It becomes Darwin <b>EOPNOTSUPP (102)</b>, the
 *     kernel value XNU's socket code returns for an operation a socket does not support;
 *     Darwin ENOTSUP (45) still goes to Linux as 95, so 45 does not round-trip.</li>
 * <li>Linux EAGAIN/EWOULDBLOCK (11) is Darwin EAGAIN/EWOULDBLOCK (35); Linux EDEADLK (35) is
 *     Darwin EDEADLK (11).</li>
 * <li>A Linux errno with no row becomes EIO; 0 stays 0. A Darwin errno with no Linux
 *     counterpart (EQFULL) gives -1.</li>
 * </ul>
 */
public final class LinuxErrno {
    private LinuxErrno() {
    }

    static final int[][] ERRNOS = {
        // Darwin          Linux
        {EPERM,            1},
        {ENOENT,           2},
        {ESRCH,            3},
        {EINTR,            4},
        {EIO,              5},
        {ENXIO,            6},
        {E2BIG,            7},
        {ENOEXEC,          8},
        {EBADF,            9},
        {ECHILD,           10},
        {EAGAIN,           11},  // == EWOULDBLOCK on both
        {ENOMEM,           12},
        {EACCES,           13},
        {EFAULT,           14},
        {EBUSY,            16},
        {EEXIST,           17},
        {EXDEV,            18},
        {ENODEV,           19},
        {ENOTDIR,          20},
        {EISDIR,           21},
        {EINVAL,           22},
        {ENFILE,           23},
        {EMFILE,           24},
        {ENOTTY,           25},
        {EFBIG,            27},
        {ENOSPC,           28},
        {ESPIPE,           29},
        {EROFS,            30},
        {EMLINK,           31},
        {EPIPE,            32},
        {EDOM,             33},
        {ERANGE,           34},
        {EDEADLK,          35},
        {ENAMETOOLONG,     36},
        {ENOSYS,           38},
        {ENOTEMPTY,        39},
        {ELOOP,            40},
        {EPROTO,           71},
        {ETIME,            62},
        {EOVERFLOW,        75},
        {ENOTSOCK,         88},
        {EDESTADDRREQ,     89},
        {EMSGSIZE,         90},
        {EPROTOTYPE,       91},
        {ENOPROTOOPT,      92},
        {EPROTONOSUPPORT,  93},
        {ESOCKTNOSUPPORT,  94},
        {EOPNOTSUPP,       95},  // first: Linux 95 comes back as EOPNOTSUPP (102)
        {ENOTSUP,          95},
        {EPFNOSUPPORT,     96},
        {EAFNOSUPPORT,     97},
        {EADDRINUSE,       98},
        {EADDRNOTAVAIL,    99},
        {ENETDOWN,         100},
        {ENETUNREACH,      101},
        {ENETRESET,        102},
        {ECONNABORTED,     103},
        {ECONNRESET,       104},
        {ENOBUFS,          105},
        {EISCONN,          106},
        {ENOTCONN,         107},
        {ESHUTDOWN,        108},
        {ETOOMANYREFS,     109},
        {ETIMEDOUT,        110},
        {ECONNREFUSED,     111},
        {EHOSTDOWN,        112},
        {EHOSTUNREACH,     113},
        {EALREADY,         114},
        {EINPROGRESS,      115},
        {ECANCELED,        125},
    };

    private static final LinuxConstants.Table TO_DARWIN = LinuxConstants.Table.linuxToDarwin(ERRNOS);
    private static final LinuxConstants.Table TO_LINUX = LinuxConstants.Table.darwinToLinux(ERRNOS);

    /** The Darwin errno for a (positive) Linux errno; 0 for 0, EIO for one with no counterpart. */
    public static int toDarwin(int linuxErrno) {
        if (linuxErrno == 0) {
            return 0;
        }
        int darwin = TO_DARWIN.get(linuxErrno);
        return darwin < 0 ? EIO : darwin;
    }

    /** The Linux errno for a Darwin errno; 0 for 0, -1 if none. */
    public static int toLinux(int darwinErrno) {
        return darwinErrno == 0 ? 0 : TO_LINUX.get(darwinErrno);
    }
}
