package dev.ksock;

/**
 * {@code <sys/filio.h>}: the generic descriptor ioctls, as Darwin (XNU) request numbers. Each is
 * the {@code <sys/ioccom.h>} encoding {@code inout | (sizeof(arg) & 0x1fff) << 16 | group << 8 |
 * num} ({@code IOC_VOID} 0x20000000, {@code IOC_OUT} 0x40000000, {@code IOC_IN} 0x80000000),
 * shown next to each value. Requests are {@code long} because {@code sock_ioctl} takes an
 * {@code unsigned long}; the values are the unsigned 32-bit numbers.
 *
 * <p>XNU has <em>no</em> {@code FIONWRITE} or {@code FIONSPACE} (FreeBSD's {@code _IOR('f', 119,
 * int)} is a kernel-private ioctl on Darwin): ask {@code getsockopt(SOL_SOCKET, SO_NWRITE)} for
 * the bytes queued to send, and compute the free space from {@code SO_SNDBUF}.
 *
 * <p>Through {@code sock_ioctl} only {@code FIONREAD}, {@code FIONBIO} and {@code FIOASYNC} are
 * socket ioctls: {@code FIOCLEX}, {@code FIONCLEX}, {@code FIOSETOWN} and {@code FIOGETOWN} are
 * answered by XNU's descriptor layer, which a kernel socket does not have, and
 * {@code FIODTYPE} only for devices. They reach the protocol and fail (ENXIO on an internet
 * socket, EOPNOTSUPP on a local one), as on XNU; see docs/OPTIONS.md.
 */
public interface SysFilio {
    /** {@code _IO('f', 1)}: set close-on-exec. */
    long FIOCLEX = 0x2000_6601L;
    /** {@code _IO('f', 2)}: clear close-on-exec. */
    long FIONCLEX = 0x2000_6602L;
    /** {@code _IOR('f', 127, int)}: bytes ready to read. */
    long FIONREAD = 0x4004_667FL;
    /** {@code _IOW('f', 126, int)}: set/clear non-blocking mode. */
    long FIONBIO = 0x8004_667EL;
    /** {@code _IOW('f', 125, int)}: set/clear async I/O. */
    long FIOASYNC = 0x8004_667DL;
    /** {@code _IOW('f', 124, int)}: set owner (process or group receiving SIGIO/SIGURG). */
    long FIOSETOWN = 0x8004_667CL;
    /** {@code _IOR('f', 123, int)}: get owner. */
    long FIOGETOWN = 0x4004_667BL;
    /** {@code _IOR('f', 122, int)}: a device's type ({@code d_type}); not answered for sockets. */
    long FIODTYPE = 0x4004_667AL;
}
