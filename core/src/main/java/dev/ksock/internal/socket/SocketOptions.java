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
    /** Bits of so_options the layer keeps for options it emulates. */
    static final int OPT_NOSIGPIPE = 1 << 20;

    private static final int TIMEVAL_SIZE = 16, LINGER_SIZE = 8, INT_SIZE = 4;

    public static int set(SocketCore so, int level, int name, MemorySegment val, int len) {
        if (len < 0 || val.byteSize() < len) {
            return EINVAL;
        }
        if (level != SOL_SOCKET) {
            return so.proto.setopt(so, level, name, val, len);
        }
        switch (name) {
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
        switch (name) {
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
                if (e == 0 && so.hostHandle >= 0) {
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
                long n = so.proto.readable(so);
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

    static int copyInt(int v, MemorySegment val, IntRef len) {
        return copyOut(intArg(v), INT_SIZE, val, len);
    }

    private static int copyOut(MemorySegment src, int size, MemorySegment val, IntRef len) {
        int n = Math.min(size, len.value);
        MemorySegment.copy(src, 0, val, 0, n);
        len.value = n;
        return 0;
    }
}
