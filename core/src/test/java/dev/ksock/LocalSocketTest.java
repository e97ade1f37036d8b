package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PF_LOCAL stream and datagram sockets on filesystem paths: XNU's errors (uipc_usrreq.c), the
 * addresses every call reports, and talking to socat, Python and nc -U in both directions.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalSocketTest extends SocketTestSupport {
    String path(String name) {
        return socketDir().resolve(name).toString();
    }

    Socket localListener(String path) {
        Socket l = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(sock_bind(l, SockAddr.un(path))).as("bind " + path).isZero();
        assertThat(sock_listen(l, 8)).isZero();
        return l;
    }

    static SockAddr name(int r, SockAddr a) {
        assertThat(r).as("address call").isZero();
        return a;
    }

    @Test
    void streamAddressesAreThePathOrXnuUnnamedAddress() {
        String p = path("srv");
        Socket l = localListener(p);
        Socket c = socket(PF_LOCAL, SOCK_STREAM);
        SockAddr unbound = SockAddr.storage();
        assertThat(sock_getsockname(c, unbound, 128)).isZero();
        assertThat(unbound.sa_len()).as("XNU sun_noname is 3 bytes").isEqualTo(3);
        assertThat(unbound.sa_family()).isEqualTo(PF_LOCAL);

        assertThat(sock_connect(c, SockAddr.un(p), 0)).isZero();
        SockAddr from = SockAddr.storage();
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, from, 128, 0, null, null, a)).isZero();
        track(a.get());
        assertThat(from.sa_len()).as("unnamed peer from accept").isEqualTo(3);
        assertThat(from.sa_family()).isEqualTo(PF_LOCAL);

        SockAddr peer = name(sock_getpeername(c, SockAddr.storage(), 128), SockAddr.storage());
        assertThat(sock_getpeername(c, peer, 128)).isZero();
        assertThat(peer.path()).isEqualTo(p);
        assertThat(peer.sa_len()).isEqualTo(2 + p.length() + 1);
        SockAddr mine = SockAddr.storage();
        assertThat(sock_getsockname(l, mine, 128)).isZero();
        assertThat(mine.path()).isEqualTo(p);
        SockAddr acceptedPeer = SockAddr.storage();
        assertThat(sock_getpeername(a.get(), acceptedPeer, 128)).isZero();
        assertThat(acceptedPeer.sa_len()).isEqualTo(3);

        sendAll(c, "over a path");
        assertThat(recv(a.get(), 11, MSG_WAITALL)).isEqualTo("over a path");
    }

    @Test
    void bindingAnExistingPathIsEaddrinuse() throws IOException {
        String p = path("taken");
        localListener(p);
        Socket other = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(Errno.name(sock_bind(other, SockAddr.un(p)))).isEqualTo("EADDRINUSE");
        Files.writeString(Path.of(path("file")), "x");
        assertThat(Errno.name(sock_bind(other, SockAddr.un(path("file"))))).as("any existing file").isEqualTo("EADDRINUSE");
    }

    @Test
    void pathLongerThanTheHostHoldsIsEnametoolong() {
        String p = "/tmp/" + "x".repeat(104);
        Socket s = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(Errno.name(sock_bind(s, SockAddr.un(p)))).isEqualTo("ENAMETOOLONG");
    }

    @Test
    void connectErrorsAreXnus() throws IOException {
        Socket c = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(Errno.name(sock_connect(c, SockAddr.un(path("missing")), 0))).as("no such path").isEqualTo("ENOENT");

        Files.writeString(Path.of(path("plain")), "x");
        Socket c2 = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(Errno.name(sock_connect(c2, SockAddr.un(path("plain")), 0))).as("not a socket: unp_connect checks VSOCK")
                .isEqualTo("ENOTSOCK");

        Socket bound = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(sock_bind(bound, SockAddr.un(path("notlistening")))).isZero();
        Socket c3 = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(Errno.name(sock_connect(c3, SockAddr.un(path("notlistening")), 0))).as("no SO_ACCEPTCONN")
                .isEqualTo("ECONNREFUSED");

        Socket gone = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(sock_bind(gone, SockAddr.un(path("stale")))).isZero();
        assertThat(sock_listen(gone, 1)).isZero();
        sock_close(gone);
        Socket c4 = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(Errno.name(sock_connect(c4, SockAddr.un(path("stale")), 0))).as("socket file with no socket")
                .isEqualTo("ECONNREFUSED");

        Socket dg = socket(PF_LOCAL, SOCK_DGRAM);
        assertThat(sock_bind(dg, SockAddr.un(path("dgram")))).isZero();
        Socket c5 = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(Errno.name(sock_connect(c5, SockAddr.un(path("dgram")), 0))).as("type mismatch").isEqualTo("EPROTOTYPE");
    }

    static int sendTo(Socket s, String text, SockAddr to) {
        MsgHdr m = MsgHdr.of(bytes(text));
        m.msg_name = to;
        m.msg_namelen = to.sa_len();
        return sock_send(s, m, 0, new LongRef());
    }

    @Test
    void datagramsCarryTheSenderPathAndFailAsXnuDoes() {
        Socket rx = socket(PF_LOCAL, SOCK_DGRAM);
        assertThat(sock_bind(rx, SockAddr.un(path("rx")))).isZero();
        Socket named = socket(PF_LOCAL, SOCK_DGRAM);
        assertThat(sock_bind(named, SockAddr.un(path("tx")))).isZero();
        Socket anon = socket(PF_LOCAL, SOCK_DGRAM);
        assertThat(sendTo(named, "one", SockAddr.un(path("rx")))).isZero();
        assertThat(sendTo(anon, "two", SockAddr.un(path("rx")))).isZero();

        byte[] buf = new byte[16];
        MsgHdr m = MsgHdr.of(MemorySegment.ofArray(buf));
        m.msg_name = SockAddr.storage();
        m.msg_namelen = 128;
        LongRef got = new LongRef();
        assertThat(sock_receive(rx, m, 0, got)).isZero();
        assertThat(m.msg_name.path()).isEqualTo(path("tx"));
        m.msg_name = SockAddr.storage();
        assertThat(sock_receive(rx, m, 0, got)).isZero();
        assertThat(m.msg_name.sa_len()).as("unbound sender: sun_noname").isEqualTo(3);

        assertThat(Errno.name(sendTo(anon, "x", SockAddr.un(path("nobody"))))).isEqualTo("ENOENT");

        Socket peer = socket(PF_LOCAL, SOCK_DGRAM);
        assertThat(sock_bind(peer, SockAddr.un(path("peer")))).isZero();
        sock_close(peer);
        assertThat(Errno.name(sendTo(anon, "x", SockAddr.un(path("peer"))))).as("socket file, socket gone")
                .isEqualTo("ECONNREFUSED");
    }

    /** XNU: unp_drop(ECONNRESET) on the peer's detach, then the socket is disconnected. */
    @Test
    void connectedDatagramToAVanishedPeerIsEconnresetThenEdestaddrreq() {
        Socket peer = socket(PF_LOCAL, SOCK_DGRAM);
        assertThat(sock_bind(peer, SockAddr.un(path("peer")))).isZero();
        Socket conn = socket(PF_LOCAL, SOCK_DGRAM);
        assertThat(sock_connect(conn, SockAddr.un(path("peer")), 0)).isZero();
        assertThat(send(conn, bytes("fine"), 0)).isEqualTo(4);
        sock_close(peer);
        assertThat(Errno.name(lastSendError(conn))).isEqualTo("ECONNRESET");
        assertThat(Errno.name(lastSendError(conn))).isEqualTo("EDESTADDRREQ");
    }

    static int lastSendError(Socket s) {
        return sock_send(s, MsgHdr.of(bytes("x")), 0, new LongRef());
    }

    // ------------------------------------------------------------------ real peers

    @Test
    void ksockClientTalksToSocatEchoServer() throws Exception {
        String p = path("socat");
        Process socat = PeerInteropTest.start("socat", "UNIX-LISTEN:" + p, "EXEC:cat");
        try {
            waitForPath(p);
            Socket c = socket(PF_LOCAL, SOCK_STREAM);
            assertThat(sock_connect(c, SockAddr.un(p), 0)).isZero();
            sendAll(c, "echo via socat");
            assertThat(recv(c, 14, MSG_WAITALL)).isEqualTo("echo via socat");
        } finally {
            socat.destroyForcibly().waitFor();
        }
    }

    @Test
    void pythonClientTalksToKsockServer() throws Exception {
        String p = path("kserver");
        Socket l = localListener(p);
        Process py = PeerInteropTest.start("python3", "-c", String.join("\n",
                "import socket, sys",
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
                "s.connect(sys.argv[1])",
                "s.sendall(b'from python')",
                "print(s.recv(100).decode(), flush=True)"), p);
        try {
            Ref<Socket> a = new Ref<>();
            assertThat(sock_accept(l, null, 0, 0, null, null, a)).isZero();
            track(a.get());
            assertThat(recv(a.get(), 11, MSG_WAITALL)).isEqualTo("from python");
            sendAll(a.get(), "from ksock");
            assertThat(PeerInteropTest.readLine(py)).isEqualTo("from ksock");
        } finally {
            py.destroyForcibly();
        }
    }

    @Test
    void ncClientTalksToKsockServer() throws Exception {
        String p = path("nc");
        Socket l = localListener(p);
        Process nc = new ProcessBuilder("nc", "-U", p).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            OutputStream in = nc.getOutputStream();
            in.write("hello nc\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            Ref<Socket> a = new Ref<>();
            assertThat(sock_accept(l, null, 0, 0, null, null, a)).isZero();
            track(a.get());
            assertThat(recv(a.get(), 9, MSG_WAITALL)).isEqualTo("hello nc\n");
            sendAll(a.get(), "back to nc\n");
            assertThat(PeerInteropTest.readLine(nc)).isEqualTo("back to nc");
        } finally {
            nc.destroyForcibly();
        }
    }

    @Test
    void pythonDatagramsBothWays() throws Exception {
        String mine = path("kdg");
        String theirs = path("pydg");
        Socket s = socket(PF_LOCAL, SOCK_DGRAM);
        assertThat(sock_bind(s, SockAddr.un(mine))).isZero();
        Process py = PeerInteropTest.start("python3", "-c", String.join("\n",
                "import socket, sys",
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
                "s.bind(sys.argv[2])",
                "print('ready', flush=True)",
                "d, a = s.recvfrom(100)",
                "s.sendto(d.upper(), a)",
                "print(a, flush=True)"), mine, theirs);
        try {
            assertThat(PeerInteropTest.readLine(py)).isEqualTo("ready");
            assertThat(sendTo(s, "shout", SockAddr.un(theirs))).isZero();
            byte[] buf = new byte[16];
            MsgHdr m = MsgHdr.of(MemorySegment.ofArray(buf));
            m.msg_name = SockAddr.storage();
            m.msg_namelen = 128;
            LongRef got = new LongRef();
            assertThat(sock_receive(s, m, 0, got)).isZero();
            assertThat(new String(buf, 0, (int) got.value, StandardCharsets.UTF_8)).isEqualTo("SHOUT");
            assertThat(m.msg_name.path()).isEqualTo(theirs);
            assertThat(PeerInteropTest.readLine(py)).as("python saw our path").isEqualTo(mine);
        } finally {
            py.destroyForcibly();
        }
    }

    static void waitForPath(String p) throws InterruptedException {
        for (int i = 0; i < 200 && !Files.exists(Path.of(p)); i++) {
            Thread.sleep(10);
        }
    }
}
