package dev.ksock.internal.proto;

import static dev.ksock.SysErrno.*;

import dev.ksock.IntRef;
import dev.ksock.Mbuf;
import dev.ksock.MsgHdr;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.internal.host.linux.EventLoop;
import dev.ksock.internal.host.linux.EventLoopGroup;
import dev.ksock.internal.host.linux.IoHandler;
import dev.ksock.internal.host.linux.LinuxConstants;
import dev.ksock.internal.host.linux.LinuxErrno;
import dev.ksock.internal.host.linux.LinuxSockaddr;
import dev.ksock.internal.host.linux.LinuxSyscalls;
import dev.ksock.internal.mbuf.MbufChains;
import dev.ksock.internal.socket.ProtoSw;
import dev.ksock.internal.socket.SocketCore;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A transport served by a host (Linux) socket: TCP, UDP and local sockets are all this protocol
 * switch with different host triples. The host kernel keeps the bytes, the sequence numbers and
 * the listen queues; this class translates Darwin values to Linux ones on the way in, Linux
 * errno values to Darwin ones on the way out (once, here), and turns epoll edges into the
 * socket layer's events.
 *
 * <p>Every host descriptor is non-blocking; this class never waits.
 */
public final class HostProtocol implements ProtoSw {
    // Linux values used at this boundary only.
    private static final int L_MSG_DONTWAIT = 0x40, L_MSG_NOSIGNAL = 0x4000;
    private static final int L_SOL_SOCKET = 1, L_SO_ERROR = 4;
    private static final long L_FIONREAD = 0x541B, L_SIOCOUTQ = 0x5411;
    private static final int L_POLLIN = 0x1, L_POLLOUT = 0x4;
    private static final int L_EINPROGRESS = 115;
    private static final int L_AF_UNIX = 1;
    private static final int L_SOCKADDR_SIZE = 16;

    private final int linuxDomain;
    private final int linuxType;
    private final int linuxProtocol;
    private final boolean stream;

    /**
     * Registration of a socket with its event loop; also the socket's upcall scheduler and the
     * task that runs a requested upcall (one object per connection for all three roles).
     */
    private static final class Registration implements IoHandler, SocketCore.UpcallScheduler, Runnable {
        final SocketCore so;
        final EventLoop loop;
        volatile long key;

        Registration(SocketCore so, EventLoop loop) {
            this.so = so;
            this.loop = loop;
        }

        /** The loop task {@link #schedule} queues: the requested upcall. */
        @Override
        public void run() {
            so.runRequestedUpcall();
        }

        @Override
        public void onIoEvents(int ev) {
            int e = 0;
            if ((ev & (EventLoop.EPOLLIN | EventLoop.EPOLLPRI)) != 0) {
                e |= SocketCore.EV_READ;
            }
            if ((ev & EventLoop.EPOLLOUT) != 0) {
                e |= SocketCore.EV_WRITE;
            }
            if ((ev & EventLoop.EPOLLRDHUP) != 0) {
                e |= SocketCore.EV_RDHUP;
            }
            if ((ev & EventLoop.EPOLLHUP) != 0) {
                e |= SocketCore.EV_HUP;
            }
            if ((ev & EventLoop.EPOLLERR) != 0) {
                e |= SocketCore.EV_ERR;
            }
            so.onEvents(e);
        }

        @Override
        public void schedule(SocketCore s) {
            loop.execute(this);
        }

        @Override
        public long scheduleTimer(Runnable task, long delayNanos) {
            return loop.schedule(task, delayNanos);
        }

        @Override
        public void cancelTimer(long id) {
            loop.cancel(id);
        }
    }

    public HostProtocol(int linuxDomain, int linuxType, int linuxProtocol) {
        this.linuxDomain = linuxDomain;
        this.linuxType = linuxType;
        this.linuxProtocol = linuxProtocol;
        this.stream = linuxType == 1;
    }

    private static int darwin(long linuxResult) {
        return LinuxErrno.toDarwin((int) -linuxResult);
    }

    @Override
    public boolean connRequired() {
        return stream;
    }

    @Override
    public int attach(SocketCore so) {
        int fd = LinuxSyscalls.socket(linuxDomain, linuxType, linuxProtocol);
        if (fd < 0) {
            return darwin(fd);
        }
        so.hostHandle = fd;
        // Datagram sockets can receive as soon as they exist; streams register at connect/listen,
        // because Linux reports a fresh, unconnected stream socket as hung up.
        if (!stream) {
            int r = register(so);
            if (r != 0) {
                LinuxSyscalls.close(fd);
                so.hostHandle = -1;
                return r;
            }
        }
        return 0;
    }

    @Override
    public int attachAccepted(SocketCore so, int hostHandle) {
        so.hostHandle = hostHandle;
        return register(so);
    }

    @Override
    public int register(SocketCore so) {
        if (so.hostRegistration != null) {
            return 0;
        }
        EventLoop loop = EventLoopGroup.shared().next();
        Registration reg = new Registration(so, loop);
        so.hostRegistration = reg;
        so.scheduler = reg;
        long key = loop.register(so.hostHandle,
                EventLoop.EPOLLIN | EventLoop.EPOLLOUT | EventLoop.EPOLLRDHUP | EventLoop.EPOLLPRI, reg);
        if (key < 0) {
            so.hostRegistration = null;
            so.scheduler = null;
            return LinuxErrno.toDarwin((int) -key);
        }
        reg.key = key;
        return 0;
    }

    @Override
    public void deregister(SocketCore so) {
        if (so.hostRegistration instanceof Registration reg && reg.key > 0) {
            if (so.hostShared) {
                reg.loop.deregister(reg.key);
            } else {
                // Closing the descriptor (which follows, in release) takes it out of the epoll set,
                // as it is the only reference to its open file: one syscall per close saved.
                reg.loop.forget(reg.key);
            }
        }
    }

    @Override
    public void drainAfterClose(SocketCore so, long limitNanos) {
        if (!(so.hostRegistration instanceof Registration reg) || reg.key <= 0) {
            so.finishDrain();
            return;
        }
        reg.loop.execute(so::drainStep);
        reg.loop.schedule(so::finishDrain, limitNanos);
    }

    @Override
    public void release(SocketCore so) {
        int fd = so.takeHostHandle();
        if (fd >= 0) {
            LinuxSyscalls.close(fd);
        }
    }

    @Override
    public int bind(SocketCore so, SockAddr nam) {
        HostScratch s = HostScratch.get();
        int len = LinuxSockaddr.toLinux(nam, s.addr);
        if (len < 0) {
            return -len;
        }
        int r = LinuxSyscalls.bind(so.hostHandle, s.addr, len);
        return r < 0 ? darwin(r) : 0;
    }

    @Override
    public int listen(SocketCore so, int backlog) {
        int r = LinuxSyscalls.listen(so.hostHandle, backlog);
        if (r < 0) {
            return darwin(r);
        }
        return register(so);
    }

    @Override
    public int connect(SocketCore so, SockAddr nam) {
        HostScratch s = HostScratch.get();
        int len = LinuxSockaddr.toLinux(nam, s.addr);
        if (len < 0) {
            return -len;
        }
        int r = LinuxSyscalls.connect(so.hostHandle, s.addr, len);
        if (r < 0 && r != -L_EINPROGRESS) {
            return linuxDomain == L_AF_UNIX ? LocalSockets.connectError(nam, darwin(r)) : darwin(r);
        }
        // Register only once the connect is under way: Linux reports a stream socket that has
        // not started connecting as hung up, which would read as an instant failure.
        int reg = register(so);
        if (reg != 0) {
            return reg;
        }
        if (r < 0 && stream && linuxDomain != L_AF_UNIX) {
            HostOptions.startConnectTimer(so); // TCP_CONNECTIONTIMEOUT, as tcp_connect arms TCPT_KEEP
        }
        return r < 0 ? EINPROGRESS : 0;
    }

    /**
     * Linux's way to abandon a connect: connect(AF_UNSPEC) disconnects the socket (no reset is
     * sent from SYN_SENT). Linux would let the endpoint connect again; the layer does not (the
     * socket is dropped, as XNU's tcp_drop leaves it). The ECONNRESET Linux records for it is
     * read and dropped here, before the event loop would report it over the layer's ETIMEDOUT.
     */
    @Override
    public void abortConnect(SocketCore so) {
        HostScratch s = HostScratch.get();
        s.addr.fill((byte) 0); // sa_family AF_UNSPEC
        LinuxSyscalls.connect(so.hostHandle, s.addr, L_SOCKADDR_SIZE);
        connectResult(so);
    }

    @Override
    public int connectResult(SocketCore so) {
        HostScratch s = HostScratch.get();
        s.len.set(ValueLayout.JAVA_INT, 0, 4);
        int r = LinuxSyscalls.getsockopt(so.hostHandle, L_SOL_SOCKET, L_SO_ERROR, s.opt, s.len);
        if (r < 0) {
            return darwin(r);
        }
        int e = s.opt.get(ValueLayout.JAVA_INT, 0);
        return e == 0 ? 0 : LinuxErrno.toDarwin(e);
    }

    @Override
    public int accept(SocketCore so, SockAddr from, int fromlen) {
        HostScratch s = HostScratch.get();
        s.len.set(ValueLayout.JAVA_INT, 0, LinuxSockaddr.STORAGE_SIZE);
        int fd = LinuxSyscalls.accept4(so.hostHandle, s.addr, s.len);
        if (fd < 0) {
            return -darwin(fd);
        }
        if (from != null && fromlen > 0) {
            LinuxSockaddr.fromLinux(s.addr, s.len.get(ValueLayout.JAVA_INT, 0), from, fromlen);
        }
        return fd;
    }

    private static boolean wantsControl(MsgHdr msg) {
        return msg.msg_control != null && msg.msg_controllen > 0;
    }

    private static int hostFlags(int darwinFlags) {
        // The descriptor is non-blocking already; MSG_NOSIGNAL because a kernel socket never
        // raises SIGPIPE (BSD's SO_NOSIGPIPE behaviour for every KPI socket).
        return LinuxConstants.msgFlagsToLinux(darwinFlags & ~0x80) | L_MSG_DONTWAIT | L_MSG_NOSIGNAL;
    }

    @Override
    public long send(SocketCore so, MsgHdr msg, long skip, int flags) {
        int hf = hostFlags(flags);
        MemorySegment[] iov = msg.msg_iov;
        int iovlen = msg.msg_iovlen;
        int fd = so.hostHandle;
        if (iovlen == 1 && msg.msg_name == null && msg.msg_control == null) {
            MemorySegment seg = iov[0];
            long n = LinuxSyscalls.send(fd, skip == 0 ? seg : seg.asSlice(skip), hf);
            return n < 0 ? -sendError(so, n, false) : n;
        }
        HostScratch s = HostScratch.get();
        int nameLen = 0;
        if (msg.msg_name != null) {
            nameLen = LinuxSockaddr.toLinux(msg.msg_name, s.addr);
            if (nameLen < 0) {
                return nameLen;
            }
        }
        int count = s.iovecs(iov, iovlen, skip, true);
        s.msghdr(s.addr, nameLen, count);
        // Control data rides with the first bytes only: a stream send resumed at skip > 0 has
        // delivered it already.
        if (skip > 0 || msg.msg_control == null || msg.msg_controllen <= 0) {
            long n = LinuxSyscalls.sendmsg(fd, s.msghdr, hf);
            return n < 0 ? -sendError(so, n, nameLen > 0) : n;
        }
        return sendWithControl(so, msg, s, hf, nameLen > 0);
    }

    /** The slow path of a send whose msghdr carries Darwin control data. */
    private long sendWithControl(SocketCore so, MsgHdr msg, HostScratch s, int hf, boolean named) {
        try {
            long r = ControlMessages.attachForSend(so, msg, s.msghdr);
            if (r < 0) {
                return r;
            }
            long n = LinuxSyscalls.sendmsg(so.hostHandle, s.msghdr, hf);
            return n < 0 ? -sendError(so, n, named) : n;
        } finally {
            ControlMessages.releaseSend();
        }
    }

    /** A host send error as Darwin reports it (local datagram sockets differ: see LocalSockets). */
    private int sendError(SocketCore so, long linuxResult, boolean named) {
        int e = darwin(linuxResult);
        return linuxDomain == L_AF_UNIX && !stream ? LocalSockets.dgramSendError(so, e, named) : e;
    }

    @Override
    public long sendChain(SocketCore so, Mbuf chain, MsgHdr msg, int flags) {
        if (msg == null || msg.msg_control == null || msg.msg_controllen <= 0) {
            return sendChain(so, chain, msg == null ? null : msg.msg_name, flags);
        }
        HostScratch s = HostScratch.get();
        int nameLen = 0;
        if (msg.msg_name != null) {
            nameLen = LinuxSockaddr.toLinux(msg.msg_name, s.addr);
            if (nameLen < 0) {
                return nameLen;
            }
        }
        int count = MbufChains.toIovecs(chain, s.iov, HostScratch.IOV_MAX);
        if (count < 0) {
            return count;
        }
        s.msghdr(s.addr, nameLen, count);
        return sendWithControl(so, msg, s, hostFlags(flags), nameLen > 0);
    }

    @Override
    public long sendChain(SocketCore so, Mbuf chain, SockAddr to, int flags) {
        HostScratch s = HostScratch.get();
        int nameLen = 0;
        if (to != null) {
            nameLen = LinuxSockaddr.toLinux(to, s.addr);
            if (nameLen < 0) {
                return nameLen;
            }
        }
        int count = MbufChains.toIovecs(chain, s.iov, HostScratch.IOV_MAX);
        if (count < 0) {
            return count;
        }
        s.msghdr(s.addr, nameLen, count);
        long n = LinuxSyscalls.sendmsg(so.hostHandle, s.msghdr, hostFlags(flags));
        return n < 0 ? -sendError(so, n, nameLen > 0) : n;
    }

    @Override
    public long receive(SocketCore so, MsgHdr msg, long skip, int flags) {
        int hf = hostFlags(flags);
        MemorySegment[] iov = msg.msg_iov;
        int iovlen = msg.msg_iovlen;
        int fd = so.hostHandle;
        msg.msg_flags = 0;
        if (stream && iovlen == 1 && msg.msg_name == null && msg.msg_control == null) {
            MemorySegment seg = iov[0];
            long n = LinuxSyscalls.recv(fd, skip == 0 ? seg : seg.asSlice(skip), hf);
            return n < 0 ? -darwin(n) : n;
        }
        HostScratch s = HostScratch.get();
        int count = s.iovecs(iov, iovlen, skip, false);
        boolean anyHeap = s.usedBounce;
        boolean wantName = msg.msg_name != null && msg.msg_namelen > 0;
        s.msghdr(s.addr, wantName ? LinuxSockaddr.STORAGE_SIZE : 0, count);
        // Control data belongs to the start of a record: only the first read of a call asks.
        boolean wantControl = skip == 0 && wantsControl(msg);
        if (wantControl) {
            ControlMessages.prepareReceive(s.msghdr, msg);
            hf |= ControlMessages.L_MSG_CMSG_CLOEXEC;
        }
        long n = LinuxSyscalls.recvmsg(fd, s.msghdr, hf);
        if (n < 0) {
            return -darwin(n);
        }
        if (anyHeap) {
            s.copyBounceOut(msg.msg_iov, msg.msg_iovlen, skip, count, n);
        }
        msg.msg_flags = LinuxConstants.msgFlagsFromLinux(s.msgFlags());
        if (wantName) {
            int nl = s.msgNameLen();
            if (nl > 0) {
                LinuxSockaddr.fromLinux(s.addr, nl, msg.msg_name, msg.msg_namelen);
            } else if (linuxDomain == L_AF_UNIX && !stream) {
                LocalSockets.unnamedSender(msg.msg_name, msg.msg_namelen);
            }
        }
        if (wantControl) {
            ControlMessages.finishReceive(so, s.msghdr, msg);
        }
        return n;
    }

    @Override
    public long receiveChain(SocketCore so, MsgHdr msg, long max, int flags, Ref<Mbuf> out) {
        HostScratch s = HostScratch.get();
        long want = Math.min(max, stream ? 256 * 1024 : 65536);
        int a = MbufChains.allocForReceive(dev.ksock.KpiMbuf.MBUF_DONTWAIT, want, s.chain);
        if (a != 0) {
            return -a;
        }
        Mbuf chain = s.chain.get();
        s.chain.set(null);
        int count = MbufChains.toIovecs(chain, s.iov, HostScratch.IOV_MAX);
        if (count < 0) {
            MbufChains.freem(chain);
            return count;
        }
        boolean wantName = msg != null && msg.msg_name != null && msg.msg_namelen > 0;
        s.msghdr(s.addr, wantName ? LinuxSockaddr.STORAGE_SIZE : 0, count);
        boolean wantControl = msg != null && wantsControl(msg);
        int hf = hostFlags(flags);
        if (wantControl) {
            ControlMessages.prepareReceive(s.msghdr, msg);
            hf |= ControlMessages.L_MSG_CMSG_CLOEXEC;
        }
        long n = LinuxSyscalls.recvmsg(so.hostHandle, s.msghdr, hf);
        if (n < 0) {
            MbufChains.freem(chain);
            return -darwin(n);
        }
        out.set(MbufChains.trimToReceived(chain, n));
        if (msg != null) {
            msg.msg_flags = LinuxConstants.msgFlagsFromLinux(s.msgFlags());
            if (wantName && s.msgNameLen() > 0) {
                LinuxSockaddr.fromLinux(s.addr, s.msgNameLen(), msg.msg_name, msg.msg_namelen);
            } else if (wantName && linuxDomain == L_AF_UNIX && !stream) {
                LocalSockets.unnamedSender(msg.msg_name, msg.msg_namelen);
            }
            if (wantControl) {
                ControlMessages.finishReceive(so, s.msghdr, msg);
            }
        }
        return n;
    }

    @Override
    public int shutdown(SocketCore so, int how) {
        int r = LinuxSyscalls.shutdown(so.hostHandle, how);
        return r < 0 ? darwin(r) : 0;
    }

    @Override
    public int sockaddr(SocketCore so, SockAddr nam, int namlen) {
        return hostName(so, false, nam, namlen);
    }

    @Override
    public int peeraddr(SocketCore so, SockAddr nam, int namlen) {
        return hostName(so, true, nam, namlen);
    }

    /** getsockname/getpeername, translated into BSD layout with BSD truncation. */
    private int hostName(SocketCore so, boolean peer, SockAddr nam, int namlen) {
        HostScratch s = HostScratch.get();
        s.len.set(ValueLayout.JAVA_INT, 0, LinuxSockaddr.STORAGE_SIZE);
        int r = peer ? LinuxSyscalls.getpeername(so.hostHandle, s.addr, s.len)
                : LinuxSyscalls.getsockname(so.hostHandle, s.addr, s.len);
        if (r < 0) {
            return darwin(r);
        }
        int full = LinuxSockaddr.fromLinux(s.addr, s.len.get(ValueLayout.JAVA_INT, 0), nam, namlen);
        return full < 0 ? -full : 0;
    }

    @Override
    public int getopt(SocketCore so, int level, int name, MemorySegment val, IntRef len) {
        return HostOptions.get(so, level, name, val, len);
    }

    @Override
    public int setopt(SocketCore so, int level, int name, MemorySegment val, int len) {
        return HostOptions.set(so, level, name, val, len);
    }

    /**
     * pru_control, and the socket level's FIONREAD and SIOCATMARK (the host holds what they
     * report). Every other request gets what XNU's pru_control gives a request it does not know:
     * {@code in_control}/{@code in6_control} answer ENXIO when no interface is named (ifp NULL,
     * "consistent with ifioctl"), and the local domain has no pru_control at all, so
     * {@code pru_control_notsupp}: EOPNOTSUPP.
     */
    @Override
    public int ioctl(SocketCore so, long request, MemorySegment arg) {
        boolean local = linuxDomain == L_AF_UNIX;
        if (request == dev.ksock.SysFilio.FIONREAD) {
            long n;
            if (stream) {
                // A listening socket's sb_cc is 0; Linux refuses SIOCINQ on one with EINVAL.
                n = so.hasOption(dev.ksock.internal.socket.SocketOptions.SO_ACCEPTCONN_BIT) ? 0 : readable(so);
            } else {
                // Peek at the next datagram: MSG_TRUNC gives its whole length (0 is a datagram
                // too), and its source stands for the MT_SONAME record XNU's sb_cc also counts,
                // which is as long as the Darwin sockaddr a receive reports (sun_noname: 3).
                // Linux shows only the first queued datagram; XNU's sb_cc would count them all.
                final int lMsgPeek = 0x2, lMsgTrunc = 0x20;
                HostScratch s = HostScratch.get();
                s.msghdr(s.addr, (int) s.addr.byteSize(), 0);
                long r = LinuxSyscalls.recvmsg(so.hostHandle, s.msghdr, lMsgPeek | lMsgTrunc | L_MSG_DONTWAIT);
                if (r < 0) {
                    n = darwin(r) == EWOULDBLOCK ? 0 : -darwin(r);
                } else {
                    int nl = s.msgNameLen();
                    if (nl == 0 && local) {
                        // Linux gives no name for an unbound sender; receive reports sun_noname.
                        s.addr.set(ValueLayout.JAVA_SHORT, 0, (short) L_AF_UNIX);
                        nl = 2;
                    }
                    n = r + Math.max(LinuxSockaddr.fromLinux(s.addr, nl, null, 0), 0);
                }
            }
            if (n < 0) {
                return (int) -n;
            }
            arg.set(ValueLayout.JAVA_INT_UNALIGNED, 0, (int) Math.min(n, Integer.MAX_VALUE));
            return 0;
        }
        if (request == dev.ksock.SysSockio.SIOCATMARK) {
            // SS_RCVATMARK: only TCP has out-of-band data (uipc_send refuses PRUS_OOB, UDP has
            // none), so elsewhere the mark is never set; Linux would say ENOTTY or EOPNOTSUPP.
            int mark = 0;
            if (stream && !local) {
                HostScratch s = HostScratch.get();
                s.opt.set(ValueLayout.JAVA_INT, 0, 0);
                int r = LinuxSyscalls.ioctl(so.hostHandle, LinuxConstants.ioctlToLinux(request), s.opt);
                if (r < 0) {
                    return darwin(r);
                }
                mark = s.opt.get(ValueLayout.JAVA_INT, 0) != 0 ? 1 : 0;
            }
            arg.set(ValueLayout.JAVA_INT_UNALIGNED, 0, mark);
            return 0;
        }
        return local ? EOPNOTSUPP : ENXIO;
    }

    @Override
    public long readable(SocketCore so) {
        return hostIntIoctl(so, L_FIONREAD);
    }

    @Override
    public long unsent(SocketCore so) {
        return hostIntIoctl(so, L_SIOCOUTQ);
    }

    private static long hostIntIoctl(SocketCore so, long request) {
        HostScratch s = HostScratch.get();
        s.len.set(ValueLayout.JAVA_INT, 0, 0);
        int r = LinuxSyscalls.ioctl(so.hostHandle, request, s.len);
        if (r < 0) {
            return -darwin(r);
        }
        return s.len.get(ValueLayout.JAVA_INT, 0);
    }

    /** Polls the socket's descriptor for one direction (used when waiting on an event loop). */
    /** True on the event-loop thread {@code so} is registered with. */
    public static boolean onOwnLoop(SocketCore so) {
        return so.hostRegistration instanceof Registration reg && reg.loop.inEventLoop();
    }

    public static boolean pollHost(SocketCore so, boolean forWrite, int millis) {
        int fd = so.hostHandle;
        if (fd < 0) {
            return true;
        }
        int r = LinuxSyscalls.poll(fd, forWrite ? L_POLLOUT : L_POLLIN, millis);
        return r != 0;
    }
}
