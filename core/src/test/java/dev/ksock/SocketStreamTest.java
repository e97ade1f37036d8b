package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static dev.ksock.SysErrno.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** TCP through the KPI between two ksock sockets on loopback, IPv4 and IPv6: BSD's answers. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketStreamTest extends SocketTestSupport {

    @ParameterizedTest(name = "domain {0}")
    @ValueSource(ints = {PF_INET, PF_INET6})
    void connectedPairExchangesDataBothWays(int domain) {
        Socket[] p = pair(domain);
        assertThat(sock_isconnected(p[0])).isEqualTo(1);
        assertThat(sock_isconnected(p[1])).isEqualTo(1);
        sendAll(p[0], "hello");
        assertThat(recv(p[1], 100, MSG_WAITALL & 0)).isEqualTo("hello");
        sendAll(p[1], "world");
        assertThat(recv(p[0], 100, 0)).isEqualTo("world");
    }

    @ParameterizedTest(name = "domain {0}")
    @ValueSource(ints = {PF_INET, PF_INET6})
    void namesAreReportedInBsdLayout(int domain) {
        Socket[] p = pair(domain);
        SockAddr local = SockAddr.storage();
        SockAddr peer = SockAddr.storage();
        assertThat(sock_getsockname(p[0], local, 128)).isZero();
        assertThat(sock_getpeername(p[1], peer, 128)).isZero();
        assertThat(local.sa_family()).isEqualTo(domain);
        assertThat(local.sa_len()).isEqualTo(domain == PF_INET ? 16 : 28);
        assertThat(peer.port()).as("server's peer is the client's local port").isEqualTo(local.port());
    }

    @Test
    void acceptTruncatesFromToFromlenKeepingFullSaLen() {
        Socket l = listener(PF_INET, null, null);
        Socket c = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(c, addr(PF_INET, port(l)), 0)).isZero();
        SockAddr from = SockAddr.storage();
        from.segment().fill((byte) 0x7f);
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, from, 4, 0, null, null, a)).isZero();
        track(a.get());
        MemorySegment b = from.segment();
        assertThat(b.get(ValueLayout.JAVA_BYTE, 0)).as("sa_len is the full length").isEqualTo((byte) 16);
        assertThat(b.get(ValueLayout.JAVA_BYTE, 1)).isEqualTo((byte) PF_INET);
        assertThat(b.get(ValueLayout.JAVA_BYTE, 4)).as("nothing written past fromlen").isEqualTo((byte) 0x7f);
    }

    @Test
    void acceptWithDontwaitAndNothingPendingIsEwouldblock() {
        Socket l = listener(PF_INET, null, null);
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, null, 0, MSG_DONTWAIT, null, null, a)).isEqualTo(EWOULDBLOCK);
        assertThat(a.get()).isNull();
    }

    @Test
    void acceptRejectsUnknownFlagsWithEnotsupAndNonListenersWithEinval() {
        Socket l = listener(PF_INET, null, null);
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, null, 0, MSG_PEEK, null, null, a)).isEqualTo(ENOTSUP);
        Socket s = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_accept(s, null, 0, 0, null, null, a)).isEqualTo(EINVAL);
        assertThat(sock_accept(l, null, 0, 0, null, null, null)).isEqualTo(EINVAL);
    }

    @Test
    void blockingAcceptWakesWithEconnabortedWhenListenerCloses() throws Exception {
        Socket l = listener(PF_INET, null, null);
        CompletableFuture<Integer> r = CompletableFuture.supplyAsync(() -> sock_accept(l, null, 0, 0, null, null, new Ref<>()));
        Thread.sleep(100);
        sock_close(l);
        assertThat(r.get(5, TimeUnit.SECONDS)).isEqualTo(ECONNABORTED);
    }

    @Test
    void nonBlockingConnectIsEinprogressThenUpcallThenSoErrorZero() throws Exception {
        Socket l = listener(PF_INET, null, null);
        CompletableFuture<Boolean> upcalled = new CompletableFuture<>();
        Object cookie = new Object();
        Socket[] self = new Socket[1];
        Socket c = socket(PF_INET, SOCK_STREAM, (so, ck, waitf) -> {
            if (so == self[0] && ck == cookie && sock_isconnected(so) == 1) {
                upcalled.complete(waitf == KpiMbuf.MBUF_DONTWAIT);
            }
        }, cookie);
        self[0] = c;
        int r = sock_connect(c, addr(PF_INET, port(l)), MSG_DONTWAIT);
        assertThat(r).isIn(0, EINPROGRESS);
        assertThat(upcalled.get(5, TimeUnit.SECONDS)).as("upcall with waitf=MBUF_DONTWAIT").isTrue();
        IntRef err = new IntRef(-1);
        assertThat(sock_getsockopt(c, SOL_SOCKET, 0x1007, err)).isZero();
        assertThat(err.value).isZero();
        assertThat(sock_connect(c, addr(PF_INET, port(l)), MSG_DONTWAIT)).isEqualTo(EISCONN);
    }

    @Test
    void secondNonBlockingConnectWhileInProgressIsEalready() {
        // A listener whose queue is full drops SYNs, so a new connect stays in progress.
        Socket l = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_bind(l, addr(PF_INET, 0))).isZero();
        assertThat(sock_listen(l, 1)).isZero();
        int p = port(l);
        boolean sawEalready = false;
        for (int i = 0; i < 8 && !sawEalready; i++) {
            Socket c = socket(PF_INET, SOCK_STREAM);
            int r = sock_connect(c, addr(PF_INET, p), MSG_DONTWAIT);
            if (r == EINPROGRESS) {
                int again = sock_connect(c, addr(PF_INET, p), MSG_DONTWAIT);
                assertThat(again).as("a second connect while the first is in progress").isIn(EALREADY, EISCONN);
                sawEalready = again == EALREADY;
            } else {
                assertThat(r).isZero();
            }
        }
        assertThat(sawEalready).as("some connect stayed in progress once the queue was full").isTrue();
    }

    @Test
    void connectToClosedPortIsEconnrefused() {
        Socket l = listener(PF_INET, null, null);
        int p = port(l);
        sock_close(l);
        Socket c = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(c, addr(PF_INET, p), 0)).isEqualTo(ECONNREFUSED);
    }

    @Test
    void nonBlockingConnectFailureIsReportedInSoError() throws Exception {
        Socket l = listener(PF_INET, null, null);
        int p = port(l);
        sock_close(l);
        CompletableFuture<Void> up = new CompletableFuture<>();
        Socket c = socket(PF_INET, SOCK_STREAM, (so, ck, w) -> up.complete(null), null);
        int r = sock_connect(c, addr(PF_INET, p), MSG_DONTWAIT);
        if (r == EINPROGRESS) {
            up.get(5, TimeUnit.SECONDS);
            IntRef err = new IntRef();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            do {
                assertThat(sock_getsockopt(c, SOL_SOCKET, 0x1007, err)).isZero();
            } while (err.value == 0 && System.nanoTime() < deadline && sock_isconnected(c) == 0 && sleep(10));
            assertThat(err.value).isEqualTo(ECONNREFUSED);
        } else {
            assertThat(r).isEqualTo(ECONNREFUSED);
        }
    }

    private static boolean sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    @Test
    void receiveTimeoutGivesEwouldblock() {
        Socket[] p = pair(PF_INET);
        MemorySegment tv = MemorySegment.ofArray(new long[2]);
        tv.set(ValueLayout.JAVA_LONG, 0, 0);
        tv.set(ValueLayout.JAVA_INT, 8, 200_000);
        assertThat(sock_setsockopt(p[0], SOL_SOCKET, 0x1006, tv, 16)).isZero();
        long t0 = System.nanoTime();
        assertThat(recv(p[0], 10, 0)).isEqualTo("ERR:EWOULDBLOCK");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(150L, 3000L);
    }

    @Test
    void timeoutOptionChecksLengthAndRange() {
        Socket s = socket(PF_INET, SOCK_STREAM);
        MemorySegment tv = MemorySegment.ofArray(new long[2]);
        assertThat(sock_setsockopt(s, SOL_SOCKET, 0x1006, tv, 8)).as("short timeval").isEqualTo(EINVAL);
        tv.set(ValueLayout.JAVA_INT, 8, 1_000_000);
        assertThat(sock_setsockopt(s, SOL_SOCKET, 0x1006, tv, 16)).as("usec out of range").isEqualTo(EDOM);
    }

    @Test
    void closeWakesABlockedReceiverWithAnError() throws Exception {
        Socket[] p = pair(PF_INET);
        CompletableFuture<String> r = CompletableFuture.supplyAsync(() -> recv(p[0], 10, 0));
        Thread.sleep(100);
        sock_close(p[0]);
        assertThat(r.get(5, TimeUnit.SECONDS)).isEqualTo("ERR:EBADF");
        assertThat(recv(p[0], 10, 0)).isEqualTo("ERR:EBADF");
    }

    @Test
    void peekLeavesDataAndWaitallCollectsEverything() throws Exception {
        Socket[] p = pair(PF_INET);
        sendAll(p[0], "abc");
        assertThat(recv(p[1], 10, MSG_PEEK)).isEqualTo("abc");
        CompletableFuture<String> all = CompletableFuture.supplyAsync(() -> recv(p[1], 6, MSG_WAITALL));
        Thread.sleep(50);
        sendAll(p[0], "def");
        assertThat(all.get(5, TimeUnit.SECONDS)).isEqualTo("abcdef");
    }

    @Test
    void shutdownWriteGivesPeerEofAndLocalEpipe() {
        Socket[] p = pair(PF_INET);
        sendAll(p[0], "last");
        assertThat(sock_shutdown(p[0], 1)).isZero();
        assertThat(recv(p[1], 10, 0)).isEqualTo("last");
        assertThat(recv(p[1], 10, 0)).as("EOF").isEqualTo("");
        assertThat(send(p[0], bytes("x"), 0)).isEqualTo(-EPIPE);
        assertThat(sock_shutdown(p[0], 7)).isEqualTo(EINVAL);
    }

    @Test
    void shutdownOfUnconnectedSocketIsEnotconn() {
        Socket s = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_shutdown(s, 2)).isEqualTo(ENOTCONN);
        SockAddr peer = SockAddr.storage();
        assertThat(sock_getpeername(s, peer, 128)).isEqualTo(ENOTCONN);
    }

    @Test
    void sendOnUnconnectedStreamIsEnotconn() {
        Socket s = socket(PF_INET, SOCK_STREAM);
        assertThat(send(s, bytes("x"), 0)).isEqualTo(-ENOTCONN);
    }

    @Test
    void nonBlockingReceiveOnEmptySocketIsEwouldblock() {
        Socket[] p = pair(PF_INET);
        assertThat(recv(p[0], 10, MSG_DONTWAIT)).isEqualTo("ERR:EWOULDBLOCK");
        assertThat(sock_ioctl(p[0], FIONBIO, new IntRef(1))).isZero();
        assertThat(sock_isnonblocking(p[0])).isEqualTo(1);
        assertThat(recv(p[0], 10, 0)).isEqualTo("ERR:EWOULDBLOCK");
    }

    @Test
    void fionreadAndSoNreadCountQueuedBytes() throws Exception {
        Socket[] p = pair(PF_INET);
        sendAll(p[0], "12345");
        IntRef n = new IntRef();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        do {
            assertThat(sock_ioctl(p[1], FIONREAD, n)).isZero();
        } while (n.value < 5 && System.nanoTime() < deadline);
        assertThat(n.value).isEqualTo(5);
        IntRef nread = new IntRef();
        assertThat(sock_getsockopt(p[1], SOL_SOCKET, 0x1020, nread)).isZero();
        assertThat(nread.value).isEqualTo(5);
    }

    @Test
    void reservedPortNeedsPrivilege() {
        Socket s = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_bind(s, SockAddr.in("127.0.0.1", 1023))).isEqualTo(EACCES);
        assertThat(sock_setpriv(s, 1)).isZero();
        assertThat(sock_bind(s, SockAddr.in("127.0.0.1", 1023))).as("privileged: EACCES no longer").isNotEqualTo(EACCES);
    }

    @Test
    void listenOnDatagramSocketIsEopnotsupp() {
        Socket s = socket(PF_INET, SOCK_DGRAM);
        assertThat(sock_listen(s, 5)).isEqualTo(EOPNOTSUPP);
    }

    @Test
    void bindingAnAddressInUseIsEaddrinuse() {
        Socket l = listener(PF_INET, null, null);
        Socket s = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_bind(s, addr(PF_INET, port(l)))).isEqualTo(EADDRINUSE);
    }

    @Test
    void socketCreationErrorsFollowXnu() {
        Ref<Socket> r = new Ref<>();
        assertThat(sock_socket(99, SOCK_STREAM, 0, null, null, r)).isEqualTo(EAFNOSUPPORT);
        assertThat(sock_socket(PF_INET, SOCK_STREAM, 17, null, null, r)).isEqualTo(EPROTOTYPE);
        assertThat(sock_socket(PF_INET, SOCK_STREAM, 99, null, null, r)).isEqualTo(EPROTONOSUPPORT);
        assertThat(sock_socket(PF_INET, SOCK_STREAM, 0, null, null, null)).isEqualTo(EINVAL);
    }

    @Test
    void nullsAndClosedSocketsGiveErrnosNeverExceptions() {
        Socket s = socket(PF_INET, SOCK_STREAM);
        sock_close(s);
        sock_close(s);
        sock_close(null);
        assertThat(sock_bind(null, SockAddr.in("127.0.0.1", 0))).isEqualTo(EINVAL);
        assertThat(sock_bind(s, null)).isEqualTo(EINVAL);
        assertThat(sock_bind(s, SockAddr.in("127.0.0.1", 0))).isEqualTo(EBADF);
        assertThat(sock_listen(s, 1)).isEqualTo(EBADF);
        assertThat(sock_listen(null, 1)).isEqualTo(EINVAL);
        assertThat(sock_connect(s, SockAddr.in("127.0.0.1", 1), 0)).isEqualTo(EBADF);
        assertThat(sock_send(s, MsgHdr.of(bytes("x")), 0, new LongRef())).isEqualTo(EBADF);
        assertThat(sock_send(s, null, 0, null)).isEqualTo(EINVAL);
        assertThat(sock_send(s, new MsgHdr(), 0, null)).isEqualTo(EINVAL);
        assertThat(sock_receive(s, MsgHdr.of(MemorySegment.ofArray(new byte[0])), 0, null)).isEqualTo(EINVAL);
        assertThat(sock_receive(s, MsgHdr.of(MemorySegment.ofArray(new byte[4])), 0, null)).isEqualTo(EBADF);
        assertThat(sock_ioctl(s, FIONBIO, new IntRef(1))).isEqualTo(EBADF);
        assertThat(sock_ioctl(null, FIONBIO, new IntRef(1))).isEqualTo(EINVAL);
        assertThat(sock_isconnected(null)).isZero();
        assertThat(sock_isnonblocking(null)).isZero();
        assertThat(sock_gettype(null, null, null, null)).isEqualTo(EINVAL);
        assertThat(sock_shutdown(s, 2)).isEqualTo(EBADF);
        assertThat(sock_setpriv(null, 1)).isEqualTo(EINVAL);
        assertThat(sock_getsockopt(s, SOL_SOCKET, 0x1008, (MemorySegment) null, new IntRef(4))).isEqualTo(EINVAL);
        assertThat(sock_setsockopt(s, SOL_SOCKET, 0x1008, (MemorySegment) null, 4)).isEqualTo(EINVAL);
        assertThat(sock_receivembuf(s, null, null, 0, new LongRef(10))).isEqualTo(EINVAL);
        assertThat(sock_receivembuf(s, null, new Ref<>(), 0, new LongRef(0))).isEqualTo(EINVAL);
    }

    @Test
    void gettypeReportsCreationTriple() {
        Socket s = socket(PF_INET6, SOCK_DGRAM);
        IntRef d = new IntRef(), t = new IntRef(), pr = new IntRef();
        assertThat(sock_gettype(s, d, t, pr)).isZero();
        assertThat(d.value).isEqualTo(PF_INET6);
        assertThat(t.value).isEqualTo(SOCK_DGRAM);
        assertThat(pr.value).isEqualTo(17);
        assertThat(sock_gettype(s, null, t, null)).isZero();
    }

    @Test
    void intOptionsRoundTripAndShortSetIsEinval() {
        Socket s = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_setsockopt(s, 6 /* IPPROTO_TCP */, 1 /* TCP_NODELAY */, 1)).isZero();
        IntRef v = new IntRef();
        assertThat(sock_getsockopt(s, 6, 1, v)).isZero();
        assertThat(v.value).isNotZero();
        assertThat(sock_setsockopt(s, 6, 1, MemorySegment.ofArray(new byte[2]), 2)).isEqualTo(EINVAL);
        assertThat(sock_setsockopt(s, SOL_SOCKET, 0x7777, 1)).isEqualTo(ENOPROTOOPT);
        IntRef type = new IntRef();
        assertThat(sock_getsockopt(s, SOL_SOCKET, 0x1008, type)).isZero();
        assertThat(type.value).isEqualTo(SOCK_STREAM);
    }

    @Test
    void lingerZeroResetsTheConnection() throws Exception {
        Socket[] p = pair(PF_INET);
        closeWithReset(p[0]);
        String r = recv(p[1], 10, 0);
        assertThat(r).isEqualTo("ERR:ECONNRESET");
    }

    /** Closes {@code s} with SO_LINGER_SEC on and 0 seconds: the peer gets a reset. */
    private static void closeWithReset(Socket s) {
        MemorySegment linger = MemorySegment.ofArray(new int[] {1, 0});
        assertThat(sock_setsockopt(s, SOL_SOCKET, 0x1080 /* SO_LINGER_SEC */, linger, 8)).isZero();
        sock_close(s);
    }

    /** soreceive reports so_error and clears it, except under MSG_PEEK, which leaves it pending. */
    @Test
    void aPeekReportsAPendingResetWithoutClearingIt() throws Exception {
        Socket[] p = pair(PF_INET);
        closeWithReset(p[0]);
        // The event loop collects the reset into so_error as it marks the socket disconnected.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (sock_isconnected(p[1]) != 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(sock_isconnected(p[1])).as("the reset reached the layer").isZero();
        assertThat(recv(p[1], 10, MSG_PEEK)).isEqualTo("ERR:ECONNRESET");
        assertThat(recv(p[1], 10, MSG_PEEK)).as("a peek left the error pending").isEqualTo("ERR:ECONNRESET");
        assertThat(recv(p[1], 10, 0)).isEqualTo("ERR:ECONNRESET");
        IntRef soError = new IntRef(-1);
        assertThat(sock_getsockopt(p[1], SOL_SOCKET, 0x1007 /* SO_ERROR */, soError)).isZero();
        assertThat(soError.value).as("the plain receive cleared it").isZero();
    }

    @Test
    void acceptedSocketInheritsTheListenersOwner() {
        // XNU's sonewconn copies so_pgid from the listener, like its options and buffer sizes.
        Socket l = listener(PF_INET, null, null);
        assertThat(sock_ioctl(l, 0x80047308L /* SIOCSPGRP */, new IntRef(-4321))).isZero();
        Socket c = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(c, addr(PF_INET, port(l)), 0)).isZero();
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, null, 0, 0, null, null, a)).isZero();
        track(a.get());
        IntRef owner = new IntRef();
        assertThat(sock_ioctl(a.get(), 0x40047309L /* SIOCGPGRP */, owner)).isZero();
        assertThat(owner.value).isEqualTo(-4321);
        assertThat(sock_ioctl(c, 0x40047309L, owner)).isZero();
        assertThat(owner.value).as("a connecting socket has no owner until one is set").isZero();
    }
}
