package dev.ksock.internal.socket;

import static dev.ksock.SysErrno.*;

import dev.ksock.IntRef;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * sosetopt / sogetopt: the {@code SOL_SOCKET} options the socket layer keeps or emulates
 * itself, with XNU's argument rules; everything else goes to the protocol's ctloutput.
 *
 * <p>XNU rules followed: a set with fewer bytes than the option needs is EINVAL
 * ({@code sooptcopyin}); a get into a shorter buffer is silently truncated and
 * {@code *optlen} says how much was written ({@code sooptcopyout}); timeouts are a 16-byte
 * 64-bit {@code timeval} for kernel callers, EDOM when out of range.
 */
public final class SocketOptions {
    private SocketOptions() {
    }

    static final int SOL_SOCKET = 0xffff;
    static final int SO_ACCEPTCONN = 0x0002, SO_LINGER = 0x0080, SO_LINGER_SEC = 0x1080;
    static final int SO_SNDBUF = 0x1001, SO_RCVBUF = 0x1002, SO_SNDLOWAT = 0x1003, SO_RCVLOWAT = 0x1004;
    static final int SO_SNDTIMEO = 0x1005, SO_RCVTIMEO = 0x1006, SO_ERROR = 0x1007, SO_TYPE = 0x1008;
    static final int SO_NREAD = 0x1020, SO_NOSIGPIPE = 0x1022, SO_NWRITE = 0x1024;
    /** Darwin's clock rate: SO_LINGER counts in ticks of 1/hz s (SO_LINGER_SEC in seconds). */
    static final int HZ = 100;
    /** Bits of so_options the layer keeps for options it emulates (above every Darwin SO_ bit). */
    static final int OPT_NOSIGPIPE = 1 << 20;
    /** IP_RECVDSTADDR / IP_RECVPKTINFO wanted: the receive path turns Linux IP_PKTINFO into them. */
    public static final int OPT_RECVDSTADDR = 1 << 21, OPT_RECVPKTINFO = 1 << 22;
    /** SO_ACCEPTCONN's own bit in so_options, for protocols that find a socket already listening. */
    public static final int SO_ACCEPTCONN_BIT = SO_ACCEPTCONN;

    /**
     * Options kept as so_options bits, exactly as XNU keeps them: the host has no counterpart,
     * or (SO_DEBUG) Linux would demand a capability XNU does not. Reading one back gives the bit,
     * as {@code sogetopt} returns {@code so_options & name}.
     */
    private static final int[] SO_OPTION_BITS = {
        0x0001, // SO_DEBUG
        0x0040, // SO_USELOOPBACK: routing sockets only
        0x2000, // SO_DONTTRUNC
        0x4000, // SO_WANTMORE
        0x8000, // SO_WANTOOBFLAG
        0x10000, // SO_NOWAKEFROMSLEEP
        0x20000, // SO_NOAPNFALLBK
    };

    /** Options XNU keeps as so_flags bits; reading one back gives 1 or 0. */
    static final int SO_NOADDRERR = 0x1023, SO_REUSESHAREUID = 0x1025, SO_NOTIFYCONFLICT = 0x1026,
            SO_UPCALLCLOSEWAIT = 0x1027, SO_RANDOMPORT = 0x1082, SO_RECV_TRAFFIC_CLASS = 0x1087;
    private static final int[] SO_FLAG_OPTIONS = {
        SO_NOADDRERR, SO_REUSESHAREUID, SO_NOTIFYCONFLICT, SO_UPCALLCLOSEWAIT, SO_RANDOMPORT, SO_RECV_TRAFFIC_CLASS,
    };

    /** Host boolean options: Linux answers 1, XNU the option's bit. */
    private static final int[] HOST_BOOLEANS = {
        0x0004, 0x0008, 0x0010, 0x0020, 0x0100, 0x0200, 0x0400, // REUSEADDR KEEPALIVE DONTROUTE BROADCAST OOBINLINE REUSEPORT TIMESTAMP
    };

    static final int SO_TIMESTAMP_MONOTONIC = 0x0800, SO_TIMESTAMP_CONTINUOUS = 0x40000;
    static final int SO_LABEL = 0x1010, SO_PEERLABEL = 0x1011, SO_NKE = 0x1021;
    static final int SO_RESTRICTIONS = 0x1081, SO_NP_EXTENSIONS = 0x1083, SO_EXECPATH = 0x1085;
    static final int SO_TRAFFIC_CLASS = 0x1086, SO_DEFUNCTOK = 0x1100, SO_ISDEFUNCT = 0x1101, SO_FLUSH = 0x1103;
    static final int SO_NUMRCVPKT = 0x1112, SO_NET_SERVICE_TYPE = 0x1116, SO_NETSVC_MARKING_LEVEL = 0x1119,
            SO_RESOLVER_SIGNATURE = 0x1131;
    /** SO_NP_EXTENSIONS: npx_flags/npx_mask bit SONPX_SETOPTSHUT, the only one defined. */
    private static final int SONPX_SETOPTSHUT = 1;
    /** SO_RESTRICTIONS: DENYIN | DENYOUT | DENYSET | DENYCELLULAR | DENYEXPENSIVE | DENYCONSTRAINED. */
    private static final int SO_RESTRICT_MASK = 0x3f;

    private static final int TIMEVAL_SIZE = 16, LINGER_SIZE = 8, INT_SIZE = 4;

    public static int set(SocketCore so, int level, int name, MemorySegment val, int len) {
        if (len < 0 || val.byteSize() < len) {
            return EINVAL;
        }
        // sosetopt: "the socket has been shutdown, no more sockopt's", unless SO_NP_EXTENSIONS
        // asked for SONPX_SETOPTSHUT.
        if (so.is(SoState.SS_CANTRCVMORE) && so.is(SoState.SS_CANTSENDMORE)
                && (OptionStore.get(so, SOL_SOCKET, SO_NP_EXTENSIONS, 0) & SONPX_SETOPTSHUT) == 0) {
            return EINVAL;
        }
        if (level != SOL_SOCKET) {
            return so.proto.setopt(so, level, name, val, len);
        }
        if (indexOf(SO_OPTION_BITS, name) >= 0 || indexOf(SO_FLAG_OPTIONS, name) >= 0) {
            if (len < INT_SIZE) {
                return EINVAL;
            }
            OptionStore.put(so, SOL_SOCKET, name, val.get(ValueLayout.JAVA_INT_UNALIGNED, 0) != 0 ? 1 : 0);
            return 0;
        }
        switch (name) {
            case SO_TRAFFIC_CLASS, SO_NET_SERVICE_TYPE, SO_RESTRICTIONS, SO_DEFUNCTOK -> {
                if (len < INT_SIZE) {
                    return EINVAL;
                }
                int v = val.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                if (name == SO_TRAFFIC_CLASS && !validTrafficClass(v) || name == SO_NET_SERVICE_TYPE && (v < 0 || v > 8)) {
                    return EINVAL; // so_set_traffic_class / so_set_net_service_type
                }
                OptionStore.put(so, SOL_SOCKET, name, name == SO_RESTRICTIONS ? v & SO_RESTRICT_MASK : v);
                return 0;
            }
            case SO_NP_EXTENSIONS -> {
                if (len < 8) {
                    return EINVAL;
                }
                int flags = val.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                int mask = val.get(ValueLayout.JAVA_INT_UNALIGNED, 4);
                if ((mask & ~SONPX_SETOPTSHUT) != 0) {
                    return EINVAL;
                }
                if ((mask & SONPX_SETOPTSHUT) != 0) {
                    OptionStore.put(so, SOL_SOCKET, name, flags & SONPX_SETOPTSHUT);
                }
                return 0;
            }
            case SO_NKE -> {
                // struct so_nke {u32 handle, u32 where, u32 flags, u32 reserved}: there are no
                // socket filters here, so no handle names one (sflt_attach_internal: ENOENT).
                return len < 16 ? EINVAL : ENOENT;
            }
            case SO_LABEL -> {
                return EOPNOTSUPP; // XNU without CONFIG_MACF_SOCKET
            }
            case SO_ISDEFUNCT -> {
                return EINVAL; // "This option is not settable"
            }
            case SO_FLUSH -> {
                return len < INT_SIZE ? EINVAL : 0; // handled by lower layers; nothing is queued in the layer
            }
            case SO_TIMESTAMP_MONOTONIC, SO_TIMESTAMP_CONTINUOUS, SO_EXECPATH, SO_NUMRCVPKT, SO_PEERLABEL,
                 SO_NETSVC_MARKING_LEVEL, SO_RESOLVER_SIGNATURE -> {
                return ENOPROTOOPT; // see docs/OPTIONS.md: not provided, or get-only
            }
            case SO_SNDTIMEO, SO_RCVTIMEO -> {
                if (len < TIMEVAL_SIZE) {
                    return EINVAL;
                }
                long sec = val.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                int usec = val.get(ValueLayout.JAVA_INT_UNALIGNED, 8);
                if (sec < 0 || usec < 0 || usec >= 1_000_000 || sec > Integer.MAX_VALUE) {
                    return EDOM;
                }
                (name == SO_SNDTIMEO ? so.snd : so.rcv).timeoNanos = SockBuf.toNanos(sec, usec);
                return 0;
            }
            case SO_LINGER, SO_LINGER_SEC -> {
                if (len < LINGER_SIZE) {
                    return EINVAL;
                }
                int onoff = val.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                int linger = val.get(ValueLayout.JAVA_INT_UNALIGNED, 4);
                int seconds = name == SO_LINGER ? (linger + HZ - 1) / HZ : linger;
                if (linger < 0) {
                    return EINVAL;
                }
                int r = hostLinger(so, onoff != 0, seconds);
                if (r == 0) {
                    so.lingerSeconds = onoff != 0 ? seconds : -1;
                    so.lingerTicks = onoff != 0 ? (name == SO_LINGER ? linger : linger * HZ) : 0;
                }
                return r;
            }
            case SO_NOSIGPIPE -> {
                if (len < INT_SIZE) {
                    return EINVAL;
                }
                // Every KPI send already uses MSG_NOSIGNAL: a kernel socket never raises SIGPIPE.
                so.setOption(OPT_NOSIGPIPE, val.get(ValueLayout.JAVA_INT_UNALIGNED, 0) != 0);
                return 0;
            }
            case SO_SNDLOWAT -> {
                if (len < INT_SIZE) {
                    return EINVAL;
                }
                int v = val.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                // BSD clamps the send low-water mark to the high-water mark.
                so.snd.lowat = Math.max(1, Math.min(v, so.snd.hiwat));
                return 0;
            }
            case SO_RCVLOWAT -> {
                if (len < INT_SIZE) {
                    return EINVAL;
                }
                int v = Math.max(1, Math.min(val.get(ValueLayout.JAVA_INT_UNALIGNED, 0), so.rcv.hiwat));
                int r = so.proto.setopt(so, level, name, intArg(v), INT_SIZE);
                if (r == 0) {
                    so.rcv.lowat = v;
                }
                return r;
            }
            case SO_SNDBUF, SO_RCVBUF -> {
                if (len < INT_SIZE) {
                    return EINVAL;
                }
                int v = val.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                if (v <= 0) {
                    return EINVAL;
                }
                int r = so.proto.setopt(so, level, name, val, INT_SIZE);
                if (r == 0) {
                    (name == SO_SNDBUF ? so.snd : so.rcv).hiwat = v;
                }
                return r;
            }
            case SO_ERROR, SO_TYPE, SO_ACCEPTCONN, SO_NREAD, SO_NWRITE -> {
                return ENOPROTOOPT; // read-only: XNU's sosetopt does not know them
            }
            default -> {
                if (len < INT_SIZE) {
                    return EINVAL;
                }
                return so.proto.setopt(so, level, name, val, len);
            }
        }
    }

    public static int get(SocketCore so, int level, int name, MemorySegment val, IntRef len) {
        if (len.value < 0 || val.byteSize() < len.value) {
            return EINVAL;
        }
        if (level != SOL_SOCKET) {
            return so.proto.getopt(so, level, name, val, len);
        }
        if (indexOf(SO_OPTION_BITS, name) >= 0) {
            return copyInt(OptionStore.get(so, SOL_SOCKET, name, 0) != 0 ? name : 0, val, len);
        }
        if (indexOf(SO_FLAG_OPTIONS, name) >= 0) {
            return copyInt(OptionStore.get(so, SOL_SOCKET, name, 0), val, len);
        }
        if (indexOf(HOST_BOOLEANS, name) >= 0) {
            IntRef hl = new IntRef(INT_SIZE);
            MemorySegment hv = MemorySegment.ofArray(new int[1]);
            int r = so.proto.getopt(so, level, name, hv, hl);
            return r != 0 ? r : copyInt(hv.get(ValueLayout.JAVA_INT, 0) != 0 ? name : 0, val, len);
        }
        switch (name) {
            case SO_TRAFFIC_CLASS, SO_NET_SERVICE_TYPE, SO_RESTRICTIONS -> {
                return copyInt(OptionStore.get(so, SOL_SOCKET, name, 0), val, len);
            }
            case SO_DEFUNCTOK -> {
                return copyInt(OptionStore.get(so, SOL_SOCKET, name, 1), val, len);
            }
            case SO_ISDEFUNCT -> {
                return copyInt(0, val, len); // a ksock socket is never made defunct
            }
            case SO_NETSVC_MARKING_LEVEL -> {
                return copyInt(0, val, len); // NETSVC_MRKNG_UNKNOWN: no marking on this host
            }
            case SO_NP_EXTENSIONS -> {
                MemorySegment npx = MemorySegment.ofArray(new int[] {OptionStore.get(so, SOL_SOCKET, name, 0), SONPX_SETOPTSHUT});
                return copyOut(npx, 8, val, len);
            }
            case SO_FLUSH -> {
                return EINVAL; // "This option is not gettable"
            }
            case SO_LABEL, SO_PEERLABEL -> {
                return EOPNOTSUPP;
            }
            case SO_NKE, SO_TIMESTAMP_MONOTONIC, SO_TIMESTAMP_CONTINUOUS, SO_EXECPATH, SO_NUMRCVPKT,
                 SO_RESOLVER_SIGNATURE -> {
                return ENOPROTOOPT;
            }
            case SO_SNDTIMEO, SO_RCVTIMEO -> {
                long ns = (name == SO_SNDTIMEO ? so.snd : so.rcv).timeoNanos;
                long sec = ns / 1_000_000_000L;
                int usec = (int) ((ns % 1_000_000_000L) / 1000);
                MemorySegment tv = MemorySegment.ofArray(new long[2]);
                tv.set(ValueLayout.JAVA_LONG, 0, sec);
                tv.set(ValueLayout.JAVA_INT, 8, usec);
                return copyOut(tv, TIMEVAL_SIZE, val, len);
            }
            case SO_LINGER, SO_LINGER_SEC -> {
                MemorySegment l = MemorySegment.ofArray(new int[2]);
                boolean on = so.lingerSeconds >= 0;
                l.set(ValueLayout.JAVA_INT, 0, on ? 1 : 0);
                l.set(ValueLayout.JAVA_INT, 4, on ? (name == SO_LINGER ? so.lingerTicks : so.lingerTicks / HZ) : 0);
                return copyOut(l, LINGER_SIZE, val, len);
            }
            case SO_ERROR -> {
                int e = so.takeError();
                // While a connect is in progress the host's error belongs to the event loop,
                // which turns it into the connect's outcome (so_error, state, upcall); taking it
                // here first would make the loop see a clean connect and mark the socket
                // connected. XNU answers so_error only: 0 until the connect has failed. Once a
                // connect was dropped the host has nothing more to say (tcp_close detached the
                // pcb); Linux could still hand over a leftover soft error.
                if (e == 0 && so.hostHandle >= 0 && !so.is(SoState.SS_ISCONNECTING) && !so.isDropped()) {
                    e = so.proto.connectResult(so);
                }
                return copyInt(e, val, len);
            }
            case SO_TYPE -> {
                return copyInt(so.type, val, len);
            }
            case SO_ACCEPTCONN -> {
                return copyInt(so.hasOption(SO_ACCEPTCONN) ? SO_ACCEPTCONN : 0, val, len);
            }
            case SO_NOSIGPIPE -> {
                return copyInt(so.hasOption(OPT_NOSIGPIPE) ? 1 : 0, val, len);
            }
            case SO_NREAD -> {
                long n = so.rcv.held != null ? FilteredIo.nread(so) : so.proto.readable(so);
                return n < 0 ? (int) -n : copyInt((int) n, val, len);
            }
            case SO_NWRITE -> {
                long n = so.proto.unsent(so);
                return n < 0 ? (int) -n : copyInt((int) n, val, len);
            }
            case SO_SNDBUF -> {
                return copyInt(so.snd.hiwat, val, len);
            }
            case SO_RCVBUF -> {
                return copyInt(so.rcv.hiwat, val, len);
            }
            case SO_SNDLOWAT -> {
                return copyInt(so.snd.lowat, val, len);
            }
            case SO_RCVLOWAT -> {
                return copyInt(so.rcv.lowat, val, len);
            }
            default -> {
                return so.proto.getopt(so, level, name, val, len);
            }
        }
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /** SO_TC_BE 0, BK_SYS 100, BK 200, RD 300, OAM 400, AV 500, RV 600, VI 700, VO 800, CTL 900. */
    private static boolean validTrafficClass(int tc) {
        return tc >= 0 && tc <= 900 && tc % 100 == 0;
    }

    private static int hostLinger(SocketCore so, boolean on, int seconds) {
        MemorySegment l = MemorySegment.ofArray(new int[2]);
        l.set(ValueLayout.JAVA_INT, 0, on ? 1 : 0);
        l.set(ValueLayout.JAVA_INT, 4, seconds);
        return so.proto.setopt(so, SOL_SOCKET, SO_LINGER_SEC, l, LINGER_SIZE);
    }

    private static MemorySegment intArg(int v) {
        MemorySegment m = MemorySegment.ofArray(new int[1]);
        m.set(ValueLayout.JAVA_INT, 0, v);
        return m;
    }

    public static int copyInt(int v, MemorySegment val, IntRef len) {
        return copyOut(intArg(v), INT_SIZE, val, len);
    }

    private static int copyOut(MemorySegment src, int size, MemorySegment val, IntRef len) {
        int n = Math.min(size, len.value);
        MemorySegment.copy(src, 0, val, 0, n);
        len.value = n;
        return 0;
    }
}
