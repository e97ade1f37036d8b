package dev.ksock;

import static dev.ksock.KpiMbuf.*;
import static dev.ksock.KpiSocket.*;
import static dev.ksock.SysErrno.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A non-blocking sock_sendmbuf takes the whole chain or nothing, as BSD appends it to so_snd:
 * what the host cannot take yet waits in the send buffer and still arrives, in order, even
 * after sock_close — never a silent loss.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SendQueueTest extends SocketTestSupport {
    private static final int CHUNK = 256 * 1024;

    private static Mbuf chain(long chunkIndex, CRC32C crc) {
        MemorySegment buf = MemorySegment.ofArray(new byte[CHUNK]);
        for (int i = 0; i < CHUNK; i += 8) {
            buf.set(ValueLayout.JAVA_LONG_UNALIGNED, i, chunkIndex * 1_000_003L + i);
        }
        crc.update(buf.asByteBuffer());
        Ref<Mbuf> m = new Ref<>();
        assertThat(mbuf_allocpacket(MBUF_WAITOK, CHUNK, null, m)).isZero();
        assertThat(mbuf_copyback(m.get(), 0, CHUNK, buf, MBUF_WAITOK)).isZero();
        return m.get();
    }

    private static CompletableFuture<long[]> slowReader(Socket s) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(300); // let the sender fill the host buffer and queue behind it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            CRC32C crc = new CRC32C();
            MemorySegment buf = nativeBuf(65536);
            MsgHdr m = MsgHdr.of(buf);
            LongRef got = new LongRef();
            long total = 0;
            while (sock_receive(s, m, 0, got) == 0 && got.value > 0) {
                crc.update(buf.asSlice(0, got.value).asByteBuffer());
                total += got.value;
            }
            return new long[] {total, crc.getValue()};
        });
    }

    /** Small host buffers on both ends, so the send side fills after a few chains. */
    private Socket[] smallBufferPair() {
        Socket[] p = pair(PF_INET);
        assertThat(sock_setsockopt(p[0], SOL_SOCKET, 0x1001 /* SO_SNDBUF */, 64 * 1024)).isZero();
        assertThat(sock_setsockopt(p[1], SOL_SOCKET, 0x1002 /* SO_RCVBUF */, 64 * 1024)).isZero();
        return p;
    }

    /**
     * Offers 64 chains with non-blocking sock_sendmbuf while the reader sleeps, so the host fills
     * and chains wait in the send buffer's queue. Returns the bytes accepted; their CRC goes to
     * {@code sentCrc}.
     */
    private static long sendUntilQueued(Socket s, CRC32C sentCrc) throws InterruptedException {
        long accepted = 0;
        int refused = 0;
        LongRef sent = new LongRef();
        for (long i = 0; i < 64; i++) {
            CRC32C probe = new CRC32C();
            Mbuf m = chain(i, probe);
            int r = sock_sendmbuf(s, null, m, MSG_DONTWAIT, sent);
            if (r == 0) {
                assertThat(sent.value).as("all or nothing").isEqualTo(CHUNK);
                accepted += CHUNK;
                // Re-derive the bytes into the running CRC only for accepted chains.
                MemorySegment buf = MemorySegment.ofArray(new byte[CHUNK]);
                for (int k = 0; k < CHUNK; k += 8) {
                    buf.set(ValueLayout.JAVA_LONG_UNALIGNED, k, i * 1_000_003L + k);
                }
                sentCrc.update(buf.asByteBuffer());
            } else {
                assertThat(r).isEqualTo(EWOULDBLOCK);
                refused++;
                Thread.sleep(5);
            }
        }
        assertThat(refused).as("the send buffer filled up at some point").isPositive();
        return accepted;
    }

    @Test
    void nonBlockingSendmbufTakesWholeChainsOrNothingAndLosesNoByte() throws Exception {
        Socket[] p = smallBufferPair();
        CompletableFuture<long[]> rx = slowReader(p[1]);
        CRC32C sentCrc = new CRC32C();
        long accepted = sendUntilQueued(p[0], sentCrc);
        sock_close(p[0]); // queued bytes must still go out
        long[] got = rx.get(30, TimeUnit.SECONDS);
        assertThat(got[0]).as("bytes received").isEqualTo(accepted);
        assertThat(got[1]).as("CRC32C").isEqualTo(sentCrc.getValue());
    }

    /** SHUT_WR with chains still queued: the FIN follows them (BSD sends so_snd, then the FIN). */
    @Test
    void shutdownWriteSendsTheQueueBeforeTheFin() throws Exception {
        Socket[] p = smallBufferPair();
        CompletableFuture<long[]> rx = slowReader(p[1]);
        CRC32C sentCrc = new CRC32C();
        long accepted = sendUntilQueued(p[0], sentCrc);
        assertThat(sock_shutdown(p[0], 1 /* SHUT_WR */)).isZero();
        LongRef n = new LongRef();
        assertThat(sock_send(p[0], MsgHdr.of(bytes("x")), MSG_DONTWAIT, n))
                .as("no send after SHUT_WR, even while the queue drains").isEqualTo(EPIPE);
        long[] got = rx.get(30, TimeUnit.SECONDS);
        assertThat(got[0]).as("bytes received before the end of stream").isEqualTo(accepted);
        assertThat(got[1]).as("CRC32C").isEqualTo(sentCrc.getValue());
        IntRef soError = new IntRef(-1);
        assertThat(sock_getsockopt(p[0], SOL_SOCKET, 0x1007 /* SO_ERROR */, soError)).isZero();
        assertThat(soError.value).as("the queue drained without an error").isZero();
    }

    @Test
    void iovecSendWaitsBehindQueuedChain() throws Exception {
        Socket[] p = smallBufferPair();
        CompletableFuture<long[]> rx = slowReader(p[1]);
        CRC32C crc = new CRC32C();
        LongRef sent = new LongRef();
        long total = 0;
        int queuedOnce = 0;
        for (long i = 0; i < 8; i++) {
            if (sock_sendmbuf(p[0], null, chain(i, crc), MSG_DONTWAIT, sent) == 0) {
                total += CHUNK;
                queuedOnce++;
            } else {
                break; // the chain was freed and not counted: recompute the CRC below
            }
        }
        // Rebuild the expected CRC from what was accepted, then send a blocking iovec tail.
        CRC32C expect = new CRC32C();
        for (long i = 0; i < queuedOnce; i++) {
            MemorySegment buf = MemorySegment.ofArray(new byte[CHUNK]);
            for (int k = 0; k < CHUNK; k += 8) {
                buf.set(ValueLayout.JAVA_LONG_UNALIGNED, k, i * 1_000_003L + k);
            }
            expect.update(buf.asByteBuffer());
        }
        MemorySegment tail = bytes("the end");
        expect.update(tail.asByteBuffer());
        assertThat(sock_send(p[0], MsgHdr.of(tail), 0, sent)).isZero();
        total += tail.byteSize();
        assertThat(sock_shutdown(p[0], 1)).isZero();
        long[] got = rx.get(30, TimeUnit.SECONDS);
        assertThat(got[0]).isEqualTo(total);
        assertThat(got[1]).as("iovec bytes came after the queued chain").isEqualTo(expect.getValue());
    }

    /**
     * A blocking send from the socket's own upcall, behind chains queued by non-blocking
     * sendmbufs: the upcall occupies the loop that would write the queue out, so the waiting
     * send must do it (else it would wait forever), and its bytes still come after the queue's.
     */
    @Test
    void blockingSendFromTheSocketsOwnUpcallWaitsOutItsQueue() throws Exception {
        Socket l = listener(PF_INET, null, null);
        CompletableFuture<long[]> rx = new CompletableFuture<>();
        CompletableFuture<Long> sentTotal = new CompletableFuture<>();
        CRC32C expect = new CRC32C();
        AtomicBoolean once = new AtomicBoolean();
        Socket c = socket(PF_INET, SOCK_STREAM, (so, ck, w) -> {
            if (sock_isconnected(so) == 0 || !once.compareAndSet(false, true)) {
                return;
            }
            try {
                long accepted = sendUntilQueued(so, expect);
                MemorySegment tail = bytes("the end");
                expect.update(tail.asByteBuffer());
                LongRef n = new LongRef();
                int r = sock_send(so, MsgHdr.of(tail), 0, n);
                assertThat(Errno.name(r)).as("blocking send behind the queue, on its own loop").isEqualTo("0");
                sentTotal.complete(accepted + n.value);
            } catch (Throwable t) {
                sentTotal.completeExceptionally(t);
            }
        }, null);
        assertThat(sock_setsockopt(c, SOL_SOCKET, 0x1001 /* SO_SNDBUF */, 64 * 1024)).isZero();
        assertThat(sock_connect(c, addr(PF_INET, port(l)), 0)).isZero();
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, null, 0, 0, null, null, a)).isZero();
        Socket s = track(a.get());
        assertThat(sock_setsockopt(s, SOL_SOCKET, 0x1002 /* SO_RCVBUF */, 64 * 1024)).isZero();
        slowReader(s).whenComplete((v, t) -> rx.complete(v));
        long total = sentTotal.get(30, TimeUnit.SECONDS);
        assertThat(sock_shutdown(c, 1)).isZero();
        long[] got = rx.get(30, TimeUnit.SECONDS);
        assertThat(got[0]).isEqualTo(total);
        assertThat(got[1]).as("CRC32C: the tail came after the queued chains").isEqualTo(expect.getValue());
    }
}
