package dev.ksock.examples;

import static dev.ksock.Darwin.*;
import static dev.ksock.KpiSocket.*;

import dev.ksock.Errno;
import dev.ksock.ErrnoException;
import dev.ksock.LongRef;
import dev.ksock.MsgHdr;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.Socket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Many clients, each written as plain blocking code — {@code sock_connect}, then
 * {@code sock_send} and {@code sock_receive(MSG_WAITALL)} in a loop — each on its own virtual
 * thread. A blocked KPI call parks its virtual thread, not a platform thread, so a thousand
 * clients cost a thousand small stacks, not a thousand threads.
 *
 * <p>Each client sends numbered messages to an echo server and checks every reply.
 */
public final class BlockingClients {
    private BlockingClients() {
    }

    /** What a run did. */
    public record Result(int clients, long roundTrips, long mismatches, double seconds) {
    }

    /**
     * Runs {@code clients} clients against the echo server at {@code server}, each doing
     * {@code rounds} round trips of {@code size} bytes (at least 8).
     *
     * @throws ErrnoException if a client's KPI call fails
     */
    public static Result run(SockAddr server, int clients, int rounds, int size) throws Exception {
        long t0 = System.nanoTime();
        long trips = 0;
        long bad = 0;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<long[]>> done = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int id = i;
                done.add(threads.submit(() -> client(server, id, rounds, size)));
            }
            for (Future<long[]> f : done) {
                long[] r = f.get();
                trips += r[0];
                bad += r[1];
            }
        }
        return new Result(clients, trips, bad, (System.nanoTime() - t0) / 1e9);
    }

    /** One client: {round trips, mismatched replies}. */
    private static long[] client(SockAddr server, int id, int rounds, int size) {
        Ref<Socket> ref = new Ref<>();
        Errno.check(sock_socket(server.sa_family(), SOCK_STREAM, 0, null, null, ref));
        Socket so = ref.get();
        try (Arena arena = Arena.ofConfined()) {
            Errno.check(sock_connect(so, server, 0)); // blocking: parks until connected
            MemorySegment out = arena.allocate(size);
            MemorySegment in = arena.allocate(size);
            MsgHdr tx = MsgHdr.of(out);
            MsgHdr rx = MsgHdr.of(in);
            LongRef n = new LongRef();
            long bad = 0;
            for (int round = 0; round < rounds; round++) {
                long stamp = (long) id << 32 | round;
                out.fill((byte) round);
                out.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, stamp);
                Errno.check(sock_send(so, tx, 0, n)); // a blocking stream send sends everything
                // MSG_WAITALL: wait for the whole reply, however the stream splits it.
                Errno.check(sock_receive(so, rx, MSG_WAITALL, n));
                if (n.value != size || MemorySegment.mismatch(in, 0, size, out, 0, size) != -1) {
                    bad++;
                }
            }
            return new long[] {rounds, bad};
        } finally {
            sock_close(so);
        }
    }

    /** {@code java ... dev.ksock.examples.BlockingClients [clients] [rounds]}: against an in-process {@link EchoServer}. */
    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        try (EchoServer server = EchoServer.start(SockAddr.in("127.0.0.1", 0))) {
            Result r = run(server.address(), clients, rounds, 64);
            System.out.printf("%d clients, %d round trips in %.2f s (%.0f/s), %d mismatches%n",
                    r.clients(), r.roundTrips(), r.seconds(), r.roundTrips() / r.seconds(), r.mismatches());
        }
    }
}
