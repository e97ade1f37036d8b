package dev.ksock.bench.ksock;

import static dev.ksock.KpiSocket.*;

import dev.ksock.Ref;
import dev.ksock.SockUpcall;
import dev.ksock.Socket;

/** Accept rate: the listener's upcall accepts every ready connection and closes it at once. */
final class KsockAcceptServer {
    static KsockListener listen() {
        Ref<Socket> out = new Ref<>(); // the listener's upcalls never overlap
        SockUpcall acceptAndClose = (so, cookie, waitf) -> {
            while (sock_accept(so, null, 0, KsockConn.MSG_DONTWAIT, null, null, out) == 0) {
                sock_close(out.get());
            }
        };
        return new KsockListener(acceptAndClose);
    }

    private KsockAcceptServer() {
    }
}
