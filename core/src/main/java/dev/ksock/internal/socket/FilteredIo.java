package dev.ksock.internal.socket;

import static dev.ksock.SysErrno.*;
import static dev.ksock.internal.socket.SoState.*;

import dev.ksock.KpiMbuf;
import dev.ksock.Mbuf;
import dev.ksock.MsgHdr;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.SysKpiSocketFilter;
import dev.ksock.internal.mbuf.MbufChains;
import java.lang.foreign.MemorySegment;

/**
 * Sending and receiving through socket filters, and receiving what the layer holds itself.
 *
 * <p>A socket without filters never comes here: its bytes go straight between the caller's
 * memory and the host. Once a filter with a data callback is attached, data goes through mbuf
 * chains so the filter can see, change, hold or drop them:
 * <ul>
 *   <li>out: the iovecs are copied into a chain, {@code sf_data_out} runs over it (with the
 *       destination and control data), and what passes is sent as an mbuf chain, with
 *       {@code sock_sendmbuf}'s all-or-nothing rule.</li>
 *   <li>in: a receive pulls what the host has into a chain, {@code sf_data_in} runs over it, and
 *       what passes joins the layer's receive records ({@link SockBuf#held}), from which every
 *       receive (iovecs or mbufs, peek or not) is served. Injected data joins the same records.
 *       XNU runs {@code sf_data_in} when the packet arrives; ksock runs it when a receive asks
 *       the host (an upcall reports the host's data as before; a swallowed chunk makes that upcall
 *       a spurious one, which BSD allows).</li>
 * </ul>
 */
final class FilteredIo {
    private FilteredIo() {
    }

    private static final int MSG_OOB = 0x1, MSG_PEEK = 0x2, MSG_WAITALL = 0x40, MSG_DONTWAIT = 0x80;
    private static final int MSG_TRUNC = 0x10, MSG_CTRUNC = 0x20;
    private static final int SOCK_STREAM = 1;
    private static final int MT_CONTROL = 14;
    /** Control data one host read can bring (several cmsghdrs, SCM_RIGHTS included). */
    private static final int CONTROL_MAX = 512;
    /** A pull takes at most this much of a stream at a time. */
    private static final long STREAM_PULL = 64 * 1024;
    private static final long DATAGRAM_MAX = 65536;
    private static final int PULLED = 1, SWALLOWED = 2, EOF = 0;

    /** True when receives must go through the layer: held records exist or a filter reads data. */
    static boolean receivesThroughLayer(SocketCore so) {
        return so.rcv.held != null || (so.filters != null && SocketFilters.hasData(so, true));
    }

    /** True when sends must go through the filters. */
    static boolean sendsThroughFilters(SocketCore so) {
        return so.filters != null && SocketFilters.hasData(so, false);
    }

    // ------------------------------------------------------------------------- out

    /** sosend of iovecs through the filters: copied into a chain first. */
    static long sosend(SocketCore so, MsgHdr msg, int flags, long total) {
        Ref<Mbuf> chain = new Ref<>();
        int a = KpiMbuf.mbuf_allocpacket(KpiMbuf.MBUF_WAITOK, Math.max(1, total), null, chain);
        if (a != 0) {
            return -a;
        }
        long at = 0;
        for (int i = 0; i < msg.msg_iovlen; i++) {
            MemorySegment s = msg.msg_iov[i];
            if (s.byteSize() > 0) {
                KpiMbuf.mbuf_copyback(chain.get(), at, s.byteSize(), s, KpiMbuf.MBUF_WAITOK);
                at += s.byteSize();
            }
        }
        KpiMbuf.mbuf_pkthdr_setlen(chain.get(), total);
        if (total == 0) {
            KpiMbuf.mbuf_setlen(chain.get(), 0);
        }
        long n = sosendChain(so, msg, chain.get(), flags, null);
        return n < 0 ? n : total;
    }

    /**
     * sosend of a chain through the filters after {@code after} (null: all of them). The chain is always consumed. A filter that takes it (EJUSTRETURN) makes the
     * send a success of the whole length, as XNU's sosend does.
     */
    static long sosendChain(SocketCore so, MsgHdr msg, Mbuf data, int flags, SocketFilters.Entry after) {
        long total = MbufChains.length(data);
        if (total < 0) {
            MbufChains.freem(data);
            return -EINVAL;
        }
        SockAddr to = msg == null ? null : msg.msg_name;
        int pre = SocketLayer.sendPrecheck(so, to != null);
        if (pre != 0) {
            // sosendcheck comes before the filters: they never see data that could not go.
            MbufChains.freem(data);
            return -pre;
        }
        Ref<Mbuf> d = new Ref<>(data);
        Ref<Mbuf> ctl = new Ref<>(msg == null ? null : controlMbuf(msg.msg_control, msg.msg_controllen));
        int flag = (flags & MSG_OOB) != 0 ? SysKpiSocketFilter.sock_data_filt_flag_oob : 0;
        int r = SocketFilters.data(so, false, after, to, d, ctl, flag);
        if (r == EJUSTRETURN) {
            return total;
        }
        if (r != 0) {
            return -r;
        }
        MsgHdr out = null;
        if (to != null || ctl.get() != null) {
            out = new MsgHdr();
            out.msg_name = to;
            out.msg_namelen = msg == null ? 0 : msg.msg_namelen;
            if (ctl.get() != null) {
                long clen = MbufChains.length(ctl.get());
                MemorySegment bytes = MemorySegment.ofArray(new byte[(int) Math.max(0, clen)]);
                KpiMbuf.mbuf_copydata(ctl.get(), 0, clen, bytes);
                MbufChains.freem(ctl.get());
                out.msg_control = bytes;
                out.msg_controllen = (int) clen;
            }
        }
        long n = SocketLayer.sendChainToHost(so, out, d.get(), flags);
        return n < 0 ? n : total;
    }

    /** sock_inject_data_out: after the injecting filter (or past all of them), then the host. */
    static int injectOut(SocketCore so, SockAddr to, Mbuf data, Mbuf control, int flags) {
        MsgHdr msg = new MsgHdr();
        msg.msg_name = to;
        msg.msg_namelen = to == null ? 0 : to.sa_len();
        if (control != null) {
            long clen = MbufChains.length(control);
            MemorySegment bytes = MemorySegment.ofArray(new byte[(int) Math.max(0, clen)]);
            KpiMbuf.mbuf_copydata(control, 0, clen, bytes);
            MbufChains.freem(control);
            msg.msg_control = bytes;
            msg.msg_controllen = (int) clen;
        }
        int sendFlags = (flags & SysKpiSocketFilter.sock_data_filt_flag_oob) != 0 ? MSG_OOB : 0;
        long n = sosendChain(so, msg, data, sendFlags, SocketFilters.injector(so));
        return n < 0 ? (int) -n : 0;
    }

    /** Control bytes (Darwin cmsghdrs) as an MT_CONTROL mbuf (one, as XNU's sock_send makes), or null. */
    private static Mbuf controlMbuf(MemorySegment control, int len) {
        if (control == null || len <= 0) {
            return null;
        }
        Ref<Mbuf> m = new Ref<>();
        int r = len <= KpiMbuf.mbuf_get_mlen() ? KpiMbuf.mbuf_get(KpiMbuf.MBUF_WAITOK, MT_CONTROL, m)
                : KpiMbuf.mbuf_allocpacket(KpiMbuf.MBUF_WAITOK, len, null, m);
        if (r != 0) {
            return null;
        }
        if (KpiMbuf.mbuf_copyback(m.get(), 0, len, control.asSlice(0, len), KpiMbuf.MBUF_WAITOK) != 0) {
            MbufChains.freem(m.get());
            return null;
        }
        return m.get();
    }

    // ------------------------------------------------------------------------- in

    /**
     * sock_inject_data_in: the filters after the injector (or none) see it, then it joins the
     * receive records and the owner is told. A record that does not fit in SO_RCVBUF is refused
     * with ENOBUFS (XNU's sbappend drops it silently; ksock never loses data without a word).
     */
    static int injectIn(SocketCore so, SockAddr from, Mbuf data, Mbuf control) {
        SockAddr sender = from == null ? null : copyOf(from);
        Ref<Mbuf> d = new Ref<>(data);
        Ref<Mbuf> c = new Ref<>(control);
        int r = SocketFilters.data(so, true, SocketFilters.injector(so), sender, d, c, 0);
        if (r == EJUSTRETURN) {
            return 0;
        }
        if (r != 0) {
            return r;
        }
        long len = MbufChains.length(d.get());
        synchronized (so.rcv) {
            if (so.rcv.heldBytes + len > so.rcv.hiwat) {
                SocketFilters.freeBoth(d, c);
                return ENOBUFS;
            }
            append(so, sender, d.get(), c.get(), len);
        }
        so.rcv.wakeup();
        so.requestUpcall(SocketCore.UPCALL_READ);
        return 0;
    }

    private static void append(SocketCore so, SockAddr from, Mbuf data, Mbuf control, long len) {
        RcvRecord r = new RcvRecord(from, data, control, len);
        SockBuf sb = so.rcv;
        if (sb.heldTail == null) {
            sb.held = r;
        } else {
            sb.heldTail.next = r;
        }
        sb.heldTail = r;
        sb.heldBytes += len;
    }

    private static SockAddr copyOf(SockAddr a) {
        SockAddr c = SockAddr.storage();
        long n = Math.min(a.segment().byteSize(), c.segment().byteSize());
        MemorySegment.copy(a.segment(), 0, c.segment(), 0, n);
        return c;
    }

    /**
     * Reads one chunk (a stream piece or one datagram) from the host and runs the data-in filters
     * over it. Called with the receive sockbuf's monitor held, so pulls of one socket never
     * interleave. Returns PULLED, SWALLOWED, EOF or a negated errno (EWOULDBLOCK: nothing there).
     */
    private static int pull(SocketCore so) {
        boolean stream = so.type == SOCK_STREAM;
        MsgHdr m = new MsgHdr();
        if (!stream) {
            m.msg_name = SockAddr.storage();
            m.msg_namelen = 128;
        }
        m.msg_control = MemorySegment.ofArray(new byte[CONTROL_MAX]);
        m.msg_controllen = CONTROL_MAX;
        Ref<Mbuf> out = new Ref<>();
        long n = so.proto.receiveChain(so, m, stream ? Math.min(STREAM_PULL, Math.max(1, so.rcv.hiwat)) : DATAGRAM_MAX,
                MSG_DONTWAIT, out);
        if (n < 0) {
            return (int) n;
        }
        if (n == 0 && stream) {
            return EOF;
        }
        Ref<Mbuf> d = new Ref<>(out.get());
        Ref<Mbuf> c = new Ref<>(controlMbuf(m.msg_control, m.msg_controllen));
        SockAddr from = stream ? null : m.msg_name;
        int r = SocketFilters.data(so, true, null, from, d, c, 0);
        if (r != 0) {
            // Taken by a filter (EJUSTRETURN), or refused: XNU's sbappend drops refused data.
            return SWALLOWED;
        }
        append(so, from, d.get(), c.get(), MbufChains.length(d.get()));
        return PULLED;
    }

    /**
     * Makes sure the layer has a record to deliver, pulling from the host if it has none. Called
     * with the monitor held. Returns PULLED when a record is there, EOF, or a negated errno.
     */
    private static int fill(SocketCore so) {
        while (so.rcv.held == null) {
            int p = pull(so);
            if (p == SWALLOWED) {
                continue;
            }
            if (p != PULLED) {
                return p;
            }
        }
        return PULLED;
    }

    /** soreceive into iovecs from the layer's records (see {@link SocketLayer#soreceive}). */
    static long soreceive(SocketCore so, MsgHdr msg, int flags, long total) {
        boolean stream = so.type == SOCK_STREAM;
        boolean peek = (flags & MSG_PEEK) != 0;
        boolean dontwait = (flags & MSG_DONTWAIT) != 0 || so.is(SS_NBIO);
        boolean waitall = (flags & MSG_WAITALL) != 0 && stream && !peek && !dontwait;
        long done = 0;
        long deadline = 0;
        int outFlags = 0;
        for (;;) {
            long seq = so.rcv.readySeq();
            if (done == 0) {
                int e = SocketLayer.receiveError(so, flags);
                if (e != 0) {
                    return -e;
                }
            }
            int f;
            long got = 0;
            synchronized (so.rcv) {
                f = fill(so);
                if (f == PULLED) {
                    got = stream ? copyStream(so, msg, done, total - done, peek) : copyRecord(so, msg, total, peek);
                }
            }
            if (f == PULLED) {
                done += got;
                outFlags |= msg.msg_flags;
                if (!waitall || done >= total) {
                    break;
                }
                continue;
            }
            if (f == EOF) {
                break;
            }
            if (f != -EWOULDBLOCK) {
                if (done > 0) {
                    so.soseterror(-f);
                    break;
                }
                return f;
            }
            if (so.is(SS_CANTRCVMORE)) {
                break;
            }
            if (dontwait) {
                if (done > 0) {
                    break;
                }
                return -EWOULDBLOCK;
            }
            if (deadline == 0) {
                deadline = so.rcv.deadline();
            }
            int w = SocketLayer.waitFor(so, so.rcv, seq, deadline, false);
            if (w != 0) {
                if (done > 0) {
                    break;
                }
                return -w;
            }
        }
        msg.msg_flags = outFlags;
        return done;
    }

    /** soreceive into a new chain of at most {@code max} bytes from the layer's records. */
    static long soreceiveChain(SocketCore so, MsgHdr msg, long max, int flags, Ref<Mbuf> out) {
        boolean stream = so.type == SOCK_STREAM;
        boolean peek = (flags & MSG_PEEK) != 0;
        boolean dontwait = (flags & MSG_DONTWAIT) != 0 || so.is(SS_NBIO);
        long deadline = 0;
        for (;;) {
            long seq = so.rcv.readySeq();
            int e = SocketLayer.receiveError(so, flags);
            if (e != 0) {
                return -e;
            }
            int f;
            long got = 0;
            synchronized (so.rcv) {
                f = fill(so);
                if (f == PULLED) {
                    got = takeChain(so, msg, max, peek, stream, out);
                }
            }
            if (f == PULLED) {
                return got;
            }
            if (f == EOF) {
                return 0;
            }
            if (f != -EWOULDBLOCK) {
                return f;
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
            int w = SocketLayer.waitFor(so, so.rcv, seq, deadline, false);
            if (w != 0) {
                return -w;
            }
        }
    }

    /** Stream: copies up to {@code want} bytes of the records into the iovecs from {@code at}. */
    private static long copyStream(SocketCore so, MsgHdr msg, long at, long want, boolean peek) {
        SockBuf sb = so.rcv;
        msg.msg_flags = 0;
        boolean first = true;
        long copied = 0;
        RcvRecord r = sb.held;
        while (r != null && copied < want) {
            if (first) {
                deliverControl(msg, r.control);
                if (!peek) {
                    freeControl(r);
                }
                first = false;
            }
            long n = Math.min(r.len, want - copied);
            copyToIovecs(msg, at + copied, r.data, 0, n);
            copied += n;
            if (peek) {
                r = r.next;
                continue;
            }
            consumeFront(sb, r, n);
            r = sb.held;
        }
        if (first && msg.msg_control != null) {
            msg.msg_controllen = 0;
        }
        return copied;
    }

    /** Datagram: one record into the iovecs (MSG_TRUNC if it is longer), sender and control too. */
    private static long copyRecord(SocketCore so, MsgHdr msg, long total, boolean peek) {
        SockBuf sb = so.rcv;
        RcvRecord r = sb.held;
        long n = Math.min(r.len, total);
        copyToIovecs(msg, 0, r.data, 0, n);
        msg.msg_flags = r.len > total ? MSG_TRUNC : 0;
        deliverName(msg, r.from);
        deliverControl(msg, r.control);
        if (!peek) {
            dropRecord(sb);
        }
        return n;
    }

    /** Takes (or, peeking, copies) up to {@code max} bytes of the records as a chain into {@code out}. */
    private static long takeChain(SocketCore so, MsgHdr msg, long max, boolean peek, boolean stream, Ref<Mbuf> out) {
        SockBuf sb = so.rcv;
        RcvRecord r = sb.held;
        if (msg != null) {
            msg.msg_flags = 0;
            deliverName(msg, r.from);
            deliverControl(msg, r.control);
        }
        if (!stream) {
            long n = Math.min(r.len, max);
            if (msg != null && r.len > max) {
                msg.msg_flags |= MSG_TRUNC;
            }
            if (peek) {
                KpiMbuf.mbuf_copym(r.data, 0, n, KpiMbuf.MBUF_WAITOK, out);
                return n;
            }
            Mbuf d = r.data;
            r.data = null;
            dropRecord(sb);
            if (n < MbufChains.length(d)) {
                Ref<Mbuf> tail = new Ref<>();
                if (KpiMbuf.mbuf_split(d, n, KpiMbuf.MBUF_WAITOK, tail) == 0) {
                    MbufChains.freem(tail.get());
                }
            }
            out.set(d);
            return n;
        }
        if (peek) {
            long n = Math.min(r.len, max);
            KpiMbuf.mbuf_copym(r.data, 0, n, KpiMbuf.MBUF_WAITOK, out);
            return n;
        }
        if (!peek) {
            freeControl(r);
        }
        Mbuf head = null;
        long taken = 0;
        while ((r = sb.held) != null && taken < max) {
            long n = Math.min(r.len, max - taken);
            Mbuf piece;
            if (n == r.len) {
                piece = r.data;
                r.data = null;
                sb.heldBytes -= r.len;
                r.len = 0;
                dropRecord(sb);
            } else {
                Ref<Mbuf> rest = new Ref<>();
                if (KpiMbuf.mbuf_split(r.data, n, KpiMbuf.MBUF_WAITOK, rest) != 0) {
                    break; // no memory for the split: deliver what we have
                }
                piece = r.data;
                r.data = rest.get();
                r.len -= n;
                sb.heldBytes -= n;
            }
            head = head == null ? piece : MbufChains.append(head, piece);
            taken += n;
        }
        out.set(head);
        return taken;
    }

    private static void consumeFront(SockBuf sb, RcvRecord r, long n) {
        if (n >= r.len) {
            sb.heldBytes -= r.len;
            r.len = 0;
            if (r.data != null) {
                MbufChains.freem(r.data);
                r.data = null;
            }
            dropRecord(sb);
            return;
        }
        r.data = MbufChains.dropFront(r.data, n);
        r.len -= n;
        sb.heldBytes -= n;
    }

    /** Removes the first record, freeing what is left of it. */
    private static void dropRecord(SockBuf sb) {
        RcvRecord r = sb.held;
        sb.held = r.next;
        if (sb.held == null) {
            sb.heldTail = null;
        }
        sb.heldBytes -= r.len;
        if (r.data != null) {
            MbufChains.freem(r.data);
        }
        freeControl(r);
    }

    private static void freeControl(RcvRecord r) {
        if (r.control != null) {
            MbufChains.freem(r.control);
            r.control = null;
        }
    }

    /** Frees every record (the socket closed). */
    static void dropAll(SocketCore so) {
        synchronized (so.rcv) {
            while (so.rcv.held != null) {
                dropRecord(so.rcv);
            }
            so.rcv.heldBytes = 0;
        }
    }

    /**
     * SO_NREAD while the layer holds records: a stream's held bytes plus the host's, a datagram
     * socket's first record (the next datagram to be received).
     */
    static long nread(SocketCore so) {
        synchronized (so.rcv) {
            RcvRecord r = so.rcv.held;
            if (r == null) {
                return so.proto.readable(so);
            }
            if (so.type != SOCK_STREAM) {
                return r.len;
            }
            long host = so.proto.readable(so);
            return host < 0 ? so.rcv.heldBytes : so.rcv.heldBytes + host;
        }
    }

    private static void copyToIovecs(MsgHdr msg, long at, Mbuf data, long from, long n) {
        long skip = at;
        long left = n;
        long src = from;
        for (int i = 0; i < msg.msg_iovlen && left > 0; i++) {
            MemorySegment s = msg.msg_iov[i];
            long size = s.byteSize();
            if (skip >= size) {
                skip -= size;
                continue;
            }
            long piece = Math.min(size - skip, left);
            KpiMbuf.mbuf_copydata(data, src, piece, s.asSlice(skip, piece));
            src += piece;
            left -= piece;
            skip = 0;
        }
    }

    /** msg_name gets at most msg_namelen bytes of the sender, as sock_receive copies it. */
    private static void deliverName(MsgHdr msg, SockAddr from) {
        if (msg.msg_name == null || from == null || msg.msg_namelen <= 0) {
            return;
        }
        long n = Math.min(Math.min(msg.msg_namelen, from.sa_len()), msg.msg_name.segment().byteSize());
        MemorySegment.copy(from.segment(), 0, msg.msg_name.segment(), 0, n);
    }

    /** Control bytes into msg_control (MSG_CTRUNC when cut); msg_controllen says how many. */
    private static void deliverControl(MsgHdr msg, Mbuf control) {
        if (msg.msg_control == null) {
            return;
        }
        if (control == null) {
            msg.msg_controllen = 0;
            return;
        }
        long clen = MbufChains.length(control);
        long room = Math.min(msg.msg_controllen, msg.msg_control.byteSize());
        long n = Math.min(clen, room);
        if (n > 0) {
            KpiMbuf.mbuf_copydata(control, 0, n, msg.msg_control.asSlice(0, n));
        }
        if (n < clen) {
            msg.msg_flags |= MSG_CTRUNC;
        }
        msg.msg_controllen = (int) n;
    }
}
