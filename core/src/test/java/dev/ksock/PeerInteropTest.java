package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ksock talking to programs nobody here wrote: Python's socket module, socat, and the JDK's
 * java.net sockets, in both directions, TCP and UDP, IPv4 and IPv6.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerInteropTest extends SocketTestSupport {

    static boolean have(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (new java.io.File(dir, program).canExecute()) {
                return true;
            }
        }
        return false;
    }

    /** Starts a program; its standard output is read line by line by the test. */
    static Process start(String... cmd) throws IOException {
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    static String readLine(Process p) throws IOException {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    private static final String PY_TCP_ECHO = String.join("\n",
            "import socket, sys",
            "fam = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET",
            "s = socket.socket(fam, socket.SOCK_STREAM)",
            "s.bind((sys.argv[2], 0)); s.listen(1)",
            "print(s.getsockname()[1], flush=True)",
            "c, _ = s.accept()",
            "while True:",
            "    d = c.recv(65536)",
            "    if not d: break",
            "    c.sendall(d)",
            "c.close()");

    @ParameterizedTest(name = "domain {0}")
    @ValueSource(ints = {PF_INET, PF_INET6})
    void ksockClientTalksToPythonEchoServer(int domain) throws Exception {
        Process py = start("python3", "-c", PY_TCP_ECHO, domain == PF_INET6 ? "6" : "4", loopback(domain));
        try {
            int port = Integer.parseInt(readLine(py).trim());
            Socket c = socket(domain, SOCK_STREAM);
            assertThat(sock_connect(c, addr(domain, port), 0)).isZero();
            sendAll(c, "through python");
            assertThat(recv(c, 14, MSG_WAITALL)).isEqualTo("through python");
            assertThat(sock_shutdown(c, 1)).isZero();
            assertThat(recv(c, 10, 0)).as("python closes after our FIN").isEqualTo("");
            assertThat(py.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(py.exitValue()).isZero();
        } finally {
            py.destroyForcibly();
        }
    }

    private static final String PY_TCP_CLIENT = String.join("\n",
            "import socket, sys",
            "fam = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET",
            "c = socket.socket(fam, socket.SOCK_STREAM)",
            "c.connect((sys.argv[2], int(sys.argv[3])))",
            "c.sendall(b'from python')",
            "c.shutdown(socket.SHUT_WR)",
            "buf = b''",
            "while True:",
            "    d = c.recv(100)",
            "    if not d: break",
            "    buf += d",
            "print(buf.decode(), flush=True)");

    @ParameterizedTest(name = "domain {0}")
    @ValueSource(ints = {PF_INET, PF_INET6})
    void pythonClientTalksToKsockServer(int domain) throws Exception {
        Socket l = listener(domain, null, null);
        Process py = start("python3", "-c", PY_TCP_CLIENT, domain == PF_INET6 ? "6" : "4",
                loopback(domain), Integer.toString(port(l)));
        try {
            Ref<Socket> a = new Ref<>();
            SockAddr from = SockAddr.storage();
            assertThat(sock_accept(l, from, 128, 0, null, null, a)).isZero();
            Socket s = track(a.get());
            assertThat(from.sa_family()).isEqualTo(domain);
            String got = recv(s, 11, MSG_WAITALL);
            assertThat(got).isEqualTo("from python");
            assertThat(recv(s, 10, 0)).as("python's SHUT_WR is our EOF").isEqualTo("");
            sendAll(s, got.toUpperCase());
            sock_close(s);
            assertThat(readLine(py)).isEqualTo("FROM PYTHON");
        } finally {
            py.destroyForcibly();
        }
    }

    private static final String PY_UDP = String.join("\n",
            "import socket, sys",
            "fam = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET",
            "s = socket.socket(fam, socket.SOCK_DGRAM)",
            "s.bind((sys.argv[2], 0))",
            "s.settimeout(10)",
            "s.sendto(b'dgram from python', (sys.argv[2], int(sys.argv[3])))",
            "d, a = s.recvfrom(100)",
            "print(d.decode(), flush=True)");

    @ParameterizedTest(name = "domain {0}")
    @ValueSource(ints = {PF_INET, PF_INET6})
    void udpWithPythonBothWays(int domain) throws Exception {
        Socket u = socket(domain, SOCK_DGRAM);
        assertThat(sock_bind(u, addr(domain, 0))).isZero();
        Process py = start("python3", "-c", PY_UDP, domain == PF_INET6 ? "6" : "4", loopback(domain),
                Integer.toString(port(u)));
        try {
            byte[] buf = new byte[100];
            MsgHdr in = MsgHdr.of(MemorySegment.ofArray(buf));
            in.msg_name = SockAddr.storage();
            in.msg_namelen = 128;
            LongRef got = new LongRef();
            assertThat(sock_receive(u, in, 0, got)).isZero();
            assertThat(new String(buf, 0, (int) got.value, StandardCharsets.UTF_8)).isEqualTo("dgram from python");
            MsgHdr out = MsgHdr.of(bytes("reply from ksock"));
            out.msg_name = in.msg_name;
            out.msg_namelen = in.msg_name.sa_len();
            assertThat(sock_send(u, out, 0, new LongRef())).isZero();
            assertThat(readLine(py)).isEqualTo("reply from ksock");
        } finally {
            py.destroyForcibly();
        }
    }

    @Test
    void javaNetClientAndServerBothWays() throws Exception {
        try (ServerSocket ss = new ServerSocket()) {
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<String> server = CompletableFuture.supplyAsync(() -> {
                try (java.net.Socket s = ss.accept()) {
                    byte[] b = s.getInputStream().readNBytes(5);
                    s.getOutputStream().write("pong!".getBytes(StandardCharsets.US_ASCII));
                    return new String(b, StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    return e.toString();
                }
            });
            Socket c = socket(PF_INET, SOCK_STREAM);
            assertThat(sock_connect(c, addr(PF_INET, ss.getLocalPort()), 0)).isZero();
            sendAll(c, "ping!");
            assertThat(recv(c, 5, MSG_WAITALL)).isEqualTo("pong!");
            assertThat(server.get(10, TimeUnit.SECONDS)).isEqualTo("ping!");
        }
        Socket l = listener(PF_INET6, null, null);
        try (java.net.Socket js = new java.net.Socket("::1", port(l))) {
            Ref<Socket> a = new Ref<>();
            assertThat(sock_accept(l, null, 0, 0, null, null, a)).isZero();
            Socket s = track(a.get());
            OutputStream os = js.getOutputStream();
            os.write("java.net says hi".getBytes(StandardCharsets.US_ASCII));
            assertThat(recv(s, 16, MSG_WAITALL)).isEqualTo("java.net says hi");
            sendAll(s, "ksock answers");
            InputStream is = js.getInputStream();
            assertThat(new String(is.readNBytes(13), StandardCharsets.US_ASCII)).isEqualTo("ksock answers");
        }
    }

    @Test
    void socatRelaysThroughKsockEchoBothWays() throws Exception {
        assumeTrue(have("socat"), "socat not installed (./run-tests installs it)");
        // socat as a server: an echo built from socat's own EXEC:cat.
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int p = probe.getLocalPort();
            probe.close();
            Process socat = start("socat", "TCP4-LISTEN:" + p + ",bind=127.0.0.1,reuseaddr", "EXEC:cat");
            try {
                Socket c = socket(PF_INET, SOCK_STREAM);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                int r;
                do {
                    r = sock_connect(c, addr(PF_INET, p), 0);
                    if (r != 0) {
                        sock_close(c);
                        c = socket(PF_INET, SOCK_STREAM);
                        Thread.sleep(50);
                    }
                } while (r != 0 && System.nanoTime() < deadline);
                assertThat(r).isZero();
                sendAll(c, "via socat");
                assertThat(recv(c, 9, MSG_WAITALL)).isEqualTo("via socat");
            } finally {
                socat.destroyForcibly();
            }
        }
        // socat as a client of a ksock server, over IPv6. "-t 10": once its stdin ends, socat
        // waits only 0.5 s by default for the other direction before it exits, which a loaded
        // machine can miss (the reply then never reaches its stdout).
        Socket l = listener(PF_INET6, null, null);
        Process socat = new ProcessBuilder("socat", "-t", "10", "-", "TCP6:[::1]:" + port(l))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            Ref<Socket> a = new Ref<>();
            assertThat(sock_accept(l, null, 0, 0, null, null, a)).isZero();
            Socket s = track(a.get());
            socat.getOutputStream().write("stdin of socat\n".getBytes(StandardCharsets.US_ASCII));
            socat.getOutputStream().close();
            assertThat(recv(s, 15, MSG_WAITALL)).isEqualTo("stdin of socat\n");
            sendAll(s, "back to socat\n");
            sock_shutdown(s, 1);
            assertThat(readLine(socat)).isEqualTo("back to socat");
        } finally {
            socat.destroyForcibly();
        }
    }
}
