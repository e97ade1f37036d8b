package dev.ksock;

import static dev.ksock.KpiMbuf.*;
import static dev.ksock.KpiSocket.*;
import static dev.ksock.KpiSocketFilter.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * kpi_socketfilter.h: registration rules, attach/detach life cycle, every callback at the point
 * XNU calls it with XNU's return rules, injection — with real peers (java.net sockets, python3)
 * on TCP, UDP and local sockets.
 */
class SocketFilterTest extends SocketTestSupport {
    static final int IPPROTO_TCP = 6, IPPROTO_UDP = 17;
    static final int EJUSTRETURN = -2, EINVAL = 22, ENOENT = 2, EEXIST = 17, ENOTSUP = 45, EPERM = 1,
            EACCES = 13, EWOULDBLOCK = 35, ECONNREFUSED = 61;
    static final int SFLT_GLOBAL = 1, SFLT_PROG = 2, SFLT_EXTENDED = 4;

    private static final AtomicInteger NEXT_HANDLE = new AtomicInteger(0x6b730000);
    private final List<Integer> registered = new ArrayList<>();

    @AfterEach
    void unregisterAll() {
        for (int h : registered) {
            sflt_unregister(h);
        }
        registered.clear();
    }

    /** A filter with the required callbacks, logging attach/detach into {@code log}. */
    static SflFilter filter(String name, List<String> log) {
        SflFilter f = new SflFilter();
        f.sf_handle = NEXT_HANDLE.incrementAndGet();
        f.sf_name = name;
        f.sf_flags = SFLT_PROG;
        f.sf_attach = (cookie, so) -> {
            cookie.set(name + "-cookie");
            log.add("attach");
            return 0;
        };
        f.sf_detach = (cookie, so) -> log.add("detach:" + cookie);
        return f;
    }

    int register(SflFilter f, int domain, int type, int protocol) {
        int r = sflt_register(f, domain, type, protocol);
        if (r == 0) {
            registered.add(f.sf_handle);
        }
        return r;
    }

    // ------------------------------------------------------------------ registry and life cycle

    @Test
    void registrationAnswersAsXnu() {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("reg", log);
        assertThat(sflt_register(null, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isEqualTo(EINVAL);
        assertThat(sflt_register(f, PF_LOCAL, SOCK_STREAM, 0)).as("not an internet domain").isEqualTo(ENOTSUP);
        assertThat(sflt_register(f, PF_INET, SOCK_STREAM, 0)).as("pffindproto wants the protocol").isEqualTo(ENOENT);
        assertThat(sflt_register(f, PF_INET, SOCK_STREAM, IPPROTO_UDP)).isEqualTo(ENOENT);
        SflFilter noDetach = filter("x", log);
        noDetach.sf_detach = null;
        assertThat(sflt_register(noDetach, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isEqualTo(EINVAL);
        SflFilter noHandle = filter("x", log);
        noHandle.sf_handle = 0;
        assertThat(sflt_register(noHandle, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isEqualTo(EINVAL);
        SflFilter noName = filter("x", log);
        noName.sf_name = null;
        assertThat(sflt_register(noName, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isEqualTo(EINVAL);
        assertThat(register(f, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isZero();
        assertThat(sflt_register(f, PF_INET6, SOCK_DGRAM, IPPROTO_UDP)).as("same handle").isEqualTo(EEXIST);
        assertThat(sflt_unregister(f.sf_handle)).isZero();
        registered.clear();
        assertThat(sflt_unregister(f.sf_handle)).isEqualTo(ENOENT);
        assertThat(log).isEmpty();
    }

    @Test
    void attachDetachAndCloseCallDetachOnceWithTheCookie() {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("life", log);
        assertThat(register(f, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isZero();
        Socket so = socket(PF_INET, SOCK_STREAM);
        assertThat(sflt_attach(null, f.sf_handle)).isEqualTo(EINVAL);
        assertThat(sflt_attach(so, 0)).isEqualTo(EINVAL);
        assertThat(sflt_attach(so, 0x7fff0001)).as("unknown handle").isEqualTo(ENOENT);
        assertThat(sflt_detach(so, f.sf_handle)).as("not attached").isEqualTo(ENOENT);
        assertThat(sflt_attach(so, f.sf_handle)).isZero();
        assertThat(sflt_attach(so, f.sf_handle)).as("double attach").isEqualTo(EEXIST);
        assertThat(sflt_detach(so, f.sf_handle)).isZero();
        assertThat(log).containsExactly("attach", "detach:life-cookie");
        assertThat(sflt_detach(so, f.sf_handle)).isEqualTo(ENOENT);

        assertThat(sflt_attach(so, f.sf_handle)).isZero();
        sock_close(so);
        assertThat(log).containsExactly("attach", "detach:life-cookie", "attach", "detach:life-cookie");
        assertThat(sflt_attach(so, f.sf_handle)).as("closed socket").isEqualTo(9 /* EBADF */);
    }

    @Test
    void aRefusedAttachLeavesTheFilterOffWithoutDetach() {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("refuse", log);
        f.sf_attach = (cookie, so) -> EPERM;
        assertThat(register(f, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isZero();
        Socket so = socket(PF_INET, SOCK_STREAM);
        assertThat(sflt_attach(so, f.sf_handle)).isEqualTo(EPERM);
        assertThat(sflt_detach(so, f.sf_handle)).isEqualTo(ENOENT);
        sock_close(so);
        assertThat(log).isEmpty();
    }

    @Test
    void unregisterDetachesFromEverySocketThenSaysUnregistered() {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("unreg", log);
        AtomicInteger unregistered = new AtomicInteger();
        f.sf_unregistered = h -> {
            assertThat(h).isEqualTo(f.sf_handle);
            log.add("unregistered");
            unregistered.incrementAndGet();
        };
        assertThat(register(f, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isZero();
        Socket a = socket(PF_INET, SOCK_STREAM);
        Socket b = socket(PF_INET6, SOCK_STREAM);
        assertThat(sflt_attach(a, f.sf_handle)).isZero();
        assertThat(sflt_attach(b, f.sf_handle)).isZero();
        assertThat(sflt_unregister(f.sf_handle)).isZero();
        registered.clear();
        assertThat(log).containsExactly("attach", "attach", "detach:unreg-cookie", "detach:unreg-cookie", "unregistered");
        assertThat(sflt_detach(a, f.sf_handle)).isEqualTo(ENOENT);
        sock_close(a);
        sock_close(b);
        assertThat(unregistered).hasValue(1);
    }

    // ------------------------------------------------------------------ data, with a java.net peer

    /** Counts both directions and uppercases what arrives, by rewriting the chain in place. */
    @Test
    void dataFiltersSeeAndChangeRealTrafficBothWays() throws Exception {
        for (int domain : new int[] {PF_INET, PF_INET6}) {
            List<String> log = new CopyOnWriteArrayList<>();
            SflFilter f = filter("count", log);
            AtomicLong in = new AtomicLong();
            AtomicLong out = new AtomicLong();
            f.sf_data_in = (cookie, so, from, data, control, flags) -> {
                assertThat(from).isNull();
                long n = mbuf_pkthdr_len(data.get());
                in.addAndGet(n);
                MemorySegment tmp = MemorySegment.ofArray(new byte[(int) n]);
                mbuf_copydata(data.get(), 0, n, tmp);
                byte[] up = new String(tmp.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII)
                        .toUpperCase().getBytes(StandardCharsets.US_ASCII);
                mbuf_copyback(data.get(), 0, n, MemorySegment.ofArray(up), MBUF_WAITOK);
                return 0;
            };
            f.sf_data_out = (cookie, so, to, data, control, flags) -> {
                out.addAndGet(mbuf_pkthdr_len(data.get()));
                return 0;
            };
            assertThat(register(f, domain, SOCK_STREAM, IPPROTO_TCP)).isZero();
            try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getByName(loopback(domain)))) {
                Socket so = socket(domain, SOCK_STREAM);
                assertThat(sflt_attach(so, f.sf_handle)).isZero();
                assertThat(sock_connect(so, addr(domain, peer.getLocalPort()), 0)).isZero();
                try (java.net.Socket p = peer.accept()) {
                    p.setSoTimeout(5000);
                    sendAll(so, "hello through the filter");
                    Ref<Mbuf> chain = new Ref<>();
                    assertThat(mbuf_allocpacket(MBUF_WAITOK, 6, null, chain)).isZero();
                    mbuf_copyback(chain.get(), 0, 6, bytes(" mbufs"), MBUF_WAITOK);
                    assertThat(sock_sendmbuf(so, null, chain.get(), 0, new LongRef())).isZero();
                    assertThat(readN(p.getInputStream(), 30)).isEqualTo("hello through the filter mbufs");
                    OutputStream os = p.getOutputStream();
                    os.write("quiet words".getBytes(StandardCharsets.US_ASCII));
                    os.flush();
                    assertThat(recv(so, 64, MSG_WAITALL & 0)).isEqualTo("QUIET WORDS");
                }
                assertThat(out).hasValue(30);
                assertThat(in).hasValue(11);
            }
        }
    }

    static String readN(InputStream in, int n) throws Exception {
        byte[] b = in.readNBytes(n);
        return new String(b, StandardCharsets.US_ASCII);
    }

    /** EJUSTRETURN takes the mbufs; the filter re-injects them later from another thread. */
    @Test
    void swallowedDataReinjectedLaterArrivesInOrder() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("hold", log);
        List<Mbuf> heldOut = Collections.synchronizedList(new ArrayList<>());
        List<Mbuf> heldIn = Collections.synchronizedList(new ArrayList<>());
        f.sf_data_out = (cookie, so, to, data, control, flags) -> {
            heldOut.add(data.get());
            return EJUSTRETURN;
        };
        f.sf_data_in = (cookie, so, from, data, control, flags) -> {
            heldIn.add(data.get());
            return EJUSTRETURN;
        };
        assertThat(register(f, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isZero();
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket so = socket(PF_INET, SOCK_STREAM);
            assertThat(sflt_attach(so, f.sf_handle)).isZero();
            assertThat(sock_connect(so, addr(PF_INET, peer.getLocalPort()), 0)).isZero();
            try (java.net.Socket p = peer.accept()) {
                p.setSoTimeout(5000);
                LongRef sent = new LongRef();
                assertThat(sock_send(so, MsgHdr.of(bytes("first,")), 0, sent)).isZero();
                assertThat(sent.value).as("a swallowed send counts as sent").isEqualTo(6);
                assertThat(sock_send(so, MsgHdr.of(bytes("second")), 0, sent)).isZero();
                assertThat(p.getInputStream().available()).isZero();
                Thread injector = Thread.ofVirtual().start(() -> {
                    for (Mbuf m : List.copyOf(heldOut)) {
                        assertThat(sock_inject_data_out(so, null, m, null, 0)).isZero();
                    }
                });
                injector.join(5000);
                assertThat(readN(p.getInputStream(), 12)).isEqualTo("first,second");

                p.getOutputStream().write("from the peer".getBytes(StandardCharsets.US_ASCII));
                assertThat(recv(so, 64, MSG_DONTWAIT)).as("the filter holds it").isEqualTo("ERR:EWOULDBLOCK");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (heldIn.isEmpty() && System.nanoTime() < deadline) {
                    recv(so, 64, MSG_DONTWAIT);
                    Thread.sleep(5);
                }
                assertThat(heldIn).isNotEmpty();
                for (Mbuf m : List.copyOf(heldIn)) {
                    assertThat(sock_inject_data_in(so, null, m, null, 0)).isZero();
                }
                IntRef nread = new IntRef();
                assertThat(sock_ioctl(so, FIONREAD, nread)).isZero();
                assertThat(nread.value).as("FIONREAD counts the held bytes").isEqualTo(13);
                assertThat(recv(so, 64, 0)).isEqualTo("from the peer");
            }
        }
    }

    @Test
    void aDataErrorFailsTheSendAndFreesTheChain() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("deny", log);
        f.sf_data_out = (cookie, so, to, data, control, flags) -> EACCES;
        assertThat(register(f, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isZero();
        MbufStat before = new MbufStat();
        Socket[] p = pair(PF_INET);
        assertThat(sflt_attach(p[0], f.sf_handle)).isZero();
        mbuf_stats(before);
        assertThat(send(p[0], bytes("nope"), 0)).isEqualTo(-EACCES);
        Ref<Mbuf> chain = new Ref<>();
        assertThat(mbuf_allocpacket(MBUF_WAITOK, 100, null, chain)).isZero();
        assertThat(sock_sendmbuf(p[0], null, chain.get(), 0, new LongRef())).isEqualTo(EACCES);
        assertThat(recv(p[1], 16, MSG_DONTWAIT)).isEqualTo("ERR:EWOULDBLOCK");
        assertThat(sflt_detach(p[0], f.sf_handle)).isZero();
        sendAll(p[0], "now");
        assertThat(recv(p[1], 16, 0)).isEqualTo("now");
    }

    @Test
    void aThrowingCallbackIsAnErrorAndTheSocketGoesOn() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("thrower", log);
        AtomicInteger calls = new AtomicInteger();
        f.sf_data_out = (cookie, so, to, data, control, flags) -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("filter bug");
            }
            return 0;
        };
        f.sf_bind = (cookie, so, to) -> {
            throw new RuntimeException("bind bug");
        };
        assertThat(register(f, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isZero();
        Socket[] p = pair(PF_INET);
        assertThat(sflt_attach(p[0], f.sf_handle)).isZero();
        assertThat(send(p[0], bytes("lost"), 0)).isEqualTo(-EINVAL);
        sendAll(p[0], "kept");
        assertThat(recv(p[1], 16, 0)).isEqualTo("kept");
        Socket other = socket(PF_INET, SOCK_STREAM);
        assertThat(sflt_attach(other, f.sf_handle)).isZero();
        assertThat(sock_bind(other, addr(PF_INET, 0))).isEqualTo(EINVAL);
    }

    // ------------------------------------------------------------------ control-path callbacks

    @Test
    void globalFilterRefusesConnectsToAPortList() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("ports", log);
        f.sf_flags = SFLT_GLOBAL;
        try (ServerSocket denied = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket allowed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int deniedPort = denied.getLocalPort();
            f.sf_connect_out = (cookie, so, to) -> to.port() == deniedPort ? ECONNREFUSED : 0;
            assertThat(register(f, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isZero();
            Socket a = socket(PF_INET, SOCK_STREAM);
            assertThat(log).as("global filters attach at creation").containsExactly("attach");
            assertThat(sock_connect(a, addr(PF_INET, deniedPort), 0)).isEqualTo(ECONNREFUSED);
            assertThat(sock_isconnected(a)).isZero();
            Socket b = socket(PF_INET, SOCK_STREAM);
            assertThat(sock_connect(b, addr(PF_INET, allowed.getLocalPort()), 0)).isZero();
            allowed.accept().close();
            Socket udp = socket(PF_INET, SOCK_DGRAM);
            Socket v6 = socket(PF_INET6, SOCK_STREAM);
            assertThat(log).as("only PF_INET/TCP sockets get it").containsExactly("attach", "attach");
            sock_close(udp);
            sock_close(v6);
        }
    }

    @Test
    void connectOutMayRewriteTheDestination() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("redirect", log);
        try (ServerSocket real = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int realPort = real.getLocalPort();
            f.sf_connect_out = (cookie, so, to) -> {
                to.segment().set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 2,
                        (short) realPort);
                return 0;
            };
            assertThat(register(f, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isZero();
            Socket so = socket(PF_INET, SOCK_STREAM);
            assertThat(sflt_attach(so, f.sf_handle)).isZero();
            SockAddr bogus = SockAddr.in("127.0.0.1", 9); // discard: nothing listens there
            assertThat(sock_connect(so, bogus, 0)).isZero();
            assertThat(bogus.port()).as("the caller's address is left alone").isEqualTo(9);
            try (java.net.Socket p = real.accept()) {
                SockAddr peer = SockAddr.storage();
                assertThat(sock_getpeername(so, peer, 128)).isZero();
                assertThat(peer.port()).isEqualTo(realPort);
            }
        }
    }

    @Test
    void connectInAndAcceptFiltersOnAGlobalFilter() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("inbound", log);
        f.sf_flags = SFLT_GLOBAL | SFLT_EXTENDED;
        AtomicInteger seen = new AtomicInteger();
        AtomicReference<String> acceptArgs = new AtomicReference<>();
        f.sf_connect_in = (cookie, so, from) -> seen.incrementAndGet() == 1 ? EPERM : 0;
        f.sf_accept = (cookie, lso, so, local, remote) -> {
            acceptArgs.set((lso != null) + " " + local.port() + " " + remote.address().getHostAddress());
            return 0;
        };
        Socket l = listener(PF_INET, null, null);
        int port = port(l);
        assertThat(register(f, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isZero();
        java.net.Socket refused = new java.net.Socket(InetAddress.getLoopbackAddress(), port);
        java.net.Socket ok = new java.net.Socket(InetAddress.getLoopbackAddress(), port);
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, null, 0, 0, null, null, a)).isZero();
        track(a.get());
        assertThat(seen).as("the first was refused and vanished").hasValue(2);
        assertThat(acceptArgs.get()).isEqualTo("true " + port + " 127.0.0.1");
        refused.setSoTimeout(5000);
        assertThat(endOfRefused(refused)).as("the refused peer is reset").isEqualTo("reset");
        sendAll(a.get(), "welcome");
        ok.setSoTimeout(5000);
        assertThat(readN(ok.getInputStream(), 7)).isEqualTo("welcome");
        refused.close();
        ok.close();
    }

    static String endOfRefused(java.net.Socket s) {
        try {
            return s.getInputStream().read() == -1 ? "eof" : "data";
        } catch (java.io.IOException e) {
            return "reset";
        }
    }

    @Test
    void optionIoctlBindListenAndNameCallbacksFollowXnusReturnRules() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("control", log);
        int SO_SNDBUF = 0x1001, SO_RCVBUF = 0x1002, SO_TYPE = 0x1008;
        f.sf_setoption = (cookie, so, opt) -> {
            log.add("set " + sockopt_direction(opt) + " " + sockopt_level(opt) + " " + Integer.toHexString(sockopt_name(opt))
                    + " " + sockopt_valsize(opt));
            if (sockopt_name(opt) == SO_SNDBUF) {
                MemorySegment v = MemorySegment.ofArray(new int[1]);
                assertThat(sockopt_copyin(opt, v, 4)).isZero();
                assertThat(sockopt_copyin(opt, MemorySegment.ofArray(new int[2]), 8)).as("shorter than asked").isEqualTo(EINVAL);
                return v.get(ValueLayout.JAVA_INT, 0) > 1_000_000 ? EPERM : 0;
            }
            return sockopt_name(opt) == SO_RCVBUF ? EJUSTRETURN : 0;
        };
        f.sf_getoption = (cookie, so, opt) -> {
            if (sockopt_name(opt) == SO_TYPE) {
                assertThat(sockopt_direction(opt)).isEqualTo(1 /* sockopt_get */);
                sockopt_copyout(opt, MemorySegment.ofArray(new int[] {4242}), 4);
                return EJUSTRETURN;
            }
            return 0;
        };
        f.sf_ioctl = (cookie, so, request, argp) -> request == FIONBIO ? EJUSTRETURN : 0;
        f.sf_bind = (cookie, so, to) -> to.port() == 1 ? EACCES : 0;
        f.sf_listen = (cookie, so) -> {
            log.add("listen");
            return 0;
        };
        f.sf_getsockname = (cookie, so, sa) -> {
            sa.set(SockAddr.in("10.9.8.7", 4321));
            return 0;
        };
        assertThat(register(f, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isZero();
        Socket so = socket(PF_INET, SOCK_STREAM);
        assertThat(sflt_attach(so, f.sf_handle)).isZero();

        assertThat(sock_setsockopt(so, SOL_SOCKET, SO_SNDBUF, 2_000_000)).isEqualTo(EPERM);
        assertThat(sock_setsockopt(so, SOL_SOCKET, SO_SNDBUF, 65536)).isZero();
        IntRef rcv = new IntRef();
        assertThat(sock_getsockopt(so, SOL_SOCKET, SO_RCVBUF, rcv)).isZero();
        int before = rcv.value;
        assertThat(sock_setsockopt(so, SOL_SOCKET, SO_RCVBUF, 4096)).as("EJUSTRETURN: 0, not set").isZero();
        assertThat(sock_getsockopt(so, SOL_SOCKET, SO_RCVBUF, rcv)).isZero();
        assertThat(rcv.value).isEqualTo(before);
        IntRef type = new IntRef();
        assertThat(sock_getsockopt(so, SOL_SOCKET, SO_TYPE, type)).isZero();
        assertThat(type.value).as("answered by the filter").isEqualTo(4242);
        assertThat(log).contains("set 2 65535 1001 4");

        assertThat(sock_ioctl(so, FIONBIO, new IntRef(1))).isZero();
        assertThat(sock_isnonblocking(so)).as("the filter took FIONBIO over").isZero();

        assertThat(sock_bind(so, addr(PF_INET, 1))).isEqualTo(EACCES);
        assertThat(sock_bind(so, addr(PF_INET, 0))).isZero();
        assertThat(sock_listen(so, 4)).isZero();
        assertThat(log).contains("listen");
        SockAddr name = SockAddr.storage();
        assertThat(sock_getsockname(so, name, 128)).isZero();
        assertThat(name.toString()).isEqualTo("10.9.8.7:4321");
    }

    @Test
    void notifyReportsTheConnectionsEvents() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("events", log);
        List<Integer> events = new CopyOnWriteArrayList<>();
        List<Object> params = new CopyOnWriteArrayList<>();
        f.sf_notify = (cookie, so, event, param) -> {
            events.add(event);
            if (param != null) {
                params.add(param);
            }
        };
        assertThat(register(f, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isZero();
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket so = socket(PF_INET, SOCK_STREAM);
            assertThat(sflt_attach(so, f.sf_handle)).isZero();
            assertThat(sock_bind(so, addr(PF_INET, 0))).isZero();
            assertThat(sock_connect(so, addr(PF_INET, peer.getLocalPort()), 0)).isZero();
            try (java.net.Socket p = peer.accept()) {
                assertThat(sock_shutdown(so, 1 /* SHUT_WR */)).isZero();
                p.setSoTimeout(5000);
                assertThat(p.getInputStream().read()).isEqualTo(-1);
            }
            sock_close(so);
        }
        // bound 10, connecting 1, connected 2, shutdown 6 (how 1), cantsendmore 8, closing 9
        assertThat(events).containsSubsequence(10, 1, 2, 6, 8, 9);
        assertThat(events.get(events.size() - 1)).isEqualTo(9);
        assertThat(params).containsExactly(1);
        assertThat(log).endsWith("detach:events-cookie");
    }

    // ------------------------------------------------------------------ UDP and local sockets

    static final String PY_UDP_ECHO = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(('127.0.0.1', 0))
            print(s.getsockname()[1], flush=True)
            s.settimeout(10)
            data, addr = s.recvfrom(2048)
            s.sendto(data[::-1], addr)
            """;

    @Test
    void udpFiltersSeeTheSenderWithARealPythonPeer() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("udp", log);
        AtomicReference<String> fromSeen = new AtomicReference<>();
        AtomicReference<String> toSeen = new AtomicReference<>();
        f.sf_data_in = (cookie, so, from, data, control, flags) -> {
            fromSeen.set(from.toString());
            return 0;
        };
        f.sf_data_out = (cookie, so, to, data, control, flags) -> {
            toSeen.set(String.valueOf(to));
            return 0;
        };
        assertThat(register(f, PF_INET, SOCK_DGRAM, IPPROTO_UDP)).isZero();
        Process py = new ProcessBuilder("python3", "-c", PY_UDP_ECHO).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            int port = Integer.parseInt(new String(py.getInputStream().readNBytes(6), StandardCharsets.US_ASCII).trim().split("\\s")[0]);
            Socket so = socket(PF_INET, SOCK_DGRAM);
            assertThat(sflt_attach(so, f.sf_handle)).isZero();
            MsgHdr m = MsgHdr.of(bytes("stressed"));
            m.msg_name = SockAddr.in("127.0.0.1", port);
            m.msg_namelen = 16;
            assertThat(sock_send(so, m, 0, new LongRef())).isZero();
            assertThat(sock_setsockopt(so, SOL_SOCKET, 0x1006 /* SO_RCVTIMEO */,
                    MemorySegment.ofArray(new long[] {5, 0}), 16)).isZero();
            byte[] buf = new byte[64];
            MsgHdr r = MsgHdr.of(MemorySegment.ofArray(buf));
            r.msg_name = SockAddr.storage();
            r.msg_namelen = 128;
            LongRef got = new LongRef();
            assertThat(sock_receive(so, r, 0, got)).isZero();
            assertThat(new String(buf, 0, (int) got.value, StandardCharsets.US_ASCII)).isEqualTo("desserts");
            assertThat(r.msg_name.port()).isEqualTo(port);
            assertThat(fromSeen.get()).isEqualTo("127.0.0.1:" + port);
            assertThat(toSeen.get()).isEqualTo("127.0.0.1:" + port);
        } finally {
            py.destroy();
        }
    }

    @Test
    void aFilterAttachesToLocalStreamSocketsToo() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        SflFilter f = filter("local", log);
        AtomicLong in = new AtomicLong();
        f.sf_data_in = (cookie, so, from, data, control, flags) -> {
            in.addAndGet(mbuf_pkthdr_len(data.get()));
            return 0;
        };
        assertThat(register(f, PF_INET, SOCK_STREAM, IPPROTO_TCP)).isZero();
        String path = socketDir().resolve("f.sock").toString();
        Process socat = new ProcessBuilder("socat", "-t", "5", "UNIX-LISTEN:" + path, "SYSTEM:echo local-peer-says-hi")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            Socket so = socket(PF_LOCAL, SOCK_STREAM);
            assertThat(sflt_attach(so, f.sf_handle)).isZero();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int r;
            while ((r = sock_connect(so, SockAddr.un(path), 0)) != 0 && System.nanoTime() < deadline) {
                sock_close(so);
                so = socket(PF_LOCAL, SOCK_STREAM);
                assertThat(sflt_attach(so, f.sf_handle)).isZero();
                Thread.sleep(20);
            }
            assertThat(r).isZero();
            StringBuilder sb = new StringBuilder();
            String piece;
            while (!(piece = recv(so, 64, 0)).isEmpty() && !piece.startsWith("ERR")) {
                sb.append(piece);
            }
            assertThat(sb.toString()).isEqualTo("local-peer-says-hi\n");
            assertThat(in).hasValue(19);
        } finally {
            socat.destroy();
            socat.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void injectArgumentsAreChecked() {
        Socket so = socket(PF_INET, SOCK_DGRAM);
        assertThat(sock_inject_data_in(null, null, null, null, 0)).isEqualTo(EINVAL);
        assertThat(sock_inject_data_in(so, null, null, null, 0)).isEqualTo(EINVAL);
        Ref<Mbuf> m = new Ref<>();
        assertThat(mbuf_allocpacket(MBUF_WAITOK, 4, null, m)).isZero();
        assertThat(mbuf_copyback(m.get(), 0, 4, bytes("four"), MBUF_WAITOK)).isZero();
        assertThat(sock_inject_data_in(so, null, m.get(), null, 1 /* oob */)).isEqualTo(ENOTSUP);
        assertThat(sock_inject_data_in(so, SockAddr.in("127.0.0.1", 7), m.get(), null, 0)).isZero();
        byte[] buf = new byte[8];
        MsgHdr r = MsgHdr.of(MemorySegment.ofArray(buf));
        r.msg_name = SockAddr.storage();
        r.msg_namelen = 128;
        LongRef got = new LongRef();
        assertThat(sock_receive(so, r, MSG_DONTWAIT, got)).isZero();
        assertThat(got.value).isEqualTo(4);
        assertThat(r.msg_name.toString()).isEqualTo("127.0.0.1:7");
        assertThat(sock_inject_data_out(null, null, null, null, 0)).isEqualTo(EINVAL);
        assertThat(sockopt_copyin(null, MemorySegment.ofArray(new byte[4]), 4)).isEqualTo(EINVAL);
        assertThat(sockopt_copyout(null, MemorySegment.ofArray(new byte[4]), 4)).isEqualTo(EINVAL);
        assertThat(sockopt_direction(null)).isZero();
    }
}
