package dev.ksock;

/**
 * {@code <sys/socket.h>}: address and protocol families, socket types, the {@code SOL_SOCKET}
 * options, {@code MSG_*} flags, {@code shutdown} directions and control-message types, with their
 * Darwin (XNU kernel) values. The layer translates them to the host's values; never pass a host
 * number where one of these is expected.
 *
 * <p>Not declared because XNU does not define them: {@code SO_ACCEPTFILTER} (only {@code #ifndef
 * __APPLE__}) and the Linux-only {@code SOCK_NONBLOCK}/{@code SOCK_CLOEXEC}, {@code MSG_MORE},
 * {@code MSG_CONFIRM}, {@code MSG_ERRQUEUE}.
 */
public interface SysSocket {
    // Address families. AF_ROUTE, AF_LINK, AF_NDRV and AF_SYSTEM exist for porting; the Linux
    // host has no counterpart, so sock_socket returns EAFNOSUPPORT for them.
    int AF_UNSPEC = 0;
    int AF_UNIX = 1;
    int AF_LOCAL = AF_UNIX;
    int AF_INET = 2;
    int AF_ROUTE = 17;
    int AF_LINK = 18;
    int AF_NDRV = 27;
    int AF_INET6 = 30;
    int AF_SYSTEM = 32;
    int AF_VSOCK = 40;
    int AF_MAX = 41;

    // Protocol families: BSD defines each PF_x as AF_x.
    int PF_UNSPEC = AF_UNSPEC;
    int PF_UNIX = AF_UNIX;
    int PF_LOCAL = AF_LOCAL;
    int PF_INET = AF_INET;
    int PF_ROUTE = AF_ROUTE;
    int PF_LINK = AF_LINK;
    int PF_NDRV = AF_NDRV;
    int PF_INET6 = AF_INET6;
    int PF_SYSTEM = AF_SYSTEM;
    int PF_VSOCK = AF_VSOCK;
    int PF_MAX = AF_MAX;

    // Socket types.
    int SOCK_STREAM = 1;
    int SOCK_DGRAM = 2;
    int SOCK_RAW = 3;
    int SOCK_RDM = 4;
    int SOCK_SEQPACKET = 5;

    /** Option level of the socket itself (Linux uses 1, which is Darwin's IPPROTO_ICMP). */
    int SOL_SOCKET = 0xffff;

    // Boolean and other options at SOL_SOCKET.
    int SO_DEBUG = 0x0001;
    int SO_ACCEPTCONN = 0x0002;
    int SO_REUSEADDR = 0x0004;
    int SO_KEEPALIVE = 0x0008;
    int SO_DONTROUTE = 0x0010;
    int SO_BROADCAST = 0x0020;
    int SO_USELOOPBACK = 0x0040;
    /** {@code struct linger}; on Darwin {@code l_linger} is in clock ticks, not seconds. */
    int SO_LINGER = 0x0080;
    /** {@code struct linger} with {@code l_linger} in seconds (what POSIX programs get as SO_LINGER). */
    int SO_LINGER_SEC = 0x1080;
    int SO_OOBINLINE = 0x0100;
    int SO_REUSEPORT = 0x0200;
    int SO_TIMESTAMP = 0x0400;
    int SO_TIMESTAMP_MONOTONIC = 0x0800;
    int SO_DONTTRUNC = 0x2000;
    int SO_WANTMORE = 0x4000;
    int SO_WANTOOBFLAG = 0x8000;
    /** XNU {@code PRIVATE}. */
    int SO_NOWAKEFROMSLEEP = 0x10000;
    /** XNU {@code PRIVATE}. */
    int SO_NOAPNFALLBK = 0x20000;
    /** XNU {@code PRIVATE}. */
    int SO_TIMESTAMP_CONTINUOUS = 0x40000;
    int SO_SNDBUF = 0x1001;
    int SO_RCVBUF = 0x1002;
    int SO_SNDLOWAT = 0x1003;
    int SO_RCVLOWAT = 0x1004;
    int SO_SNDTIMEO = 0x1005;
    int SO_RCVTIMEO = 0x1006;
    int SO_ERROR = 0x1007;
    int SO_TYPE = 0x1008;
    /** Deprecated in XNU. */
    int SO_LABEL = 0x1010;
    /** Deprecated in XNU. */
    int SO_PEERLABEL = 0x1011;
    /** Bytes readable: for a datagram socket, the size of the first datagram only. */
    int SO_NREAD = 0x1020;
    int SO_NKE = 0x1021;
    int SO_NOSIGPIPE = 0x1022;
    int SO_NOADDRERR = 0x1023;
    /** Bytes queued in the send buffer; Darwin's answer to FreeBSD's {@code FIONWRITE}. */
    int SO_NWRITE = 0x1024;
    int SO_REUSESHAREUID = 0x1025;
    /** XNU {@code __APPLE_API_PRIVATE}. */
    int SO_NOTIFYCONFLICT = 0x1026;
    /** XNU {@code __APPLE_API_PRIVATE}. */
    int SO_UPCALLCLOSEWAIT = 0x1027;
    /** XNU {@code PRIVATE}. */
    int SO_RESTRICTIONS = 0x1081;
    int SO_RANDOMPORT = 0x1082;
    int SO_NP_EXTENSIONS = 0x1083;
    /** XNU {@code PRIVATE}. */
    int SO_EXECPATH = 0x1085;
    /** XNU {@code PRIVATE}. */
    int SO_TRAFFIC_CLASS = 0x1086;
    /** XNU {@code PRIVATE}. */
    int SO_RECV_TRAFFIC_CLASS = 0x1087;
    /** XNU {@code PRIVATE}. */
    int SO_DEFUNCTOK = 0x1100;
    /** XNU {@code PRIVATE}. */
    int SO_ISDEFUNCT = 0x1101;
    /** XNU {@code PRIVATE}. */
    int SO_FLUSH = 0x1103;
    int SO_NUMRCVPKT = 0x1112;
    int SO_NET_SERVICE_TYPE = 0x1116;
    int SO_NETSVC_MARKING_LEVEL = 0x1119;
    int SO_RESOLVER_SIGNATURE = 0x1131;

    // Flags of send/receive calls and of msg_flags. Several bits mean different things on Linux
    // (0x100 is Linux MSG_WAITALL, 0x4000 Linux MSG_NOSIGNAL): they are always translated.
    int MSG_OOB = 0x1;
    int MSG_PEEK = 0x2;
    int MSG_DONTROUTE = 0x4;
    int MSG_EOR = 0x8;
    int MSG_TRUNC = 0x10;
    int MSG_CTRUNC = 0x20;
    int MSG_WAITALL = 0x40;
    int MSG_DONTWAIT = 0x80;
    int MSG_EOF = 0x100;
    /** XNU {@code PRIVATE} / obsolete. */
    int MSG_WAITSTREAM = 0x200;
    /** Deprecated in XNU. */
    int MSG_FLUSH = 0x400;
    /** Deprecated in XNU. */
    int MSG_HOLD = 0x800;
    /** Deprecated in XNU. */
    int MSG_SEND = 0x1000;
    int MSG_HAVEMORE = 0x2000;
    int MSG_RCVMORE = 0x4000;
    /** XNU {@code KERNEL_PRIVATE}, deprecated. */
    int MSG_COMPAT = 0x8000;
    int MSG_NEEDSA = 0x10000;
    /** XNU {@code KERNEL_PRIVATE}. */
    int MSG_NBIO = 0x20000;
    /** XNU {@code KERNEL_PRIVATE}. */
    int MSG_SKIPCFIL = 0x40000;
    int MSG_NOSIGNAL = 0x80000;
    /** Kernel only: {@code sock_accept} gives the new socket the listener's upcall and cookie. */
    int MSG_USEUPCALL = 0x80000000;

    // shutdown(2) directions.
    int SHUT_RD = 0;
    int SHUT_WR = 1;
    int SHUT_RDWR = 2;

    // Control-message types at SOL_SOCKET.
    int SCM_RIGHTS = 0x01;
    int SCM_TIMESTAMP = 0x02;
    int SCM_CREDS = 0x03;
    int SCM_TIMESTAMP_MONOTONIC = 0x04;
    /** XNU {@code PRIVATE}. */
    int SCM_TIMESTAMP_CONTINUOUS = 0x07;

    /** Darwin's maximum listen backlog (Linux's glibc says 4096). */
    int SOMAXCONN = 128;
    /** Longest possible socket address: {@code sa_len} is one byte. */
    int SOCK_MAXADDRLEN = 255;
}
