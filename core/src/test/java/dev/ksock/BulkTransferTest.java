package dev.ksock;

import static dev.ksock.KpiMbuf.*;
import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 1 GiB over loopback TCP, checked end to end by CRC32C and byte count: through
 * sock_send/sock_receive (native and heap buffers) and through sock_sendmbuf/sock_receivembuf.
 * Every 64 KiB block carries its index, so loss, duplication or reordering changes the CRC.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BulkTransferTest extends SocketTestSupport {
    private static final long GIB = 1L << 30;
    private static final int CHUNK = 256 * 1024;

    /** Fills {@code buf} with the stream's bytes for chunk number {@code chunk}. */
    static void fill(MemorySegment buf, MemorySegment pattern, long chunk) {
        MemorySegment.copy(pattern, 0, buf, 0, buf.byteSize());
        for (long off = 0; off < buf.byteSize(); off += 65536) {
            buf.set(ValueLayout.JAVA_LONG_UNALIGNED, off, chunk * (CHUNK / 65536) + off / 65536);
        }
    }

    static MemorySegment pattern() {
        MemorySegment p = nativeBuf(CHUNK);
        long x = 0x2545F4914F6CDD1DL;
        for (long i = 0; i < CHUNK; i += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            p.set(ValueLayout.JAVA_LONG_UNALIGNED, i, x);
        }
        return p;
    }

    private static CompletableFuture<long[]> receiver(Socket s, boolean heap) {
        return CompletableFuture.supplyAsync(() -> {
            CRC32C crc = new CRC32C();
            MemorySegment buf = heap ? MemorySegment.ofArray(new byte[CHUNK]) : nativeBuf(CHUNK);
            MsgHdr m = MsgHdr.of(buf);
            LongRef got = new LongRef();
            long total = 0;
            for (;;) {
                int r = sock_receive(s, m, 0, got);
                if (r != 0) {
                    return new long[] {-r, 0};
                }
                if (got.value == 0) {
                    return new long[] {total, crc.getValue()};
                }
                crc.update(buf.asSlice(0, got.value).asByteBuffer());
                total += got.value;
            }
        });
    }

    private void viaSendReceive(long bytes, boolean heap) throws Exception {
        Socket[] p = pair(PF_INET);
        CompletableFuture<long[]> rx = receiver(p[1], heap);
        MemorySegment pattern = pattern();
        MemorySegment buf = heap ? MemorySegment.ofArray(new byte[CHUNK]) : nativeBuf(CHUNK);
        MsgHdr m = MsgHdr.of(buf);
        LongRef sent = new LongRef();
        CRC32C crc = new CRC32C();
        for (long chunk = 0; chunk * CHUNK < bytes; chunk++) {
            fill(buf, pattern, chunk);
            crc.update(buf.asByteBuffer());
            assertThat(sock_send(p[0], m, 0, sent)).isZero();
            assertThat(sent.value).as("a blocking stream send sends everything").isEqualTo(CHUNK);
        }
        assertThat(sock_shutdown(p[0], 1)).isZero();
        long[] r = rx.get(120, TimeUnit.SECONDS);
        assertThat(r[0]).as("bytes received").isEqualTo(bytes);
        assertThat(r[1]).as("CRC32C of the stream").isEqualTo(crc.getValue());
    }

    @Test
    void oneGibThroughSendAndReceiveArrivesIntact() throws Exception {
        viaSendReceive(GIB, false);
    }

    @Test
    void heapBuffersGoThroughTheBounceBufferIntact() throws Exception {
        viaSendReceive(64L << 20, true);
    }

    @Test
    void oneGibThroughMbufChainsArrivesIntact() throws Exception {
        Socket[] p = pair(PF_INET);
        CompletableFuture<long[]> rx = CompletableFuture.supplyAsync(() -> {
            CRC32C crc = new CRC32C();
            Ref<Mbuf> chain = new Ref<>();
            LongRef len = new LongRef();
            long total = 0;
            for (;;) {
                len.value = 1 << 20;
                int r = sock_receivembuf(p[1], null, chain, 0, len);
                if (r != 0) {
                    return new long[] {-r, 0};
                }
                if (len.value == 0) {
                    return new long[] {total, crc.getValue()};
                }
                long inChain = 0;
                for (Mbuf mb = chain.get(); mb != null; mb = mbuf_next(mb)) {
                    long l = mbuf_len(mb);
                    crc.update(mbuf_data(mb).asSlice(0, l).asByteBuffer());
                    inChain += l;
                }
                if (inChain != len.value) {
                    return new long[] {-1000, 0};
                }
                total += len.value;
                mbuf_freem(chain.get());
            }
        });
        MemorySegment pattern = pattern();
        MemorySegment buf = nativeBuf(CHUNK);
        CRC32C crc = new CRC32C();
        LongRef sent = new LongRef();
        Ref<Mbuf> m = new Ref<>();
        for (long chunk = 0; chunk * CHUNK < GIB; chunk++) {
            fill(buf, pattern, chunk);
            crc.update(buf.asByteBuffer());
            assertThat(mbuf_allocpacket(MBUF_WAITOK, CHUNK, null, m)).isZero();
            assertThat(mbuf_copyback(m.get(), 0, CHUNK, buf, MBUF_WAITOK)).isZero();
            assertThat(sock_sendmbuf(p[0], null, m.get(), 0, sent)).isZero();
            assertThat(sent.value).isEqualTo(CHUNK);
        }
        assertThat(sock_shutdown(p[0], 1)).isZero();
        long[] r = rx.get(120, TimeUnit.SECONDS);
        assertThat(r[0]).as("bytes received as mbuf chains").isEqualTo(GIB);
        assertThat(r[1]).as("CRC32C of the stream").isEqualTo(crc.getValue());
        MbufStat st = new MbufStat();
        mbuf_stats(st);
        assertThat(st.bytesInUse).as("every chain was freed").isLessThan(1L << 20);
    }
}
