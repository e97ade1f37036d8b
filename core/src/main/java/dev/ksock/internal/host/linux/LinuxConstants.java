package dev.ksock.internal.host.linux;

import static dev.ksock.Darwin.*;

import java.util.Arrays;

/**
 * Darwin ⇄ Linux x86_64 values for address families, socket types, {@code MSG_*} flags, option
 * levels and names, and ioctl requests. One table per concern, each row a Darwin constant and
 * its Linux value (from the host's glibc/uapi headers, see {@code DARWIN-CONSTANTS.md}); the
 * tables are built once into arrays, and every lookup is allocation-free.
 *
 * <p>A Darwin value with no row has no <em>direct</em> Linux counterpart: the lookup answers -1
 * and the socket layer emulates it (e.g. {@code SO_NREAD}, {@code SO_NOSIGPIPE},
 * {@code TCP_CONNECTIONTIMEOUT}, {@code FIODTYPE}) or returns the errno XNU gives for an unknown
 * request.
 */
public final class LinuxConstants {
    private LinuxConstants() {
    }

    // ------------------------------------------------------------------ tables

    /** Address families. AF_ROUTE (BSD routing socket vs netlink) differs in meaning: no row. */
    static final int[][] FAMILIES = {
        // Darwin      Linux
        {AF_UNSPEC,    0},
        {AF_UNIX,      1},
        {AF_INET,      2},
        {AF_INET6,     10},
        {AF_VSOCK,     40},
    };

    static final int[][] TYPES = {
        {SOCK_STREAM,    1},
        {SOCK_DGRAM,     2},
        {SOCK_RAW,       3},
        {SOCK_RDM,       4},
        {SOCK_SEQPACKET, 5},
    };

    /**
     * MSG_* bits. Darwin-only bits (MSG_EOF, MSG_HAVEMORE, MSG_USEUPCALL, ...) have no row and
     * are dropped on the way to Linux: several share a number with an unrelated Linux flag.
     */
    static final int[][] MSG_FLAGS = {
        {MSG_OOB,       0x01},
        {MSG_PEEK,      0x02},
        {MSG_DONTROUTE, 0x04},
        {MSG_EOR,       0x80},
        {MSG_TRUNC,     0x20},
        {MSG_CTRUNC,    0x08},
        {MSG_WAITALL,   0x100},
        {MSG_DONTWAIT,  0x40},
        {MSG_NOSIGNAL,  0x4000},
    };

    private static final int LINUX_SOL_SOCKET = 1;
    private static final int LINUX_IPPROTO_IP = 0;
    private static final int LINUX_IPPROTO_TCP = 6;
    private static final int LINUX_IPPROTO_IPV6 = 41;

    /**
     * Option levels. Protocol numbers are IANA's on both hosts, but SOL_SOCKET is 0xffff on Darwin
     * and 1 on Linux, where 1 is also Darwin's IPPROTO_ICMP: ICMP has no row so that it can never
     * reach Linux as SOL_SOCKET. SOL_LOCAL (0) is IPPROTO_IP here: the layer handles it for
     * AF_UNIX sockets before asking.
     */
    static final int[][] LEVELS = {
        {SOL_SOCKET,     LINUX_SOL_SOCKET},
        {IPPROTO_IP,     LINUX_IPPROTO_IP},
        {IPPROTO_TCP,    LINUX_IPPROTO_TCP},
        {IPPROTO_UDP,    17},
        {IPPROTO_IPV6,   LINUX_IPPROTO_IPV6},
        {IPPROTO_ICMPV6, 58},
        {IPPROTO_RAW,    255},
    };

    /**
     * Options at SOL_SOCKET with a direct Linux counterpart. The layer still converts values where
     * the units differ: SO_LINGER's l_linger is in ticks on Darwin (SO_LINGER_SEC in seconds),
     * Linux doubles SO_SNDBUF/SO_RCVBUF, Linux refuses to set SO_SNDLOWAT, and SO_REUSEPORT
     * load-balances on Linux.
     */
    static final int[][] SOL_SOCKET_OPTIONS = {
        {SO_DEBUG,      1},
        {SO_REUSEADDR,  2},
        {SO_TYPE,       3},
        {SO_ERROR,      4},
        {SO_DONTROUTE,  5},
        {SO_BROADCAST,  6},
        {SO_SNDBUF,     7},
        {SO_RCVBUF,     8},
        {SO_KEEPALIVE,  9},
        {SO_OOBINLINE,  10},
        {SO_LINGER_SEC, 13},
        {SO_LINGER,     13},
        {SO_REUSEPORT,  15},
        {SO_RCVLOWAT,   18},
        {SO_SNDLOWAT,   19},
        {SO_RCVTIMEO,   20}, // SO_RCVTIMEO_OLD: struct timeval, 16 bytes on both
        {SO_SNDTIMEO,   21}, // SO_SNDTIMEO_OLD
        {SO_TIMESTAMP,  29}, // SO_TIMESTAMP_OLD
        {SO_ACCEPTCONN, 30},
    };

    /** Options at IPPROTO_IP. IP_RECVDSTADDR and IP_RECVIF are emulated through IP_PKTINFO. */
    static final int[][] IP_OPTIONS_TABLE = {
        {IP_TOS,             1},
        {IP_TTL,             2},
        {IP_HDRINCL,         3},
        {IP_OPTIONS,         4},
        {IP_RECVOPTS,        6},
        {IP_RETOPTS,         7},
        {IP_RECVRETOPTS,     7}, // Linux IP_RECVRETOPTS == IP_RETOPTS
        {IP_PKTINFO,         8},
        {IP_RECVTTL,         12},
        {IP_RECVTOS,         13},
        {IP_MULTICAST_IF,    32},
        {IP_MULTICAST_TTL,   33},
        {IP_MULTICAST_LOOP,  34},
        {IP_ADD_MEMBERSHIP,  35},
        {IP_DROP_MEMBERSHIP, 36},
    };

    /** Options at IPPROTO_IPV6. */
    static final int[][] IPV6_OPTIONS = {
        {IPV6_2292PKTINFO,     2},
        {IPV6_CHECKSUM,        7},
        {IPV6_UNICAST_HOPS,    16},
        {IPV6_MULTICAST_IF,    17},
        {IPV6_MULTICAST_HOPS,  18},
        {IPV6_MULTICAST_LOOP,  19},
        {IPV6_JOIN_GROUP,      20}, // IPV6_ADD_MEMBERSHIP
        {IPV6_LEAVE_GROUP,     21}, // IPV6_DROP_MEMBERSHIP
        {IPV6_V6ONLY,          26},
        {IPV6_RECVPKTINFO,     49},
        {IPV6_PKTINFO,         50},
        {IPV6_RECVHOPLIMIT,    51},
        {IPV6_DONTFRAG,        62},
        {IPV6_RECVTCLASS,      66},
        {IPV6_TCLASS,          67},
    };

    /**
     * Options at IPPROTO_TCP. TCP_NOPUSH (≈ TCP_CORK), TCP_CONNECTIONTIMEOUT and
     * TCP_RXT_CONNDROPTIME (≈ TCP_USER_TIMEOUT, in ms) behave differently and are emulated.
     */
    static final int[][] TCP_OPTIONS = {
        {TCP_NODELAY,       1},
        {TCP_MAXSEG,        2},
        {TCP_KEEPALIVE,     4}, // TCP_KEEPIDLE, seconds on both
        {TCP_KEEPINTVL,     5},
        {TCP_KEEPCNT,       6},
        {TCP_FASTOPEN,      23},
        {TCP_NOTSENT_LOWAT, 25},
    };

    /**
     * ioctl requests (the 32-bit encodings). FIODTYPE and the SIOC[SG](HI|LO)WAT water marks have
     * no Linux request; SIOCSPGRP/SIOCGPGRP are Linux's FIOSETOWN/FIOGETOWN under other numbers.
     * The pairs say which requests correspond; {@code sock_ioctl} itself asks the host only for
     * FIONREAD and (TCP) SIOCATMARK, and answers or refuses the rest as XNU's soioctl does.
     */
    static final int[][] IOCTLS = {
        {(int) FIONREAD,   0x541B},
        {(int) FIONBIO,    0x5421},
        {(int) FIOASYNC,   0x5452},
        {(int) FIOCLEX,    0x5451},
        {(int) FIONCLEX,   0x5450},
        {(int) FIOSETOWN,  0x8901},
        {(int) SIOCSPGRP,  0x8902},
        {(int) FIOGETOWN,  0x8903},
        {(int) SIOCGPGRP,  0x8904},
        {(int) SIOCATMARK, 0x8905},
    };

    private static final Table FAMILY_TO_LINUX = Table.darwinToLinux(FAMILIES);
    private static final Table FAMILY_TO_DARWIN = Table.linuxToDarwin(FAMILIES);
    private static final Table TYPE_TO_LINUX = Table.darwinToLinux(TYPES);
    private static final Table TYPE_TO_DARWIN = Table.linuxToDarwin(TYPES);
    private static final Table LEVEL_TO_LINUX = Table.darwinToLinux(LEVELS);
    private static final Table LEVEL_TO_DARWIN = Table.linuxToDarwin(LEVELS);
    private static final Table SOL_SOCKET_TO_LINUX = Table.darwinToLinux(SOL_SOCKET_OPTIONS);
    private static final Table IP_TO_LINUX = Table.darwinToLinux(IP_OPTIONS_TABLE);
    private static final Table IPV6_TO_LINUX = Table.darwinToLinux(IPV6_OPTIONS);
    private static final Table TCP_TO_LINUX = Table.darwinToLinux(TCP_OPTIONS);
    private static final Table IOCTL_TO_LINUX = Table.darwinToLinux(IOCTLS);
    private static final Table IOCTL_TO_DARWIN = Table.linuxToDarwin(IOCTLS);

    /** Per bit number (0..31): the Linux bits for that Darwin bit, and the reverse. */
    private static final int[] MSG_BIT_TO_LINUX = bitTable(MSG_FLAGS, 0, 1);
    private static final int[] MSG_BIT_TO_DARWIN = bitTable(MSG_FLAGS, 1, 0);

    // ------------------------------------------------------------------ lookups

    /** Linux address family for a Darwin one, -1 if the host has none. */
    public static int familyToLinux(int darwinFamily) {
        return FAMILY_TO_LINUX.get(darwinFamily);
    }

    /** Darwin address family for a Linux one, -1 if none. */
    public static int familyToDarwin(int linuxFamily) {
        return FAMILY_TO_DARWIN.get(linuxFamily);
    }

    /** Linux socket type for a Darwin one, -1 if none. */
    public static int typeToLinux(int darwinType) {
        return TYPE_TO_LINUX.get(darwinType);
    }

    /** Darwin socket type for a Linux one (without SOCK_NONBLOCK/SOCK_CLOEXEC), -1 if none. */
    public static int typeToDarwin(int linuxType) {
        return TYPE_TO_DARWIN.get(linuxType);
    }

    /** Darwin MSG_* bits translated to Linux; bits with no Linux counterpart are dropped. */
    public static int msgFlagsToLinux(int darwinFlags) {
        return translateBits(darwinFlags, MSG_BIT_TO_LINUX);
    }

    /** Linux MSG_* bits (as returned in msg_flags) translated to Darwin; Linux-only bits are dropped. */
    public static int msgFlagsFromLinux(int linuxFlags) {
        return translateBits(linuxFlags, MSG_BIT_TO_DARWIN);
    }

    /**
     * The Linux option level for a Darwin one (SOL_SOCKET 0xffff → 1, protocol numbers as they
     * are), -1 if the level cannot be passed to Linux.
     */
    public static int levelToLinux(int darwinLevel) {
        return LEVEL_TO_LINUX.get(darwinLevel);
    }

    /** The Darwin option level (or control-message level) for a Linux one, -1 if none. */
    public static int levelToDarwin(int linuxLevel) {
        return LEVEL_TO_DARWIN.get(linuxLevel);
    }

    /**
     * The host option for a Darwin (level, name) pair that Linux has a direct counterpart for:
     * {@code ((long) linuxLevel << 32) | linuxName}, or -1 when there is none. Level 0 means
     * IPPROTO_IP: SOL_LOCAL options must be handled before calling this.
     */
    public static long sockoptToLinux(int darwinLevel, int darwinName) {
        Table names;
        int linuxLevel;
        switch (darwinLevel) {
            case SOL_SOCKET -> { names = SOL_SOCKET_TO_LINUX; linuxLevel = LINUX_SOL_SOCKET; }
            case IPPROTO_IP -> { names = IP_TO_LINUX; linuxLevel = LINUX_IPPROTO_IP; }
            case IPPROTO_IPV6 -> { names = IPV6_TO_LINUX; linuxLevel = LINUX_IPPROTO_IPV6; }
            case IPPROTO_TCP -> { names = TCP_TO_LINUX; linuxLevel = LINUX_IPPROTO_TCP; }
            default -> { return -1; }
        }
        int linuxName = names.get(darwinName);
        return linuxName < 0 ? -1 : (long) linuxLevel << 32 | linuxName;
    }

    /** The Linux level of a {@link #sockoptToLinux} result. */
    public static int sockoptLevel(long linuxOption) {
        return (int) (linuxOption >>> 32);
    }

    /** The Linux option name of a {@link #sockoptToLinux} result. */
    public static int sockoptName(long linuxOption) {
        return (int) linuxOption;
    }

    /**
     * The Linux ioctl request for a Darwin one, -1 if none. Darwin requests are 32-bit encodings;
     * a request that Java sign-extended ({@code long r = 0x8004667E;} is negative) is accepted as
     * the same request, anything else above 32 bits is unknown.
     */
    public static long ioctlToLinux(long darwinRequest) {
        if (darwinRequest != (int) darwinRequest && darwinRequest >>> 32 != 0) {
            return -1;
        }
        return IOCTL_TO_LINUX.get((int) darwinRequest);
    }

    /** The Darwin ioctl request (unsigned 32-bit value) for a Linux one, -1 if none. */
    public static long ioctlToDarwin(long linuxRequest) {
        if (linuxRequest < 0 || linuxRequest > Integer.MAX_VALUE) {
            return -1;
        }
        int darwin = IOCTL_TO_DARWIN.get((int) linuxRequest);
        return darwin == -1 ? -1 : Integer.toUnsignedLong(darwin);
    }

    // ------------------------------------------------------------------ machinery

    private static int translateBits(int flags, int[] perBit) {
        int out = 0;
        for (int rest = flags; rest != 0; rest &= rest - 1) {
            out |= perBit[Integer.numberOfTrailingZeros(rest)];
        }
        return out;
    }

    private static int[] bitTable(int[][] rows, int from, int to) {
        int[] perBit = new int[32];
        for (int[] row : rows) {
            perBit[Integer.numberOfTrailingZeros(row[from])] = row[to];
        }
        return perBit;
    }

    /**
     * An int → int map built once from table rows, looked up without allocation: a direct array
     * when the keys are small non-negative numbers, a sorted array and binary search otherwise.
     * Where several rows share a key (SO_LINGER and SO_LINGER_SEC are both Linux SO_LINGER), the
     * first row wins, so each table lists the preferred row first.
     */
    static final class Table {
        private static final int MISSING = -1;
        private static final int DENSE_LIMIT = 1024;

        private final int[] dense;   // value by key, or null
        private final int[] keys;    // sorted, when not dense
        private final int[] values;

        private Table(int[] dense, int[] keys, int[] values) {
            this.dense = dense;
            this.keys = keys;
            this.values = values;
        }

        static Table darwinToLinux(int[][] rows) {
            return build(rows, 0, 1);
        }

        static Table linuxToDarwin(int[][] rows) {
            return build(rows, 1, 0);
        }

        private static Table build(int[][] rows, int keyColumn, int valueColumn) {
            int[] keys = new int[rows.length];
            int[] values = new int[rows.length];
            int n = 0;
            next:
            for (int[] row : rows) {
                for (int i = 0; i < n; i++) {
                    if (keys[i] == row[keyColumn]) {
                        continue next; // an earlier row already gave this key its value
                    }
                }
                // Insertion into sorted position: the tables have a few dozen rows at most.
                int at = n++;
                while (at > 0 && keys[at - 1] > row[keyColumn]) {
                    keys[at] = keys[at - 1];
                    values[at] = values[at - 1];
                    at--;
                }
                keys[at] = row[keyColumn];
                values[at] = row[valueColumn];
            }
            keys = Arrays.copyOf(keys, n);
            values = Arrays.copyOf(values, n);
            if (n > 0 && keys[0] >= 0 && keys[n - 1] < DENSE_LIMIT) {
                int[] dense = new int[keys[n - 1] + 1];
                Arrays.fill(dense, MISSING);
                for (int i = 0; i < n; i++) {
                    dense[keys[i]] = values[i];
                }
                return new Table(dense, null, null);
            }
            return new Table(null, keys, values);
        }

        /** The value for {@code key}, -1 if the table has no row for it. */
        int get(int key) {
            if (dense != null) {
                return key >= 0 && key < dense.length ? dense[key] : MISSING;
            }
            int i = Arrays.binarySearch(keys, key);
            return i >= 0 ? values[i] : MISSING;
        }
    }
}
