package dev.ksock.cli;

import static dev.ksock.Darwin.*;
import static dev.ksock.KpiSocket.*;

import dev.ksock.LongRef;
import dev.ksock.Mbuf;
import dev.ksock.Ref;
import dev.ksock.Socket;

/**
 * {@code serve echo}: what arrives goes back. The received mbuf chain is handed to the send side
 * as it is — no byte is copied in Java. While the peer is not reading, nothing more is read from
 * it, so a peer that only writes fills its own socket buffers, not this process's memory.
 */
final class EchoConnection implements Connection {
    /** Largest chain taken per receive (the layer caps it too). */
    private static final long CHUNK = 256 * 1024;

    private final Ref<Mbuf> chain = new Ref<>();
    private final LongRef len = new LongRef();
    private final MbufOutbox outbox = new MbufOutbox();

    @Override
    public void ready(Socket so) {
        for (;;) {
            int r = outbox.flush(so);
            if (r == EWOULDBLOCK) {
                return;
            }
            if (r != 0) {
                close(so);
                return;
            }
            len.value = CHUNK;
            r = sock_receivembuf(so, null, chain, MSG_DONTWAIT, len);
            if (r == EWOULDBLOCK) {
                return;
            }
            if (r != 0 || len.value == 0) { // error, or the peer finished sending: all is echoed
                close(so);
                return;
            }
            outbox.offer(chain.get(), len.value);
        }
    }

    private void close(Socket so) {
        outbox.discard();
        sock_close(so);
    }
}
