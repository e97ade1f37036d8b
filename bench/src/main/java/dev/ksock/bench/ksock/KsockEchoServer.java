package dev.ksock.bench.ksock;

import static dev.ksock.KpiSocket.*;

import dev.ksock.SockUpcall;

/**
 * Echo written only against the KPI: each connection's upcall reads what is there into the
 * loop's scratch and writes it back. Nothing is allocated per message (the benchmark checks it):
 * the cookie is a {@link KsockConn}, which holds memory only while a send is blocked.
 */
final class KsockEchoServer {
    static final SockUpcall ECHO = (so, cookie, waitf) -> {
        KsockConn c = (KsockConn) cookie;
        LoopScratch s = LoopScratch.get();
        int r = c.hasPending() ? c.flushPending(so, s) : KsockConn.SENT;
        while (r == KsockConn.SENT) {
            int e = sock_receive(so, s.rx, KsockConn.MSG_DONTWAIT, s.len);
            if (e == KsockConn.EWOULDBLOCK) {
                return;
            }
            int n = (int) s.len.value;
            if (e != 0 || n == 0) {
                r = KsockConn.FAILED;
                break;
            }
            r = c.send(so, s, s.inPrefix(n));
            if (n < LoopScratch.BUF) {
                // A short read drained the host's queue: new data is a new edge, a new upcall.
                break;
            }
        }
        if (r == KsockConn.FAILED) {
            sock_close(so);
        }
    };

    static KsockListener listen() {
        return new KsockListener(KsockListener.acceptor(ECHO, KsockConn::new));
    }

    private KsockEchoServer() {
    }
}
