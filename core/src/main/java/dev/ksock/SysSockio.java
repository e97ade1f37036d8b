package dev.ksock;

/**
 * {@code <sys/sockio.h>}: the socket ioctls of group {@code 's'}, as Darwin (XNU) request
 * numbers ({@code <sys/ioccom.h>} encoding, see {@link SysFilio}). The historic water-mark
 * ioctls ({@code SIOC[SG]HIWAT}, {@code SIOC[SG]LOWAT}) are defined but XNU's {@code soioctl}
 * does not handle them: they reach the protocol and fail (ENXIO, or EOPNOTSUPP on a local
 * socket); use {@code SO_SNDBUF}/{@code SO_RCVBUF} and {@code SO_SNDLOWAT}/{@code SO_RCVLOWAT}.
 */
public interface SysSockio {
    /** {@code _IOW('s', 0, int)}: set high water mark. */
    long SIOCSHIWAT = 0x8004_7300L;
    /** {@code _IOR('s', 1, int)}: get high water mark. */
    long SIOCGHIWAT = 0x4004_7301L;
    /** {@code _IOW('s', 2, int)}: set low water mark. */
    long SIOCSLOWAT = 0x8004_7302L;
    /** {@code _IOR('s', 3, int)}: get low water mark. */
    long SIOCGLOWAT = 0x4004_7303L;
    /** {@code _IOR('s', 7, int)}: at out-of-band mark? */
    long SIOCATMARK = 0x4004_7307L;
    /** {@code _IOW('s', 8, int)}: set process group. */
    long SIOCSPGRP = 0x8004_7308L;
    /** {@code _IOR('s', 9, int)}: get process group. */
    long SIOCGPGRP = 0x4004_7309L;
}
