package dev.ksock.internal.host.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * The Linux x86_64 C structs the host backend passes to the kernel: one {@link MemoryLayout} and
 * its field {@link VarHandle}s per struct, so that no other class knows an offset.
 *
 * <p>Every VarHandle takes {@code (MemorySegment, long baseOffset)}; the base offset lets one
 * handle address element {@code i} of an array ({@code i * LAYOUT.byteSize()}) without slicing,
 * which keeps the hot paths allocation-free. The segments must be native: the fields are
 * aligned accesses (except epoll_event's packed {@code data}), and the kernel reads them.
 */
public final class LinuxStructs {
    private LinuxStructs() {
    }

    // ---------------------------------------------------------------- struct iovec (16 bytes)

    /** {@code struct iovec { void *iov_base; size_t iov_len; }} */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"),
            JAVA_LONG.withName("iov_len"));
    public static final VarHandle IOV_BASE = IOVEC.varHandle(groupElement("iov_base"));
    public static final VarHandle IOV_LEN = IOVEC.varHandle(groupElement("iov_len"));

    /** Fills element {@code i} of a native iovec array with {@code buf}'s address and size. */
    public static void iovec(MemorySegment iovArray, int i, MemorySegment buf) {
        long base = i * IOVEC.byteSize();
        IOV_BASE.set(iovArray, base, buf);
        IOV_LEN.set(iovArray, base, buf.byteSize());
    }

    // ---------------------------------------------------------------- struct msghdr (56 bytes)

    /**
     * {@code struct msghdr} as glibc lays it out on x86_64: {@code msg_namelen} is a 32-bit
     * socklen_t followed by padding, {@code msg_iovlen} and {@code msg_controllen} are size_t.
     */
    public static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4));
    public static final VarHandle MSG_NAME = MSGHDR.varHandle(groupElement("msg_name"));
    public static final VarHandle MSG_NAMELEN = MSGHDR.varHandle(groupElement("msg_namelen"));
    public static final VarHandle MSG_IOV = MSGHDR.varHandle(groupElement("msg_iov"));
    public static final VarHandle MSG_IOVLEN = MSGHDR.varHandle(groupElement("msg_iovlen"));
    public static final VarHandle MSG_CONTROL = MSGHDR.varHandle(groupElement("msg_control"));
    public static final VarHandle MSG_CONTROLLEN = MSGHDR.varHandle(groupElement("msg_controllen"));
    public static final VarHandle MSG_FLAGS = MSGHDR.varHandle(groupElement("msg_flags"));

    /**
     * Fills a native msghdr. {@code name} and {@code control} may be {@link MemorySegment#NULL}
     * (their lengths are then taken as given, normally 0); {@code msg_flags} is cleared.
     */
    public static void msghdr(MemorySegment msg, MemorySegment name, int namelen,
                              MemorySegment iov, int iovlen, MemorySegment control, long controllen) {
        MSG_NAME.set(msg, 0L, name);
        MSG_NAMELEN.set(msg, 0L, namelen);
        MSG_IOV.set(msg, 0L, iov);
        MSG_IOVLEN.set(msg, 0L, (long) iovlen);
        MSG_CONTROL.set(msg, 0L, control);
        MSG_CONTROLLEN.set(msg, 0L, controllen);
        MSG_FLAGS.set(msg, 0L, 0);
    }

    /** The msg_namelen the kernel wrote back (recvmsg: the full source address length). */
    public static int msgNamelen(MemorySegment msg) {
        return (int) MSG_NAMELEN.get(msg, 0L);
    }

    /** The msg_controllen the kernel wrote back (recvmsg: bytes of control data delivered). */
    public static long msgControllen(MemorySegment msg) {
        return (long) MSG_CONTROLLEN.get(msg, 0L);
    }

    /** The msg_flags the kernel wrote back (recvmsg: MSG_TRUNC, MSG_CTRUNC, ...). */
    public static int msgFlags(MemorySegment msg) {
        return (int) MSG_FLAGS.get(msg, 0L);
    }

    // ---------------------------------------------------------------- struct cmsghdr (16 bytes)

    /** {@code struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; }}, data follows. */
    public static final StructLayout CMSGHDR = MemoryLayout.structLayout(
            JAVA_LONG.withName("cmsg_len"),
            JAVA_INT.withName("cmsg_level"),
            JAVA_INT.withName("cmsg_type"));
    public static final VarHandle CMSG_LEN_FIELD = CMSGHDR.varHandle(groupElement("cmsg_len"));
    public static final VarHandle CMSG_LEVEL = CMSGHDR.varHandle(groupElement("cmsg_level"));
    public static final VarHandle CMSG_TYPE = CMSGHDR.varHandle(groupElement("cmsg_type"));

    /** CMSG_ALIGN: control messages are aligned to size_t (8 bytes) on Linux x86_64. */
    public static long cmsgAlign(long len) {
        return (len + 7) & ~7L;
    }

    /** CMSG_LEN: header plus {@code dataLen} bytes, unpadded (the value of cmsg_len). */
    public static long cmsgLen(long dataLen) {
        return CMSGHDR.byteSize() + dataLen;
    }

    /** CMSG_SPACE: bytes one control message with {@code dataLen} bytes occupies in the buffer. */
    public static long cmsgSpace(long dataLen) {
        return CMSGHDR.byteSize() + cmsgAlign(dataLen);
    }

    /** Offset of the data of the control message at {@code cmsgOffset} (CMSG_DATA). */
    public static long cmsgDataOffset(long cmsgOffset) {
        return cmsgOffset + CMSGHDR.byteSize();
    }

    /**
     * CMSG_NXTHDR: the offset of the control message after the one at {@code cmsgOffset} in a
     * buffer of {@code controllen} bytes, or -1 when there is none (or the header is malformed).
     */
    public static long cmsgNext(MemorySegment control, long cmsgOffset, long controllen) {
        long len = (long) CMSG_LEN_FIELD.get(control, cmsgOffset);
        if (len < CMSGHDR.byteSize()) {
            return -1;
        }
        long next = cmsgOffset + cmsgAlign(len);
        return next + CMSGHDR.byteSize() <= controllen ? next : -1;
    }

    /** CMSG_FIRSTHDR: 0 if the buffer holds at least one header, else -1. */
    public static long cmsgFirst(long controllen) {
        return controllen >= CMSGHDR.byteSize() ? 0 : -1;
    }

    // ---------------------------------------------------------------- struct epoll_event (12 bytes, packed)

    /**
     * {@code struct epoll_event { uint32_t events; epoll_data_t data; } __attribute__((packed))}:
     * on x86_64 only, the kernel declares it packed, so {@code data} sits at offset 4 and the
     * struct is 12 bytes. Getting this wrong corrupts every key the event loop reads back.
     */
    public static final StructLayout EPOLL_EVENT = MemoryLayout.structLayout(
            JAVA_INT.withName("events"),
            JAVA_LONG_UNALIGNED.withName("data"));
    public static final VarHandle EPOLL_EVENTS = EPOLL_EVENT.varHandle(groupElement("events"));
    public static final VarHandle EPOLL_DATA = EPOLL_EVENT.varHandle(groupElement("data"));

    /** Events of element {@code i} of an epoll_event array. */
    public static int epollEvents(MemorySegment array, int i) {
        return (int) EPOLL_EVENTS.get(array, i * EPOLL_EVENT.byteSize());
    }

    /** Data of element {@code i} of an epoll_event array. */
    public static long epollData(MemorySegment array, int i) {
        return (long) EPOLL_DATA.get(array, i * EPOLL_EVENT.byteSize());
    }

    public static void epollEvent(MemorySegment ev, int events, long data) {
        EPOLL_EVENTS.set(ev, 0L, events);
        EPOLL_DATA.set(ev, 0L, data);
    }

    // ---------------------------------------------------------------- struct pollfd (8 bytes)

    /** {@code struct pollfd { int fd; short events; short revents; }} */
    public static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"),
            JAVA_SHORT.withName("events"),
            JAVA_SHORT.withName("revents"));
    public static final VarHandle POLLFD_FD = POLLFD.varHandle(groupElement("fd"));
    public static final VarHandle POLLFD_EVENTS = POLLFD.varHandle(groupElement("events"));
    public static final VarHandle POLLFD_REVENTS = POLLFD.varHandle(groupElement("revents"));

    // ---------------------------------------------------------------- struct linger (8 bytes)

    /** {@code struct linger { int l_onoff; int l_linger; }} (SO_LINGER; seconds). */
    public static final StructLayout LINGER = MemoryLayout.structLayout(
            JAVA_INT.withName("l_onoff"),
            JAVA_INT.withName("l_linger"));
    public static final VarHandle LINGER_ONOFF = LINGER.varHandle(groupElement("l_onoff"));
    public static final VarHandle LINGER_LINGER = LINGER.varHandle(groupElement("l_linger"));

    // ---------------------------------------------------------------- struct timeval (16 bytes)

    /** {@code struct timeval { time_t tv_sec; suseconds_t tv_usec; }} (SO_RCVTIMEO/SO_SNDTIMEO). */
    public static final StructLayout TIMEVAL = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"),
            JAVA_LONG.withName("tv_usec"));
    public static final VarHandle TV_SEC = TIMEVAL.varHandle(groupElement("tv_sec"));
    public static final VarHandle TV_USEC = TIMEVAL.varHandle(groupElement("tv_usec"));

    // ---------------------------------------------------------------- struct ucred (12 bytes)

    /** {@code struct ucred { pid_t pid; uid_t uid; gid_t gid; }} (SO_PEERCRED, SCM_CREDENTIALS). */
    public static final StructLayout UCRED = MemoryLayout.structLayout(
            JAVA_INT.withName("pid"),
            JAVA_INT.withName("uid"),
            JAVA_INT.withName("gid"));
    public static final VarHandle UCRED_PID = UCRED.varHandle(groupElement("pid"));
    public static final VarHandle UCRED_UID = UCRED.varHandle(groupElement("uid"));
    public static final VarHandle UCRED_GID = UCRED.varHandle(groupElement("gid"));

    // ---------------------------------------------------------------- struct rlimit (16 bytes)

    /** {@code struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; }} */
    public static final StructLayout RLIMIT = MemoryLayout.structLayout(
            JAVA_LONG.withName("rlim_cur"),
            JAVA_LONG.withName("rlim_max"));
    public static final VarHandle RLIM_CUR = RLIMIT.varHandle(groupElement("rlim_cur"));
    public static final VarHandle RLIM_MAX = RLIMIT.varHandle(groupElement("rlim_max"));

    // ---------------------------------------------------------------- struct tcp_info (240 bytes)

    /**
     * {@code struct tcp_info} of {@code linux/tcp.h} (getsockopt IPPROTO_TCP/TCP_INFO) up to
     * {@code tcpi_rehash}, the part ksock reads. The kernel fills as much as it has and says how
     * much in the returned length: fields past it (an older kernel) must be taken as absent.
     * Times are microseconds; {@code tcpi_snd_cwnd} and {@code tcpi_snd_ssthresh} count segments.
     * Byte 6 holds two 4-bit fields, {@code tcpi_snd_wscale} in the low and
     * {@code tcpi_rcv_wscale} in the high nibble.
     */
    public static final StructLayout TCP_INFO = MemoryLayout.structLayout(
            JAVA_BYTE.withName("tcpi_state"),
            JAVA_BYTE.withName("tcpi_ca_state"),
            JAVA_BYTE.withName("tcpi_retransmits"),
            JAVA_BYTE.withName("tcpi_probes"),
            JAVA_BYTE.withName("tcpi_backoff"),
            JAVA_BYTE.withName("tcpi_options"),
            JAVA_BYTE.withName("tcpi_wscale"),
            JAVA_BYTE.withName("tcpi_fastopen_bits"),
            JAVA_INT.withName("tcpi_rto"),
            JAVA_INT.withName("tcpi_ato"),
            JAVA_INT.withName("tcpi_snd_mss"),
            JAVA_INT.withName("tcpi_rcv_mss"),
            JAVA_INT.withName("tcpi_unacked"),
            JAVA_INT.withName("tcpi_sacked"),
            JAVA_INT.withName("tcpi_lost"),
            JAVA_INT.withName("tcpi_retrans"),
            JAVA_INT.withName("tcpi_fackets"),
            JAVA_INT.withName("tcpi_last_data_sent"),
            JAVA_INT.withName("tcpi_last_ack_sent"),
            JAVA_INT.withName("tcpi_last_data_recv"),
            JAVA_INT.withName("tcpi_last_ack_recv"),
            JAVA_INT.withName("tcpi_pmtu"),
            JAVA_INT.withName("tcpi_rcv_ssthresh"),
            JAVA_INT.withName("tcpi_rtt"),
            JAVA_INT.withName("tcpi_rttvar"),
            JAVA_INT.withName("tcpi_snd_ssthresh"),
            JAVA_INT.withName("tcpi_snd_cwnd"),
            JAVA_INT.withName("tcpi_advmss"),
            JAVA_INT.withName("tcpi_reordering"),
            JAVA_INT.withName("tcpi_rcv_rtt"),
            JAVA_INT.withName("tcpi_rcv_space"),
            JAVA_INT.withName("tcpi_total_retrans"),
            JAVA_LONG.withName("tcpi_pacing_rate"),
            JAVA_LONG.withName("tcpi_max_pacing_rate"),
            JAVA_LONG.withName("tcpi_bytes_acked"),
            JAVA_LONG.withName("tcpi_bytes_received"),
            JAVA_INT.withName("tcpi_segs_out"),
            JAVA_INT.withName("tcpi_segs_in"),
            JAVA_INT.withName("tcpi_notsent_bytes"),
            JAVA_INT.withName("tcpi_min_rtt"),
            JAVA_INT.withName("tcpi_data_segs_in"),
            JAVA_INT.withName("tcpi_data_segs_out"),
            JAVA_LONG.withName("tcpi_delivery_rate"),
            JAVA_LONG.withName("tcpi_busy_time"),
            JAVA_LONG.withName("tcpi_rwnd_limited"),
            JAVA_LONG.withName("tcpi_sndbuf_limited"),
            JAVA_INT.withName("tcpi_delivered"),
            JAVA_INT.withName("tcpi_delivered_ce"),
            JAVA_LONG.withName("tcpi_bytes_sent"),
            JAVA_LONG.withName("tcpi_bytes_retrans"),
            JAVA_INT.withName("tcpi_dsack_dups"),
            JAVA_INT.withName("tcpi_reord_seen"),
            JAVA_INT.withName("tcpi_rcv_ooopack"),
            JAVA_INT.withName("tcpi_snd_wnd"),
            JAVA_INT.withName("tcpi_rcv_wnd"),
            JAVA_INT.withName("tcpi_rehash"));

    /** Offsets of the {@link #TCP_INFO} fields ksock reads. */
    public static final long TCPI_STATE = tcpInfoOffset("tcpi_state"), TCPI_CA_STATE = tcpInfoOffset("tcpi_ca_state"),
            TCPI_RETRANSMITS = tcpInfoOffset("tcpi_retransmits"), TCPI_OPTIONS = tcpInfoOffset("tcpi_options"),
            TCPI_WSCALE = tcpInfoOffset("tcpi_wscale"), TCPI_RTO = tcpInfoOffset("tcpi_rto"),
            TCPI_SND_MSS = tcpInfoOffset("tcpi_snd_mss"), TCPI_RCV_MSS = tcpInfoOffset("tcpi_rcv_mss"),
            TCPI_UNACKED = tcpInfoOffset("tcpi_unacked"), TCPI_RTT = tcpInfoOffset("tcpi_rtt"),
            TCPI_RTTVAR = tcpInfoOffset("tcpi_rttvar"), TCPI_SND_SSTHRESH = tcpInfoOffset("tcpi_snd_ssthresh"),
            TCPI_SND_CWND = tcpInfoOffset("tcpi_snd_cwnd"), TCPI_TOTAL_RETRANS = tcpInfoOffset("tcpi_total_retrans"),
            TCPI_BYTES_ACKED = tcpInfoOffset("tcpi_bytes_acked"), TCPI_BYTES_RECEIVED = tcpInfoOffset("tcpi_bytes_received"),
            TCPI_SEGS_OUT = tcpInfoOffset("tcpi_segs_out"), TCPI_SEGS_IN = tcpInfoOffset("tcpi_segs_in"),
            TCPI_DATA_SEGS_IN = tcpInfoOffset("tcpi_data_segs_in"), TCPI_DATA_SEGS_OUT = tcpInfoOffset("tcpi_data_segs_out"),
            TCPI_BYTES_SENT = tcpInfoOffset("tcpi_bytes_sent"), TCPI_BYTES_RETRANS = tcpInfoOffset("tcpi_bytes_retrans"),
            TCPI_REORD_SEEN = tcpInfoOffset("tcpi_reord_seen"), TCPI_RCV_OOOPACK = tcpInfoOffset("tcpi_rcv_ooopack"),
            TCPI_SND_WND = tcpInfoOffset("tcpi_snd_wnd"), TCPI_RCV_WND = tcpInfoOffset("tcpi_rcv_wnd");

    private static long tcpInfoOffset(String field) {
        return TCP_INFO.byteOffset(groupElement(field));
    }

    /** The u8 at {@code off} of a {@link #TCP_INFO}, unsigned. */
    public static int tcpInfoU8(MemorySegment ti, long off) {
        return Byte.toUnsignedInt(ti.get(JAVA_BYTE, off));
    }

    /** The u32 at {@code off}, unsigned; 0 if the kernel's {@code filled} bytes end before it. */
    public static long tcpInfoU32(MemorySegment ti, int filled, long off) {
        return off + 4 <= filled ? Integer.toUnsignedLong(ti.get(JAVA_INT, off)) : 0;
    }

    /** The u64 at {@code off}; 0 if the kernel's {@code filled} bytes end before it. */
    public static long tcpInfoU64(MemorySegment ti, int filled, long off) {
        return off + 8 <= filled ? ti.get(JAVA_LONG, off) : 0;
    }

    // ---------------------------------------------------------------- sockaddr sizes

    /** sizeof(struct sockaddr_in): family u16, port u16 (big-endian), addr 4, zero 8. */
    public static final int SOCKADDR_IN_SIZE = 16;
    /** sizeof(struct sockaddr_in6): family, port, flowinfo u32, addr 16, scope_id u32. */
    public static final int SOCKADDR_IN6_SIZE = 28;
    /** sizeof(struct sockaddr_un): family u16 + sun_path[108]. */
    public static final int SOCKADDR_UN_SIZE = 110;
    /** Offset of sun_path in sockaddr_un. */
    public static final int SUN_PATH_OFFSET = 2;
    /** sizeof(struct sockaddr_storage). */
    public static final int SOCKADDR_STORAGE_SIZE = 128;
}
