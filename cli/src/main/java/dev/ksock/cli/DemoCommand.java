package dev.ksock.cli;

import static dev.ksock.KpiMbuf.*;
import static dev.ksock.KpiSocket.*;

import dev.ksock.Errno;
import dev.ksock.ErrnoException;
import dev.ksock.LongRef;
import dev.ksock.Mbuf;
import dev.ksock.MbufStat;
import dev.ksock.MsgHdr;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.SockUpcall;
import dev.ksock.Socket;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ksock demo}: the KPI at work inside one process. For TCP over IPv4, TCP over IPv6 and
 * a local (unix-domain) socket, an upcall-driven server receives a bulk stream as mbuf chains
 * (no copy) and checks it, then echoes small messages for a round-trip measurement; the clients
 * are plain blocking code on virtual threads.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Moves data through the KPI over TCP/IPv4, TCP/IPv6 and a local socket, "
                + "checks it, and prints throughput, round-trip latency and upcall counts.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--mib", description = "MiB to send per transport (default: ${DEFAULT-VALUE}).")
    int mib = 256;

    @Option(names = "--pings", description = "Round trips per transport (default: ${DEFAULT-VALUE}).")
    int pings = 20_000;

    private static final int PF_LOCAL = 1, PF_INET = 2, PF_INET6 = 30, SOCK_STREAM = 1;
    private static final int MSG_DONTWAIT = 0x80, MSG_WAITALL = 0x40, EWOULDBLOCK = 35;
    private static final int CHUNK = 256 * 1024;

    private final AtomicLong upcalls = new AtomicLong();
    private final AtomicLong moved = new AtomicLong();

    record Result(String name, long bytes, double seconds, boolean intact, long p50, long p99) {
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        out.println("ksock demo: the XNU kernel socket KPI on the JVM (" + mib + " MiB and " + pings
                + " round trips per transport)");
        Path sockPath = Files.createTempDirectory("ksock-demo").resolve("demo.sock");
        List<String[]> transports = List.of(
                new String[] {"TCP/IPv4", "127.0.0.1"},
                new String[] {"TCP/IPv6", "::1"},
                new String[] {"PF_LOCAL", sockPath.toString()});
        long total = (long) mib * 1024 * 1024 * transports.size();
        Thread progress = Thread.ofPlatform().daemon().start(() -> progressBar(total));
        List<Result> results = new ArrayList<>();
        try {
            for (String[] t : transports) {
                results.add(runTransport(t[0], t[1]));
            }
        } catch (ErrnoException e) {
            progress.interrupt();
            System.err.println("\nksock demo: " + e.getMessage());
            return 1;
        } finally {
            progress.interrupt();
            progress.join();
            Files.deleteIfExists(sockPath);
            Files.deleteIfExists(sockPath.getParent());
        }
        System.err.print("\r" + " ".repeat(72) + "\r");
        out.printf("%n%-10s %10s %12s %12s %12s %8s%n", "transport", "MiB", "MiB/s", "rtt p50 µs", "rtt p99 µs", "intact");
        boolean ok = true;
        for (Result r : results) {
            out.printf("%-10s %10d %12.0f %12d %12d %8s%n", r.name, r.bytes >> 20,
                    (r.bytes / 1048576.0) / r.seconds, r.p50, r.p99, r.intact ? "yes" : "NO");
            ok &= r.intact;
        }
        MbufStat st = new MbufStat();
        mbuf_stats(st);
        out.printf("%nupcalls delivered: %d    mbuf pool high-water: %.1f MiB (limit %.0f MiB), in use now: %d bytes%n",
                upcalls.get(), st.highWaterBytes / 1048576.0, st.limitBytes / 1048576.0, st.bytesInUse);
        out.println(ok ? "all data arrived intact (CRC32C checked end to end)" : "DATA CORRUPTED");
        return ok ? 0 : 3;
    }

    private void progressBar(long total) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                long m = Math.min(moved.get(), total);
                int width = 40;
                int filled = (int) (width * m / Math.max(1, total));
                System.err.printf("\r[%s%s] %5.1f%%  %d/%d MiB", "#".repeat(filled), ".".repeat(width - filled),
                        100.0 * m / total, m >> 20, total >> 20);
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static SockAddr address(String name, String where, int port) {
        return switch (name) {
            case "TCP/IPv4" -> SockAddr.in(where, port);
            case "TCP/IPv6" -> SockAddr.in6(where, port);
            default -> SockAddr.un(where);
        };
    }

    private static int domain(String name) {
        return switch (name) {
            case "TCP/IPv4" -> PF_INET;
            case "TCP/IPv6" -> PF_INET6;
            default -> PF_LOCAL;
        };
    }

    private static void check(int errno, String what) {
        if (errno != 0) {
            throw new ErrnoException(errno, what);
        }
    }

    /** Server side of one connection, driven only by upcalls (the cookie). */
    private final class Sink {
        final CRC32C crc = new CRC32C();
        long expected;
        long bytes;
        boolean bulkDone;
        final CompletableFuture<long[]> verdict = new CompletableFuture<>();
        final Ref<Mbuf> chain = new Ref<>();
        final LongRef len = new LongRef();
        final MemorySegment echo = Arena.ofAuto().allocate(64);
        final MsgHdr echoMsg = MsgHdr.of(echo);
    }

    private final SockUpcall serverUpcall = (so, cookie, waitf) -> {
        upcalls.incrementAndGet();
        Sink s = (Sink) cookie;
        if (!s.bulkDone) {
            for (;;) {
                s.len.value = 1 << 20;
                int r = sock_receivembuf(so, null, s.chain, MSG_DONTWAIT, s.len);
                if (r == EWOULDBLOCK) {
                    return;
                }
                if (r != 0) {
                    s.verdict.completeExceptionally(new ErrnoException(r, "sock_receivembuf"));
                    return;
                }
                if (s.len.value == 0) { // the client went away before sending everything
                    s.verdict.complete(new long[] {s.bytes, s.crc.getValue()});
                    sock_close(so);
                    return;
                }
                for (Mbuf m = s.chain.get(); m != null; m = mbuf_next(m)) {
                    MemorySegment d = mbuf_data(m).asSlice(0, mbuf_len(m));
                    s.crc.update(d.asByteBuffer());
                }
                s.bytes += s.len.value;
                moved.addAndGet(s.len.value);
                mbuf_freem(s.chain.get());
                if (s.bytes >= s.expected) {
                    s.bulkDone = true;
                    s.verdict.complete(new long[] {s.bytes, s.crc.getValue()});
                    break;
                }
            }
        }
        // Echo phase: whatever arrives goes straight back.
        for (;;) {
            int r = sock_receive(so, s.echoMsg, MSG_DONTWAIT, s.len);
            if (r != 0 || s.len.value == 0) {
                if (r != EWOULDBLOCK) {
                    sock_close(so);
                }
                return;
            }
            MsgHdr m = MsgHdr.of(s.echo.asSlice(0, s.len.value));
            sock_send(so, m, 0, s.len);
        }
    };

    private Result runTransport(String name, String where) throws Exception {
        int dom = domain(name);
        Ref<Socket> lref = new Ref<>();
        long expected = (long) mib * 1024 * 1024;
        CompletableFuture<Sink> acceptedF = new CompletableFuture<>();
        SockUpcall acceptor = (so, cookie, waitf) -> {
            upcalls.incrementAndGet();
            Ref<Socket> a = new Ref<>();
            Sink s = new Sink();
            s.expected = expected;
            if (sock_accept(so, null, 0, MSG_DONTWAIT, serverUpcall, s, a) == 0) {
                acceptedF.complete(s);
            }
        };
        check(sock_socket(dom, SOCK_STREAM, 0, acceptor, null, lref), "sock_socket");
        Socket l = lref.get();
        try {
            check(sock_bind(l, address(name, where, 0)), "sock_bind " + name);
            check(sock_listen(l, 8), "sock_listen");
            SockAddr local = SockAddr.storage();
            check(sock_getsockname(l, local, 128), "sock_getsockname");
            int port = local.port();

            Ref<Socket> cref = new Ref<>();
            check(sock_socket(dom, SOCK_STREAM, 0, null, null, cref), "sock_socket");
            Socket c = cref.get();
            try {
                check(sock_connect(c, address(name, where, port), 0), "sock_connect " + name);
                Sink sink = acceptedF.get(10, TimeUnit.SECONDS);

                // Bulk: deterministic pseudo-random bytes, CRC32C on both sides.
                MemorySegment buf = Arena.ofAuto().allocate(CHUNK, 64);
                CRC32C sent = new CRC32C();
                long seed = 0x9E3779B97F4A7C15L ^ dom;
                long t0 = System.nanoTime();
                MsgHdr msg = MsgHdr.of(buf);
                LongRef n = new LongRef();
                for (long done = 0; done < expected; done += CHUNK) {
                    for (long i = 0; i < CHUNK; i += 8) {
                        seed ^= seed << 13;
                        seed ^= seed >>> 7;
                        seed ^= seed << 17;
                        buf.set(ValueLayout.JAVA_LONG_UNALIGNED, i, seed);
                    }
                    sent.update(buf.asByteBuffer());
                    check(sock_send(c, msg, 0, n), "sock_send");
                }
                long[] got = sink.verdict.get(60, TimeUnit.SECONDS);
                double secs = (System.nanoTime() - t0) / 1e9;
                boolean intact = got[0] == expected && got[1] == sent.getValue();

                // Round trips: 64-byte messages echoed by the server's upcall.
                MemorySegment ping = Arena.ofAuto().allocate(64);
                MemorySegment pong = Arena.ofAuto().allocate(64);
                MsgHdr pingMsg = MsgHdr.of(ping);
                MsgHdr pongMsg = MsgHdr.of(pong);
                long[] rtt = new long[pings];
                for (int i = 0; i < pings; i++) {
                    ping.set(ValueLayout.JAVA_INT, 0, i);
                    long s0 = System.nanoTime();
                    check(sock_send(c, pingMsg, 0, n), "sock_send ping");
                    check(sock_receive(c, pongMsg, MSG_WAITALL, n), "sock_receive pong");
                    rtt[i] = System.nanoTime() - s0;
                    intact &= pong.get(ValueLayout.JAVA_INT, 0) == i;
                }
                Arrays.sort(rtt);
                return new Result(name, expected, secs, intact, rtt[pings / 2] / 1000, rtt[pings * 99 / 100] / 1000);
            } finally {
                sock_close(c);
            }
        } finally {
            sock_close(l);
        }
    }

    static String describe(int errno) {
        return Errno.name(errno) + " (" + Errno.strerror(errno) + ")";
    }
}
