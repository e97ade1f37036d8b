package dev.ksock.cli;

import static dev.ksock.Darwin.*;
import static dev.ksock.KpiMbuf.*;
import static dev.ksock.KpiSocket.*;

import dev.ksock.LongRef;
import dev.ksock.Mbuf;
import dev.ksock.Ref;
import dev.ksock.Socket;

/**
 * The bytes a non-blocking connection still owes its peer, as one mbuf chain, sent with
 * {@code sock_sendmbuf}.
 *
 * <p>Why a copy of the chain goes to the socket: {@code sock_sendmbuf} frees the chain whatever
 * it returns, and a non-blocking send on a full socket buffer takes only part of it. So each
 * attempt sends {@code mbuf_copym} of the pending chain — the clusters are shared by reference
 * count, no payload byte is copied — and on a partial send the original is trimmed with
 * {@code mbuf_adj} and kept for the next "room to send" upcall.
 *
 * <p>Single-threaded: used only from its connection's upcall.
 */
final class MbufOutbox {
    private final Ref<Mbuf> share = new Ref<>();
    private final LongRef sent = new LongRef();
    private Mbuf pending;
    private long pendingLen;

    /** True while bytes are waiting for room in the socket buffer. */
    boolean busy() {
        return pending != null;
    }

    /** Takes ownership of {@code chain} ({@code len} bytes); only when not {@link #busy()}. */
    void offer(Mbuf chain, long len) {
        if (pending != null) {
            throw new IllegalStateException("outbox busy");
        }
        pending = chain;
        pendingLen = len;
    }

    /**
     * Sends what it can: 0 when everything is out, EWOULDBLOCK when the rest waits for room
     * (the socket's upcall fires again then), another errno when the connection is broken.
     */
    int flush(Socket so) {
        if (pending == null) {
            return 0;
        }
        int r = mbuf_copym(pending, 0, MBUF_COPYALL, MBUF_DONTWAIT, share);
        if (r != 0) {
            return r;
        }
        r = sock_sendmbuf(so, null, share.get(), MSG_DONTWAIT, sent);
        if (r != 0) {
            return r;
        }
        if (sent.value >= pendingLen) {
            discard();
            return 0;
        }
        mbuf_adj(pending, (int) sent.value);
        pendingLen -= sent.value;
        // A partial send means the host's buffer is full: its next edge brings the upcall back.
        return EWOULDBLOCK;
    }

    /** Frees what was not sent (the connection is closing). */
    void discard() {
        if (pending != null) {
            mbuf_freem(pending);
            pending = null;
            pendingLen = 0;
        }
    }
}
