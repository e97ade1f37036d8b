package dev.ksock;

/**
 * {@code <netinet/tcp.h>}: options at level {@code IPPROTO_TCP}, with their Darwin (XNU) values.
 * Times are in seconds, as on Darwin, whatever unit the host uses.
 */
public interface NetinetTcp {
    int TCP_NODELAY = 0x01;
    int TCP_MAXSEG = 0x02;
    int TCP_NOPUSH = 0x04;
    int TCP_NOOPT = 0x08;
    /** Idle time before keepalive probes, seconds (Linux: TCP_KEEPIDLE). */
    int TCP_KEEPALIVE = 0x10;
    /** Connection-establishment timeout, seconds. */
    int TCP_CONNECTIONTIMEOUT = 0x20;
    int PERSIST_TIMEOUT = 0x40;
    /** Retransmission time before the connection is dropped, seconds. */
    int TCP_RXT_CONNDROPTIME = 0x80;
    int TCP_RXT_FINDROP = 0x100;
    int TCP_KEEPINTVL = 0x101;
    int TCP_KEEPCNT = 0x102;
    int TCP_SENDMOREACKS = 0x103;
    int TCP_ENABLE_ECN = 0x104;
    int TCP_FASTOPEN = 0x105;
    int TCP_CONNECTION_INFO = 0x106;
    int TCP_NOTSENT_LOWAT = 0x201;
}
