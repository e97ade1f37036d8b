package dev.ksock.internal.host.linux;

import static dev.ksock.SysErrno.EAFNOSUPPORT;
import static dev.ksock.SysErrno.EINVAL;
import static dev.ksock.SysErrno.ENAMETOOLONG;
import static dev.ksock.SysErrno.ENOENT;
import static dev.ksock.SysSocket.AF_INET;
import static dev.ksock.SysSocket.AF_INET6;
import static dev.ksock.SysSocket.AF_UNIX;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import dev.ksock.SockAddr;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Darwin (BSD-layout) sockaddr ⇄ Linux x86_64 sockaddr.
 *
 * <p>The two layouts differ only in their first two bytes: BSD has {@code sa_len} (u8) and
 * {@code sa_family} (u8), Linux a little-endian u16 {@code sa_family}. After them,
 * {@code sockaddr_in} (port, address, zero), {@code sockaddr_in6} (port, flow info, address,
 * scope id) and {@code sockaddr_un} (path) have the same bytes at the same offsets on both, so
 * translation rewrites the header and copies the rest. Nothing here allocates.
 *
 * <p>The rules, and where they come from:
 * <ul>
 * <li>{@code sa_len} is authoritative, as in XNU. An {@code AF_INET} address whose
 *     {@code sa_len} is not 16 is EINVAL ({@code in_pcbbind}, {@code in_pcbladdr}); an
 *     {@code AF_INET6} one whose {@code sa_len} is not 28 likewise ({@code in6_pcbbind},
 *     {@code in6_pcbladdr}). The socket layer checks the family against the socket's own.</li>
 * <li>{@code AF_UNIX}: XNU's {@code unp_bind}/{@code unp_connect} take {@code sun_len - 2} bytes of
 *     {@code sun_path} (EINVAL when that is ≤ 0), NUL-terminate them and hand them to
 *     {@code namei}, which stops at the first NUL and answers ENOENT for an empty path. XNU does
 *     <em>not</em> limit the path to {@code sizeof(sun_path)} (104): in the kernel a longer
 *     {@code sun_len} is honoured (up to {@code SOCK_MAXADDRLEN}). The Linux host holds at most
 *     108 path bytes, so a longer path is ENAMETOOLONG here, a host limit. Paths of 104 to 108
 *     bytes work, as they do in XNU's kernel.</li>
 * <li>An unnamed local socket is reported as XNU's {@code sun_noname}: {@code sa_len} 3,
 *     {@code AF_LOCAL}, one zero byte (xnu {@code uipc_usrreq.c}; older XNU used 16). A named
 *     one as {@code sa_len = 2 + strlen(path) + 1}, which is what {@link SockAddr#un} builds, so a
 *     name read back equals the one bound.</li>
 * <li>Writing into a {@code SockAddr} truncates as BSD does: {@code MIN(maxlen, sa_len)} bytes,
 *     the {@code sa_len} byte still holding the full length.</li>
 * </ul>
 */
public final class LinuxSockaddr {
    private LinuxSockaddr() {
    }

    /** Bytes a Linux sockaddr_storage needs. */
    public static final int STORAGE_SIZE = 128;

    /** Linux {@code sa_family_t}: u16 in host (little-endian) order at offset 0. */
    private static final ValueLayout.OfShort LINUX_SA_FAMILY = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final long LINUX_FAMILY_OFFSET = 0;

    // BSD header: sa_len then sa_family, one byte each.
    private static final long BSD_SA_LEN = 0;
    private static final long BSD_SA_FAMILY = 1;

    /** Where the family's data starts, on both hosts. */
    private static final int HEADER = 2;

    private static final int LINUX_AF_UNIX = 1;
    private static final int LINUX_AF_INET = 2;
    private static final int LINUX_AF_INET6 = 10;

    private static final int SIZEOF_SOCKADDR_IN = 16;
    private static final int SIZEOF_SOCKADDR_IN6 = 28;
    /** Linux {@code sizeof(((struct sockaddr_un *) 0)->sun_path)}; a full path needs no NUL there. */
    private static final int LINUX_SUN_PATH = 108;
    /** XNU {@code sun_noname}: header and one zero byte. */
    private static final int SUN_NONAME_LEN = 3;

    /**
     * Encodes {@code addr} (BSD layout; its sa_len is authoritative) into {@code dst} in Linux
     * layout. Returns the Linux address length, or a negated Darwin errno (EINVAL for a bad
     * sa_len, EAFNOSUPPORT for a family the host lacks, ...).
     */
    public static int toLinux(SockAddr addr, MemorySegment dst) {
        return addr == null ? -EINVAL : toLinux(addr, addr.sa_family(), dst);
    }

    /**
     * Like {@link #toLinux(SockAddr, MemorySegment)}, but encodes the address as
     * {@code darwinFamily} whatever its {@code sa_family} byte says. For the socket layer where XNU
     * looks past the family: {@code unp_bind}/{@code unp_connect} accept {@code AF_UNSPEC} as
     * {@code AF_UNIX}, and {@code in_pcbbind} does not check the family at all.
     *
     * @return the Linux length (16, 28, or 2 + path + NUL for a local address), or -EINVAL
     *         (bad sa_len, too small {@code dst}, null argument), -ENOENT (empty local path),
     *         -ENAMETOOLONG (local path over 108 bytes), -EAFNOSUPPORT (other families)
     */
    public static int toLinux(SockAddr addr, int darwinFamily, MemorySegment dst) {
        if (addr == null || dst == null) {
            return -EINVAL;
        }
        MemorySegment src = addr.segment();
        int saLen = addr.sa_len();
        return switch (darwinFamily) {
            case AF_INET -> saLen != SIZEOF_SOCKADDR_IN ? -EINVAL
                    : encode(src, LINUX_AF_INET, SIZEOF_SOCKADDR_IN - HEADER, false, dst);
            case AF_INET6 -> saLen != SIZEOF_SOCKADDR_IN6 ? -EINVAL
                    : encode(src, LINUX_AF_INET6, SIZEOF_SOCKADDR_IN6 - HEADER, false, dst);
            case AF_UNIX -> encodeLocal(src, saLen, dst);
            default -> -EAFNOSUPPORT;
        };
    }

    /**
     * Decodes a Linux sockaddr of {@code len} bytes into BSD layout, writing at most
     * {@code maxlen} bytes into {@code out} (BSD truncation; the sa_len byte, if written, still
     * holds the full length). Returns the full BSD length (sa_len), or a negated Darwin errno.
     *
     * <p>{@code len} 0 means "no address" (what Linux reports for a connected stream peer): the
     * result is 0 and nothing is written. {@code maxlen ≤ 0} or a null {@code out} writes nothing
     * but still returns the length. A Linux abstract local name (leading NUL), which Darwin lacks,
     * is passed through byte for byte with {@code sa_len = len}. Other families: -EAFNOSUPPORT;
     * fewer bytes than the family needs: -EINVAL.
     */
    public static int fromLinux(MemorySegment src, int len, SockAddr out, int maxlen) {
        if (src == null) {
            return -EINVAL;
        }
        if (len == 0) {
            return 0;
        }
        int avail = (int) Math.min(Math.max(len, 0), src.byteSize());
        if (avail < HEADER) {
            return -EINVAL;
        }
        int family = Short.toUnsignedInt(src.get(LINUX_SA_FAMILY, LINUX_FAMILY_OFFSET));
        return switch (family) {
            case LINUX_AF_INET -> avail < SIZEOF_SOCKADDR_IN ? -EINVAL
                    : write(src, AF_INET, SIZEOF_SOCKADDR_IN, SIZEOF_SOCKADDR_IN - HEADER, false, out, maxlen);
            case LINUX_AF_INET6 -> avail < SIZEOF_SOCKADDR_IN6 ? -EINVAL
                    : write(src, AF_INET6, SIZEOF_SOCKADDR_IN6, SIZEOF_SOCKADDR_IN6 - HEADER, false, out, maxlen);
            case LINUX_AF_UNIX -> decodeLocal(src, avail, out, maxlen);
            default -> -EAFNOSUPPORT;
        };
    }

    // ------------------------------------------------------------------ BSD → Linux

    private static int encodeLocal(MemorySegment src, int saLen, MemorySegment dst) {
        // unp_bind/unp_connect: namelen = sun_len - offsetof(sun_path); namelen <= 0 → EINVAL.
        if (saLen <= HEADER) {
            return -EINVAL;
        }
        // sun_path is not necessarily NUL-terminated: the name is the first namelen bytes, and
        // namei reads them as a C string. Bytes past our storage do not exist: stop there.
        int nameLen = (int) Math.min(saLen, src.byteSize()) - HEADER;
        int pathLen = nulIndex(src, HEADER, nameLen);
        if (pathLen == 0) {
            return -ENOENT; // namei: "Do not allow empty pathnames"
        }
        if (pathLen > LINUX_SUN_PATH) {
            return -ENAMETOOLONG; // host limit; XNU's own limit is SOCK_MAXADDRLEN
        }
        // A NUL keeps Linux from reading a shorter name as more bytes; a 108-byte path fills
        // Linux's sun_path exactly and is accepted without one.
        return encode(src, LINUX_AF_UNIX, pathLen, pathLen < LINUX_SUN_PATH, dst);
    }

    private static int encode(MemorySegment src, int linuxFamily, int bodyLen, boolean nul, MemorySegment dst) {
        int total = HEADER + bodyLen + (nul ? 1 : 0);
        if (dst.byteSize() < total) {
            return -EINVAL;
        }
        dst.set(LINUX_SA_FAMILY, LINUX_FAMILY_OFFSET, (short) linuxFamily);
        MemorySegment.copy(src, HEADER, dst, HEADER, bodyLen);
        if (nul) {
            dst.set(JAVA_BYTE, HEADER + bodyLen, (byte) 0);
        }
        return total;
    }

    // ------------------------------------------------------------------ Linux → BSD

    private static int decodeLocal(MemorySegment src, int avail, SockAddr out, int maxlen) {
        int nameLen = Math.min(avail - HEADER, LINUX_SUN_PATH);
        if (nameLen == 0) {
            // Unnamed (unbound) socket: Linux reports only the family; XNU reports sun_noname.
            return write(src, AF_UNIX, SUN_NONAME_LEN, 0, true, out, maxlen);
        }
        if (src.get(JAVA_BYTE, HEADER) == 0) {
            // Linux abstract name: every byte counts, NULs included.
            return write(src, AF_UNIX, HEADER + nameLen, nameLen, false, out, maxlen);
        }
        int pathLen = nulIndex(src, HEADER, nameLen);
        return write(src, AF_UNIX, HEADER + pathLen + 1, pathLen, true, out, maxlen);
    }

    /**
     * Writes the BSD address {@code [saLen, family, src[2 .. 2+bodyLen), NUL?]} into {@code out},
     * but no byte at or past {@code MIN(maxlen, saLen)}: the truncating copy of XNU's
     * {@code sock_getpeername}/{@code sock_accept}. Returns {@code saLen}.
     */
    private static int write(MemorySegment src, int family, int saLen, int bodyLen, boolean nul,
                             SockAddr out, int maxlen) {
        if (out == null || maxlen <= 0) {
            return saLen;
        }
        MemorySegment dst = out.segment();
        long limit = Math.min(Math.min(maxlen, saLen), dst.byteSize());
        dst.set(JAVA_BYTE, BSD_SA_LEN, (byte) saLen);
        if (limit > BSD_SA_FAMILY) {
            dst.set(JAVA_BYTE, BSD_SA_FAMILY, (byte) family);
        }
        long body = Math.min(limit - HEADER, bodyLen);
        if (body > 0) {
            MemorySegment.copy(src, HEADER, dst, HEADER, body);
        }
        if (nul && HEADER + bodyLen < limit) {
            dst.set(JAVA_BYTE, HEADER + bodyLen, (byte) 0);
        }
        return saLen;
    }

    /** Index (relative to {@code from}) of the first NUL in {@code seg[from, from+n)}, or n. */
    private static int nulIndex(MemorySegment seg, int from, int n) {
        for (int i = 0; i < n; i++) {
            if (seg.get(JAVA_BYTE, from + i) == 0) {
                return i;
            }
        }
        return n;
    }
}
