package dev.ksock;

/**
 * {@code <netinet6/in6.h>}: options at level {@code IPPROTO_IPV6}, with their Darwin (XNU)
 * values. {@link #IPV6_PKTINFO} and {@link #IPV6_RECVPKTINFO} are the RFC 3542 values
 * ({@code __APPLE_USE_RFC_3542}); {@link #IPV6_2292PKTINFO} is the RFC 2292 one.
 */
public interface Netinet6In6 {
    int IPV6_UNICAST_HOPS = 4;
    /** {@code u_int} interface index. */
    int IPV6_MULTICAST_IF = 9;
    int IPV6_MULTICAST_HOPS = 10;
    /** {@code u_int}. */
    int IPV6_MULTICAST_LOOP = 11;
    /** {@code struct ipv6_mreq}; Linux calls it IPV6_ADD_MEMBERSHIP. */
    int IPV6_JOIN_GROUP = 12;
    /** {@code struct ipv6_mreq}; Linux calls it IPV6_DROP_MEMBERSHIP. */
    int IPV6_LEAVE_GROUP = 13;
    int IPV6_PORTRANGE = 14;
    int IPV6_2292PKTINFO = 19;
    int IPV6_CHECKSUM = 26;
    int IPV6_V6ONLY = 27;
    /** Apple's value (FreeBSD's differs). */
    int IPV6_RECVTCLASS = 35;
    /** Apple's value (FreeBSD's is 61). */
    int IPV6_TCLASS = 36;
    int IPV6_RECVHOPLIMIT = 37;
    int IPV6_PKTINFO = 46;
    int IPV6_RECVPKTINFO = 61;
    int IPV6_DONTFRAG = 62;
    int IPV6_BOUND_IF = 125;
}
