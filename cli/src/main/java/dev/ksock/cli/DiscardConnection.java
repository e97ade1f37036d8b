package dev.ksock.cli;

import static dev.ksock.Darwin.*;
import static dev.ksock.KpiMbuf.*;
import static dev.ksock.KpiSocket.*;

import dev.ksock.LongRef;
import dev.ksock.Mbuf;
import dev.ksock.Ref;
import dev.ksock.Socket;

/** {@code serve discard} (RFC 863): reads everything as mbuf chains and frees them. */
final class DiscardConnection implements Connection {
    private static final long CHUNK = 256 * 1024;

    private final Ref<Mbuf> chain = new Ref<>();
    private final LongRef len = new LongRef();

    @Override
    public void ready(Socket so) {
        for (;;) {
            len.value = CHUNK;
            int r = sock_receivembuf(so, null, chain, MSG_DONTWAIT, len);
            if (r == EWOULDBLOCK) {
                return;
            }
            if (r != 0 || len.value == 0) {
                sock_close(so);
                return;
            }
            mbuf_freem(chain.get());
        }
    }
}
