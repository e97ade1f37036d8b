package dev.ksock.internal.host.linux;

import static dev.ksock.SysErrno.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.Errno;
import dev.ksock.SysErrno;
import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

class LinuxErrnoTest {

    /** Darwin errno and Linux x86_64 errno (DARWIN-CONSTANTS.md section 1, host asm-generic/errno*.h). */
    private static final int[][] EXPECTED = {
        {EPERM, 1}, {ENOENT, 2}, {EINTR, 4}, {EIO, 5}, {EBADF, 9}, {ENOMEM, 12}, {EACCES, 13},
        {EFAULT, 14}, {EBUSY, 16}, {EEXIST, 17}, {ENOTDIR, 20}, {EINVAL, 22}, {ENFILE, 23}, {EMFILE, 24},
        {ENOSPC, 28}, {EPIPE, 32}, {EAGAIN, 11}, {EINPROGRESS, 115}, {EALREADY, 114}, {ENOTSOCK, 88},
        {EDESTADDRREQ, 89}, {EMSGSIZE, 90}, {EPROTOTYPE, 91}, {ENOPROTOOPT, 92}, {EPROTONOSUPPORT, 93},
        {ESOCKTNOSUPPORT, 94}, {EOPNOTSUPP, 95}, {EPFNOSUPPORT, 96}, {EAFNOSUPPORT, 97},
        {EADDRINUSE, 98}, {EADDRNOTAVAIL, 99}, {ENETDOWN, 100}, {ENETUNREACH, 101}, {ENETRESET, 102},
        {ECONNABORTED, 103}, {ECONNRESET, 104}, {ENOBUFS, 105}, {EISCONN, 106}, {ENOTCONN, 107},
        {ESHUTDOWN, 108}, {ETIMEDOUT, 110}, {ECONNREFUSED, 111}, {ELOOP, 40}, {ENAMETOOLONG, 36},
        {EHOSTDOWN, 112}, {EHOSTUNREACH, 113},
        {EDEADLK, 35}, {EDOM, 33}, {ERANGE, 34}, {ENOSYS, 38}, {ENOTEMPTY, 39}, {EOVERFLOW, 75},
        {ECANCELED, 125}, {EPROTO, 71}, {ETIME, 62}, {ETOOMANYREFS, 109},
    };

    @Test
    void everyRowOfTheTableTranslatesBothWays() {
        for (int[] row : EXPECTED) {
            String name = Errno.name(row[0]);
            assertThat(LinuxErrno.toLinux(row[0])).as("toLinux(" + name + ")").isEqualTo(row[1]);
            assertThat(LinuxErrno.toDarwin(row[1])).as("toDarwin(Linux " + row[1] + ")").isEqualTo(row[0]);
        }
    }

    @Test
    void linuxWouldBlockBecomesDarwins35AndLinuxDeadlockDarwins11() {
        assertThat(LinuxErrno.toDarwin(11)).isEqualTo(EWOULDBLOCK).isEqualTo(35);
        assertThat(LinuxErrno.toDarwin(35)).isEqualTo(EDEADLK).isEqualTo(11);
    }

    @Test
    void linux95BecomesTheKernelsEopnotsuppAndEnotsupStillReachesLinux() {
        assertThat(LinuxErrno.toDarwin(95)).isEqualTo(EOPNOTSUPP).isEqualTo(102);
        assertThat(LinuxErrno.toLinux(ENOTSUP)).isEqualTo(95);
        assertThat(LinuxErrno.toLinux(EOPNOTSUPP)).isEqualTo(95);
        assertThat(LinuxErrno.toDarwin(102)).as("Linux 102 is ENETRESET, not Darwin EOPNOTSUPP").isEqualTo(ENETRESET);
    }

    @Test
    void everyDarwinErrnoButEnotsupAndEqfullRoundTripsThroughLinux() throws Exception {
        for (Field f : SysErrno.class.getDeclaredFields()) {
            int darwin = f.getInt(null);
            if (darwin < 0) {
                continue; // ERESTART, EJUSTRETURN: kernel-internal, never on the wire to a host
            }
            if (darwin == EQFULL) {
                assertThat(LinuxErrno.toLinux(darwin)).as("EQFULL has no Linux counterpart").isEqualTo(-1);
                continue;
            }
            int linux = LinuxErrno.toLinux(darwin);
            assertThat(linux).as(f.getName() + " has a Linux counterpart").isPositive();
            int back = LinuxErrno.toDarwin(linux);
            assertThat(back).as(f.getName()).isEqualTo(darwin == ENOTSUP ? EOPNOTSUPP : darwin);
        }
    }

    @Test
    void unknownLinuxErrnosBecomeEioAndZeroStaysZero() {
        assertThat(LinuxErrno.toDarwin(0)).isZero();
        assertThat(LinuxErrno.toLinux(0)).isZero();
        for (int unknown : new int[] {42 /* ENOMSG */, 84 /* EILSEQ */, 133, 134, 4096, -1, -11, Integer.MAX_VALUE}) {
            assertThat(LinuxErrno.toDarwin(unknown)).as("Linux " + unknown).isEqualTo(EIO);
        }
        assertThat(LinuxErrno.toLinux(999)).isEqualTo(-1);
        assertThat(LinuxErrno.toLinux(-5)).isEqualTo(-1);
    }

    @Test
    void everyLinuxErrnoTranslatesToADarwinErrnoTheLibraryCanName() {
        for (int linux = 1; linux < 200; linux++) {
            assertThat(Errno.isKnown(LinuxErrno.toDarwin(linux))).as("Linux " + linux).isTrue();
        }
    }

    @Test
    void translationAllocatesNothing() {
        long sink = 0;
        for (int i = 0; i < 20_000; i++) { // warm up
            sink += LinuxErrno.toDarwin(i & 255) + LinuxErrno.toLinux(i & 127);
        }
        long before = Allocations.currentThread();
        for (int i = 0; i < 100_000; i++) {
            sink += LinuxErrno.toDarwin(i & 255) + LinuxErrno.toLinux(i & 127);
        }
        long allocated = Allocations.currentThread() - before;
        assertThat(allocated).as("bytes allocated by 200k lookups (sink " + sink + ")").isLessThan(1024);
    }
}
