package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The upcall contract: when it fires, with which socket and cookie, and never after close. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpcallTest extends SocketTestSupport {

    @Test
    void listenerUpcallFiresWhenAConnectionIsReadyToAccept() throws Exception {
        CountDownLatch ready = new CountDownLatch(1);
        Socket l = listener(PF_INET, (so, ck, w) -> {
            Ref<Socket> a = new Ref<>();
            if (sock_accept(so, null, 0, MSG_DONTWAIT, null, null, a) == 0) {
                track(a.get());
                ready.countDown();
            }
        }, null);
        Socket c = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(c, addr(PF_INET, port(l)), 0)).isZero();
        assertThat(ready.await(5, TimeUnit.SECONDS)).as("accept from inside the listener's upcall").isTrue();
    }

    @Test
    void acceptWithUseUpcallInheritsListenerUpcallAndCookie() throws Exception {
        Object cookie = "listener-cookie";
        AtomicReference<Socket> accepted = new AtomicReference<>();
        CountDownLatch dataSeen = new CountDownLatch(1);
        SockUpcall up = (so, ck, w) -> {
            if (so == accepted.get() && ck == cookie && !recv(so, 10, MSG_DONTWAIT).startsWith("ERR")) {
                dataSeen.countDown();
            }
        };
        Socket l = listener(PF_INET, up, cookie);
        Socket c = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(c, addr(PF_INET, port(l)), 0)).isZero();
        Ref<Socket> a = new Ref<>();
        // The accepted socket is published before data is sent, so the upcall can recognise it.
        assertThat(sock_accept(l, null, 0, MSG_USEUPCALL, (so, ck, w) -> { }, "other", a)).isZero();
        accepted.set(track(a.get()));
        sendAll(c, "ping");
        assertThat(dataSeen.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void upcallReportsDataAlreadyPresentWhenInstalled() throws Exception {
        Socket l = listener(PF_INET, null, null);
        Socket c = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(c, addr(PF_INET, port(l)), 0)).isZero();
        sendAll(c, "early");
        Thread.sleep(50);
        CountDownLatch seen = new CountDownLatch(1);
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, null, 0, 0, (so, ck, w) -> {
            if (recv(so, 10, MSG_DONTWAIT).equals("early")) {
                seen.countDown();
            }
        }, null, a)).isZero();
        track(a.get());
        assertThat(seen.await(5, TimeUnit.SECONDS)).as("data that arrived before accept is reported").isTrue();
    }

    @Test
    void disconnectIsReported() throws Exception {
        Socket l = listener(PF_INET, null, null);
        Socket c = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(c, addr(PF_INET, port(l)), 0)).isZero();
        CountDownLatch eof = new CountDownLatch(1);
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, null, 0, 0, (so, ck, w) -> {
            if (recv(so, 10, MSG_DONTWAIT).isEmpty()) {
                eof.countDown();
            }
        }, null, a)).isZero();
        track(a.get());
        sock_close(c);
        assertThat(eof.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void noUpcallStartsAfterCloseReturnsAndCloseFromInsideIsAllowed() throws Exception {
        AtomicBoolean closed = new AtomicBoolean();
        AtomicInteger late = new AtomicInteger();
        CountDownLatch first = new CountDownLatch(1);
        Socket[] p = pair(PF_INET);
        Socket l = listener(PF_INET, null, null);
        Socket c = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(c, addr(PF_INET, port(l)), 0)).isZero();
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, null, 0, 0, (so, ck, w) -> {
            if (closed.get()) {
                late.incrementAndGet();
            }
            first.countDown();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, null, a)).isZero();
        for (int i = 0; i < 50; i++) {
            sendAll(c, "x");
        }
        assertThat(first.await(5, TimeUnit.SECONDS)).isTrue();
        sock_close(a.get());
        closed.set(true);
        for (int i = 0; i < 50; i++) {
            send(c, bytes("y"), MSG_DONTWAIT);
        }
        Thread.sleep(200);
        assertThat(late.get()).as("upcalls after sock_close returned").isZero();

        CountDownLatch selfClosed = new CountDownLatch(1);
        Socket l2 = listener(PF_INET, null, null);
        Socket c2 = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(c2, addr(PF_INET, port(l2)), 0)).isZero();
        Ref<Socket> a2 = new Ref<>();
        assertThat(sock_accept(l2, null, 0, 0, (so, ck, w) -> {
            sock_close(so);
            selfClosed.countDown();
        }, null, a2)).isZero();
        sendAll(c2, "bye");
        assertThat(selfClosed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(p).isNotNull();
    }

    @Test
    void aThrowingUpcallDoesNotStopTheEventLoop() throws Exception {
        Socket l = listener(PF_INET, null, null);
        Socket c = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(c, addr(PF_INET, port(l)), 0)).isZero();
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, null, 0, 0, (so, ck, w) -> {
            throw new IllegalStateException("owner bug");
        }, null, a)).isZero();
        track(a.get());
        sendAll(c, "boom");
        Thread.sleep(100);
        // Every loop still serves: a fresh pair still gets its upcalls.
        for (int i = 0; i < 4; i++) {
            CountDownLatch ok = new CountDownLatch(1);
            Socket l2 = listener(PF_INET, (so, ck, w) -> ok.countDown(), null);
            Socket c2 = socket(PF_INET, SOCK_STREAM);
            assertThat(sock_connect(c2, addr(PF_INET, port(l2)), 0)).isZero();
            assertThat(ok.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void blockingCallInsideUpcallDoesNotHangTheLoop() throws Exception {
        Socket[] p = pair(PF_INET);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<String> got = new AtomicReference<>();
        Socket l = listener(PF_INET, null, null);
        Socket c = socket(PF_INET, SOCK_STREAM);
        assertThat(sock_connect(c, addr(PF_INET, port(l)), 0)).isZero();
        Ref<Socket> a = new Ref<>();
        AtomicBoolean once = new AtomicBoolean();
        assertThat(sock_accept(l, null, 0, 0, (so, ck, w) -> {
            if (once.compareAndSet(false, true)) {
                got.set(recv(so, 8, MSG_WAITALL)); // blocks on the loop: must poll, not deadlock
                done.countDown();
            }
        }, null, a)).isZero();
        track(a.get());
        sendAll(c, "1234");
        Thread.sleep(100);
        sendAll(c, "5678");
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(got.get()).isEqualTo("12345678");
        assertThat(p).isNotNull();
    }

    /**
     * A blocking sock_connect from inside an upcall (against the waitf contract, but it must not
     * hang): some of these sockets land on the upcall's own event loop, which cannot deliver their
     * connect edges while it waits, so the waiting call settles the connect itself.
     */
    @Test
    void blockingConnectFromAnUpcallCompletesOnItsOwnLoop() throws Exception {
        Socket target = listener(PF_INET, null, null);
        SockAddr to = addr(PF_INET, port(target));
        CompletableFuture<List<String>> results = new CompletableFuture<>();
        AtomicBoolean once = new AtomicBoolean();
        Socket trigger = socket(PF_INET, SOCK_DGRAM, (so, ck, w) -> {
            recv(so, 16, MSG_DONTWAIT);
            if (!once.compareAndSet(false, true)) {
                return;
            }
            List<String> r = new ArrayList<>();
            for (int i = 0; i < 4; i++) { // round-robin over the loops: some share this one
                Ref<Socket> c = new Ref<>();
                sock_socket(PF_INET, SOCK_STREAM, 0, null, null, c);
                r.add(Errno.name(sock_connect(c.get(), to, 0)) + "/" + sock_isconnected(c.get()));
                sock_close(c.get());
            }
            results.complete(r);
        }, null);
        assertThat(sock_bind(trigger, addr(PF_INET, 0))).isZero();
        Socket sender = socket(PF_INET, SOCK_DGRAM);
        LongRef n = new LongRef();
        MsgHdr m = MsgHdr.of(bytes("go"));
        m.msg_name = addr(PF_INET, port(trigger));
        m.msg_namelen = 16;
        assertThat(sock_send(sender, m, 0, n)).isZero();
        assertThat(results.get(20, TimeUnit.SECONDS)).as("connect result / sock_isconnected, per socket")
                .containsOnly("0/1");
    }
}
