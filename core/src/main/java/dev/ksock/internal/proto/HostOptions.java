package dev.ksock.internal.proto;

import static dev.ksock.SysErrno.*;

import dev.ksock.IntRef;
import dev.ksock.internal.host.linux.LinuxConstants;
import dev.ksock.internal.host.linux.LinuxErrno;
import dev.ksock.internal.host.linux.LinuxSyscalls;
import dev.ksock.internal.socket.OptionStore;
import dev.ksock.internal.socket.SoState;
import dev.ksock.internal.socket.SocketCore;
import dev.ksock.internal.socket.SocketOptions;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The protocol half of {@code getsockopt}/{@code setsockopt} for host sockets (XNU's
 * {@code ip_ctloutput}, {@code ip6_ctloutput}, {@code tcp_ctloutput}, {@code uipc_ctloutput}):
 * Darwin option names and values become Linux ones, with the conversions where units or types
 * differ, and emulation where Linux has no counterpart. {@code docs/OPTIONS.md} is the table of
 * every option and what happens to it; a test holds this class to it.
 *
 * <p>Argument rules, as XNU's {@code sooptcopyin}/{@code sooptcopyout}: a set with fewer bytes
 * than the option's type is EINVAL; a get into a shorter buffer is truncated.
 */
final class HostOptions {
    private HostOptions() {
    }

    private static final int D_SOL_SOCKET = 0xffff, D_IPPROTO_IP = 0, D_IPPROTO_TCP = 6, D_IPPROTO_IPV6 = 41;
    private static final int D_AF_LOCAL = 1;

    // Darwin IP_ names handled specially.
    private static final int IP_MULTICAST_TTL = 10, IP_MULTICAST_LOOP = 11, IP_RECVDSTADDR = 7,
            IP_PORTRANGE = 19, IP_RECVIF = 20, IP_BOUND_IF = 25, IP_RECVPKTINFO = 26, IP_DONTFRAG = 28;
    private static final int IPV6_PORTRANGE = 14, IPV6_BOUND_IF = 125;
    private static final int TCP_NOPUSH = 0x04, TCP_NOOPT = 0x08, TCP_CONNECTIONTIMEOUT = 0x20,
            PERSIST_TIMEOUT = 0x40, TCP_RXT_CONNDROPTIME = 0x80, TCP_RXT_FINDROP = 0x100,
            TCP_SENDMOREACKS = 0x103, TCP_ENABLE_ECN = 0x104, TCP_CONNECTION_INFO = 0x106;

    // Linux targets of the conversions.
    private static final int L_SOL_SOCKET = 1, L_SO_BINDTOIFINDEX = 62;
    private static final int L_IPPROTO_IP = 0, L_IP_PKTINFO = 8, L_IP_MTU_DISCOVER = 10;
    private static final int L_IP_PMTUDISC_WANT = 1, L_IP_PMTUDISC_DO = 2;
    private static final int L_IPPROTO_TCP = 6, L_TCP_CORK = 3, L_TCP_SYNCNT = 7, L_TCP_QUICKACK = 12,
            L_TCP_USER_TIMEOUT = 18;
    /** Linux's net.ipv4.tcp_syn_retries default, and the most TCP_SYNCNT takes (MAX_TCP_SYNCNT). */
    private static final int L_DEFAULT_SYN_RETRIES = 6, L_MAX_SYNCNT = 127;
    /** XNU's bound on TCP_CONNECTIONTIMEOUT: UINT32_MAX / TCP_RETRANSHZ (1000) seconds. */
    private static final int MAX_CONNECTIONTIMEOUT = (int) (0xffff_ffffL / 1000);

    private static final int INT = 4;

    static int get(SocketCore so, int level, int name, MemorySegment val, IntRef len) {
        if (so.domain == D_AF_LOCAL && level != D_SOL_SOCKET) {
            return LocalSockets.getopt(so, name, val, len);
        }
        int refused = MulticastOptions.checkGet(so, level, name);
        if (refused != MulticastOptions.PASS) {
            return refused;
        }
        if (level == D_IPPROTO_IP) {
            switch (name) {
                case IP_MULTICAST_TTL, IP_MULTICAST_LOOP -> {
                    int r = hostGetInt(so, level, name);
                    if (r < 0) {
                        return -r;
                    }
                    // in_mcast: a one-byte buffer gets a u_char, anything else an int.
                    if (len.value == 1) {
                        val.set(ValueLayout.JAVA_BYTE, 0, (byte) r);
                        return 0;
                    }
                    return SocketOptions.copyInt(r, val, len);
                }
                case IP_RECVDSTADDR -> {
                    return SocketOptions.copyInt(so.hasOption(SocketOptions.OPT_RECVDSTADDR) ? 1 : 0, val, len);
                }
                case IP_RECVPKTINFO -> {
                    return SocketOptions.copyInt(so.hasOption(SocketOptions.OPT_RECVPKTINFO) ? 1 : 0, val, len);
                }
                case IP_PORTRANGE -> {
                    return SocketOptions.copyInt(OptionStore.get(so, level, name, 0), val, len);
                }
                case IP_BOUND_IF -> {
                    return hostGet(so, L_SOL_SOCKET, L_SO_BINDTOIFINDEX, val, len);
                }
                case IP_DONTFRAG -> {
                    int r = hostGetIntRaw(so, L_IPPROTO_IP, L_IP_MTU_DISCOVER);
                    return r < 0 ? -r : SocketOptions.copyInt(r == L_IP_PMTUDISC_DO ? 1 : 0, val, len);
                }
                case IP_RECVIF -> {
                    return ENOPROTOOPT;
                }
                default -> {
                }
            }
        } else if (level == D_IPPROTO_IPV6) {
            switch (name) {
                case IPV6_PORTRANGE -> {
                    return SocketOptions.copyInt(OptionStore.get(so, level, name, 0), val, len);
                }
                case IPV6_BOUND_IF -> {
                    return hostGet(so, L_SOL_SOCKET, L_SO_BINDTOIFINDEX, val, len);
                }
                default -> {
                }
            }
        } else if (level == D_IPPROTO_TCP) {
            switch (name) {
                case TCP_NOPUSH -> {
                    return hostGet(so, L_IPPROTO_TCP, L_TCP_CORK, val, len);
                }
                case TCP_NOOPT, TCP_CONNECTIONTIMEOUT, PERSIST_TIMEOUT, TCP_RXT_CONNDROPTIME, TCP_RXT_FINDROP,
                     TCP_SENDMOREACKS, TCP_ENABLE_ECN -> {
                    return SocketOptions.copyInt(OptionStore.get(so, level, name, 0), val, len);
                }
                case TCP_CONNECTION_INFO -> {
                    return TcpConnectionInfo.get(so, val, len);
                }
                default -> {
                }
            }
        }
        long host = LinuxConstants.sockoptToLinux(level, name);
        if (host < 0) {
            return ENOPROTOOPT;
        }
        return hostGet(so, LinuxConstants.sockoptLevel(host), LinuxConstants.sockoptName(host), val, len);
    }

    static int set(SocketCore so, int level, int name, MemorySegment val, int len) {
        if (so.domain == D_AF_LOCAL && level != D_SOL_SOCKET) {
            return LocalSockets.setopt();
        }
        int refused = MulticastOptions.checkSet(so, level, name, val, len);
        if (refused != MulticastOptions.PASS) {
            return refused;
        }
        if (level == D_IPPROTO_IP) {
            switch (name) {
                case IP_MULTICAST_TTL, IP_MULTICAST_LOOP -> {
                    // in_mcast: a u_char or an int, which must then fit a u_char.
                    int v;
                    if (len == 1) {
                        v = Byte.toUnsignedInt(val.get(ValueLayout.JAVA_BYTE, 0));
                    } else if (len >= INT) {
                        v = val.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                        if (v < 0 || v > 255) {
                            return EINVAL;
                        }
                    } else {
                        return EINVAL;
                    }
                    return hostSetInt(so, level, name, v);
                }
                case IP_RECVDSTADDR, IP_RECVPKTINFO -> {
                    if (len < INT) {
                        return EINVAL;
                    }
                    int bit = name == IP_RECVDSTADDR ? SocketOptions.OPT_RECVDSTADDR : SocketOptions.OPT_RECVPKTINFO;
                    so.setOption(bit, val.get(ValueLayout.JAVA_INT_UNALIGNED, 0) != 0);
                    // Both come from Linux IP_PKTINFO: on while either is wanted.
                    boolean any = so.hasOption(SocketOptions.OPT_RECVDSTADDR) || so.hasOption(SocketOptions.OPT_RECVPKTINFO);
                    return hostSetRaw(so, L_IPPROTO_IP, L_IP_PKTINFO, any ? 1 : 0);
                }
                case IP_PORTRANGE -> {
                    return storePortRange(so, level, name, val, len);
                }
                case IP_BOUND_IF -> {
                    return len < INT ? EINVAL : hostSetRaw(so, L_SOL_SOCKET, L_SO_BINDTOIFINDEX, val.get(ValueLayout.JAVA_INT_UNALIGNED, 0));
                }
                case IP_DONTFRAG -> {
                    if (len < INT) {
                        return EINVAL;
                    }
                    boolean on = val.get(ValueLayout.JAVA_INT_UNALIGNED, 0) != 0;
                    return hostSetRaw(so, L_IPPROTO_IP, L_IP_MTU_DISCOVER, on ? L_IP_PMTUDISC_DO : L_IP_PMTUDISC_WANT);
                }
                case IP_RECVIF -> {
                    return ENOPROTOOPT;
                }
                default -> {
                }
            }
        } else if (level == D_IPPROTO_IPV6) {
            switch (name) {
                case IPV6_PORTRANGE -> {
                    return storePortRange(so, level, name, val, len);
                }
                case IPV6_BOUND_IF -> {
                    return len < INT ? EINVAL : hostSetRaw(so, L_SOL_SOCKET, L_SO_BINDTOIFINDEX, val.get(ValueLayout.JAVA_INT_UNALIGNED, 0));
                }
                default -> {
                }
            }
        } else if (level == D_IPPROTO_TCP) {
            if (isTcpEmulated(name) || name == TCP_NOPUSH) {
                if (len < INT) {
                    return EINVAL;
                }
                int v = val.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                int r = tcpEmulated(so, name, v);
                if (r == 0) {
                    OptionStore.put(so, level, name, v);
                }
                return r;
            }
            if (name == TCP_CONNECTION_INFO) {
                return ENOPROTOOPT; // get-only: tcp_ctloutput has no set case for it
            }
        }
        long host = LinuxConstants.sockoptToLinux(level, name);
        if (host < 0) {
            return ENOPROTOOPT;
        }
        if (len > 256) {
            return EINVAL;
        }
        int r = LinuxSyscalls.setsockopt(so.hostHandle, LinuxConstants.sockoptLevel(host), LinuxConstants.sockoptName(host),
                nativeCopy(val, len), len);
        return r < 0 ? LinuxErrno.toDarwin(-r) : 0;
    }

    private static boolean isTcpEmulated(int name) {
        return name == TCP_NOOPT || name == TCP_CONNECTIONTIMEOUT || name == PERSIST_TIMEOUT || name == TCP_RXT_CONNDROPTIME
                || name == TCP_RXT_FINDROP || name == TCP_SENDMOREACKS || name == TCP_ENABLE_ECN;
    }

    /** The TCP options Linux lacks or counts differently; the value is stored for get by the caller. */
    private static int tcpEmulated(SocketCore so, int name, int v) {
        switch (name) {
            case TCP_NOPUSH -> {
                return hostSetRaw(so, L_IPPROTO_TCP, L_TCP_CORK, v != 0 ? 1 : 0);
            }
            case TCP_CONNECTIONTIMEOUT -> {
                // tcp_ctloutput: seconds, EINVAL below 0 or above UINT32_MAX / TCP_RETRANSHZ;
                // 0 = the system default (connectTimeoutNanos). The layer's connect timer decides
                // (SocketCore.setConnectTimer); the host must only not give up first, so its SYN
                // retries are raised to the first count that outlasts the timeout. 0 gives the
                // host its default back (if a timeout had changed it) and re-arms a running
                // timer with the system default, counted from now.
                if (v < 0 || v > MAX_CONNECTIONTIMEOUT) {
                    return EINVAL;
                }
                int r = 0;
                if (v > 0) {
                    r = hostSetRaw(so, L_IPPROTO_TCP, L_TCP_SYNCNT, synRetriesOutlasting(v));
                } else if (OptionStore.get(so, D_IPPROTO_TCP, TCP_CONNECTIONTIMEOUT, 0) > 0) {
                    r = hostSetRaw(so, L_IPPROTO_TCP, L_TCP_SYNCNT, L_DEFAULT_SYN_RETRIES);
                }
                if (r == 0 && so.is(SoState.SS_ISCONNECTING)) {
                    so.setConnectTimer(connectTimeoutNanos(v)); // XNU re-arms TCPT_KEEP from now
                }
                return r;
            }
            case TCP_RXT_CONNDROPTIME -> {
                // Seconds on Darwin; Linux's TCP_USER_TIMEOUT is milliseconds of unacknowledged data.
                if (v < 0) {
                    return EINVAL;
                }
                return hostSetRaw(so, L_IPPROTO_TCP, L_TCP_USER_TIMEOUT, (int) Math.min(Integer.MAX_VALUE, v * 1000L));
            }
            case TCP_SENDMOREACKS -> {
                return hostSetRaw(so, L_IPPROTO_TCP, L_TCP_QUICKACK, v != 0 ? 1 : 0);
            }
            case PERSIST_TIMEOUT -> {
                return v < 0 ? EINVAL : 0;
            }
            default -> {
                return 0; // TCP_NOOPT, TCP_RXT_FINDROP, TCP_ENABLE_ECN: kept, see OPTIONS.md
            }
        }
    }

    /**
     * Starts the connect timer of a TCP connect that is under way: TCP_CONNECTIONTIMEOUT's
     * seconds, or when that is 0 the system default, as XNU's tcp_connect arms TCPT_KEEP.
     */
    static void startConnectTimer(SocketCore so) {
        long nanos = connectTimeoutNanos(OptionStore.get(so, D_IPPROTO_TCP, TCP_CONNECTIONTIMEOUT, 0));
        if (nanos > 0) {
            so.setConnectTimer(nanos);
        }
    }

    /**
     * The connect timeout for an option value: its seconds, or for 0 the system default, Darwin's
     * {@code net.inet.tcp.keepinit} (75 s), which the system property {@code ksock.tcp.keepinit}
     * (seconds) overrides as the sysctl does; a property of 0 leaves such connects to the host's
     * own SYN retries (about 127 s on Linux). 0 = no layer timer.
     */
    static long connectTimeoutNanos(int optionSeconds) {
        long seconds = optionSeconds > 0 ? optionSeconds : Long.getLong("ksock.tcp.keepinit", DARWIN_KEEPINIT_SECONDS);
        return Math.max(0, Math.min(seconds, MAX_CONNECTIONTIMEOUT)) * 1_000_000_000L;
    }

    /** TCPTV_KEEP_INIT: how long XNU lets a connect try when no timeout was asked for. */
    private static final long DARWIN_KEEPINIT_SECONDS = 75;

    /**
     * The fewest Linux SYN retries (TCP_SYNCNT, 1..127) whose give-up time is later than
     * {@code seconds}. Linux gives up on a connect when the time its model of n retries allows
     * has passed: 1, 3, 7 … 127 s for n = 1..6 (the backoff from a 1 s RTO), then 120 s (the RTO
     * cap) more per retry. The model holds for kernels that space the first retries linearly
     * (tcp_syn_linear_timeouts) too: the check is on elapsed time. Beyond 127 retries (about
     * 4 h 4 min) the host gives up before the timer.
     */
    static int synRetriesOutlasting(long seconds) {
        for (int n = 1; n < L_MAX_SYNCNT; n++) {
            long giveUp = n <= 6 ? (2L << n) - 1 : 127 + (n - 6) * 120L;
            if (giveUp > seconds) {
                return n;
            }
        }
        return L_MAX_SYNCNT;
    }

    /** IP_PORTRANGE / IPV6_PORTRANGE: DEFAULT 0, HIGH 1, LOW 2, else EINVAL (in_pcb.c). */
    private static int storePortRange(SocketCore so, int level, int name, MemorySegment val, int len) {
        if (len < INT) {
            return EINVAL;
        }
        int v = val.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
        if (v < 0 || v > 2) {
            return EINVAL;
        }
        OptionStore.put(so, level, name, v);
        return 0;
    }

    // ------------------------------------------------------------------ host calls

    private static int hostGet(SocketCore so, int llevel, int lname, MemorySegment val, IntRef len) {
        HostScratch s = HostScratch.get();
        s.opt.fill((byte) 0);
        s.len.set(ValueLayout.JAVA_INT, 0, (int) s.opt.byteSize());
        int r = LinuxSyscalls.getsockopt(so.hostHandle, llevel, lname, s.opt, s.len);
        if (r < 0) {
            return LinuxErrno.toDarwin(-r);
        }
        int copy = Math.min(s.len.get(ValueLayout.JAVA_INT, 0), len.value);
        MemorySegment.copy(s.opt, 0, val, 0, copy);
        len.value = copy;
        return 0;
    }

    /** A Darwin-named int option read from the host; the value, or a negated errno. */
    private static int hostGetInt(SocketCore so, int level, int name) {
        long host = LinuxConstants.sockoptToLinux(level, name);
        return host < 0 ? -ENOPROTOOPT : hostGetIntRaw(so, LinuxConstants.sockoptLevel(host), LinuxConstants.sockoptName(host));
    }

    private static int hostGetIntRaw(SocketCore so, int llevel, int lname) {
        HostScratch s = HostScratch.get();
        s.opt.fill((byte) 0);
        s.len.set(ValueLayout.JAVA_INT, 0, INT);
        int r = LinuxSyscalls.getsockopt(so.hostHandle, llevel, lname, s.opt, s.len);
        if (r < 0) {
            return -LinuxErrno.toDarwin(-r);
        }
        // Linux answers IP_MULTICAST_TTL/LOOP in one byte when asked with a short buffer; with
        // four bytes it writes an int.
        return s.opt.get(ValueLayout.JAVA_INT, 0);
    }

    private static int hostSetInt(SocketCore so, int level, int name, int v) {
        long host = LinuxConstants.sockoptToLinux(level, name);
        return host < 0 ? ENOPROTOOPT : hostSetRaw(so, LinuxConstants.sockoptLevel(host), LinuxConstants.sockoptName(host), v);
    }

    private static int hostSetRaw(SocketCore so, int llevel, int lname, int v) {
        HostScratch s = HostScratch.get();
        s.opt.set(ValueLayout.JAVA_INT, 0, v);
        int r = LinuxSyscalls.setsockopt(so.hostHandle, llevel, lname, s.opt, INT);
        return r < 0 ? LinuxErrno.toDarwin(-r) : 0;
    }

    private static MemorySegment nativeCopy(MemorySegment val, int len) {
        HostScratch s = HostScratch.get();
        MemorySegment.copy(val, 0, s.opt, 0, len);
        return s.opt;
    }
}
