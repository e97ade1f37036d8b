package dev.ksock.internal.socket;

import static dev.ksock.SysErrno.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * soioctl ({@code bsd/kern/sys_socket.c}), which {@code sock_ioctl} calls directly: the socket
 * layer answers {@code FIONBIO}, {@code FIOASYNC}, {@code FIONREAD}, {@code SIOCSPGRP},
 * {@code SIOCGPGRP} and {@code SIOCATMARK}; group {@code 'i'} would go to the interface code and
 * group {@code 'r'} to {@code rtioctl}; everything else goes to the protocol's
 * {@code pru_control}.
 *
 * <p>What the KPI path does <em>not</em> see: {@code FIOCLEX}, {@code FIONCLEX},
 * {@code FIOSETOWN} and {@code FIOGETOWN} are answered by the descriptor layer's {@code ioctl()}
 * ({@code sys_generic.c}) before a socket is reached, and {@code FIODTYPE} only by
 * {@code vn_ioctl} for devices. A kernel socket has no descriptor, so through {@code sock_ioctl}
 * these reach {@code pru_control} like any unknown request.
 */
public final class SocketIoctls {
    private SocketIoctls() {
    }

    static final long FIONBIO = 0x8004667EL, FIONREAD = 0x4004667FL, FIOASYNC = 0x8004667DL;
    static final long SIOCSPGRP = 0x80047308L, SIOCGPGRP = 0x40047309L, SIOCATMARK = 0x40047307L;
    private static final long IOC_OUT = 0x40000000L;

    /** IOCPARM_LEN: the argument size encoded in a Darwin ioctl request. */
    static int paramLength(long request) {
        return (int) ((request >>> 16) & 0x1fff);
    }

    /** IOCGROUP: the group letter of a request. */
    static int group(long request) {
        return (int) ((request >>> 8) & 0xff);
    }

    /**
     * soioctl copies IOCPARM_LEN bytes in or out of {@code data} without a check: XNU trusts the
     * kernel pointer, and a shorter buffer would be read or written past its end. ksock refuses
     * such a call with EINVAL instead, and only for the requests that touch the argument (a
     * request XNU refuses without reading it is refused the same way whatever the argument).
     */
    private static boolean argumentFits(long request, MemorySegment arg) {
        return arg != null && arg.byteSize() >= paramLength(request)
                && ((request & IOC_OUT) == 0 || !arg.isReadOnly());
    }

    public static int ioctl(SocketCore so, long request, MemorySegment arg) {
        if (request == FIONBIO || request == FIOASYNC || request == FIONREAD || request == SIOCSPGRP
                || request == SIOCGPGRP || request == SIOCATMARK) {
            if (!argumentFits(request, arg)) {
                return EINVAL;
            }
            return socketLevel(so, request, arg);
        }
        if (group(request) == 'i') {
            // ifioctllocked: interface configuration (SIOCGIFCONF, SIOCGIFFLAGS, ...) is not
            // provided; the host's interfaces are not the caller's to configure.
            return EOPNOTSUPP;
        }
        if (group(request) == 'r') {
            return ENXIO; // rtioctl: XNU built without MROUTING answers every request with ENXIO
        }
        return so.proto.ioctl(so, request, arg);
    }

    private static int socketLevel(SocketCore so, long request, MemorySegment arg) {
        if (request == FIONBIO) {
            so.setNonBlocking(arg.get(ValueLayout.JAVA_INT_UNALIGNED, 0) != 0);
            return 0;
        }
        if (request == FIOASYNC) {
            // SS_ASYNC asks for SIGIO to so_pgid; a kernel socket's owner takes upcalls instead,
            // and nothing reads the flag back: accepted, inert.
            return 0;
        }
        if (request == SIOCSPGRP) {
            // so_pgid is stored as given (no lookup, no check), as soioctl does. ksock never
            // signals it: SIGURG/SIGIO would go to a process of the host, not to the caller.
            so.pgid = arg.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
            return 0;
        }
        if (request == SIOCGPGRP) {
            arg.set(ValueLayout.JAVA_INT_UNALIGNED, 0, so.pgid);
            return 0;
        }
        if (request == SIOCATMARK) {
            // SS_RCVATMARK is set by the protocol's out-of-band handling, which lives in the host.
            return so.proto.ioctl(so, request, arg);
        }
        // FIONREAD is sb_cc, and the bytes live in the host's buffer: the protocol counts them,
        // and the layer adds the records it holds itself (filters, injection).
        int r = so.proto.ioctl(so, FIONREAD, arg);
        if (r == 0 && so.rcv.held != null) {
            long n = arg.get(ValueLayout.JAVA_INT_UNALIGNED, 0) + so.rcv.heldBytes();
            arg.set(ValueLayout.JAVA_INT_UNALIGNED, 0, (int) Math.min(Integer.MAX_VALUE, n));
        }
        return r;
    }
}
