package dev.ksock.bench.ksock;

import static dev.ksock.KpiMbuf.mbuf_freem;
import static dev.ksock.KpiSocket.*;

import dev.ksock.LongRef;
import dev.ksock.Mbuf;
import dev.ksock.Ref;
import dev.ksock.SockUpcall;

/**
 * Bulk sink written only against the KPI, in two forms: {@code sock_receive} into the loop's
 * scratch (one copy, kernel to our memory, like every other peer), and {@code sock_receivembuf},
 * which hands over pooled mbuf chains that the sink frees at once.
 */
final class KsockSinkServer {
    static final SockUpcall RECEIVE = (so, cookie, waitf) -> {
        LoopScratch s = LoopScratch.get();
        for (;;) {
            int e = sock_receive(so, s.rx, KsockConn.MSG_DONTWAIT, s.len);
            if (e == KsockConn.EWOULDBLOCK) {
                return;
            }
            if (e != 0 || s.len.value == 0) {
                sock_close(so);
                return;
            }
            if (s.len.value < LoopScratch.BUF) {
                return; // drained: the next data is a new edge
            }
        }
    };

    /** Per connection for the mbuf form: the out-parameters, reused for every receive. */
    static final class MbufConn {
        final Ref<Mbuf> chain = new Ref<>();
        final LongRef len = new LongRef();
    }

    static final SockUpcall RECEIVE_MBUF = (so, cookie, waitf) -> {
        MbufConn c = (MbufConn) cookie;
        for (;;) {
            c.len.value = LoopScratch.BUF;
            int e = sock_receivembuf(so, null, c.chain, KsockConn.MSG_DONTWAIT, c.len);
            if (e == KsockConn.EWOULDBLOCK) {
                return;
            }
            if (e != 0 || c.len.value == 0) {
                sock_close(so);
                return;
            }
            mbuf_freem(c.chain.get());
            if (c.len.value < LoopScratch.BUF) {
                return;
            }
        }
    };

    static KsockListener listen(boolean mbufs) {
        return new KsockListener(mbufs
                ? KsockListener.acceptor(RECEIVE_MBUF, MbufConn::new)
                : KsockListener.acceptor(RECEIVE, () -> null));
    }

    private KsockSinkServer() {
    }
}
