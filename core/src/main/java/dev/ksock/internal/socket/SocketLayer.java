package dev.ksock.internal.socket;

import static dev.ksock.SysErrno.*;
import static dev.ksock.internal.socket.SoState.*;

import dev.ksock.Mbuf;
import dev.ksock.MsgHdr;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.SysKpiSocketFilter;
import dev.ksock.internal.mbuf.MbufChains;

/**
 * The generic socket layer (BSD's {@code uipc_socket.c}): creation, binding, connecting,
 * accepting, sending and receiving with BSD's blocking rules, on top of any protocol switch.
 *
 * <p>Every operation here runs with the socket entered ({@link SocketCore#enter}) by the KPI.
 * Protocols never block; this is where the layer decides to wait — always in
 * {@link #waitFor}, which sleeps on the socket buffer or, on an event-loop thread (where
 * sleeping would stop the loop that must wake us), polls the host.
 */
public final class SocketLayer {
    private SocketLayer() {
    }

    /** Default socket buffer sizes (BSD's tcp_sendspace / tcp_recvspace are 128 KiB on Darwin). */
    public static final int DEFAULT_SNDBUF = 128 * 1024, DEFAULT_RCVBUF = 128 * 1024;
    /**
     * The most a listen backlog can ask for: Darwin's {@code kern.ipc.somaxconn}, 128 unless the
     * system property {@code ksock.somaxconn} says otherwise (servers under connection bursts
     * raise it, as one raises the sysctl on macOS).
     */
    public static final int SOMAXCONN = Math.max(1, Integer.getInteger("ksock.somaxconn", 128));
    private static final int MSG_OOB = 0x1, MSG_PEEK = 0x2, MSG_WAITALL = 0x40, MSG_DONTWAIT = 0x80;
    private static final int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;
    private static final int AF_INET = 2, AF_INET6 = 30, AF_UNSPEC = 0;
    private static final int SOCK_STREAM = 1;
    private static final int SO_ACCEPTCONN = 0x0002;
    private static final int IPPORT_RESERVED = 1024;

    /** How a waiting caller is woken when it runs on an event loop (see {@link #waitFor}). */
    public interface LoopPoller {
        /** True if the calling thread is an event-loop thread, where sleeping is forbidden. */
        boolean onEventLoop();

        /** Polls the host endpoint for the direction until ready or {@code millis}; true if ready. */
        boolean poll(SocketCore so, boolean forWrite, int millis);

        /** True if the calling thread is the event loop that delivers {@code so}'s host edges. */
        boolean onOwnLoop(SocketCore so);
    }

    private static volatile LoopPoller poller;

    public static void setLoopPoller(LoopPoller p) {
        poller = p;
    }

    /** True on an event-loop thread, where the layer must never sleep waiting for another loop. */
    static boolean onEventLoop() {
        LoopPoller p = poller;
        return p != null && p.onEventLoop();
    }

    /** socreate. */
    public static int socreate(int domain, int type, int protocol, Ref<SocketCore> out) {
        int[] err = new int[1];
        Domains.Entry e = Domains.find(domain, type, protocol, err);
        if (e == null) {
            return err[0];
        }
        SocketCore so = new SocketCore(domain, type, e.protocol(), e.proto(), DEFAULT_SNDBUF, DEFAULT_RCVBUF);
        int r = e.proto().attach(so);
        if (r != 0) {
            return r;
        }
        out.set(so);
        return 0;
    }

    /**
     * sobind. The privilege rule is ksock's (stricter than XNU): any reserved port needs SS_PRIV.
     * A socket whose connect was dropped is EINVAL, as {@code tcp_usr_bind} answers a dead pcb
     * (COMMON_START), before any address check.
     */
    public static int sobind(SocketCore so, SockAddr nam) {
        if (so.isDropped()) {
            return EINVAL;
        }
        int fam = nam.sa_family();
        if ((so.domain == AF_INET || so.domain == AF_INET6) && fam == so.domain) {
            int port = nam.port();
            if (port > 0 && port < IPPORT_RESERVED && !so.is(SS_PRIV)) {
                return EACCES;
            }
        }
        if (so.filters != null) {
            // sobindlock: the filters first; EJUSTRETURN means done without the protocol.
            int f = SocketFilters.bind(so, nam);
            if (f != 0) {
                return f == EJUSTRETURN ? 0 : f;
            }
        }
        int r = so.proto.bind(so, nam);
        if (r == 0 && so.filters != null) {
            SocketFilters.notify(so, SysKpiSocketFilter.sock_evt_bound, null);
        }
        return r;
    }

    /** solisten: backlogs outside [0, SOMAXCONN] become SOMAXCONN, as in BSD. */
    public static int solisten(SocketCore so, int backlog) {
        if (!so.proto.connRequired()) {
            return EOPNOTSUPP;
        }
        if (so.is(SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING) || so.isDropped()) {
            return EINVAL; // the dropped case: tcp_usr_listen's COMMON_START on a dead pcb
        }
        if (backlog < 0 || backlog > SOMAXCONN) {
            backlog = SOMAXCONN;
        }
        if (so.filters != null) {
            int f = SocketFilters.listen(so);
            if (f != 0) {
                return f == EJUSTRETURN ? 0 : f;
            }
        }
        int r = so.proto.listen(so, backlog);
        if (r == 0) {
            so.setOption(SO_ACCEPTCONN, true);
        }
        return r;
    }

    /**
     * soconnect plus sock_connect's waiting rules. A stream socket whose earlier connect was
     * dropped (refused, timed out, host error) never reaches the host again: XNU's
     * {@code tcp_usr_connect} finds the pcb dead and returns the pending so_error (clearing it),
     * else EINVAL, whatever the address; Linux would start a new connection on it.
     */
    public static int soconnect(SocketCore so, SockAddr nam, int flags) {
        boolean dontwait = (flags & MSG_DONTWAIT) != 0 || so.is(SS_NBIO);
        if (so.hasOption(SO_ACCEPTCONN)) {
            return EOPNOTSUPP;
        }
        if (so.proto.connRequired()) {
            if (so.isDropped()) {
                int e = so.takeError();
                return e != 0 ? e : EINVAL;
            }
            if (so.is(SS_ISCONNECTING)) {
                if (dontwait) {
                    return EALREADY;
                }
                return waitConnected(so);
            }
            if (so.is(SS_ISCONNECTED)) {
                return EISCONN;
            }
        }
        int fam = nam.sa_family();
        if (fam != so.domain && !(fam == AF_UNSPEC && !so.proto.connRequired())) {
            // A datagram socket may be "disconnected" with AF_UNSPEC; otherwise families must match.
            if (!(so.domain == AF_INET6 && fam == AF_INET)) {
                return EAFNOSUPPORT;
            }
        }
        if (so.filters != null) {
            // sflt_connectout: the filters see a copy they may rewrite; the connect uses it.
            nam = copyAddr(nam);
            int f = SocketFilters.connectOut(so, nam);
            if (f != 0) {
                return f == EJUSTRETURN ? 0 : f;
            }
        }
        so.soisconnecting();
        int r = so.proto.connect(so, nam);
        if (r == 0) {
            so.soisconnected();
            return 0;
        }
        if (r != EINPROGRESS) {
            so.soconnectfailed();
            return r;
        }
        if (dontwait) {
            return EINPROGRESS;
        }
        return waitConnected(so);
    }

    /** A copy of an address in a full sockaddr_storage (XNU hands filters a SOCK_MAXADDRLEN buffer). */
    static SockAddr copyAddr(SockAddr a) {
        SockAddr c = SockAddr.storage();
        long n = Math.min(a.segment().byteSize(), c.segment().byteSize());
        java.lang.foreign.MemorySegment.copy(a.segment(), 0, c.segment(), 0, n);
        return c;
    }

    /** How long sock_connectwait may be asked to wait: XNU's SHRT_MAX / hz seconds (hz = 100). */
    private static final long CONNECTWAIT_MAX_SECONDS = Short.MAX_VALUE / 100;

    /** sock_connectwait (kpi_socket.c): a bounded wait for a connect in progress. */
    public static int soconnectwait(SocketCore so, long sec, long usec) {
        if (!so.is(SS_ISCONNECTING) || so.peekError() != 0) {
            int e = so.takeError();
            if (e != 0) {
                return e;
            }
            return so.is(SS_ISCONNECTED) ? 0 : EINVAL;
        }
        if (sec < 0 || sec > CONNECTWAIT_MAX_SECONDS || usec < 0 || usec >= 1_000_000) {
            return EDOM;
        }
        long nanos = SockBuf.toNanos(sec, usec);
        long deadline = nanos == 0 ? 0 : System.nanoTime() + nanos;
        while (so.is(SS_ISCONNECTING) && so.peekError() == 0) {
            long seq = so.snd.readySeq();
            if (!so.is(SS_ISCONNECTING) || so.peekError() != 0) {
                break;
            }
            int w = waitFor(so, so.snd, seq, deadline, true);
            if (w == EWOULDBLOCK) {
                break; // the time is up
            }
            if (w != 0) {
                return w;
            }
        }
        if (so.is(SS_ISCONNECTING) && so.peekError() == 0) {
            return EINPROGRESS;
        }
        return so.takeError();
    }

    private static int waitConnected(SocketCore so) {
        while (so.is(SS_ISCONNECTING)) {
            long seq = so.snd.readySeq();
            if (!so.is(SS_ISCONNECTING)) {
                break;
            }
            int w = waitFor(so, so.snd, seq, 0, true);
            if (w != 0) {
                return w;
            }
        }
        int e = so.takeError();
        if (e != 0) {
            return e;
        }
        return so.is(SS_ISCONNECTED) ? 0 : ECONNREFUSED;
    }

    /**
     * sock_accept's loop: returns the host handle of a completed connection (≥ 0) or a negated
     * errno. Blocking accept has no timeout, as in XNU; it ends with ECONNABORTED when the
     * listener is closed or shut down under it.
     */
    public static int soaccept(SocketCore so, SockAddr from, int fromlen, boolean dontwait) {
        for (;;) {
            long seq = so.rcv.readySeq();
            int e = so.takeError();
            if (e != 0) {
                return -e;
            }
            int h = so.proto.accept(so, from, fromlen);
            if (h != -EWOULDBLOCK) {
                return h;
            }
            if (dontwait || so.is(SS_NBIO)) {
                return -EWOULDBLOCK;
            }
            if (so.isClosed() || so.is(SS_CANTRCVMORE)) {
                return -ECONNABORTED;
            }
            int w = waitFor(so, so.rcv, seq, 0, false);
            if (w != 0) {
                return -(w == EBADF ? ECONNABORTED : w);
            }
        }
    }

    /**
     * sonewconn: the socket for an accepted connection, inheriting the listener's options,
     * buffer marks, timeouts, non-blocking and privilege bits as BSD's sonewconn does. It is
     * connected from birth; the caller installs its upcall and then attaches the host handle.
     */
    public static SocketCore sonewconn(SocketCore head) {
        SocketCore so = new SocketCore(head.domain, head.type, head.protocol, head.proto, head.snd.hiwat, head.rcv.hiwat);
        so.snd.lowat = head.snd.lowat;
        so.rcv.lowat = head.rcv.lowat;
        so.snd.timeoNanos = head.snd.timeoNanos;
        so.rcv.timeoNanos = head.rcv.timeoNanos;
        so.lingerSeconds = head.lingerSeconds;
        so.lingerTicks = head.lingerTicks;
        so.pgid = head.pgid;
        if (head.hasOption(SocketOptions.OPT_NOSIGPIPE)) {
            so.setOption(SocketOptions.OPT_NOSIGPIPE, true);
        }
        so.setNonBlocking(head.is(SS_NBIO));
        so.setPrivileged(head.is(SS_PRIV));
        so.soisconnected();
        return so;
    }

    /**
     * sosend over iovecs. Stream sockets block until everything is sent (unless non-blocking);
     * a timeout or non-blocking stop after some bytes went out is success with the partial
     * count, as XNU's sock_send reports it.
     */
    public static long sosend(SocketCore so, MsgHdr msg, int flags, long total) {
        if (so.filters != null && FilteredIo.sendsThroughFilters(so)) {
            return FilteredIo.sosend(so, msg, flags, total);
        }
        boolean dontwait = (flags & MSG_DONTWAIT) != 0 || so.is(SS_NBIO);
        long done = 0;
        long deadline = 0;
        for (;;) {
            int pre = sendPrecheck(so, msg.msg_name != null);
            if (pre != 0) {
                return -pre;
            }
            long seq = so.snd.readySeq();
            // Queued chain bytes go first: iovec bytes may not overtake them, so while a queue
            // exists this send would block exactly as if the host were full.
            if (so.snd.queued == null) {
                long n = so.proto.send(so, msg, done, flags);
                if (n >= 0) {
                    done += n;
                    if (done >= total || !so.proto.connRequired()) {
                        return done;
                    }
                    continue;
                }
                if (n != -EWOULDBLOCK) {
                    return n; // XNU's sock_send: only a would-block stop reports a partial count
                }
            }
            if (dontwait) {
                return done > 0 ? done : -EWOULDBLOCK;
            }
            if (deadline == 0) {
                deadline = so.snd.deadline();
            }
            int w = waitFor(so, so.snd, seq, deadline, true);
            if (w != 0) {
                return (w == EWOULDBLOCK || w == EINTR) && done > 0 ? done : -w;
            }
        }
    }


    /**
     * sosend of an mbuf chain; the chain is always consumed. As in BSD, a stream socket takes
     * the whole chain or nothing: a blocking send waits until everything is out; a non-blocking
     * one that the host takes only in part keeps the rest in the send buffer's queue (bounded by
     * SO_SNDBUF) for the event loop to write, and reports the whole length. Nothing is sent past
     * a queued chain, so bytes never overtake each other.
     */
    public static long sosendChain(SocketCore so, MsgHdr msg, Mbuf data, int flags) {
        if (so.filters != null && FilteredIo.sendsThroughFilters(so)) {
            return FilteredIo.sosendChain(so, msg, data, flags, null);
        }
        return sendChainToHost(so, msg, data, flags);
    }

    /** sosend of a chain past the filters (what they let through, or what nobody filters). */
    static long sendChainToHost(SocketCore so, MsgHdr msg, Mbuf data, int flags) {
        boolean dontwait = (flags & MSG_DONTWAIT) != 0 || so.is(SS_NBIO);
        long total = MbufChains.length(data);
        if (total < 0) {
            MbufChains.freem(data);
            return -EINVAL;
        }
        SockAddr to = msg == null ? null : msg.msg_name;
        long done = 0;
        long deadline = 0;
        Mbuf rest = data;
        try {
            for (;;) {
                int pre = sendPrecheck(so, to != null);
                if (pre != 0) {
                    return -pre;
                }
                long seq = so.snd.readySeq();
                synchronized (so.snd) {
                    if (so.snd.queued != null) {
                        if (dontwait && so.proto.connRequired()) {
                            if (so.snd.queuedBytes + (total - done) > so.snd.hiwat) {
                                return done > 0 ? done : -EWOULDBLOCK;
                            }
                            so.snd.queued = MbufChains.append(so.snd.queued, rest);
                            so.snd.queuedBytes += total - done;
                            rest = null;
                            return total;
                        }
                        // Blocking: wait below until the loop has written the queue out.
                    } else {
                        // Control data goes with the first piece only (see sosend).
                        long n = done == 0 && msg != null && msg.msg_control != null
                                ? so.proto.sendChain(so, rest, msg, flags)
                                : so.proto.sendChain(so, rest, to, flags);
                        if (n >= 0) {
                            done += n;
                            if (done >= total || !so.proto.connRequired()) {
                                return done;
                            }
                            rest = MbufChains.dropFront(rest, n);
                            if (dontwait) {
                                so.snd.queued = rest;
                                so.snd.queuedBytes = total - done;
                                rest = null;
                                // The host may have made room since its partial take, and the
                                // loop then found no queue to write (edges are not repeated):
                                // try once more now that the queue exists. Room made after this
                                // try is an edge the loop sees with the queue in place.
                                int e = sbflush(so);
                                if (e != 0) {
                                    so.soseterror(e);
                                }
                                return total;
                            }
                            continue;
                        }
                        int err = (int) -n;
                        if (err != EWOULDBLOCK) {
                            return -err;
                        }
                        if (dontwait) {
                            return done > 0 ? done : -err;
                        }
                    }
                }
                if (deadline == 0) {
                    deadline = so.snd.deadline();
                }
                int w = waitFor(so, so.snd, seq, deadline, true);
                if (w != 0) {
                    return (w == EWOULDBLOCK || w == EINTR) && done > 0 ? done : -w;
                }
            }
        } finally {
            if (rest != null) {
                MbufChains.freem(rest);
            }
        }
    }

    /**
     * Writes out the send buffer's queued chain as far as the host takes it (on the event loop,
     * when the host reports room). Returns 0, or the errno that ended the connection's sending.
     */
    static int sbflush(SocketCore so) {
        synchronized (so.snd) {
            while (so.snd.queued != null) {
                long n = so.proto.sendChain(so, so.snd.queued, (SockAddr) null, 0);
                if (n == -EWOULDBLOCK) {
                    return 0;
                }
                if (n < 0) {
                    sbdrop(so);
                    return (int) -n;
                }
                so.snd.queued = MbufChains.dropFront(so.snd.queued, n);
                so.snd.queuedBytes -= n;
            }
            so.snd.queuedBytes = 0;
            if (so.snd.shutdownPending) {
                // The queue is out: now the FIN that SHUT_WR asked for while it was not.
                so.snd.shutdownPending = false;
                return so.proto.shutdown(so, SHUT_WR);
            }
            return 0;
        }
    }

    /** Frees the layer's receive records (the socket closed). */
    static void rcvdrop(SocketCore so) {
        if (so.rcv.held != null) {
            FilteredIo.dropAll(so);
        }
    }

    /** Discards the send buffer's queue (a reset connection, a zero-linger close). */
    static void sbdrop(SocketCore so) {
        synchronized (so.snd) {
            if (so.snd.queued != null) {
                MbufChains.freem(so.snd.queued);
                so.snd.queued = null;
            }
            so.snd.queuedBytes = 0;
            so.snd.shutdownPending = false;
        }
    }

    static int sendPrecheck(SocketCore so, boolean hasName) {
        // sosendcheck: SS_CANTSENDMORE before so_error, so a dropped connect's error stays for
        // SO_ERROR. The dropped mark is set before the state (see soconnectdropped).
        if (so.is(SS_CANTSENDMORE) || so.isDropped()) {
            return EPIPE;
        }
        int e = so.takeError();
        if (e != 0) {
            return e;
        }
        if (so.proto.connRequired()) {
            if (!so.is(SS_ISCONNECTED)) {
                return ENOTCONN;
            }
        } else if (!hasName && !so.is(SS_ISCONNECTED)) {
            return EDESTADDRREQ;
        } else if (hasName && so.is(SS_ISCONNECTED)) {
            // BSD's udp_output: a connected datagram socket refuses a destination (Linux allows it).
            return EISCONN;
        }
        return 0;
    }

    /**
     * soreceive into iovecs. Returns the count (≥ 0) or a negated errno.
     * {@code MSG_WAITALL} on a stream keeps reading until the iovecs are full, the peer closes,
     * an error arrives or the timeout passes (a partial count is then success).
     */
    public static long soreceive(SocketCore so, MsgHdr msg, int flags, long total) {
        if ((so.rcv.held != null || so.filters != null) && FilteredIo.receivesThroughLayer(so)
                && (flags & MSG_OOB) == 0) {
            return FilteredIo.soreceive(so, msg, flags, total);
        }
        boolean dontwait = (flags & MSG_DONTWAIT) != 0 || so.is(SS_NBIO);
        boolean waitall = (flags & MSG_WAITALL) != 0 && so.type == SOCK_STREAM
                && (flags & (MSG_PEEK | MSG_OOB)) == 0 && !dontwait;
        long done = 0;
        long deadline = 0;
        int outFlags = 0;
        for (;;) {
            long seq = so.rcv.readySeq();
            if (done == 0) {
                int e = receiveError(so, flags);
                if (e != 0) {
                    return -e;
                }
                if (so.isDropped()) {
                    // soreceive: so_error once (above), then SS_CANTRCVMORE with nothing
                    // buffered is end of stream. The host is not asked: after the timer's abort
                    // Linux would say ENOTCONN.
                    msg.msg_flags = 0;
                    return 0;
                }
            }
            long n = so.proto.receive(so, msg, done, flags);
            if (n > 0) {
                done += n;
                outFlags |= msg.msg_flags;
                if (!waitall || done >= total) {
                    break;
                }
                continue;
            }
            if (n == 0) {
                // End of stream (or an empty datagram). As in BSD's soreceive, a pending error
                // (a reset the event loop has already collected from the host) comes first.
                if (done == 0 && so.type == SOCK_STREAM) {
                    int e = receiveError(so, flags);
                    if (e != 0) {
                        msg.msg_flags = outFlags;
                        return -e;
                    }
                }
                outFlags |= msg.msg_flags;
                break;
            }
            int err = (int) -n;
            if (err != EWOULDBLOCK) {
                msg.msg_flags = outFlags;
                if (done > 0) {
                    // Deliver the bytes now; the error waits in so_error for the next call, as
                    // BSD's soreceive leaves it (the host has already forgotten it).
                    so.soseterror(err);
                    return done;
                }
                return -err;
            }
            if (so.is(SS_CANTRCVMORE)) {
                break;
            }
            if (dontwait) {
                msg.msg_flags = outFlags;
                return done > 0 ? done : -EWOULDBLOCK;
            }
            if (deadline == 0) {
                deadline = so.rcv.deadline();
            }
            int w = waitFor(so, so.rcv, seq, deadline, false);
            if (w != 0) {
                msg.msg_flags = outFlags;
                return done > 0 ? done : -w;
            }
        }
        msg.msg_flags = outFlags;
        return done;
    }

    /** The pending so_error a receive reports: cleared, except by MSG_PEEK (BSD's soreceive). */
    static int receiveError(SocketCore so, int flags) {
        return (flags & MSG_PEEK) != 0 ? so.peekError() : so.takeError();
    }

    /** soreceive into a new mbuf chain of at most {@code max} bytes. */
    public static long soreceiveChain(SocketCore so, MsgHdr msg, long max, int flags, Ref<Mbuf> out) {
        if ((so.rcv.held != null || so.filters != null) && FilteredIo.receivesThroughLayer(so)
                && (flags & MSG_OOB) == 0) {
            return FilteredIo.soreceiveChain(so, msg, max, flags, out);
        }
        boolean dontwait = (flags & MSG_DONTWAIT) != 0 || so.is(SS_NBIO);
        long deadline = 0;
        for (;;) {
            long seq = so.rcv.readySeq();
            int e = receiveError(so, flags);
            if (e != 0) {
                return -e;
            }
            if (so.isDropped()) {
                return 0; // end of stream, as in soreceive
            }
            long n = so.proto.receiveChain(so, msg, max, flags, out);
            if (n == 0 && so.type == SOCK_STREAM) {
                int pending = receiveError(so, flags); // a reset collected by the loop beats end of stream
                if (pending != 0) {
                    return -pending;
                }
            }
            if (n >= 0) {
                return n;
            }
            int err = (int) -n;
            if (err != EWOULDBLOCK) {
                return -err;
            }
            if (so.is(SS_CANTRCVMORE)) {
                return 0;
            }
            if (dontwait) {
                return -EWOULDBLOCK;
            }
            if (deadline == 0) {
                deadline = so.rcv.deadline();
            }
            int w = waitFor(so, so.rcv, seq, deadline, false);
            if (w != 0) {
                return -w;
            }
        }
    }

    /**
     * soshutdown: ENOTCONN unless connected or connecting, as XNU does (so also after a dropped
     * connect, which soisdisconnected left neither).
     */
    public static int soshutdown(SocketCore so, int how) {
        if (how < 0 || how > 2) {
            return EINVAL;
        }
        if (!so.is(SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING) || so.isDropped()) {
            return ENOTCONN;
        }
        if (so.filters != null) {
            // soshutdownlock: sock_evt_shutdown (param: how) first; SHUT_RD flushes the receive
            // side (sorflush), which the filters hear as sock_evt_flush_read.
            SocketFilters.notify(so, SysKpiSocketFilter.sock_evt_shutdown, how);
            if (how != SHUT_WR) {
                SocketFilters.notify(so, SysKpiSocketFilter.sock_evt_flush_read, null);
            }
        }
        // Bytes still queued in the send buffer go before the FIN, as BSD's tcp_usrclosed sends
        // so_snd first: the host's write side is then shut when the queue drains (sbflush).
        boolean finAfterQueue = false;
        if (how != SHUT_RD) {
            synchronized (so.snd) {
                if (so.snd.queued != null) {
                    so.snd.shutdownPending = true;
                    finAfterQueue = true;
                }
            }
        }
        int r = !finAfterQueue ? so.proto.shutdown(so, how) : how == SHUT_RDWR ? so.proto.shutdown(so, SHUT_RD) : 0;
        if (r != 0) {
            return r;
        }
        if (how != 1) {
            so.socantrcvmore();
        }
        if (how != 0) {
            so.socantsendmore();
        }
        return 0;
    }

    /**
     * sbwait: sleeps until the buffer's readiness moves from {@code seq}, the deadline passes
     * (EWOULDBLOCK) or the socket is closed (EBADF). On an event-loop thread it polls the host
     * instead, in short slices so a close is still noticed.
     */
    static int waitFor(SocketCore so, SockBuf sb, long seq, long deadline, boolean forWrite) {
        if (so.isClosed()) {
            return EBADF;
        }
        LoopPoller p = poller;
        if (p != null && p.onEventLoop()) {
            for (;;) {
                int slice = 50;
                if (deadline != 0) {
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        return EWOULDBLOCK;
                    }
                    slice = (int) Math.min(slice, Math.max(1, left));
                }
                if (p.poll(so, forWrite, slice)) {
                    if (p.onOwnLoop(so)) {
                        // The edge this loop would deliver cannot arrive while we hold the loop.
                        so.applyPolledEvents(forWrite ? SocketCore.EV_WRITE : SocketCore.EV_READ);
                    }
                    return so.isClosed() ? EBADF : 0;
                }
                if (sb.readySeq() != seq) {
                    return so.isClosed() ? EBADF : 0;
                }
                if (so.isClosed()) {
                    return EBADF;
                }
            }
        }
        boolean ready = sb.await(seq, deadline);
        if (so.isClosed()) {
            return EBADF;
        }
        if (!ready && !sb.noIntr && Thread.currentThread().isInterrupted()) {
            return EINTR;
        }
        return ready ? 0 : EWOULDBLOCK;
    }
}
