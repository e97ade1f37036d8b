package dev.ksock.examples;

import static dev.ksock.Darwin.*;
import static dev.ksock.KpiMbuf.*;
import static dev.ksock.KpiSocket.*;

import dev.ksock.ErrnoException;
import dev.ksock.LongRef;
import dev.ksock.Mbuf;
import dev.ksock.Ref;
import dev.ksock.Socket;
import java.util.zip.CRC32C;

/**
 * The other end of {@link FileSender}: receives a stream as mbuf chains with
 * {@code sock_receivembuf} until the peer closes, and checksums it in place — the CRC reads the
 * mbufs' native memory directly, nothing is copied out.
 */
public final class ChecksumReceiver {
    private ChecksumReceiver() {
    }

    /** What arrived. */
    public record Sum(long bytes, long crc32c, int chains) {
    }

    /**
     * Receives on the connected stream socket {@code so} until end of stream (blocking).
     *
     * @throws ErrnoException if a receive fails
     */
    public static Sum receive(Socket so) {
        CRC32C crc = new CRC32C();
        Ref<Mbuf> chain = new Ref<>();
        LongRef len = new LongRef();
        long bytes = 0;
        int chains = 0;
        for (;;) {
            len.value = 1 << 20; // at most this much per call; the layer may give less
            int r = sock_receivembuf(so, null, chain, 0, len);
            if (r != 0) {
                throw new ErrnoException(r, "sock_receivembuf");
            }
            if (len.value == 0) {
                return new Sum(bytes, crc.getValue(), chains);
            }
            for (Mbuf m = chain.get(); m != null; m = mbuf_next(m)) {
                crc.update(mbuf_data(m).asSlice(0, mbuf_len(m)).asByteBuffer());
            }
            mbuf_freem(chain.get()); // the chain is ours to free
            bytes += len.value;
            chains++;
        }
    }
}
