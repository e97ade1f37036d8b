package dev.ksock.examples;

import static dev.ksock.Darwin.*;
import static dev.ksock.KpiMbuf.*;
import static dev.ksock.KpiSocket.*;

import dev.ksock.Errno;
import dev.ksock.ErrnoException;
import dev.ksock.LongRef;
import dev.ksock.Mbuf;
import dev.ksock.Ref;
import dev.ksock.Socket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Sends a file as mbuf chains with {@code sock_sendmbuf}: the file is mapped into memory, each
 * chunk of it is copied once, mapping to mbuf, into a chain from {@code mbuf_allocpacket}, and
 * the chain is handed to the socket layer, which gathers it straight into the host's
 * {@code sendmsg}. No byte passes through the Java heap, and the socket layer copies nothing.
 *
 * <p>The loop is blocking: a blocking {@code sock_sendmbuf} on a stream socket returns once the
 * whole chain is sent (and frees it, whatever it returns).
 */
public final class FileSender {
    /** Bytes per chain: 16 clusters of 16 KiB. */
    private static final long CHUNK = 256 * 1024;

    private FileSender() {
    }

    /**
     * Sends all of {@code file} on the connected stream socket {@code so}.
     *
     * @return the bytes sent
     * @throws ErrnoException if an mbuf allocation or a send fails
     */
    public static long send(Socket so, Path file) throws IOException {
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                return 0;
            }
            MemorySegment map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            Ref<Mbuf> chain = new Ref<>();
            LongRef sent = new LongRef();
            long off = 0;
            while (off < size) {
                long n = Math.min(CHUNK, size - off);
                // MBUF_WAITOK: at the mbuf memory limit, wait a little for memory to come back.
                Errno.check(mbuf_allocpacket(MBUF_WAITOK, n, null, chain));
                fill(chain.get(), map.asSlice(off, n));
                int r = sock_sendmbuf(so, null, chain.get(), 0, sent); // frees the chain
                if (r != 0) {
                    throw new ErrnoException(r, "sock_sendmbuf at offset " + off);
                }
                if (sent.value != n) { // only with SO_SNDTIMEO: the rest of the chain is gone
                    throw new ErrnoException(EWOULDBLOCK, "sock_sendmbuf sent " + sent.value + " of " + n);
                }
                off += n;
            }
            return off;
        }
    }

    /**
     * Copies {@code src} into the chain, mbuf by mbuf ({@code mbuf_allocpacket} leaves every
     * length 0), and sets each {@code mbuf_len} and the packet header length.
     */
    private static void fill(Mbuf head, MemorySegment src) {
        long off = 0;
        for (Mbuf m = head; m != null && off < src.byteSize(); m = mbuf_next(m)) {
            long k = Math.min(mbuf_trailingspace(m), src.byteSize() - off);
            MemorySegment.copy(src, off, mbuf_data(m), 0, k);
            mbuf_setlen(m, k);
            off += k;
        }
        mbuf_pkthdr_setlen(head, off);
    }
}
