package dev.ksock.internal.proto;

import static dev.ksock.SysErrno.*;

import dev.ksock.MsgHdr;
import dev.ksock.internal.host.linux.LinuxConstants;
import dev.ksock.internal.host.linux.LinuxStructs;
import dev.ksock.internal.host.linux.LinuxSyscalls;
import dev.ksock.internal.socket.Domains;
import dev.ksock.internal.socket.RightsTable;
import dev.ksock.internal.socket.SocketCore;
import dev.ksock.internal.socket.SocketLayer;
import dev.ksock.internal.socket.SocketOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Ancillary data: Darwin {@code cmsghdr} messages in {@code msg_control} ⇄ Linux ones.
 *
 * <p>The layouts differ: Darwin's header is 12 bytes ({@code u32 cmsg_len, int level, int type})
 * with data and successive headers aligned to 4 bytes; Linux x86_64's is 16 bytes
 * ({@code size_t cmsg_len}) aligned to 8. Levels and types are renumbered too. This is the slow
 * path: the host protocol calls it only when the caller's {@code msghdr} has control data (send)
 * or a control buffer (receive), so the ordinary data path stays allocation-free and untouched.
 *
 * <p>What crosses, and XNU's rules for it:
 * <ul>
 * <li>{@code PF_LOCAL}: exactly one {@code SOL_SOCKET/SCM_RIGHTS} message whose
 *     {@code cmsg_len} is all of {@code msg_controllen}, else EINVAL; a handle that names no open
 *     socket is EBADF ({@code unp_internalize}). The 4-byte slots hold {@link RightsTable}
 *     handles, not descriptors (see {@code dev.ksock.ScmRights}).</li>
 * <li>UDP: {@code IP_PKTINFO} (IPv4), {@code IPV6_PKTINFO}, {@code IPV6_HOPLIMIT},
 *     {@code IPV6_TCLASS}; anything else EINVAL. TCP carries no control data: EINVAL
 *     ({@code tcp_usr_send}: "TCP doesn't do control messages").</li>
 * <li>Receive: {@code SCM_RIGHTS} (descriptors become ksock sockets), {@code SCM_TIMESTAMP},
 *     {@code IP_RECVDSTADDR}/{@code IP_RECVPKTINFO} (from Linux {@code IP_PKTINFO}, as the
 *     socket asked), {@code IP_RECVTTL}, {@code IP_RECVTOS} (one byte each, as
 *     {@code ip_savecontrol} writes them), {@code IPV6_PKTINFO}, {@code IPV6_HOPLIMIT},
 *     {@code IPV6_TCLASS}. A message that does not fit is cut and {@code MSG_CTRUNC} set, as in
 *     XNU's {@code sock_receive}; descriptors whose handle slot does not fit are closed, so none
 *     leaks (XNU would have installed them already).</li>
 * </ul>
 */
final class ControlMessages {
    private ControlMessages() {
    }

    // Darwin cmsghdr.
    static final int D_HDR = 12;
    /** XNU's sock_send copies control data into one mbuf: more than MLEN bytes is EINVAL. */
    static final int D_MAX_CONTROL = 224;

    private static final int D_SOL_SOCKET = 0xffff, D_SCM_RIGHTS = 1, D_SCM_TIMESTAMP = 2;
    private static final int D_IPPROTO_IP = 0, D_IPPROTO_IPV6 = 41;
    private static final int D_IP_RECVDSTADDR = 7, D_IP_RECVTTL = 24, D_IP_PKTINFO = 26, D_IP_RECVTOS = 27;
    private static final int D_IPV6_TCLASS = 36, D_IPV6_PKTINFO = 46, D_IPV6_HOPLIMIT = 47;
    private static final int D_AF_LOCAL = 1, D_SOCK_STREAM = 1, D_MSG_CTRUNC = 0x20;

    private static final int L_SOL_SOCKET = 1, L_SCM_RIGHTS = 1, L_SCM_TIMESTAMP = 29;
    private static final int L_IPPROTO_IP = 0, L_IPPROTO_IPV6 = 41;
    private static final int L_IP_TOS = 1, L_IP_TTL = 2, L_IP_PKTINFO = 8;
    private static final int L_IPV6_PKTINFO = 50, L_IPV6_HOPLIMIT = 52, L_IPV6_TCLASS = 67;
    private static final int L_SO_TYPE = 3, L_SO_ACCEPTCONN = 30, L_SO_PROTOCOL = 38, L_SO_DOMAIN = 39;
    private static final long L_FIONBIO = 0x5421;
    /** recvmsg flag: received descriptors are close-on-exec from birth. */
    static final int L_MSG_CMSG_CLOEXEC = 0x40000000;

    private static final int LINUX_CONTROL_MAX = 8192;

    /** Per-thread native buffers of the control path, made on first use. */
    private static final class Scratch {
        final Arena arena = Arena.ofAuto();
        final MemorySegment ctl = arena.allocate(LINUX_CONTROL_MAX, 8);
        /** One translated payload (the largest, in6_pktinfo, is 20 bytes). */
        final MemorySegment val = arena.allocate(32, 8);
        final MemorySegment len = arena.allocate(4, 4);
        final MemorySegment addr = arena.allocate(128, 8);
        /** Sockets whose descriptors ride on the send in progress: held (entered) until it returns. */
        final SocketCore[] held = new SocketCore[D_MAX_CONTROL / 4];
        int heldCount;
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    static int dAlign(int n) {
        return (n + 3) & ~3;
    }

    // ------------------------------------------------------------------ send

    /**
     * Translates {@code msg}'s Darwin control data into Linux control data and points the native
     * {@code linuxMsghdr} at it. Returns 0 or a negated Darwin errno. Descriptors sent keep their
     * sockets entered until {@link #releaseSend} (call it in a finally, whatever happened).
     */
    static long attachForSend(SocketCore so, MsgHdr msg, MemorySegment linuxMsghdr) {
        Scratch s = SCRATCH.get();
        MemorySegment d = msg.msg_control;
        int dlen = msg.msg_controllen;
        MemorySegment l = s.ctl;
        long lo = 0;
        int off = 0;
        while (off + D_HDR <= dlen) {
            int clen = d.get(ValueLayout.JAVA_INT_UNALIGNED, off);
            int level = d.get(ValueLayout.JAVA_INT_UNALIGNED, off + 4);
            int type = d.get(ValueLayout.JAVA_INT_UNALIGNED, off + 8);
            if (clen < D_HDR || clen > dlen - off) {
                return -EINVAL;
            }
            int dataLen = clen - D_HDR;
            long r;
            if (so.domain == D_AF_LOCAL) {
                // unp_internalize: one SCM_RIGHTS message filling the whole control buffer.
                if (level != D_SOL_SOCKET || type != D_SCM_RIGHTS || clen != dlen) {
                    return -EINVAL;
                }
                r = rightsToLinux(s, d, off + D_HDR, dataLen / 4, l, lo);
            } else if (so.type == D_SOCK_STREAM) {
                return -EINVAL;
            } else {
                r = ipToLinux(level, type, d, off + D_HDR, dataLen, l, lo);
            }
            if (r < 0) {
                return r;
            }
            lo = r;
            off += dAlign(clen);
        }
        LinuxStructs.MSG_CONTROL.set(linuxMsghdr, 0L, l);
        LinuxStructs.MSG_CONTROLLEN.set(linuxMsghdr, 0L, lo);
        return 0;
    }

    /** Leaves every socket {@link #attachForSend} entered on this thread. */
    static void releaseSend() {
        Scratch s = SCRATCH.get();
        for (int i = 0; i < s.heldCount; i++) {
            s.held[i].leave();
            s.held[i] = null;
        }
        s.heldCount = 0;
    }

    private static long rightsToLinux(Scratch s, MemorySegment d, int at, int n, MemorySegment l, long lo) {
        long data = LinuxStructs.cmsgDataOffset(lo);
        for (int i = 0; i < n; i++) {
            int handle = d.get(ValueLayout.JAVA_INT_UNALIGNED, at + 4L * i);
            SocketCore c = RightsTable.coreOf(handle);
            // Enter it: its host descriptor cannot be released (and its number reused) mid-send.
            if (c == null || c.enter() != 0) {
                return -EBADF;
            }
            s.held[s.heldCount++] = c;
            int fd = c.hostHandle;
            if (fd < 0) {
                return -EBADF;
            }
            c.hostShared = true; // in flight, then held by the receiver too
            l.set(ValueLayout.JAVA_INT, data + 4L * i, fd);
        }
        return writeLinuxHeader(l, lo, L_SOL_SOCKET, L_SCM_RIGHTS, 4L * n);
    }

    private static long ipToLinux(int level, int type, MemorySegment d, int at, int len, MemorySegment l, long lo) {
        int ltype;
        int need;
        if (level == D_IPPROTO_IP && type == D_IP_PKTINFO) {
            ltype = L_IP_PKTINFO;
            need = 12; // struct in_pktinfo: same fields, same order on both
        } else if (level == D_IPPROTO_IPV6 && type == D_IPV6_PKTINFO) {
            ltype = L_IPV6_PKTINFO;
            need = 20;
        } else if (level == D_IPPROTO_IPV6 && type == D_IPV6_HOPLIMIT) {
            ltype = L_IPV6_HOPLIMIT;
            need = 4;
        } else if (level == D_IPPROTO_IPV6 && type == D_IPV6_TCLASS) {
            ltype = L_IPV6_TCLASS;
            need = 4;
        } else {
            return -EINVAL;
        }
        if (len != need || lo + LinuxStructs.cmsgSpace(need) > LINUX_CONTROL_MAX) {
            return -EINVAL;
        }
        MemorySegment.copy(d, at, l, LinuxStructs.cmsgDataOffset(lo), need);
        int llevel = level == D_IPPROTO_IP ? L_IPPROTO_IP : L_IPPROTO_IPV6;
        return writeLinuxHeader(l, lo, llevel, ltype, need);
    }

    private static long writeLinuxHeader(MemorySegment l, long lo, int level, int type, long dataLen) {
        LinuxStructs.CMSG_LEN_FIELD.set(l, lo, LinuxStructs.cmsgLen(dataLen));
        LinuxStructs.CMSG_LEVEL.set(l, lo, level);
        LinuxStructs.CMSG_TYPE.set(l, lo, type);
        long end = lo + LinuxStructs.cmsgSpace(dataLen);
        // Zero the padding: the kernel reads whole aligned messages.
        for (long p = LinuxStructs.cmsgDataOffset(lo) + dataLen; p < end; p++) {
            l.set(ValueLayout.JAVA_BYTE, p, (byte) 0);
        }
        return end;
    }

    // ------------------------------------------------------------------ receive

    /** Gives the native {@code linuxMsghdr} a control buffer big enough for what fits in {@code msg}'s. */
    static void prepareReceive(MemorySegment linuxMsghdr, MsgHdr msg) {
        Scratch s = SCRATCH.get();
        // Linux headers are bigger and padded more: twice the Darwin space plus slack always holds
        // at least as many descriptors as the Darwin buffer can name, so truncation is decided here.
        long cap = Math.min(LINUX_CONTROL_MAX, 2L * capacity(msg) + 64);
        LinuxStructs.MSG_CONTROL.set(linuxMsghdr, 0L, s.ctl);
        LinuxStructs.MSG_CONTROLLEN.set(linuxMsghdr, 0L, cap);
    }

    private static int capacity(MsgHdr msg) {
        return (int) Math.max(0, Math.min(msg.msg_controllen, msg.msg_control.byteSize()));
    }

    /**
     * After a successful recvmsg: writes the Darwin form of what arrived into {@code msg_control},
     * sets {@code msg_controllen} to the bytes written and {@code MSG_CTRUNC} if something was cut.
     */
    static void finishReceive(SocketCore so, MemorySegment linuxMsghdr, MsgHdr msg) {
        Scratch s = SCRATCH.get();
        MemorySegment l = s.ctl;
        long llen = Math.min(LinuxStructs.msgControllen(linuxMsghdr), LINUX_CONTROL_MAX);
        MemorySegment out = msg.msg_control;
        int cap = capacity(msg);
        int o = 0;
        boolean truncated = false;
        for (long lo = LinuxStructs.cmsgFirst(llen); lo >= 0; lo = LinuxStructs.cmsgNext(l, lo, llen)) {
            long clen = (long) LinuxStructs.CMSG_LEN_FIELD.get(l, lo);
            if (clen < LinuxStructs.cmsgLen(0) || lo + clen > llen) {
                break;
            }
            int level = (int) LinuxStructs.CMSG_LEVEL.get(l, lo);
            int type = (int) LinuxStructs.CMSG_TYPE.get(l, lo);
            long data = LinuxStructs.cmsgDataOffset(lo);
            int dataLen = (int) (clen - LinuxStructs.cmsgLen(0));
            if (level == L_SOL_SOCKET && type == L_SCM_RIGHTS) {
                int n = dataLen / 4;
                int room = truncated ? 0 : Math.max(0, (cap - o - D_HDR) / 4);
                int fit = Math.min(n, room);
                int written = 0;
                for (int i = 0; i < n; i++) {
                    int fd = l.get(ValueLayout.JAVA_INT, data + 4L * i);
                    int handle = i < fit ? adopt(s, fd) : -1;
                    if (i >= fit) {
                        LinuxSyscalls.close(fd); // no room for its handle: nothing may leak
                    } else if (handle > 0) {
                        out.set(ValueLayout.JAVA_INT_UNALIGNED, o + D_HDR + 4L * written++, handle);
                    }
                }
                if (fit < n) {
                    truncated = true;
                }
                if (fit > 0 || n == 0) {
                    writeDarwinHeader(out, o, D_SOL_SOCKET, D_SCM_RIGHTS, 4 * written);
                    o += dAlign(D_HDR + 4 * written);
                }
                continue;
            }
            if (truncated) {
                continue;
            }
            int r = translateIncoming(so, s, level, type, l, data, dataLen);
            if (r < 0) {
                continue; // not something Darwin would deliver for this socket
            }
            int dlevel = r >>> 16 == 0xffff ? D_SOL_SOCKET : r >>> 16;
            int dtype = r & 0xffff;
            int payload = s.len.get(ValueLayout.JAVA_INT, 0);
            int whole = D_HDR + payload;
            if (o + whole > cap) {
                // XNU's sock_receive copies what fits of the message and reports MSG_CTRUNC.
                int part = cap - o;
                if (part > 0) {
                    MemorySegment tmp = Arena.ofAuto().allocate(whole);
                    writeDarwinHeader(tmp, 0, dlevel, dtype, payload);
                    MemorySegment.copy(s.val, 0, tmp, D_HDR, payload);
                    MemorySegment.copy(tmp, 0, out, o, part);
                    o += part;
                }
                truncated = true;
                continue;
            }
            writeDarwinHeader(out, o, dlevel, dtype, payload);
            MemorySegment.copy(s.val, 0, out, o + D_HDR, payload);
            o = Math.min(cap, o + dAlign(whole));
        }
        msg.msg_controllen = o;
        if (truncated) {
            msg.msg_flags |= D_MSG_CTRUNC;
        }
    }

    private static void writeDarwinHeader(MemorySegment out, int o, int level, int type, int dataLen) {
        out.set(ValueLayout.JAVA_INT_UNALIGNED, o, D_HDR + dataLen);
        out.set(ValueLayout.JAVA_INT_UNALIGNED, o + 4, level);
        out.set(ValueLayout.JAVA_INT_UNALIGNED, o + 8, type);
    }

    /**
     * One incoming non-descriptor message: its Darwin payload goes to {@code s.val} and its
     * length to {@code s.len}. Returns {@code (darwinLevel & 0xffff) << 16 | darwinType}, or -1
     * if the socket would not get it on Darwin.
     */
    private static int translateIncoming(SocketCore so, Scratch s, int level, int type,
                                         MemorySegment l, long data, int dataLen) {
        MemorySegment v = s.val;
        if (level == L_SOL_SOCKET && type == L_SCM_TIMESTAMP && dataLen >= 16) {
            // Kernel (LP64) struct timeval: i64 tv_sec, i32 tv_usec, 4 bytes of padding.
            v.set(ValueLayout.JAVA_LONG, 0, l.get(ValueLayout.JAVA_LONG_UNALIGNED, data));
            v.set(ValueLayout.JAVA_INT, 8, (int) l.get(ValueLayout.JAVA_LONG_UNALIGNED, data + 8));
            v.set(ValueLayout.JAVA_INT, 12, 0);
            return result(s, 0xffff, D_SCM_TIMESTAMP, 16);
        }
        if (level == L_IPPROTO_IP && type == L_IP_PKTINFO && dataLen >= 12) {
            if (so.hasOption(SocketOptions.OPT_RECVPKTINFO)) {
                MemorySegment.copy(l, data, v, 0, 12);
                return result(s, D_IPPROTO_IP, D_IP_PKTINFO, 12);
            }
            if (so.hasOption(SocketOptions.OPT_RECVDSTADDR)) {
                // ipi_addr: the destination address from the IP header.
                MemorySegment.copy(l, data + 8, v, 0, 4);
                return result(s, D_IPPROTO_IP, D_IP_RECVDSTADDR, 4);
            }
            return -1;
        }
        if (level == L_IPPROTO_IP && (type == L_IP_TTL || type == L_IP_TOS) && dataLen >= 1) {
            // ip_savecontrol delivers both as one u_char; Linux gives TTL as an int.
            int value = type == L_IP_TTL ? l.get(ValueLayout.JAVA_INT_UNALIGNED, data) : l.get(ValueLayout.JAVA_BYTE, data);
            v.set(ValueLayout.JAVA_BYTE, 0, (byte) value);
            return result(s, D_IPPROTO_IP, type == L_IP_TTL ? D_IP_RECVTTL : D_IP_RECVTOS, 1);
        }
        if (level == L_IPPROTO_IPV6 && type == L_IPV6_PKTINFO && dataLen >= 20) {
            MemorySegment.copy(l, data, v, 0, 20); // struct in6_pktinfo: same layout on both
            return result(s, D_IPPROTO_IPV6, D_IPV6_PKTINFO, 20);
        }
        if (level == L_IPPROTO_IPV6 && (type == L_IPV6_HOPLIMIT || type == L_IPV6_TCLASS) && dataLen >= 4) {
            v.set(ValueLayout.JAVA_INT, 0, l.get(ValueLayout.JAVA_INT_UNALIGNED, data));
            return result(s, D_IPPROTO_IPV6, type == L_IPV6_HOPLIMIT ? D_IPV6_HOPLIMIT : D_IPV6_TCLASS, 4);
        }
        return -1;
    }

    private static int result(Scratch s, int level, int type, int len) {
        s.len.set(ValueLayout.JAVA_INT, 0, len);
        return (level & 0xffff) << 16 | type;
    }

    // ------------------------------------------------------------------ received descriptors

    /**
     * Makes a ksock socket of a descriptor that arrived in SCM_RIGHTS: learns its family, type
     * and protocol from the host, makes it non-blocking, sets the layer's state from the host's
     * (listening, connected) and registers it with an event loop. Returns its handle, or -1 after
     * closing the descriptor when ksock has no protocol for it.
     */
    private static int adopt(Scratch s, int fd) {
        int domain = LinuxConstants.familyToDarwin(hostIntOpt(s, fd, L_SO_DOMAIN));
        int type = LinuxConstants.typeToDarwin(hostIntOpt(s, fd, L_SO_TYPE));
        int protocol = hostIntOpt(s, fd, L_SO_PROTOCOL);
        int[] err = new int[1];
        Domains.Entry e = domain < 0 || type < 0 || protocol < 0 ? null : Domains.find(domain, type, protocol, err);
        if (e == null) {
            LinuxSyscalls.close(fd);
            return -1;
        }
        s.val.set(ValueLayout.JAVA_INT, 0, 1);
        LinuxSyscalls.ioctl(fd, L_FIONBIO, s.val); // ksock's host descriptors never block
        SocketCore c = new SocketCore(domain, type, e.protocol(), e.proto(), SocketLayer.DEFAULT_SNDBUF, SocketLayer.DEFAULT_RCVBUF);
        c.hostShared = true; // the sender may still hold the same open file
        boolean listening = hostIntOpt(s, fd, L_SO_ACCEPTCONN) == 1;
        s.len.set(ValueLayout.JAVA_INT, 0, 128);
        boolean connected = !listening && LinuxSyscalls.getpeername(fd, s.addr, s.len) == 0;
        if (listening) {
            c.setOption(SocketOptions.SO_ACCEPTCONN_BIT, true);
        } else if (connected) {
            c.soisconnected();
        }
        int r;
        if (listening || connected || !e.proto().connRequired()) {
            r = e.proto().attachAccepted(c, fd);
        } else {
            // An unconnected stream registers when it connects or listens, like a new one.
            c.hostHandle = fd;
            r = 0;
        }
        if (r != 0 || RightsTable.publish(c) == null) {
            c.hostHandle = fd;
            c.close();
            return -1;
        }
        return RightsTable.handleOf(c);
    }

    private static int hostIntOpt(Scratch s, int fd, int name) {
        s.len.set(ValueLayout.JAVA_INT, 0, 4);
        int r = LinuxSyscalls.getsockopt(fd, L_SOL_SOCKET, name, s.val, s.len);
        return r < 0 ? -1 : s.val.get(ValueLayout.JAVA_INT, 0);
    }
}
