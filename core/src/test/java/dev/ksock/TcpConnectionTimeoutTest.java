package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TCP_CONNECTIONTIMEOUT (seconds) ends a connect that has not completed with ETIMEDOUT at that
 * time, as XNU's connection-establishment timer does (TCPT_KEEP before ESTABLISHED → tcp_drop
 * with ETIMEDOUT), not at the host's SYN backoff times; 0 means the system default (Darwin's
 * keepinit, 75 s).
 *
 * <p>The unanswered destination is made on loopback: a listener with backlog 0 whose single
 * accept-queue slot a completed, never-accepted connection fills. Linux then drops every further
 * SYN to it (a full accept queue is a drop, SYN cookies or not), so a connect stays in SYN_SENT.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpConnectionTimeoutTest extends SocketTestSupport {
    static final int IPPROTO_TCP = 6, TCP_CONNECTIONTIMEOUT = 0x20;
    static final int SO_ERROR = 0x1007;

    /** A loopback address whose SYNs go unanswered for as long as the test runs. */
    SockAddr blackhole() {
        Socket l = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_bind(l, addr(PF_INET, 0))).isZero();
        assertThat(sock_listen(l, 0)).isZero();
        SockAddr a = addr(PF_INET, port(l));
        Socket filler = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(filler, a, 0)).as("the connection that fills the accept queue").isZero();
        return a;
    }

    Socket withTimeout(int seconds) {
        Socket s = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_setsockopt(s, IPPROTO_TCP, TCP_CONNECTIONTIMEOUT, seconds)).isZero();
        return s;
    }

    static int soError(Socket s) {
        IntRef e = new IntRef();
        assertThat(sock_getsockopt(s, SOL_SOCKET, SO_ERROR, e)).isZero();
        return e.value;
    }

    static void nonBlocking(Socket s) {
        assertThat(sock_ioctl(s, FIONBIO, MemorySegment.ofArray(new int[] {1}))).isZero();
    }

    /** Polls SO_ERROR (which clears it) until it is set or {@code maxMillis} pass; the errno, or 0. */
    static int awaitSoError(Socket s, long maxMillis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        for (;;) {
            int e = soError(s);
            if (e != 0 || System.nanoTime() > end) {
                return e;
            }
            Thread.sleep(5);
        }
    }

    static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Blocking sock_connect: ETIMEDOUT at 2 s; Linux's own limit for these SYN retries is 3 s. */
    @Test
    void blockingConnectFailsWithEtimedoutAtTheConfiguredTime() {
        SockAddr bh = blackhole();
        Socket s = withTimeout(2);
        long t0 = System.nanoTime();
        int r = sock_connect(s, bh, 0);
        long ms = millisSince(t0);
        System.out.println("TCP_CONNECTIONTIMEOUT 2 s, blocking connect: " + Errno.name(r) + " after " + ms + " ms");
        assertThat(Errno.name(r)).as("blocking connect to an unanswering peer (XNU: tcp_drop(ETIMEDOUT))").isEqualTo("ETIMEDOUT");
        assertThat(ms).as("milliseconds until ETIMEDOUT with TCP_CONNECTIONTIMEOUT 2").isBetween(1500L, 2500L);
        assertThat(sock_isconnected(s)).isZero();
        assertThat(soError(s)).as("the error was returned by the connect, not kept").isZero();
        // tcp_drop → tcp_close: disconnected for good, and the dead pcb takes no new connect.
        LongRef n = new LongRef();
        assertThat(Errno.name(sock_send(s, MsgHdr.of(MemorySegment.ofArray(new byte[1])), 0, n))).isEqualTo("EPIPE");
        assertThat(Errno.name(sock_connect(s, bh, MSG_DONTWAIT))).isEqualTo("EINVAL");
    }

    /**
     * Non-blocking: EINPROGRESS, then at 2 s SO_ERROR is ETIMEDOUT and the upcall has run; the
     * socket then answers as one whose connect was refused.
     */
    @Test
    void nonBlockingConnectReportsEtimedoutInSoErrorAndWakesTheUpcall() throws Exception {
        SockAddr bh = blackhole();
        ConcurrentLinkedQueue<Long> upcalls = new ConcurrentLinkedQueue<>();
        Socket s = socket(PF_INET, SOCK_STREAM, (so, cookie, waitf) -> upcalls.add(System.nanoTime()), null);
        assertThat(sock_setsockopt(s, IPPROTO_TCP, TCP_CONNECTIONTIMEOUT, 2)).isZero();
        nonBlocking(s);
        long t0 = System.nanoTime();
        assertThat(Errno.name(sock_connect(s, bh, 0))).isEqualTo("EINPROGRESS");
        int e = awaitSoError(s, 5000);
        long ms = millisSince(t0);
        System.out.println("TCP_CONNECTIONTIMEOUT 2 s, non-blocking connect: SO_ERROR " + Errno.name(e) + " after " + ms + " ms");
        assertThat(Errno.name(e)).as("SO_ERROR after the connect timed out").isEqualTo("ETIMEDOUT");
        assertThat(ms).isBetween(1500L, 2600L);
        Thread.sleep(100); // the upcall runs on the loop right after the failure
        assertThat(upcalls.stream().map(t -> (t - t0) / 1_000_000).toList())
                .as("upcall times (ms): one when the connect failed").anyMatch(t -> t >= 1500 && t <= 2600);

        // Later calls: as after a refused connect.
        Socket refused = socket(PF_INET, SOCK_STREAM);
        nonBlocking(refused);
        Socket closedPort = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_bind(closedPort, addr(PF_INET, 0))).isZero(); // bound, not listening: RST
        assertThat(Errno.name(sock_connect(refused, addr(PF_INET, port(closedPort)), 0))).isIn("EINPROGRESS", "ECONNREFUSED");
        awaitSoError(refused, 5000);
        List<String> refusedAfter = after(refused);
        assertThat(refusedAfter).as("after a refused connect (tcp_drop → tcp_close)")
                .containsExactly("EPIPE", "ENOTCONN", "ENOTCONN", "0", "", "EINVAL", "EINVAL", "EINVAL");
        assertThat(after(s)).as("calls after a timed-out connect, like after a refused one").isEqualTo(refusedAfter);
        assertThat(sock_isconnected(s)).isZero();
    }

    /** Results of the calls an owner makes after its connect failed (and SO_ERROR was read). */
    private static List<String> after(Socket s) {
        LongRef n = new LongRef();
        return List.of(
                Errno.name(sock_send(s, MsgHdr.of(MemorySegment.ofArray(new byte[1])), 0, n)),
                Errno.name(sock_getpeername(s, SockAddr.storage(), 128)),
                Errno.name(sock_shutdown(s, 2)),
                Errno.name(soError(s)),
                recv(s, 4, MSG_DONTWAIT),
                Errno.name(sock_connect(s, addr(PF_INET, 9), MSG_DONTWAIT)),
                Errno.name(sock_listen(s, 1)),
                Errno.name(sock_setsockopt(s, IPPROTO_TCP, TCP_CONNECTIONTIMEOUT, 1)));
    }

    /** 0 is the system default (75 s): nothing ends the connect at the 2 s once set, nor at the host's 3 s. */
    @Test
    void zeroMeansTheSystemDefault() throws Exception {
        SockAddr bh = blackhole();
        Socket s = withTimeout(2);
        assertThat(sock_setsockopt(s, IPPROTO_TCP, TCP_CONNECTIONTIMEOUT, 0)).isZero();
        IntRef v = new IntRef(-1);
        assertThat(sock_getsockopt(s, IPPROTO_TCP, TCP_CONNECTIONTIMEOUT, v)).isZero();
        assertThat(v.value).isZero();
        nonBlocking(s);
        assertThat(Errno.name(sock_connect(s, bh, 0))).isEqualTo("EINPROGRESS");
        // Past both the 2 s once set and the 3 s the host would allow for them.
        assertThat(Errno.name(awaitSoError(s, 3500))).as("no error after 3.5 s with the default").isEqualTo("0");
        assertThat(Errno.name(sock_connect(s, bh, MSG_DONTWAIT))).as("still connecting").isEqualTo("EALREADY");
    }

    /**
     * 0 means Darwin's system default, net.inet.tcp.keepinit (75 s), which ksock.tcp.keepinit
     * overrides as the sysctl does: with it at 2 s, a connect that never set the option ends
     * with ETIMEDOUT at 2 s.
     */
    @Test
    void theSystemDefaultIsKeepinit() {
        SockAddr bh = blackhole();
        String before = System.getProperty("ksock.tcp.keepinit");
        System.setProperty("ksock.tcp.keepinit", "2");
        try {
            Socket s = socket(PF_INET, SOCK_STREAM);
            long t0 = System.nanoTime();
            int r = sock_connect(s, bh, 0);
            long ms = millisSince(t0);
            assertThat(Errno.name(r)).as("connect with the default timeout (keepinit 2 s)").isEqualTo("ETIMEDOUT");
            assertThat(ms).isBetween(1500L, 2600L);
        } finally {
            if (before == null) {
                System.clearProperty("ksock.tcp.keepinit");
            } else {
                System.setProperty("ksock.tcp.keepinit", before);
            }
        }
    }

    /** As XNU re-arms its timer when the option is set during a connect: counted from the set. */
    @Test
    void aTimeoutSetDuringTheConnectCountsFromThen() throws Exception {
        SockAddr bh = blackhole();
        Socket s = socket(PF_INET, SOCK_STREAM);
        nonBlocking(s);
        assertThat(Errno.name(sock_connect(s, bh, 0))).isEqualTo("EINPROGRESS");
        Thread.sleep(800);
        long t1 = System.nanoTime();
        assertThat(sock_setsockopt(s, IPPROTO_TCP, TCP_CONNECTIONTIMEOUT, 1)).isZero();
        int e = awaitSoError(s, 4000);
        long ms = millisSince(t1);
        assertThat(Errno.name(e)).isEqualTo("ETIMEDOUT");
        assertThat(ms).as("milliseconds from the set to ETIMEDOUT").isBetween(600L, 1500L);
    }

    /** A connect that succeeds in time is not touched when the timeout would have passed. */
    @Test
    void aConnectionMadeInTimeOutlivesTheTimeout() throws Exception {
        Socket l = listener(PF_INET, null, null);
        Socket c = withTimeout(1);
        assertThat(sock_connect(c, addr(PF_INET, port(l)), 0)).isZero();
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, null, 0, 0, null, null, a)).isZero();
        track(a.get());
        Thread.sleep(1500);
        assertThat(sock_isconnected(c)).isOne();
        assertThat(soError(c)).isZero();
        sendAll(c, "still here");
        assertThat(recv(a.get(), 10, MSG_WAITALL)).isEqualTo("still here");
    }

    /**
     * Closing a connecting socket takes its timer with it: a socket made next (which may get the
     * same host descriptor number) keeps connecting past the closed one's timeout.
     */
    @Test
    void closingTheSocketCancelsItsTimer() throws Exception {
        SockAddr bh = blackhole();
        Socket first = withTimeout(1);
        nonBlocking(first);
        assertThat(Errno.name(sock_connect(first, bh, 0))).isEqualTo("EINPROGRESS");
        sock_close(first);
        Socket next = socket(PF_INET, SOCK_STREAM);
        nonBlocking(next);
        assertThat(Errno.name(sock_connect(next, bh, 0))).isEqualTo("EINPROGRESS");
        assertThat(Errno.name(awaitSoError(next, 1600))).as("the next socket after the closed one's 1 s").isEqualTo("0");
        assertThat(Errno.name(sock_connect(next, bh, MSG_DONTWAIT))).isEqualTo("EALREADY");
    }

    /**
     * SO_ERROR polled while a connect is in progress is so_error only (0 until the connect has
     * failed), never the host's pending error: taking that one before the event loop would make
     * the loop see a clean connect (the refused socket then went "connected", then disconnected,
     * and answered sends unlike any other refused socket). The timer's abort relies on it too,
     * so that the host's ECONNRESET from the abort never shows.
     */
    @Test
    void soErrorPolledDuringARefusedConnectIsTheRefusalAndLeavesTheSocketAsAnyRefusedOne() {
        Socket closedPort = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_bind(closedPort, addr(PF_INET, 0))).isZero();
        SockAddr refusing = addr(PF_INET, port(closedPort));
        Socket blocking = socket(PF_INET, SOCK_STREAM);
        assertThat(Errno.name(sock_connect(blocking, refusing, 0))).isEqualTo("ECONNREFUSED");
        LongRef n = new LongRef();
        String refusedSend = Errno.name(sock_send(blocking, MsgHdr.of(MemorySegment.ofArray(new byte[1])), 0, n));
        for (int k = 0; k < 50; k++) {
            Socket s = socket(PF_INET, SOCK_STREAM);
            nonBlocking(s);
            assertThat(Errno.name(sock_connect(s, refusing, 0))).isIn("EINPROGRESS", "ECONNREFUSED");
            int e = 0;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (e == 0 && System.nanoTime() < end) {
                e = soError(s); // tight: meet the refusal before the loop does
            }
            assertThat(Errno.name(e)).as("SO_ERROR of a refused connect").isEqualTo("ECONNREFUSED");
            assertThat(Errno.name(sock_send(s, MsgHdr.of(MemorySegment.ofArray(new byte[1])), 0, n)))
                    .as("send after the refusal: as after a refused blocking connect").isEqualTo(refusedSend);
            sock_close(s);
        }
    }

    /** tcp_ctloutput: seconds from 0 to UINT32_MAX / TCP_RETRANSHZ; outside is EINVAL. */
    @Test
    void valuesOutsideXnusRangeAreEinval() {
        Socket s = socket(PF_INET, SOCK_STREAM);
        assertThat(Errno.name(sock_setsockopt(s, IPPROTO_TCP, TCP_CONNECTIONTIMEOUT, -1))).isEqualTo("EINVAL");
        assertThat(Errno.name(sock_setsockopt(s, IPPROTO_TCP, TCP_CONNECTIONTIMEOUT, 4_294_968))).isEqualTo("EINVAL");
        assertThat(sock_setsockopt(s, IPPROTO_TCP, TCP_CONNECTIONTIMEOUT, 4_294_967)).isZero();
        IntRef v = new IntRef();
        assertThat(sock_getsockopt(s, IPPROTO_TCP, TCP_CONNECTIONTIMEOUT, v)).isZero();
        assertThat(v.value).isEqualTo(4_294_967);
    }
}
