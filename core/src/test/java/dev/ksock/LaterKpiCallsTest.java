package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The kpi_socket.h calls XNU added after the 10.4 reference, against kpi_socket.c's answers:
 * sock_setupcall, sock_setupcalls, sock_catchevents, sock_connectwait, sock_getaddr /
 * sock_freeaddr, sock_nointerrupt, sock_retain / sock_release. Peers are java.net sockets.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LaterKpiCallsTest extends SocketTestSupport {
    static final int EINVAL = 22, EBADF = 9, EDOM = 33, EINPROGRESS = 36, ECONNREFUSED = 61, ENOTCONN = 57,
            EINTR = 4;
    static final int SO_FILT_HINT_CONNRESET = 0x2, SO_FILT_HINT_CANTRCVMORE = 0x4, SO_FILT_HINT_CANTSENDMORE = 0x8,
            SO_FILT_HINT_CONNECTED = 0x1000, SO_FILT_HINT_DISCONNECTED = 0x2000, SO_FILT_HINT_CONNINFO_UPDATED = 0x4000;

    static void await(CountDownLatch l) throws InterruptedException {
        assertThat(l.await(5, TimeUnit.SECONDS)).as("callback within 5 s").isTrue();
    }

    @Test
    void nullAndClosedSocketsGetAnErrno() {
        assertThat(sock_setupcall(null, null, null)).isEqualTo(EINVAL);
        assertThat(sock_setupcalls(null, null, null, null, null)).isEqualTo(EINVAL);
        assertThat(sock_catchevents(null, null, null, 0)).isEqualTo(EINVAL);
        assertThat(sock_connectwait(null, new Timeval(1, 0))).isEqualTo(EINVAL);
        assertThat(sock_getaddr(null, new Ref<>(), 0)).isEqualTo(EINVAL);
        assertThat(sock_nointerrupt(null, 1)).isEqualTo(EINVAL);
        sock_retain(null);
        sock_release(null);
        sock_freeaddr(null);
        Socket s = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connectwait(s, null)).isEqualTo(EINVAL);
        assertThat(sock_getaddr(s, null, 0)).isEqualTo(EINVAL);
        sock_close(s);
        assertThat(sock_setupcall(s, (so, c, w) -> { }, null)).isEqualTo(EBADF);
        assertThat(sock_catchevents(s, (so, c, e) -> { }, null, -1)).isEqualTo(EBADF);
        assertThat(sock_connectwait(s, new Timeval(1, 0))).isEqualTo(EBADF);
        assertThat(sock_getaddr(s, new Ref<>(), 0)).isEqualTo(EBADF);
    }

    /** A socket created without an upcall gets one later; replacing it takes effect at once. */
    @Test
    void setupcallInstallsReplacesAndClears() throws Exception {
        Socket[] p = pair(PF_INET);
        CountDownLatch first = new CountDownLatch(1);
        Object ctx = new Object();
        AtomicReference<Object> seenCtx = new AtomicReference<>();
        assertThat(sock_setupcall(p[1], (so, c, w) -> {
            assertThat(so).isSameAs(p[1]);
            seenCtx.set(c);
            if (!recv(so, 64, MSG_DONTWAIT).startsWith("ERR")) {
                first.countDown();
            }
        }, ctx)).isZero();
        sendAll(p[0], "one");
        await(first);
        assertThat(seenCtx.get()).isSameAs(ctx);
        AtomicInteger oldCalls = new AtomicInteger();
        CountDownLatch second = new CountDownLatch(1);
        assertThat(sock_setupcall(p[1], (so, c, w) -> {
            if ("two".equals(recv(so, 64, MSG_DONTWAIT))) {
                second.countDown();
            }
        }, "new")).isZero();
        sendAll(p[0], "two");
        await(second);
        assertThat(sock_setupcall(p[1], null, null)).as("null clears").isZero();
        sendAll(p[0], "three");
        Thread.sleep(100);
        assertThat(recv(p[1], 64, MSG_DONTWAIT)).as("nobody read it").isEqualTo("three");
    }

    /** Installing an upcall reports a condition that already holds (data already queued). */
    @Test
    void aConditionPresentAtInstallIsReported() throws Exception {
        Socket[] p = pair(PF_INET6);
        sendAll(p[0], "waiting");
        Thread.sleep(50);
        CountDownLatch got = new CountDownLatch(1);
        assertThat(sock_setupcall(p[1], (so, c, w) -> {
            if ("waiting".equals(recv(so, 64, MSG_DONTWAIT))) {
                got.countDown();
            }
        }, null)).isZero();
        await(got);
    }

    /** Separate read and write upcalls: the write side hears the connect and room to send. */
    @Test
    void setupcallsSeparatesReadAndWrite() throws Exception {
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket so = socket(PF_INET, SOCK_STREAM);
            List<String> calls = new CopyOnWriteArrayList<>();
            CountDownLatch readData = new CountDownLatch(1);
            CountDownLatch writable = new CountDownLatch(1);
            assertThat(sock_setupcalls(so, (s, c, w) -> {
                calls.add("r:" + c);
                if ("ping".equals(recv(s, 16, MSG_DONTWAIT))) {
                    readData.countDown();
                }
            }, "R", (s, c, w) -> {
                calls.add("w:" + c);
                if (sock_isconnected(s) == 1) {
                    writable.countDown();
                }
            }, "W")).isZero();
            assertThat(sock_ioctl(so, FIONBIO, new IntRef(1))).isZero();
            int r = sock_connect(so, addr(PF_INET, peer.getLocalPort()), 0);
            assertThat(r == 0 || r == EINPROGRESS).isTrue();
            try (java.net.Socket p = peer.accept()) {
                await(writable);
                p.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                await(readData);
            }
            assertThat(calls).contains("w:W", "r:R");
            assertThat(sock_setupcalls(so, null, null, null, null)).isZero();
        }
    }

    @Test
    void catcheventsReportsConnectedCantrcvmoreAndDisconnectedWithinTheMask() throws Exception {
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket so = socket(PF_INET, SOCK_STREAM);
            List<Integer> events = new CopyOnWriteArrayList<>();
            Object ctx = "ctx";
            CountDownLatch eof = new CountDownLatch(1);
            assertThat(sock_catchevents(so, (s, c, e) -> {
                assertThat(s).isSameAs(so);
                assertThat(c).isSameAs(ctx);
                events.add(e);
                if ((e & SO_FILT_HINT_CANTRCVMORE) != 0) {
                    eof.countDown();
                }
            }, ctx, SO_FILT_HINT_CONNECTED | SO_FILT_HINT_CANTRCVMORE | SO_FILT_HINT_DISCONNECTED)).isZero();
            assertThat(sock_connect(so, addr(PF_INET, peer.getLocalPort()), 0)).isZero();
            assertThat(events).as("CONNINFO_UPDATED is outside the mask").containsExactly(SO_FILT_HINT_CONNECTED);
            java.net.Socket p = peer.accept();
            p.shutdownOutput();
            await(eof);
            assertThat(sock_catchevents(so, null, null, 0)).as("null removes").isZero();
            p.close();
            assertThat(sock_shutdown(so, 2)).isZero();
            Thread.sleep(50);
            assertThat(events).containsExactly(SO_FILT_HINT_CONNECTED, SO_FILT_HINT_CANTRCVMORE);
        }
    }

    @Test
    void connectwaitAnswersAsKpiSocketC() throws Exception {
        Socket idle = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connectwait(idle, new Timeval(1, 0))).as("not connecting, never connected").isEqualTo(EINVAL);

        // Refused: a non-blocking connect, then the wait returns the error and clears it.
        Socket l = listener(PF_INET, null, null);
        int port = port(l);
        sock_close(l);
        Socket refused = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_ioctl(refused, FIONBIO, new IntRef(1))).isZero();
        int r = sock_connect(refused, addr(PF_INET, port), 0);
        if (r == EINPROGRESS) {
            r = sock_connectwait(refused, new Timeval(5, 0));
        }
        assertThat(r).isEqualTo(ECONNREFUSED);

        // Connected: 0 at once.
        Socket[] p = pair(PF_INET);
        assertThat(sock_connectwait(p[0], new Timeval(0, 0))).isZero();

        // Still connecting after the time: EINPROGRESS; out-of-range times: EDOM.
        Socket bhListener = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_bind(bhListener, addr(PF_INET, 0))).isZero();
        assertThat(sock_listen(bhListener, 0)).isZero();
        SockAddr bh = addr(PF_INET, port(bhListener));
        Socket filler = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(filler, bh, 0)).isZero();
        Socket slow = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(slow, bh, MSG_DONTWAIT)).isEqualTo(EINPROGRESS);
        assertThat(sock_connectwait(slow, new Timeval(-1, 0))).isEqualTo(EDOM);
        assertThat(sock_connectwait(slow, new Timeval(328, 0))).isEqualTo(EDOM);
        assertThat(sock_connectwait(slow, new Timeval(0, 1_000_000))).isEqualTo(EDOM);
        long t0 = System.nanoTime();
        assertThat(sock_connectwait(slow, new Timeval(0, 300_000))).isEqualTo(EINPROGRESS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("waited about the 300 ms asked").isBetween(250L, 2000L);
    }

    @Test
    void getaddrReturnsANewAddressForEitherEnd() throws Exception {
        Socket[] p = pair(PF_INET6);
        Ref<SockAddr> local = new Ref<>();
        Ref<SockAddr> peer = new Ref<>();
        assertThat(sock_getaddr(p[0], local, 0)).isZero();
        assertThat(sock_getaddr(p[0], peer, 1)).isZero();
        assertThat(peer.get().port()).isEqualTo(port(p[1]));
        assertThat(local.get().port()).isEqualTo(port(p[0]));
        assertThat(local.get().toString()).startsWith("[::1]:");
        sock_freeaddr(local.get());
        Socket fresh = socket(PF_INET, SOCK_STREAM);
        Ref<SockAddr> none = new Ref<>(SockAddr.in("1.2.3.4", 5));
        assertThat(sock_getaddr(fresh, none, 1)).isEqualTo(ENOTCONN);
        assertThat(none.get()).isNull();
    }

    /** Java's interrupt is the signal: EINTR, unless sock_nointerrupt(1). */
    @Test
    void aBlockedReceiveIsInterruptedUnlessNointerrupt() throws Exception {
        Socket[] p = pair(PF_INET);
        AtomicReference<String> result = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> result.set(recv(p[1], 16, 0)));
        Thread.sleep(100);
        t.interrupt();
        t.join(5000);
        assertThat(result.get()).isEqualTo("ERR:EINTR");

        assertThat(sock_nointerrupt(p[1], 1)).isZero();
        CountDownLatch started = new CountDownLatch(1);
        Thread u = Thread.ofVirtual().start(() -> {
            started.countDown();
            result.set(recv(p[1], 16, 0));
        });
        await(started);
        Thread.sleep(100);
        u.interrupt();
        Thread.sleep(100);
        assertThat(u.isAlive()).as("still waiting despite the interrupt").isTrue();
        sendAll(p[0], "late");
        u.join(5000);
        assertThat(result.get()).isEqualTo("late");
    }

    @Test
    void retainAndReleasePairAndAnUnpairedReleaseIsHarmless() {
        Socket[] p = pair(PF_INET);
        sock_retain(p[0]);
        sock_retain(p[0]);
        sock_release(p[0]);
        sock_release(p[0]);
        sock_release(p[0]); // one too many: logged and ignored (XNU panics)
        sendAll(p[0], "alive");
        assertThat(recv(p[1], 16, 0)).isEqualTo("alive");
    }

    /** sock_release waits for an upcall in progress on another thread. */
    @Test
    void releaseWaitsForARunningUpcall() throws Exception {
        CountDownLatch inUpcall = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        AtomicReference<Long> upcallEnd = new AtomicReference<>();
        Socket[] p = pair(PF_INET);
        sock_retain(p[1]);
        assertThat(sock_setupcall(p[1], (so, c, w) -> {
            if (!recv(so, 16, MSG_DONTWAIT).startsWith("ERR")) {
                inUpcall.countDown();
                try {
                    letGo.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                upcallEnd.set(System.nanoTime());
            }
        }, null)).isZero();
        sendAll(p[0], "x");
        await(inUpcall);
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            letGo.countDown();
        });
        sock_release(p[1]);
        long released = System.nanoTime();
        assertThat(upcallEnd.get()).as("the upcall had returned").isNotNull();
        assertThat(released).isGreaterThanOrEqualTo(upcallEnd.get());
    }

    static String readAll(InputStream in, int n) throws Exception {
        return new String(in.readNBytes(n), StandardCharsets.US_ASCII);
    }
}
