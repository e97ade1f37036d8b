package dev.ksock;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * {@code struct sockaddr} in the BSD layout: {@code sa_len} (one byte, the length of the whole
 * address), {@code sa_family} (one byte), then the family's data. Every {@code SockAddr} owns
 * 128 bytes of native memory, the size of a {@code sockaddr_storage}, so it can receive any
 * address the KPI returns; it is freed by the garbage collector.
 *
 * <p>As in the kernel, {@code sa_len} is authoritative: functions that take a {@code SockAddr}
 * ({@code sock_bind}, {@code sock_connect}, ...) read {@code sa_len} bytes and check them the way
 * XNU does (a {@code sockaddr_in} must be 16 bytes, a {@code sockaddr_in6} 28, ...). Functions that
 * fill one write at most the length they are given, truncating as BSD does: the {@code sa_len}
 * byte, if written, still holds the full length.
 *
 * <p>{@link #segment()} is this address's own memory, not a copy. A {@code SockAddr} is mutable
 * through it and not safe for concurrent use; its accessors never throw, whatever bytes it holds.
 *
 * <p>Local addresses: the factory {@link #un} sets {@code sun_len} to {@code 2 + strlen(path) + 1},
 * counting the terminating NUL (BSD's {@code SUN_LEN} leaves it out; XNU takes the path up to
 * {@code sun_len} or the first NUL, so both work). That is also the length the socket layer
 * reports for a bound name, so a name read back with {@code sock_getsockname} equals the one bound.
 */
public final class SockAddr {

    /** {@code sizeof(struct sockaddr_storage)}. */
    private static final int STORAGE_SIZE = 128;

    private static final ValueLayout.OfShort NET_U16 =
            JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** {@code struct sockaddr_in} (netinet/in.h): 16 bytes. */
    private static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
            JAVA_BYTE.withName("sin_len"),
            JAVA_BYTE.withName("sin_family"),
            NET_U16.withName("sin_port"),
            MemoryLayout.sequenceLayout(4, JAVA_BYTE).withName("sin_addr"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sin_zero"));

    /** {@code struct sockaddr_in6} (netinet6/in6.h): 28 bytes; scope id in host order. */
    private static final StructLayout SOCKADDR_IN6 = MemoryLayout.structLayout(
            JAVA_BYTE.withName("sin6_len"),
            JAVA_BYTE.withName("sin6_family"),
            NET_U16.withName("sin6_port"),
            JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN).withName("sin6_flowinfo"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("sin6_addr"),
            JAVA_INT_UNALIGNED.withName("sin6_scope_id"));

    /** {@code struct sockaddr_un} (sys/un.h): 106 bytes, path not necessarily NUL-terminated. */
    private static final StructLayout SOCKADDR_UN = MemoryLayout.structLayout(
            JAVA_BYTE.withName("sun_len"),
            JAVA_BYTE.withName("sun_family"),
            MemoryLayout.sequenceLayout(SysUn.SIZEOF_SUN_PATH, JAVA_BYTE).withName("sun_path"));

    // Shared by every family: struct sockaddr starts with sa_len and sa_family.
    private static final long SA_LEN = 0;
    private static final long SA_FAMILY = 1;

    private static final long SIN_PORT = SOCKADDR_IN.byteOffset(groupElement("sin_port"));
    private static final long SIN_ADDR = SOCKADDR_IN.byteOffset(groupElement("sin_addr"));
    private static final long SIN6_PORT = SOCKADDR_IN6.byteOffset(groupElement("sin6_port"));
    private static final long SIN6_ADDR = SOCKADDR_IN6.byteOffset(groupElement("sin6_addr"));
    private static final long SIN6_SCOPE_ID = SOCKADDR_IN6.byteOffset(groupElement("sin6_scope_id"));
    private static final long SUN_PATH = SOCKADDR_UN.byteOffset(groupElement("sun_path"));

    /** Longest path {@link #un} stores: the storage minus header and NUL. */
    private static final int MAX_UN_PATH = STORAGE_SIZE - (int) SUN_PATH - 1;

    private final MemorySegment bytes;

    private SockAddr() {
        // Arena.ofAuto: native, zero-filled, freed when this SockAddr becomes unreachable.
        bytes = Arena.ofAuto().allocate(STORAGE_SIZE, 8);
    }

    // ---------------------------------------------------------------- factories

    /**
     * An IPv4 address: {@code sockaddr_in} with {@code sin_len} 16, {@code AF_INET}, the port in
     * network byte order and a zero {@code sin_zero}.
     *
     * @param ipv4 a dotted-quad literal such as {@code "127.0.0.1"}; host names are rejected, never
     *             looked up
     * @throws IllegalArgumentException if {@code ipv4} is not a dotted quad or {@code port} is not
     *                                  in 0..65535
     */
    public static SockAddr in(String ipv4, int port) {
        Objects.requireNonNull(ipv4, "ipv4");
        checkPort(port);
        byte[] addr = Literals.parseIPv4(ipv4);
        if (addr == null) {
            throw new IllegalArgumentException("not an IPv4 literal (names are not resolved): " + ipv4);
        }
        SockAddr sa = new SockAddr();
        sa.setHeader((int) SOCKADDR_IN.byteSize(), SysSocket.AF_INET);
        sa.bytes.set(NET_U16, SIN_PORT, (short) port);
        MemorySegment.copy(addr, 0, sa.bytes, JAVA_BYTE, SIN_ADDR, addr.length);
        return sa;
    }

    /**
     * An IPv6 address: {@code sockaddr_in6} with {@code sin6_len} 28, {@code AF_INET6} (30), the
     * port in network byte order, flow info 0 and the scope id, if any.
     *
     * @param ipv6 a literal such as {@code "::1"}, {@code "[::1]"}, {@code "::ffff:10.0.0.1"} or
     *             {@code "fe80::1%2"} (numeric scope id only); host and interface names are
     *             rejected, never looked up
     * @throws IllegalArgumentException if {@code ipv6} is not such a literal or {@code port} is not
     *                                  in 0..65535
     */
    public static SockAddr in6(String ipv6, int port) {
        Objects.requireNonNull(ipv6, "ipv6");
        checkPort(port);
        String literal = ipv6;
        if (literal.length() >= 2 && literal.charAt(0) == '[' && literal.charAt(literal.length() - 1) == ']') {
            literal = literal.substring(1, literal.length() - 1);
        }
        long scope = 0;
        int percent = literal.indexOf('%');
        if (percent >= 0) {
            scope = Literals.parseScopeId(literal.substring(percent + 1));
            if (scope < 0) {
                throw new IllegalArgumentException(
                        "scope id must be a number (interface names are not looked up): " + ipv6);
            }
            literal = literal.substring(0, percent);
        }
        byte[] addr = Literals.parseIPv6(literal);
        if (addr == null) {
            throw new IllegalArgumentException("not an IPv6 literal (names are not resolved): " + ipv6);
        }
        SockAddr sa = new SockAddr();
        sa.setHeader((int) SOCKADDR_IN6.byteSize(), SysSocket.AF_INET6);
        sa.bytes.set(NET_U16, SIN6_PORT, (short) port);
        MemorySegment.copy(addr, 0, sa.bytes, JAVA_BYTE, SIN6_ADDR, addr.length);
        sa.bytes.set(JAVA_INT_UNALIGNED, SIN6_SCOPE_ID, (int) scope);
        return sa;
    }

    /**
     * A local (unix-domain) address: {@code sockaddr_un} with {@code AF_UNIX}, the path in UTF-8
     * and its NUL; {@code sun_len = 2 + bytes + 1}.
     *
     * <p>The path is stored as given, even when it is longer than Darwin's {@code sun_path} (103
     * bytes and a NUL): XNU's {@code unp_bind}/{@code unp_connect} accept such an address when
     * {@code sun_len} covers it, so the KPI decides, not this factory. On the Linux host, paths of
     * up to 108 bytes work; longer ones make {@code sock_bind}/{@code sock_connect} return
     * {@code ENAMETOOLONG}. Only a path that cannot be represented at all is refused here.
     *
     * @throws IllegalArgumentException if the path contains a NUL character or needs more than
     *                                  125 bytes (the 128-byte storage holds header, path and NUL)
     */
    public static SockAddr un(String path) {
        Objects.requireNonNull(path, "path");
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        if (path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a local socket path cannot contain NUL");
        }
        if (p.length > MAX_UN_PATH) {
            throw new IllegalArgumentException("local socket path of " + p.length
                    + " bytes does not fit a sockaddr_storage (at most " + MAX_UN_PATH + ")");
        }
        SockAddr sa = new SockAddr();
        sa.setHeader((int) SUN_PATH + p.length + 1, SysSocket.AF_UNIX);
        MemorySegment.copy(p, 0, sa.bytes, JAVA_BYTE, SUN_PATH, p.length);
        return sa;
    }

    /** An empty address (all 128 bytes zero, {@code sa_len} 0, {@code AF_UNSPEC}), to be filled by the KPI. */
    public static SockAddr storage() {
        return new SockAddr();
    }

    /**
     * A new address holding a copy of {@code bsdBytes} (BSD layout), whatever they contain; the
     * remaining bytes of the storage are zero. {@code sa_len} is taken from the bytes, not from the
     * segment's size.
     *
     * @throws IllegalArgumentException if {@code bsdBytes} is longer than 128 bytes
     */
    public static SockAddr of(MemorySegment bsdBytes) {
        Objects.requireNonNull(bsdBytes, "bsdBytes");
        if (bsdBytes.byteSize() > STORAGE_SIZE) {
            throw new IllegalArgumentException("a sockaddr holds at most " + STORAGE_SIZE
                    + " bytes, got " + bsdBytes.byteSize());
        }
        SockAddr sa = new SockAddr();
        MemorySegment.copy(bsdBytes, 0, sa.bytes, 0, bsdBytes.byteSize());
        return sa;
    }

    // ---------------------------------------------------------------- accessors

    /** {@code sa_len}: the length the address claims, 0..255 (may exceed the 128-byte storage). */
    public int sa_len() {
        return Byte.toUnsignedInt(bytes.get(JAVA_BYTE, SA_LEN));
    }

    /** {@code sa_family}, a Darwin {@code AF_*} value, 0..255. */
    public int sa_family() {
        return Byte.toUnsignedInt(bytes.get(JAVA_BYTE, SA_FAMILY));
    }

    /** The port in host order for {@code AF_INET}/{@code AF_INET6}; 0 for other families. */
    public int port() {
        return switch (sa_family()) {
            case SysSocket.AF_INET -> Short.toUnsignedInt(bytes.get(NET_U16, SIN_PORT));
            case SysSocket.AF_INET6 -> Short.toUnsignedInt(bytes.get(NET_U16, SIN6_PORT));
            default -> 0;
        };
    }

    /**
     * The IP address for {@code AF_INET}/{@code AF_INET6} (an IPv4-mapped IPv6 address stays an
     * {@code Inet6Address}; a non-zero scope id is kept), or null for other families. No name is
     * looked up.
     */
    public InetAddress address() {
        try {
            return switch (sa_family()) {
                case SysSocket.AF_INET -> InetAddress.getByAddress(inetBytes());
                case SysSocket.AF_INET6 -> {
                    int scope = scopeId();
                    // Inet6Address treats a negative scope as "none"; an unsigned id above
                    // Integer.MAX_VALUE cannot be represented there, so it is dropped too.
                    yield Inet6Address.getByAddress(null, inet6Bytes(), scope > 0 ? scope : -1);
                }
                default -> null;
            };
        } catch (UnknownHostException impossible) {
            return null; // only thrown for a wrong array length, which cannot happen here
        }
    }

    /**
     * The path of an {@code AF_UNIX} address: the bytes of {@code sun_path} up to {@code sa_len}
     * or the first NUL, decoded as UTF-8 (malformed bytes become U+FFFD); null for other families.
     */
    public String path() {
        if (sa_family() != SysSocket.AF_UNIX) {
            return null;
        }
        int end = Math.min(sa_len(), STORAGE_SIZE);
        int start = (int) SUN_PATH;
        int n = 0;
        while (start + n < end && bytes.get(JAVA_BYTE, start + n) != 0) {
            n++;
        }
        byte[] p = new byte[n];
        MemorySegment.copy(bytes, JAVA_BYTE, start, p, 0, n);
        return new String(p, StandardCharsets.UTF_8);
    }

    /** This address's own 128 bytes (BSD layout), not a copy: writes through it change the address. */
    public MemorySegment segment() {
        return bytes;
    }

    /**
     * {@code 127.0.0.1:8080}, {@code [::1]:8080}, {@code [fe80::1%2]:8080} (RFC 5952 text),
     * {@code unix:/var/run/app.sock}, {@code AF_UNSPEC}, or {@code family 99 len 5} for a family
     * this class does not decode. An inet address whose {@code sa_len} is not its family's size
     * says so: {@code 127.0.0.1:80 (sa_len 7)}.
     */
    @Override
    public String toString() {
        int family = sa_family();
        int len = sa_len();
        return switch (family) {
            case SysSocket.AF_INET -> Literals.formatIPv4(inetBytes()) + ":" + port()
                    + lengthNote(len, SOCKADDR_IN.byteSize());
            case SysSocket.AF_INET6 -> {
                int scope = scopeId();
                yield "[" + Literals.formatIPv6(inet6Bytes())
                        + (scope != 0 ? "%" + Integer.toUnsignedString(scope) : "")
                        + "]:" + port() + lengthNote(len, SOCKADDR_IN6.byteSize());
            }
            case SysSocket.AF_UNIX -> "unix:" + path();
            case SysSocket.AF_UNSPEC -> len == 0 ? "AF_UNSPEC" : "AF_UNSPEC len " + len;
            default -> "family " + family + " len " + len;
        };
    }

    /** Equal when the first {@code sa_len} bytes (at least {@code sa_len} and {@code sa_family}) are. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SockAddr other)) {
            return false;
        }
        long n = comparedLength();
        return n == other.comparedLength()
                && MemorySegment.mismatch(bytes, 0, n, other.bytes, 0, n) == -1;
    }

    /** Over the same bytes as {@link #equals}; changes when the address is changed. */
    @Override
    public int hashCode() {
        long n = comparedLength();
        int h = 1;
        for (long i = 0; i < n; i++) {
            h = 31 * h + bytes.get(JAVA_BYTE, i);
        }
        return h;
    }

    // ---------------------------------------------------------------- internals

    private long comparedLength() {
        return Math.max(SA_FAMILY + 1, Math.min(sa_len(), STORAGE_SIZE));
    }

    private void setHeader(int saLen, int family) {
        bytes.set(JAVA_BYTE, SA_LEN, (byte) saLen);
        bytes.set(JAVA_BYTE, SA_FAMILY, (byte) family);
    }

    private byte[] inetBytes() {
        byte[] a = new byte[4];
        MemorySegment.copy(bytes, JAVA_BYTE, SIN_ADDR, a, 0, a.length);
        return a;
    }

    private byte[] inet6Bytes() {
        byte[] a = new byte[16];
        MemorySegment.copy(bytes, JAVA_BYTE, SIN6_ADDR, a, 0, a.length);
        return a;
    }

    private int scopeId() {
        return bytes.get(JAVA_INT_UNALIGNED, SIN6_SCOPE_ID);
    }

    private static String lengthNote(int saLen, long expected) {
        return saLen == expected ? "" : " (sa_len " + saLen + ")";
    }

    private static void checkPort(int port) {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("port out of range 0..65535: " + port);
        }
    }

    /**
     * Numeric IP literals, parsed and printed without the resolver: {@code InetAddress} would turn
     * a mistyped literal into a DNS query and an IPv4-mapped IPv6 literal into an IPv4 address.
     */
    private static final class Literals {
        private Literals() {
        }

        /** Strict dotted quad (as {@code inet_pton}): four decimal parts 0..255, no leading zeros. */
        static byte[] parseIPv4(String s) {
            byte[] out = new byte[4];
            int part = 0;
            int i = 0;
            int n = s.length();
            while (part < 4) {
                int start = i;
                int value = 0;
                while (i < n && i - start < 3 && isDigit(s.charAt(i))) {
                    value = value * 10 + (s.charAt(i) - '0');
                    i++;
                }
                int digits = i - start;
                if (digits == 0 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
                    return null;
                }
                out[part++] = (byte) value;
                if (part < 4) {
                    if (i >= n || s.charAt(i) != '.') {
                        return null;
                    }
                    i++;
                }
            }
            return i == n ? out : null;
        }

        /** RFC 4291 section 2.2 text forms: eight groups, one {@code ::}, an optional dotted-quad tail. */
        static byte[] parseIPv6(String s) {
            int gap = s.indexOf("::");
            if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
                return null;
            }
            int[] head = new int[8];
            int[] tail = new int[8];
            int nHead;
            int nTail = 0;
            if (gap < 0) {
                nHead = parseGroups(s, head, true);
                if (nHead != 8) {
                    return null;
                }
            } else {
                String left = s.substring(0, gap);
                String right = s.substring(gap + 2);
                nHead = left.isEmpty() ? 0 : parseGroups(left, head, false);
                nTail = right.isEmpty() ? 0 : parseGroups(right, tail, true);
                // "::" stands for at least one zero group.
                if (nHead < 0 || nTail < 0 || nHead + nTail > 7) {
                    return null;
                }
            }
            byte[] out = new byte[16];
            for (int g = 0; g < nHead; g++) {
                putGroup(out, g, head[g]);
            }
            for (int g = 0; g < nTail; g++) {
                putGroup(out, 8 - nTail + g, tail[g]);
            }
            return out;
        }

        /** Colon-separated hex groups into {@code groups}; returns their number, -1 if malformed. */
        private static int parseGroups(String s, int[] groups, boolean ipv4TailAllowed) {
            String[] parts = s.split(":", -1);
            int count = 0;
            for (int p = 0; p < parts.length; p++) {
                String part = parts[p];
                boolean last = p == parts.length - 1;
                if (last && ipv4TailAllowed && part.indexOf('.') >= 0) {
                    byte[] v4 = parseIPv4(part);
                    if (v4 == null || count + 2 > groups.length) {
                        return -1;
                    }
                    groups[count++] = (v4[0] & 0xff) << 8 | (v4[1] & 0xff);
                    groups[count++] = (v4[2] & 0xff) << 8 | (v4[3] & 0xff);
                    continue;
                }
                if (part.isEmpty() || part.length() > 4 || count == groups.length) {
                    return -1;
                }
                int value = 0;
                for (int i = 0; i < part.length(); i++) {
                    int d = Character.digit(part.charAt(i), 16);
                    if (d < 0 || part.charAt(i) > 'f') { // Character.digit accepts non-ASCII digits
                        return -1;
                    }
                    value = value << 4 | d;
                }
                groups[count++] = value;
            }
            return count;
        }

        /** A decimal scope id 0..2^32-1; -1 when malformed. */
        static long parseScopeId(String s) {
            if (s.isEmpty() || s.length() > 10) {
                return -1;
            }
            long v = 0;
            for (int i = 0; i < s.length(); i++) {
                if (!isDigit(s.charAt(i))) {
                    return -1;
                }
                v = v * 10 + (s.charAt(i) - '0');
            }
            return v > 0xffff_ffffL ? -1 : v;
        }

        static String formatIPv4(byte[] a) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }

        /** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
        static String formatIPv6(byte[] a) {
            int[] g = new int[8];
            for (int i = 0; i < 8; i++) {
                g[i] = (a[2 * i] & 0xff) << 8 | (a[2 * i + 1] & 0xff);
            }
            boolean v4Mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff;
            int groups = v4Mapped ? 6 : 8; // RFC 5952 section 5: mapped addresses end in a dotted quad
            int bestStart = -1;
            int bestLen = 1;
            for (int i = 0; i < groups; ) {
                if (g[i] != 0) {
                    i++;
                    continue;
                }
                int j = i;
                while (j < groups && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            }
            StringBuilder sb = new StringBuilder(46);
            for (int i = 0; i < groups; i++) {
                if (i == bestStart) {
                    sb.append("::");
                    i += bestLen - 1;
                    continue;
                }
                if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                    sb.append(':');
                }
                sb.append(Integer.toHexString(g[i]));
            }
            if (v4Mapped) {
                if (sb.charAt(sb.length() - 1) != ':') {
                    sb.append(':');
                }
                sb.append(a[12] & 0xff).append('.').append(a[13] & 0xff).append('.')
                        .append(a[14] & 0xff).append('.').append(a[15] & 0xff);
            }
            return sb.toString();
        }

        private static void putGroup(byte[] out, int index, int value) {
            out[2 * index] = (byte) (value >>> 8);
            out[2 * index + 1] = (byte) value;
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }
    }
}
