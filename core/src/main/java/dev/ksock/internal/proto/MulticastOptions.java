package dev.ksock.internal.proto;

import static dev.ksock.SysErrno.*;

import dev.ksock.internal.socket.SocketCore;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.NetworkInterface;
import java.net.SocketException;

/**
 * The rules XNU's multicast option code applies before anything reaches an interface
 * ({@code inp_setmoptions}/{@code inp_getmoptions} in {@code bsd/netinet/in_mcast.c},
 * {@code ip6_setmoptions}/{@code ip6_getmoptions} and {@code in6p_set_multicast_if} in
 * {@code bsd/netinet6/in6_mcast.c}), where Linux is more lenient: Linux takes multicast options on
 * TCP sockets, an IPv6 hop limit in 8 bytes, and any existing interface (even one without
 * {@code IFF_MULTICAST}) as the IPv6 multicast interface. Checked here, then the host does the rest.
 */
final class MulticastOptions {
    private MulticastOptions() {
    }

    /** Darwin names: the same numbers at IPPROTO_IP (IP_MULTICAST_IF ... IP_DROP_MEMBERSHIP) and IPPROTO_IPV6. */
    private static final int MULTICAST_IF = 9, MULTICAST_HOPS = 10, MULTICAST_LOOP = 11,
            JOIN_GROUP = 12, LEAVE_GROUP = 13;
    private static final int D_IPPROTO_IP = 0, D_IPPROTO_IPV6 = 41, D_SOCK_DGRAM = 2;
    /** "Not decided here": the caller passes the option on. */
    static final int PASS = -1;

    private static boolean isMulticast(int level, int name) {
        return (level == D_IPPROTO_IP || level == D_IPPROTO_IPV6) && name >= MULTICAST_IF && name <= LEAVE_GROUP;
    }

    /** Get: only datagram (and raw) sockets have multicast options; others are EOPNOTSUPP. */
    static int checkGet(SocketCore so, int level, int name) {
        return isMulticast(level, name) && so.type != D_SOCK_DGRAM ? EOPNOTSUPP : PASS;
    }

    /** Set: {@link #PASS}, or the errno XNU gives before the option takes effect. */
    static int checkSet(SocketCore so, int level, int name, MemorySegment val, int len) {
        if (!isMulticast(level, name)) {
            return PASS;
        }
        if (so.type != D_SOCK_DGRAM) {
            return EOPNOTSUPP;
        }
        if (level != D_IPPROTO_IPV6 || name == JOIN_GROUP || name == LEAVE_GROUP) {
            return PASS; // IPv4's byte-or-int rules are HostOptions'; memberships are checked by the host
        }
        // ip6_setmoptions: each of these is exactly one (unsigned) int.
        if (len != 4) {
            return EINVAL;
        }
        int v = val.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
        return switch (name) {
            case MULTICAST_IF -> multicastInterface(v);
            case MULTICAST_HOPS -> v < -1 || v > 255 ? EINVAL : PASS;
            default -> Integer.compareUnsigned(v, 1) > 0 ? EINVAL : PASS; // MULTICAST_LOOP: 0 or 1
        };
    }

    /**
     * in6p_set_multicast_if: an index above the highest interface index is EINVAL; no interface
     * there (index 0 included) or one without IFF_MULTICAST is EADDRNOTAVAIL.
     */
    private static int multicastInterface(int index) {
        try {
            // networkInterfaces() never returns null (getNetworkInterfaces() may, with none).
            int highest = NetworkInterface.networkInterfaces().mapToInt(NetworkInterface::getIndex).max().orElse(0);
            if (Integer.compareUnsigned(index, highest) > 0) {
                return EINVAL;
            }
            NetworkInterface ifp = index == 0 ? null : NetworkInterface.getByIndex(index);
            return ifp == null || !ifp.supportsMulticast() ? EADDRNOTAVAIL : PASS;
        } catch (SocketException e) {
            return PASS; // the host cannot list its interfaces: let it judge the index itself
        }
    }
}
