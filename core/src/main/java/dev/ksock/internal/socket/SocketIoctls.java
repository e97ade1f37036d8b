package dev.ksock.internal.socket;

import static dev.ksock.SysErrno.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * soioctl: the ioctls the socket layer answers itself ({@code FIONBIO}, {@code FIONREAD},
 * {@code FIOASYNC}); the rest go to the protocol (which maps them to the host or refuses).
 */
public final class SocketIoctls {
    private SocketIoctls() {
    }

    static final long FIONBIO = 0x8004667EL, FIONREAD = 0x4004667FL, FIOASYNC = 0x8004667DL;
    private static final int AF_INET = 2, AF_INET6 = 30, AF_LOCAL = 1, SOCK_DGRAM = 2;

    /** IOCPARM_LEN: the argument size encoded in a Darwin ioctl request. */
    static int paramLength(long request) {
        return (int) ((request >>> 16) & 0x1fff);
    }

    public static int ioctl(SocketCore so, long request, MemorySegment arg) {
        int need = paramLength(request);
        if (need > 0 && (arg == null || arg.byteSize() < need)) {
            return EINVAL;
        }
        if (request == FIONBIO) {
            so.setNonBlocking(arg.get(ValueLayout.JAVA_INT_UNALIGNED, 0) != 0);
            return 0;
        }
        if (request == FIOASYNC) {
            // SIGIO has no meaning for an in-kernel socket without a process group: accepted, inert.
            return 0;
        }
        if (request == FIONREAD) {
            long n = so.proto.readable(so);
            if (n < 0) {
                return (int) -n;
            }
            if (so.type == SOCK_DGRAM && n > 0) {
                // Darwin counts the datagram's address record (an MT_SONAME mbuf) in sb_cc.
                n += so.domain == AF_INET ? 16 : so.domain == AF_INET6 ? 28 : so.domain == AF_LOCAL ? 16 : 0;
            }
            arg.set(ValueLayout.JAVA_INT_UNALIGNED, 0, (int) Math.min(n, Integer.MAX_VALUE));
            return 0;
        }
        return so.proto.ioctl(so, request, arg);
    }
}
