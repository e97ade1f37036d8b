package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a TCP socket is after its connect failed under way. XNU drops the connection
 * ({@code tcp_drop} from {@code tcp_input} on a reset in SYN_SENT, from {@code tcp_timers} on
 * TCPT_KEEP): so_error gets the reason and {@code tcp_close} marks the pcb dead and calls
 * {@code soisdisconnected}. From then on: sends EPIPE ({@code sosendcheck}), receives the pending
 * error then end of stream ({@code soreceive}), shutdown and getpeername ENOTCONN, options EINVAL
 * ({@code sosetoptlock}), and connect the pending error then EINVAL, bind and listen EINVAL
 * ({@code tcp_usr_connect} / COMMON_START on a dead pcb) — where Linux would let the same socket
 * connect again. The refused connects here go to a port that is bound but not listening (a reset).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectFailureTest extends SocketTestSupport {
    static final int SO_ERROR = 0x1007, SO_KEEPALIVE = 0x0008, SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;

    /** An address that answers SYNs with a reset: bound, never listening. */
    SockAddr refusing(int domain) {
        Socket closed = socket(domain, SOCK_STREAM);
        assertThat(sock_bind(closed, addr(domain, 0))).isZero();
        return addr(domain, port(closed));
    }

    static int soError(Socket s) {
        IntRef e = new IntRef(-1);
        assertThat(sock_getsockopt(s, SOL_SOCKET, SO_ERROR, e)).isZero();
        return e.value;
    }

    static String sendOne(Socket s) {
        LongRef n = new LongRef();
        return Errno.name(sock_send(s, MsgHdr.of(MemorySegment.ofArray(new byte[] {1})), 0, n));
    }

    /** Waits (without touching so_error) until the loop has dropped the connect: sends say EPIPE. */
    static void awaitDropped(Socket s) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!sendOne(s).equals("EPIPE") && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertThat(sendOne(s)).as("send once the connect was dropped").isEqualTo("EPIPE");
    }

    /** The calls that neither take nor depend on so_error, and must all say "disconnected". */
    static void assertDisconnected(Socket s) {
        assertThat(sock_isconnected(s)).isZero();
        assertThat(sendOne(s)).as("sock_send: SS_CANTSENDMORE").isEqualTo("EPIPE");
        assertThat(Errno.name(sock_getpeername(s, SockAddr.storage(), 128))).isEqualTo("ENOTCONN");
        for (int how : new int[] {SHUT_RD, SHUT_WR, SHUT_RDWR}) {
            assertThat(Errno.name(sock_shutdown(s, how))).as("sock_shutdown(%d)", how).isEqualTo("ENOTCONN");
        }
        assertThat(Errno.name(sock_setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, 1)))
                .as("sosetoptlock: both directions shut").isEqualTo("EINVAL");
        IntRef v = new IntRef(-1);
        assertThat(sock_getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, v)).as("options can still be read").isZero();
    }

    /** Nothing reached the listener: the layer refused the connect before the host. */
    static void assertNothingArrived(Socket listener) {
        Ref<Socket> a = new Ref<>();
        assertThat(Errno.name(sock_accept(listener, null, 0, MSG_DONTWAIT, null, null, a))).isEqualTo("EWOULDBLOCK");
    }

    @ParameterizedTest
    @ValueSource(ints = {PF_INET, PF_INET6})
    void blockingRefusedConnectLeavesTheSocketDisconnectedForGood(int domain) {
        SockAddr dead = refusing(domain);
        Socket s = socket(domain, SOCK_STREAM);
        assertThat(Errno.name(sock_connect(s, dead, 0))).isEqualTo("ECONNREFUSED");
        assertThat(soError(s)).as("sock_connect returned so_error and cleared it").isZero();
        assertDisconnected(s);

        assertThat(recv(s, 16, 0)).as("soreceive: SS_CANTRCVMORE, nothing buffered: end of stream").isEmpty();
        assertThat(recv(s, 16, 0)).as("and again").isEmpty();
        assertThat(recv(s, 16, MSG_DONTWAIT)).as("non-blocking too: end of stream, not EWOULDBLOCK").isEmpty();
        assertThat(recv(s, 16, MSG_PEEK)).isEmpty();
        Ref<Mbuf> m = new Ref<>();
        LongRef len = new LongRef(64);
        assertThat(sock_receivembuf(s, null, m, 0, len)).isZero();
        assertThat(len.value).isZero();
        assertThat(m.get()).isNull();

        Socket good = listener(domain, null, null);
        assertThat(Errno.name(sock_connect(s, addr(domain, port(good)), 0)))
                .as("tcp_usr_connect on a dead pcb, no so_error: EINVAL, even to a listener").isEqualTo("EINVAL");
        assertThat(Errno.name(sock_connect(s, dead, 0))).as("to the dead address again").isEqualTo("EINVAL");
        assertThat(Errno.name(sock_connect(s, dead, MSG_DONTWAIT))).isEqualTo("EINVAL");
        assertNothingArrived(good);
        assertThat(Errno.name(sock_bind(s, addr(domain, 0)))).as("tcp_usr_bind: COMMON_START").isEqualTo("EINVAL");
        assertThat(Errno.name(sock_listen(s, 4))).as("tcp_usr_listen: COMMON_START").isEqualTo("EINVAL");
        assertThat(sock_isconnected(s)).isZero();
        assertThat(soError(s)).isZero();
    }

    @Test
    void sendmbufAfterARefusedConnectIsEpipe() {
        Socket s = socket(PF_INET, SOCK_STREAM);
        assertThat(Errno.name(sock_connect(s, refusing(PF_INET), 0))).isEqualTo("ECONNREFUSED");
        Ref<Mbuf> m = new Ref<>();
        assertThat(KpiMbuf.mbuf_allocpacket(KpiMbuf.MBUF_WAITOK, 10, null, m)).isZero();
        assertThat(Errno.name(sock_sendmbuf(s, null, m.get(), 0, new LongRef()))).isEqualTo("EPIPE");
    }

    /**
     * Non-blocking: EINPROGRESS, the upcall when the reset arrives, and so_error ECONNREFUSED
     * waiting. The calls that do not look at so_error leave it there (a send checks
     * SS_CANTSENDMORE first); the first one that does takes it; after that the socket answers
     * as after a blocking refusal.
     */
    @ParameterizedTest
    @ValueSource(strings = {"SO_ERROR", "receive", "connect"})
    void nonBlockingRefusedConnectKeepsTheErrorForTheFirstCallThatAsks(String first) throws Exception {
        SockAddr dead = refusing(PF_INET);
        Socket good = listener(PF_INET, null, null);
        AtomicInteger upcalls = new AtomicInteger();
        Socket s = socket(PF_INET, SOCK_STREAM, (so, cookie, waitf) -> upcalls.incrementAndGet(), null);
        assertThat(Errno.name(sock_connect(s, dead, MSG_DONTWAIT))).isEqualTo("EINPROGRESS");
        awaitDropped(s);
        assertDisconnected(s);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (upcalls.get() == 0 && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertThat(upcalls.get()).as("upcalls after the refusal").isPositive();

        switch (first) {
            case "SO_ERROR" -> assertThat(Errno.name(soError(s))).isEqualTo("ECONNREFUSED");
            case "receive" -> assertThat(recv(s, 16, 0)).as("soreceive: so_error before end of stream")
                    .isEqualTo("ERR:ECONNREFUSED");
            case "connect" -> assertThat(Errno.name(sock_connect(s, addr(PF_INET, port(good)), 0)))
                    .as("tcp_usr_connect on a dead pcb: the pending so_error, cleared").isEqualTo("ECONNREFUSED");
            default -> throw new AssertionError(first);
        }
        assertThat(soError(s)).as("taken once").isZero();
        assertThat(recv(s, 16, 0)).as("then end of stream").isEmpty();
        assertThat(Errno.name(sock_connect(s, addr(PF_INET, port(good)), 0))).isEqualTo("EINVAL");
        assertNothingArrived(good);
        assertDisconnected(s);
    }

    /** What every call answers after a refused connect, blocking or not, once so_error was read. */
    private List<String> after(Socket s, SockAddr elsewhere) {
        return List.of(sendOne(s), Errno.name(sock_getpeername(s, SockAddr.storage(), 128)),
                Errno.name(sock_shutdown(s, SHUT_RDWR)), Errno.name(soError(s)), recv(s, 4, 0),
                Errno.name(sock_connect(s, elsewhere, MSG_DONTWAIT)), Errno.name(sock_listen(s, 1)),
                String.valueOf(sock_isconnected(s)));
    }

    @Test
    void blockingAndNonBlockingRefusalsEndTheSame() throws Exception {
        SockAddr dead = refusing(PF_INET);
        Socket good = listener(PF_INET, null, null);
        Socket blocking = socket(PF_INET, SOCK_STREAM);
        assertThat(Errno.name(sock_connect(blocking, dead, 0))).isEqualTo("ECONNREFUSED");
        Socket nb = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_ioctl(nb, FIONBIO, MemorySegment.ofArray(new int[] {1}))).isZero();
        assertThat(Errno.name(sock_connect(nb, dead, 0))).isEqualTo("EINPROGRESS");
        awaitDropped(nb);
        assertThat(Errno.name(soError(nb))).isEqualTo("ECONNREFUSED");
        List<String> b = after(blocking, addr(PF_INET, port(good)));
        assertThat(b).containsExactly("EPIPE", "ENOTCONN", "ENOTCONN", "0", "", "EINVAL", "EINVAL", "0");
        assertThat(after(nb, addr(PF_INET, port(good)))).isEqualTo(b);
        assertNothingArrived(good);
    }

    /**
     * A datagram socket is untouched by an ICMP refusal: udp_notify only sets so_error, so it
     * stays connected and may connect elsewhere (soconnectlock disconnects it first).
     */
    @Test
    void datagramSocketsStayUsableAfterARefusal() throws Exception {
        Socket closed = socket(PF_INET, SOCK_DGRAM);
        assertThat(sock_bind(closed, addr(PF_INET, 0))).isZero();
        int deadPort = port(closed);
        sock_close(closed);
        Socket u = socket(PF_INET, SOCK_DGRAM);
        assertThat(sock_connect(u, addr(PF_INET, deadPort), 0)).isZero();
        assertThat(send(u, bytes("x"), 0)).isOne();
        String r = "ERR:EWOULDBLOCK";
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (r.equals("ERR:EWOULDBLOCK") && System.nanoTime() < end) {
            r = recv(u, 4, MSG_DONTWAIT);
            Thread.sleep(5);
        }
        assertThat(r).as("the port unreachable, as so_error").isEqualTo("ERR:ECONNREFUSED");
        assertThat(sock_isconnected(u)).isOne();
        Socket peer = socket(PF_INET, SOCK_DGRAM);
        assertThat(sock_bind(peer, addr(PF_INET, 0))).isZero();
        assertThat(sock_connect(u, addr(PF_INET, port(peer)), 0)).isZero();
        sendAll(u, "y");
        assertThat(recv(peer, 4, 0)).isEqualTo("y");
    }
}
