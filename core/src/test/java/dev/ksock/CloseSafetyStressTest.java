package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * sock_close racing with senders and receivers on other threads, while host descriptor numbers
 * are reused by new connections: every byte a receiver reads must carry its own connection's
 * identity, and no call may throw or hang.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CloseSafetyStressTest extends SocketTestSupport {
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(4);

    @Test
    void closeRacingWithIoNeverCrossesConnections() throws Exception {
        Socket l = listener(PF_INET, null, null);
        int port = port(l);
        AtomicLong nextId = new AtomicLong(1);
        AtomicLong foreign = new AtomicLong();
        AtomicLong wordsChecked = new AtomicLong();
        AtomicLong cycles = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        long end = System.nanoTime() + RUN_NANOS;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    while (System.nanoTime() < end) {
                        oneConnection(l, port, nextId.getAndIncrement(), end, foreign, wordsChecked);
                        cycles.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            if (t.isAlive()) {
                StringBuilder dump = new StringBuilder("worker still running after 60 s; threads:\n");
                Thread.getAllStackTraces().forEach((th, st) -> {
                    dump.append(th.getName()).append(" ").append(th.getState()).append('\n');
                    for (StackTraceElement e : st) {
                        dump.append("    at ").append(e).append('\n');
                    }
                });
                throw new AssertionError(dump.toString());
            }
        }
        assertThat(failures).isEmpty();
        assertThat(foreign.get()).as("words read that belong to another connection").isZero();
        assertThat(cycles.get()).as("connections opened and closed").isGreaterThan(20);
        assertThat(wordsChecked.get()).isGreaterThan(1000);
    }

    /**
     * One connection: a sender thread streams its id as 8-byte words; the receiver (this thread)
     * checks each whole word; a third party closes both ends at a random moment.
     */
    private void oneConnection(Socket l, int port, long id, long end, AtomicLong foreign, AtomicLong checked)
            throws InterruptedException {
        Socket c = newSocket();
        if (sock_connect(c, addr(PF_INET, port), 0) != 0) {
            sock_close(c);
            return;
        }
        Ref<Socket> a = new Ref<>();
        // Several workers share the listener: whoever accepts may get another worker's client.
        // Identity is carried in-band, so the acceptor learns it from the first word.
        if (sock_accept(l, null, 0, 0, null, null, a) != 0) {
            sock_close(c);
            return;
        }
        Socket s = a.get();
        MemorySegment idWord = MemorySegment.ofArray(new long[64]);
        for (int i = 0; i < 64; i++) {
            idWord.setAtIndex(ValueLayout.JAVA_LONG, i, id);
        }
        Thread sender = Thread.ofPlatform().start(() -> {
            LongRef sent = new LongRef();
            MsgHdr m = MsgHdr.of(idWord);
            while (sock_send(c, m, 0, sent) == 0 && System.nanoTime() < end) {
                // keep streaming until the socket is closed under us
            }
        });
        Thread closer = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(ThreadLocalRandom.current().nextInt(1, 15));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sock_close(c);
            sock_close(s);
        });
        byte[] buf = new byte[4096];
        MemorySegment seg = MemorySegment.ofArray(buf);
        MsgHdr rm = MsgHdr.of(seg);
        LongRef got = new LongRef();
        long streamPos = 0;
        long first = -1;
        long partial = 0;
        int partialBytes = 0;
        while (sock_receive(s, rm, 0, got) == 0 && got.value > 0) {
            for (int i = 0; i < got.value; i++) {
                partial |= (buf[i] & 0xffL) << (8 * partialBytes);
                if (++partialBytes == 8) {
                    if (first < 0) {
                        first = partial;
                    } else if (partial != first) {
                        foreign.incrementAndGet();
                    }
                    checked.incrementAndGet();
                    partial = 0;
                    partialBytes = 0;
                }
            }
            streamPos += got.value;
        }
        closer.join();
        sender.join();
        sock_close(c);
        sock_close(s);
        assertThat(streamPos).isGreaterThanOrEqualTo(0);
    }

    private static Socket newSocket() {
        Ref<Socket> r = new Ref<>();
        assertThat(sock_socket(PF_INET, SOCK_STREAM, 0, null, null, r)).isZero();
        return r.get();
    }
}
