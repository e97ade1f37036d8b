package dev.ksock;

import static dev.ksock.SysErrno.*;

import dev.ksock.internal.proto.Protocols;
import dev.ksock.internal.socket.SoState;
import dev.ksock.internal.socket.SocketCore;
import dev.ksock.internal.socket.SocketFilters;
import dev.ksock.internal.socket.SocketIoctls;
import dev.ksock.internal.socket.SocketLayer;
import dev.ksock.internal.socket.SocketOptions;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The functions of {@code kpi_socket.h}, named, ordered and answering as in XNU.
 *
 * <p>Every function returns 0 or a Darwin errno ({@link SysErrno}) and never throws, whatever it
 * is passed: null where C would crash, a closed socket ({@code EBADF}), lengths out of range
 * ({@code EINVAL}). Each function checks its arguments here and delegates in one step to the
 * socket layer.
 *
 * <p>Threading: any function may be called from any thread, including from inside an upcall.
 * Blocking calls park the calling thread (cheaply on virtual threads) until the socket is
 * ready, its timeout ({@code SO_RCVTIMEO}/{@code SO_SNDTIMEO}) passes, or it is closed.
 */
public final class KpiSocket {
    private KpiSocket() {
    }

    static {
        Protocols.install();
        ScmRights.install();
    }

    private static final int MSG_DONTWAIT = 0x80;
    private static final int MSG_USEUPCALL = 0x80000000;
    private static final int SO_ACCEPTCONN = 0x0002;
    private static final int CMSGHDR_SIZE = 12;
    /** XNU's sock_send copies control data into one mbuf: at most MLEN bytes. */
    private static final int MAX_CONTROL = 224;
    /** What a null argp becomes: an argument of no bytes (requests that need some get EINVAL). */
    private static final MemorySegment NO_IOCTL_ARG = MemorySegment.ofArray(new byte[0]);
    private static final System.Logger LOG = System.getLogger("dev.ksock");

    /** The last line of defence of "never throws": a layer bug becomes EINVAL plus a log line. */
    private static int internalError(String function, RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, function + " failed inside ksock; returning EINVAL", e);
        return EINVAL;
    }

    /** The socket's core if it is usable (entered: pair with leave), else null. */
    private static SocketCore enter(Socket so) {
        if (so == null) {
            return null;
        }
        SocketCore c = so.core;
        return c.enter() == 0 ? c : null;
    }

    private static int notUsable(Socket so) {
        return so == null ? EINVAL : EBADF;
    }

    /**
     * Accepts a connection from the listening socket {@code so} (see {@code man 2 accept}).
     * {@code MSG_DONTWAIT} returns EWOULDBLOCK when none is ready; {@code MSG_USEUPCALL} gives the
     * new socket the listener's upcall and cookie instead of {@code callback}/{@code cookie}. The
     * peer's address is copied into {@code from}, at most {@code fromlen} bytes (BSD truncation).
     * Any other flag is ENOTSUP; a socket that is not listening is EINVAL.
     */
    public static int sock_accept(Socket so, SockAddr from, int fromlen, int flags,
                                  SockUpcall callback, Object cookie, Ref<Socket> new_so) {
        if (so == null || new_so == null || (from != null && fromlen < 0)) {
            return EINVAL;
        }
        if ((flags & ~(MSG_DONTWAIT | MSG_USEUPCALL)) != 0) {
            return ENOTSUP;
        }
        SocketCore ls = enter(so);
        if (ls == null) {
            return EBADF;
        }
        try {
            if (!ls.hasOption(SO_ACCEPTCONN)) {
                return EINVAL;
            }
            for (;;) {
                int r = acceptOne(ls, from, fromlen, flags, callback, cookie, new_so);
                if (r != REFUSED_BY_FILTER) {
                    return r;
                }
            }
        } catch (RuntimeException e) {
            return internalError("sock_accept", e);
        } finally {
            ls.leave();
        }
    }

    /**
     * The filters of a new connection: XNU's sflt_initsock in sonewconn, sflt_connectin (on the
     * SYN in XNU; ksock learns of the connection at accept) and soacceptfilter's sflt_accept.
     * sf_connect_in's refusal makes the connection vanish ({@link #REFUSED_BY_FILTER});
     * sf_accept's fails this accept with its errno, and its EJUSTRETURN hands the socket out
     * disconnected (XNU defuncts it).
     */
    /** One accepted connection handed out, an errno, or REFUSED_BY_FILTER (try the next one). */
    private static int acceptOne(SocketCore ls, SockAddr from, int fromlen, int flags,
                                 SockUpcall callback, Object cookie, Ref<Socket> new_so) {
        int h = SocketLayer.soaccept(ls, from, from == null ? 0 : fromlen, (flags & MSG_DONTWAIT) != 0);
        if (h < 0) {
            return -h;
        }
        SocketCore nc = SocketLayer.sonewconn(ls);
        Socket s = new Socket(nc);
        nc.setHandle(s);
        SocketCore.Upcalls upcalls = (flags & MSG_USEUPCALL) != 0 ? ls.upcalls()
                : callback == null ? null : new SocketCore.Upcalls(callback, cookie, callback, cookie);
        if (!SocketFilters.hasGlobal(nc.domain, nc.type, nc.protocol)) {
            nc.setUpcalls(upcalls);
            int r = nc.proto.attachAccepted(nc, h);
            if (r != 0) {
                nc.close();
                return r;
            }
            new_so.set(s);
            return 0;
        }
        // Global filters: they see the new connection (sf_connect_in, sf_accept) before its
        // owner does, so the upcall goes in only once they have let it through.
        int r = nc.proto.attachAccepted(nc, h);
        if (r == 0) {
            r = acceptFilters(ls, nc);
        }
        if (r == REFUSED_BY_FILTER) {
            // XNU's filters refuse the SYN and the listener never sees the connection; ksock
            // learns of it after the handshake, so it resets it and waits for the next one.
            resetAndClose(nc);
            return REFUSED_BY_FILTER;
        }
        if (r != 0) {
            nc.close();
            return r;
        }
        nc.setUpcalls(upcalls);
        new_so.set(s);
        return 0;
    }

    /** acceptFilters' answer when sf_connect_in refused the connection (not an errno). */
    private static final int REFUSED_BY_FILTER = Integer.MIN_VALUE;
    private static final MemorySegment LINGER_RESET = MemorySegment.ofArray(new int[] {1, 0});

    private static void resetAndClose(SocketCore nc) {
        SocketOptions.set(nc, 0xffff, 0x0080 /* SO_LINGER */, LINGER_RESET, 8);
        nc.close();
    }

    private static int acceptFilters(SocketCore ls, SocketCore nc) {
        SocketFilters.initsock(nc);
        if (!nc.hasFilters()) {
            return 0;
        }
        SockAddr remote = SockAddr.storage();
        SockAddr local = SockAddr.storage();
        nc.proto.peeraddr(nc, remote, 128);
        nc.proto.sockaddr(nc, local, 128);
        if (SocketFilters.connectIn(nc, remote) != 0) {
            return REFUSED_BY_FILTER; // EJUSTRETURN too: the filter took the SYN over
        }
        int r = SocketFilters.accept(ls, nc, local, remote);
        if (r == SysErrno.EJUSTRETURN) {
            nc.proto.shutdown(nc, 2);
            nc.soisdisconnected();
            return 0;
        }
        return r;
    }

    /**
     * Binds {@code so} to the local address {@code to} ({@code man 2 bind}); {@code to}'s
     * {@code sa_len} is authoritative. Ports below {@link NetinetIn#IPPORT_RESERVED} need
     * {@link #sock_setpriv}, else EACCES.
     */
    public static int sock_bind(Socket so, SockAddr to) {
        if (so == null || to == null) {
            return EINVAL;
        }
        SocketCore c = enter(so);
        if (c == null) {
            return EBADF;
        }
        try {
            return SocketLayer.sobind(c, to);
        } catch (RuntimeException e) {
            return internalError("sock_bind", e);
        } finally {
            c.leave();
        }
    }

    /**
     * Closes the socket: blocked callers wake with an error, no upcall starts after this returns
     * (a running one on another thread is waited for — except when sock_close is itself called
     * on an event-loop thread, where waiting could deadlock two upcalls closing each other's
     * sockets; from inside the socket's own upcall closing is allowed), and the host endpoint is
     * released once no call is using it. {@code null} and a
     * second close are no-ops.
     */
    public static void sock_close(Socket so) {
        if (so == null) {
            return;
        }
        try {
            so.core.close();
        } catch (RuntimeException e) {
            internalError("sock_close", e);
        }
    }

    /**
     * Connects {@code so} to {@code to} ({@code man 2 connect}). With {@code MSG_DONTWAIT} or a
     * non-blocking socket a connect that cannot finish at once returns EINPROGRESS; the upcall
     * runs when it completes and the result is then in {@code SO_ERROR}. A second attempt while
     * one is in progress is EALREADY (non-blocking); a connected stream socket is EISCONN.
     *
     * <p>A stream connect that fails once under way (refused, timed out, host unreachable)
     * leaves the socket as XNU's {@code tcp_drop} does: disconnected for good. Sends are EPIPE,
     * receives end of stream (after the pending error, if {@code SO_ERROR} did not take it),
     * {@code sock_shutdown} and {@code sock_getpeername} ENOTCONN, options can no longer be set
     * (EINVAL), and a new {@code sock_connect}, {@code sock_bind} or {@code sock_listen} is
     * EINVAL (a connect first returns a pending error). Make a new socket to try again.
     */
    public static int sock_connect(Socket so, SockAddr to, int flags) {
        if (so == null || to == null) {
            return EINVAL;
        }
        SocketCore c = enter(so);
        if (c == null) {
            return EBADF;
        }
        try {
            return SocketLayer.soconnect(c, to, flags);
        } catch (RuntimeException e) {
            return internalError("sock_connect", e);
        } finally {
            c.leave();
        }
    }

    /** The peer's address, at most {@code peernamelen} bytes; ENOTCONN unless connected. */
    public static int sock_getpeername(Socket so, SockAddr peername, int peernamelen) {
        if (so == null || peername == null || peernamelen < 0) {
            return EINVAL;
        }
        SocketCore c = enter(so);
        if (c == null) {
            return EBADF;
        }
        try {
            if (!c.is(SoState.SS_ISCONNECTED)) {
                return ENOTCONN;
            }
            return c.hasFilters() ? filteredName(c, true, peername, peernamelen)
                    : c.proto.peeraddr(c, peername, peernamelen);
        } catch (RuntimeException e) {
            return internalError("sock_getpeername", e);
        } finally {
            c.leave();
        }
    }

    /** The local address, at most {@code socknamelen} bytes. */
    public static int sock_getsockname(Socket so, SockAddr sockname, int socknamelen) {
        if (so == null || sockname == null || socknamelen < 0) {
            return EINVAL;
        }
        SocketCore c = enter(so);
        if (c == null) {
            return EBADF;
        }
        try {
            return c.hasFilters() ? filteredName(c, false, sockname, socknamelen)
                    : c.proto.sockaddr(c, sockname, socknamelen);
        } catch (RuntimeException e) {
            return internalError("sock_getsockname", e);
        } finally {
            c.leave();
        }
    }

    /**
     * An address through the filters' sf_getpeername / sf_getsockname, which may replace it
     * (XNU calls them from the getpeername/getsockname system calls; the KPI functions are
     * ksock's only way to the address, so they call them). EJUSTRETURN keeps what the filter
     * left; another errno fails the call.
     */
    private static int filteredName(SocketCore c, boolean peer, SockAddr out, int len) {
        SockAddr full = SockAddr.storage();
        int r = peer ? c.proto.peeraddr(c, full, 128) : c.proto.sockaddr(c, full, 128);
        if (r != 0) {
            return r;
        }
        Ref<SockAddr> sa = new Ref<>(full);
        int f = SocketFilters.getaddr(c, peer, sa);
        if (f != 0 && f != SysErrno.EJUSTRETURN) {
            return f;
        }
        SockAddr answer = sa.get() != null ? sa.get() : full;
        long n = Math.min(Math.min(len, answer.sa_len()), out.segment().byteSize());
        MemorySegment.copy(answer.segment(), 0, out.segment(), 0, n);
        return 0;
    }

    /**
     * Reads an option ({@code man 2 getsockopt}). {@code optlen} holds the buffer size on entry
     * and the bytes written on return; a short buffer truncates the value, as XNU does.
     */
    public static int sock_getsockopt(Socket so, int level, int optname, MemorySegment optval, IntRef optlen) {
        if (so == null || optval == null || optlen == null) {
            return EINVAL;
        }
        SocketCore c = enter(so);
        if (c == null) {
            return EBADF;
        }
        try {
            if (c.hasFilters()) {
                // sogetoptlock: the filters first; EJUSTRETURN answers with what they copied out.
                SockOpt opt = new SockOpt(SysKpiSocketFilter.sockopt_get, level, optname, optval, optlen.value);
                int f = SocketFilters.getoption(c, opt);
                if (f != 0) {
                    if (f != SysErrno.EJUSTRETURN) {
                        return f;
                    }
                    optlen.value = (int) opt.valsize;
                    return 0;
                }
            }
            return SocketOptions.get(c, level, optname, optval, optlen);
        } catch (RuntimeException e) {
            return internalError("sock_getsockopt", e);
        } finally {
            c.leave();
        }
    }

    /** Convenience: an {@code int} option read into {@code value}; same results as the faithful form. */
    public static int sock_getsockopt(Socket so, int level, int optname, IntRef value) {
        if (value == null) {
            return EINVAL;
        }
        MemorySegment buf = MemorySegment.ofArray(new int[1]);
        IntRef len = new IntRef(4);
        int r = sock_getsockopt(so, level, optname, buf, len);
        if (r == 0) {
            value.value = len.value >= 4 ? buf.get(ValueLayout.JAVA_INT, 0) : 0;
        }
        return r;
    }

    /** The socket's domain, type and protocol as created; any of them may be null. */
    public static int sock_gettype(Socket so, IntRef domain, IntRef type, IntRef protocol) {
        if (so == null) {
            return EINVAL;
        }
        SocketCore c = so.core;
        if (domain != null) {
            domain.value = c.domain;
        }
        if (type != null) {
            type.value = c.type;
        }
        if (protocol != null) {
            protocol.value = c.protocol;
        }
        return 0;
    }

    /**
     * An ioctl on the socket, answered as XNU's {@code soioctl} answers it (the KPI does not pass
     * through the descriptor layer): {@code FIONBIO} (int: non-zero makes the socket
     * non-blocking), {@code FIOASYNC} (accepted, inert), {@code FIONREAD} (int out: bytes queued
     * to receive; for a datagram, the next one plus its address record), {@code SIOCSPGRP} /
     * {@code SIOCGPGRP} (the owner, stored as given, never signalled), {@code SIOCATMARK} (int
     * out). Any other request goes to the protocol: ENXIO on an internet socket, EOPNOTSUPP on a
     * local one, which includes {@code FIOCLEX}, {@code FIONCLEX}, {@code FIOSETOWN},
     * {@code FIOGETOWN}, {@code FIODTYPE} and the water-mark ioctls; interface ioctls (group
     * {@code 'i'}) are not provided (EOPNOTSUPP). docs/OPTIONS.md has the table.
     *
     * <p>Differs: an {@code argp} shorter than the size encoded in {@code request} (or read-only
     * for a request that returns a value) is EINVAL for the requests that use it; XNU would read
     * or write past the caller's buffer.
     */
    public static int sock_ioctl(Socket so, long request, MemorySegment argp) {
        // Fix (reliability fuzzing): a null or read-only argp once reached code that wrote to it.
        // The socket layer now checks the argument of every request that touches it (size and,
        // for a result, writability) and refuses the others without reading it, as XNU does.
        MemorySegment arg = argp != null ? argp : NO_IOCTL_ARG;
        SocketCore c = enter(so);
        if (c == null) {
            return notUsable(so);
        }
        try {
            if (c.hasFilters()) {
                // soioctl: the filters before anything else.
                int f = SocketFilters.ioctl(c, request, arg);
                if (f != 0) {
                    return f == SysErrno.EJUSTRETURN ? 0 : f;
                }
            }
            return SocketIoctls.ioctl(c, request, arg);
        } catch (RuntimeException e) {
            return internalError("sock_ioctl", e);
        } finally {
            c.leave();
        }
    }

    /** Convenience: an ioctl whose argument is one {@code int}, in and out. */
    public static int sock_ioctl(Socket so, long request, IntRef argp) {
        if (argp == null) {
            return sock_ioctl(so, request, (MemorySegment) null);
        }
        MemorySegment buf = MemorySegment.ofArray(new int[] {argp.value});
        int r = sock_ioctl(so, request, buf);
        if (r == 0) {
            argp.value = buf.get(ValueLayout.JAVA_INT, 0);
        }
        return r;
    }

    /** 1 if the socket is connected, else 0 (also for null). */
    public static int sock_isconnected(Socket so) {
        return so != null && so.core.is(SoState.SS_ISCONNECTED) ? 1 : 0;
    }

    /** 1 if the socket is non-blocking ({@code FIONBIO}), else 0 (also for null). */
    public static int sock_isnonblocking(Socket so) {
        return so != null && so.core.is(SoState.SS_NBIO) ? 1 : 0;
    }

    /**
     * Starts listening ({@code man 2 listen}); a backlog below 0 or above {@code SOMAXCONN}
     * becomes {@code SOMAXCONN} (128). Datagram sockets: EOPNOTSUPP.
     */
    public static int sock_listen(Socket so, int backlog) {
        SocketCore c = enter(so);
        if (c == null) {
            return notUsable(so);
        }
        try {
            return SocketLayer.solisten(c, backlog);
        } catch (RuntimeException e) {
            return internalError("sock_listen", e);
        } finally {
            c.leave();
        }
    }

    /**
     * Receives into {@code msg}'s iovecs ({@code man 2 recvmsg}); {@code recvdlen} gets the byte
     * count (0 at end of stream). Flags: MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, MSG_OOB. The
     * sender's address goes to {@code msg_name} (at most {@code msg_namelen} bytes; the length
     * field itself is not updated, as in XNU); {@code msg_flags} reports MSG_TRUNC and friends.
     */
    public static int sock_receive(Socket so, MsgHdr msg, int flags, LongRef recvdlen) {
        if (recvdlen != null) {
            recvdlen.value = 0;
        }
        if (so == null || msg == null) {
            return EINVAL;
        }
        long total = iovTotal(msg, true);
        if (total < 0) {
            return EINVAL;
        }
        if (msg.msg_name != null && msg.msg_namelen < 0 || badReceiveControl(msg)) {
            return EINVAL;
        }
        SocketCore c = enter(so);
        if (c == null) {
            return EBADF;
        }
        try {
            long n = SocketLayer.soreceive(c, msg, flags, total);
            if (n < 0) {
                return (int) -n;
            }
            controlReceived(msg);
            if (recvdlen != null) {
                recvdlen.value = n;
            }
            return 0;
        } catch (RuntimeException e) {
            return internalError("sock_receive", e);
        } finally {
            c.leave();
        }
    }

    /**
     * Receives up to {@code *recvlen} bytes as an mbuf chain stored in {@code data}, without
     * copying; the caller frees it. {@code msg} may be null; its {@code msg_iov} must be unset.
     * {@code recvlen} must be non-null and non-zero; it returns the count.
     */
    public static int sock_receivembuf(Socket so, MsgHdr msg, Ref<Mbuf> data, int flags, LongRef recvlen) {
        if (data != null) {
            data.set(null);
        }
        if (so == null || data == null || recvlen == null || recvlen.value <= 0) {
            if (recvlen != null) {
                recvlen.value = 0;
            }
            return EINVAL;
        }
        if (msg != null && (msg.msg_iov != null || msg.msg_iovlen != 0 || (msg.msg_name != null && msg.msg_namelen < 0)
                || badReceiveControl(msg))) {
            recvlen.value = 0;
            return EINVAL;
        }
        SocketCore c = enter(so);
        if (c == null) {
            recvlen.value = 0;
            return EBADF;
        }
        try {
            long n = SocketLayer.soreceiveChain(c, msg, recvlen.value, flags, data);
            if (n < 0) {
                recvlen.value = 0;
                return (int) -n;
            }
            if (msg != null) {
                controlReceived(msg);
            }
            recvlen.value = n;
            return 0;
        } catch (RuntimeException e) {
            recvlen.value = 0;
            return internalError("sock_receivembuf", e);
        } finally {
            c.leave();
        }
    }

    /**
     * Sends {@code msg}'s iovecs ({@code man 2 sendmsg}); {@code sentlen} gets the count. A
     * blocking stream send returns once everything is sent; a non-blocking one, or one whose
     * {@code SO_SNDTIMEO} passes, reports what was sent as success (EWOULDBLOCK if nothing was);
     * any other error is returned as the error even if part went out, as XNU does.
     * After {@code SHUT_WR}: EPIPE, and never a signal.
     */
    public static int sock_send(Socket so, MsgHdr msg, int flags, LongRef sentlen) {
        if (sentlen != null) {
            sentlen.value = 0;
        }
        if (so == null || msg == null) {
            return EINVAL;
        }
        long total = iovTotal(msg, false);
        if (total < 0) {
            return EINVAL;
        }
        int ctl = checkControl(msg);
        if (ctl != 0) {
            return ctl;
        }
        SocketCore c = enter(so);
        if (c == null) {
            return EBADF;
        }
        try {
            long n = SocketLayer.sosend(c, msg, flags, total);
            if (n < 0) {
                return (int) -n;
            }
            if (sentlen != null) {
                sentlen.value = n;
            }
            return 0;
        } catch (RuntimeException e) {
            return internalError("sock_send", e);
        } finally {
            c.leave();
        }
    }

    /**
     * Sends the mbuf chain {@code data} without copying it; the chain is freed whatever the
     * result. {@code msg} may be null (it may carry a destination); its {@code msg_iov} must be
     * unset.
     */
    public static int sock_sendmbuf(Socket so, MsgHdr msg, Mbuf data, int flags, LongRef sentlen) {
        if (sentlen != null) {
            sentlen.value = 0;
        }
        if (data == null) {
            return EINVAL;
        }
        int early = 0;
        if (so == null || (msg != null && (msg.msg_iov != null || msg.msg_iovlen != 0))) {
            early = EINVAL;
        } else if (msg != null) {
            early = checkControl(msg);
        }
        SocketCore c = early == 0 ? enter(so) : null;
        if (c == null) {
            dev.ksock.internal.mbuf.MbufChains.freem(data);
            return early != 0 ? early : EBADF;
        }
        try {
            long n = SocketLayer.sosendChain(c, msg, data, flags);
            if (n < 0) {
                return (int) -n;
            }
            if (sentlen != null) {
                sentlen.value = n;
            }
            return 0;
        } catch (RuntimeException e) {
            return internalError("sock_sendmbuf", e);
        } finally {
            c.leave();
        }
    }

    /**
     * Sets or clears the socket's privilege ({@code SS_PRIV}). Without it, binding a port below
     * 1024 is EACCES — on any address, whatever the JVM's own rights (stricter than XNU).
     */
    public static int sock_setpriv(Socket so, int on) {
        SocketCore c = enter(so);
        if (c == null) {
            return notUsable(so);
        }
        try {
            c.setPrivileged(on != 0);
            return 0;
        } finally {
            c.leave();
        }
    }

    /** Sets an option ({@code man 2 setsockopt}); fewer bytes than the option needs is EINVAL. */
    public static int sock_setsockopt(Socket so, int level, int optname, MemorySegment optval, int optlen) {
        if (so == null || optval == null) {
            return EINVAL;
        }
        SocketCore c = enter(so);
        if (c == null) {
            return EBADF;
        }
        try {
            if (c.hasFilters()) {
                // sosetoptlock: the filters first; EJUSTRETURN means set without the layer.
                SockOpt opt = new SockOpt(SysKpiSocketFilter.sockopt_set, level, optname, optval, optlen);
                int f = SocketFilters.setoption(c, opt);
                if (f != 0) {
                    return f == SysErrno.EJUSTRETURN ? 0 : f;
                }
            }
            return SocketOptions.set(c, level, optname, optval, optlen);
        } catch (RuntimeException e) {
            return internalError("sock_setsockopt", e);
        } finally {
            c.leave();
        }
    }

    /** Convenience: sets an {@code int} option; same results as the faithful form. */
    public static int sock_setsockopt(Socket so, int level, int optname, int value) {
        MemorySegment buf = MemorySegment.ofArray(new int[] {value});
        return sock_setsockopt(so, level, optname, buf, 4);
    }

    /**
     * Shuts down one or both directions ({@code SHUT_RD}, {@code SHUT_WR}, {@code SHUT_RDWR});
     * ENOTCONN if the socket is not connected, EINVAL for another {@code how}.
     */
    public static int sock_shutdown(Socket so, int how) {
        SocketCore c = enter(so);
        if (c == null) {
            return notUsable(so);
        }
        try {
            return SocketLayer.soshutdown(c, how);
        } catch (RuntimeException e) {
            return internalError("sock_shutdown", e);
        } finally {
            c.leave();
        }
    }

    /**
     * Creates a socket ({@code man 2 socket}) with no descriptor of its own. {@code callback}
     * (may be null) is its upcall, called with {@code cookie}. Unknown domain: EAFNOSUPPORT;
     * a protocol of another type: EPROTOTYPE; other unknown triples: EPROTONOSUPPORT.
     */
    public static int sock_socket(int domain, int type, int protocol,
                                  SockUpcall callback, Object cookie, Ref<Socket> new_so) {
        if (new_so == null) {
            return EINVAL;
        }
        try {
            Ref<SocketCore> out = new Ref<>();
            int r = SocketLayer.socreate(domain, type, protocol, out);
            if (r != 0) {
                return r;
            }
            SocketCore c = out.get();
            Socket s = new Socket(c);
            c.setHandle(s);
            SocketFilters.initsock(c); // socreate's sflt_initsock: the global filters
            c.setUpcall(callback, cookie);
            new_so.set(s);
            return 0;
        } catch (RuntimeException e) {
            return internalError("sock_socket", e);
        }
    }

    // ------------------------------------------------------------------ the later kpi_socket.h calls

    /**
     * Replaces the socket's upcall (null clears it), with {@code context} as its cookie. As with
     * {@code sock_socket}'s callback, it is called for reads and for writes, once per edge (XNU's
     * arm64 behaviour; on x86_64 XNU sets only the read upcall — use {@link #sock_setupcalls} for
     * that). Safe while upcalls are being delivered: a running one finishes with the old callback
     * and context, and XNU does not wait for it either. A condition that already holds is
     * reported to the new upcall. EINVAL for a null socket, EBADF once it is closed.
     */
    public static int sock_setupcall(Socket so, SockUpcall callback, Object context) {
        SocketCore c = enter(so);
        if (c == null) {
            return notUsable(so);
        }
        try {
            c.setUpcall(callback, context);
            return 0;
        } catch (RuntimeException e) {
            return internalError("sock_setupcall", e);
        } finally {
            c.leave();
        }
    }

    /**
     * Sets separate read and write upcalls (either may be null, which clears that side): the read
     * upcall runs when data, a connection to accept, end of stream or an error arrives; the write
     * upcall when there is room to send or an error; both when the socket connects or
     * disconnects. The same callback and context on both sides runs once per edge. EINVAL for a
     * null socket, EBADF once it is closed.
     */
    public static int sock_setupcalls(Socket so, SockUpcall read_callback, Object read_context,
                                      SockUpcall write_callback, Object write_context) {
        SocketCore c = enter(so);
        if (c == null) {
            return notUsable(so);
        }
        try {
            c.setUpcalls(read_callback == null && write_callback == null ? null
                    : new SocketCore.Upcalls(read_callback, read_context, write_callback, write_context));
            return 0;
        } catch (RuntimeException e) {
            return internalError("sock_setupcalls", e);
        } finally {
            c.leave();
        }
    }

    /**
     * Installs (or, with a null callback, removes) the socket's event upcall for the
     * {@code SO_FILT_HINT_*} events in {@code event_mask} ({@link SysKpiSocket}): connected
     * ({@code SOCKEV_CONNECTED}, with {@code SO_FILT_HINT_CONNINFO_UPDATED}), disconnected
     * ({@code SOCKEV_DISCONNECTED}), can't receive more, can't send more, reset received
     * ({@code SO_FILT_HINT_CONNRESET}) and a connect timed out ({@code SO_FILT_HINT_TIMEOUT}).
     * The callback gets the bits that happened and are in the mask, synchronously from the
     * transition (see {@link SockEvUpcall}). EINVAL for a null socket, EBADF once it is closed.
     */
    public static int sock_catchevents(Socket so, SockEvUpcall event_callback, Object event_context, int event_mask) {
        SocketCore c = enter(so);
        if (c == null) {
            return notUsable(so);
        }
        try {
            c.setEvents(event_callback, event_context, event_mask);
            return 0;
        } catch (RuntimeException e) {
            return internalError("sock_catchevents", e);
        } finally {
            c.leave();
        }
    }

    /**
     * Waits up to {@code tv} for a connect in progress (after a non-blocking
     * {@code sock_connect}) to finish. A socket not connecting returns its pending error
     * (cleared), 0 if connected, else EINVAL. {@code tv} out of XNU's range (negative, more than
     * 327 s, or microseconds outside [0, 1000000)) is EDOM; {@code {0, 0}} waits until the
     * connect ends, as XNU's untimed msleep does. After the wait: EINPROGRESS if still connecting,
     * the connect's error (cleared), or 0. EINVAL for a null socket or {@code tv}.
     */
    public static int sock_connectwait(Socket so, Timeval tv) {
        if (tv == null) {
            return EINVAL;
        }
        SocketCore c = enter(so);
        if (c == null) {
            return notUsable(so);
        }
        try {
            return SocketLayer.soconnectwait(c, tv.tv_sec(), tv.tv_usec());
        } catch (RuntimeException e) {
            return internalError("sock_connectwait", e);
        } finally {
            c.leave();
        }
    }

    /**
     * The socket's local ({@code peername} 0) or peer (non-zero) address, in a new
     * {@link SockAddr} stored in {@code psockname} (free it with {@link #sock_freeaddr}). EINVAL
     * for a null socket or out-parameter, EBADF once closed; a peer address of a socket that is
     * not connected is ENOTCONN (XNU's protocols answer an all-zero address there).
     */
    public static int sock_getaddr(Socket so, Ref<SockAddr> psockname, int peername) {
        if (psockname == null) {
            return EINVAL;
        }
        psockname.set(null);
        SocketCore c = enter(so);
        if (c == null) {
            return notUsable(so);
        }
        try {
            boolean peer = peername != 0;
            if (peer && !c.is(SoState.SS_ISCONNECTED)) {
                return ENOTCONN;
            }
            SockAddr sa = SockAddr.storage();
            int r = peer ? c.proto.peeraddr(c, sa, 128) : c.proto.sockaddr(c, sa, 128);
            if (r == 0) {
                psockname.set(sa);
            }
            return r;
        } catch (RuntimeException e) {
            return internalError("sock_getaddr", e);
        } finally {
            c.leave();
        }
    }

    /** Frees an address from {@link #sock_getaddr}; null is allowed. (The JVM reclaims it.) */
    public static void sock_freeaddr(SockAddr sockname) {
        // Nothing to release: the address is an ordinary object.
    }

    /**
     * Sets or clears SB_NOINTR on both socket buffers. Without it (the default) a thread blocked
     * in a call on this socket that is interrupted ({@link Thread#interrupt}, Java's signal)
     * returns EINTR, or the bytes moved so far; with it, interrupts do not end the wait. EINVAL
     * for a null socket, EBADF once closed.
     */
    public static int sock_nointerrupt(Socket so, int on) {
        SocketCore c = enter(so);
        if (c == null) {
            return notUsable(so);
        }
        try {
            c.setNoInterrupt(on != 0);
            return 0;
        } finally {
            c.leave();
        }
    }

    /**
     * Takes a reference on the socket (so_retaincnt). The socket object stays valid for as long
     * as Java can reach it anyway; the count keeps XNU's pairing rule checkable. Null is a no-op.
     */
    public static void sock_retain(Socket so) {
        if (so != null) {
            so.core.retain();
        }
    }

    /**
     * Drops a reference from {@link #sock_retain}, first waiting for an upcall of the socket that
     * is running on another thread (XNU's soclose_wait_locked). A release without a retain is
     * logged and ignored (XNU panics). It never closes the socket: that is {@code sock_close}'s.
     */
    public static void sock_release(Socket so) {
        if (so == null) {
            return;
        }
        try {
            if (!so.core.release()) {
                LOG.log(System.Logger.Level.WARNING, "sock_release without sock_retain on " + so + "; ignored");
            }
        } catch (RuntimeException e) {
            internalError("sock_release", e);
        }
    }

    /** Sum of the used iovecs' sizes, or -1 if the msghdr's iovec fields are invalid. */
    private static long iovTotal(MsgHdr msg, boolean receiving) {
        MemorySegment[] iov = msg.msg_iov;
        int n = msg.msg_iovlen;
        if (iov == null || n < 1 || n > iov.length) {
            return -1;
        }
        long total = 0;
        for (int i = 0; i < n; i++) {
            MemorySegment s = iov[i];
            if (s == null || s.isReadOnly() && receiving) {
                return -1;
            }
            total += s.byteSize();
        }
        // XNU's sock_receive refuses an empty first iovec.
        if (receiving && iov[0].byteSize() == 0) {
            return -1;
        }
        return total;
    }

    /**
     * Control data on send, as XNU's {@code sock_send} checks it before the protocol sees it:
     * shorter than a Darwin {@code cmsghdr} (12 bytes) or longer than one mbuf ({@code MLEN},
     * 224) is EINVAL; so is a length past the buffer's end. The protocol then checks the messages
     * themselves (see {@link ScmRights} for {@code SCM_RIGHTS}).
     */
    private static int checkControl(MsgHdr msg) {
        if (msg.msg_control == null || msg.msg_controllen == 0) {
            return 0;
        }
        if (msg.msg_controllen < CMSGHDR_SIZE || msg.msg_controllen > MAX_CONTROL
                || msg.msg_controllen > msg.msg_control.byteSize()) {
            return EINVAL;
        }
        return 0;
    }

    /**
     * On receive {@code msg_controllen} says how much of {@code msg_control} may be filled; a
     * length past the buffer's end is EINVAL (in C it would overrun).
     */
    private static boolean badReceiveControl(MsgHdr msg) {
        return msg.msg_control != null && (msg.msg_controllen < 0 || msg.msg_controllen > msg.msg_control.byteSize()
                || msg.msg_control.isReadOnly());
    }

    /** XNU's sock_receive: msg_controllen becomes the bytes of control data copied out. */
    private static void controlReceived(MsgHdr msg) {
        if (msg.msg_control == null) {
            msg.msg_controllen = 0;
        }
        // Otherwise the protocol has set it (0 when nothing came).
    }
}
