package dev.ksock;

/**
 * {@code <netinet/in.h>}: IP protocol numbers, {@code IPPROTO_IP}-level options, well-known
 * addresses and port ranges, with their Darwin (XNU) values. {@code INADDR_*} are host-order
 * {@code int}s (so {@link #INADDR_BROADCAST} is {@code -1}). The IPv6 options live in
 * {@link Netinet6In6}.
 */
public interface NetinetIn {
    // Protocol numbers (IANA; equal on every host). They double as option levels.
    int IPPROTO_IP = 0;
    /** IPv6 hop-by-hop header; shares the value 0 with {@link #IPPROTO_IP}. */
    int IPPROTO_HOPOPTS = 0;
    int IPPROTO_ICMP = 1;
    int IPPROTO_TCP = 6;
    int IPPROTO_UDP = 17;
    int IPPROTO_IPV6 = 41;
    int IPPROTO_ICMPV6 = 58;
    int IPPROTO_RAW = 255;

    // Options at level IPPROTO_IP. Darwin numbers them differently from Linux.
    int IP_OPTIONS = 1;
    int IP_HDRINCL = 2;
    int IP_TOS = 3;
    int IP_TTL = 4;
    int IP_RECVOPTS = 5;
    int IP_RECVRETOPTS = 6;
    int IP_RECVDSTADDR = 7;
    int IP_RETOPTS = 8;
    int IP_MULTICAST_IF = 9;
    int IP_MULTICAST_TTL = 10;
    int IP_MULTICAST_LOOP = 11;
    int IP_ADD_MEMBERSHIP = 12;
    int IP_DROP_MEMBERSHIP = 13;
    int IP_PORTRANGE = 19;
    int IP_RECVIF = 20;
    int IP_RECVTTL = 24;
    int IP_BOUND_IF = 25;
    int IP_PKTINFO = 26;
    /** Darwin's name for receiving {@code struct in_pktinfo}; same option as {@link #IP_PKTINFO}. */
    int IP_RECVPKTINFO = IP_PKTINFO;
    int IP_RECVTOS = 27;
    int IP_DONTFRAG = 28;

    // Well-known IPv4 addresses, host byte order.
    int INADDR_ANY = 0x00000000;
    int INADDR_LOOPBACK = 0x7f000001;
    int INADDR_BROADCAST = 0xffffffff;

    /** Ports below this need privilege ({@code sock_setpriv(so, 1)} in ksock). */
    int IPPORT_RESERVED = 1024;
    int IPPORT_USERRESERVED = 5000;
    int IPPORT_HIFIRSTAUTO = 49152;
    int IPPORT_HILASTAUTO = 65535;

    /** Bytes for the text form of an IPv4 address, with its NUL. */
    int INET_ADDRSTRLEN = 16;
    /** Bytes for the text form of an IPv6 address, with its NUL. */
    int INET6_ADDRSTRLEN = 46;
}
