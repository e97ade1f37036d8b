package dev.ksock.internal.host.linux;

import static dev.ksock.internal.host.linux.LinuxSyscallsTest.Net.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The FFM syscall wrappers against real peers on loopback: the JDK's sockets and Python. */
@Timeout(30)
class LinuxSyscallsTest {
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void closeArena() {
        arena.close();
    }

    private int soError(int fd) {
        MemorySegment val = arena.allocate(JAVA_INT);
        MemorySegment len = arena.allocate(JAVA_INT);
        len.set(JAVA_INT, 0, 4);
        assertThat(LinuxSyscalls.getsockopt(fd, SOL_SOCKET, SO_ERROR, val, len)).isZero();
        return val.get(JAVA_INT, 0);
    }

    private static int tcpSocket() {
        int fd = LinuxSyscalls.socket(AF_INET, SOCK_STREAM, 0);
        assertThat(fd).as("socket(AF_INET, SOCK_STREAM) gives a descriptor").isGreaterThanOrEqualTo(0);
        return fd;
    }

    @Test
    void nonBlockingConnectToJdkServerCompletesThroughPollout() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int fd = tcpSocket();
            try {
                int r = LinuxSyscalls.connect(fd, loopback4(arena, server.getLocalPort()), LinuxStructs.SOCKADDR_IN_SIZE);
                assertThat(r).as("a non-blocking connect returns 0 or -EINPROGRESS").isIn(0, -EINPROGRESS);
                int revents = LinuxSyscalls.poll(fd, LinuxNative.POLLOUT, 5000);
                assertThat(revents & LinuxNative.POLLOUT).as("connected socket is writable").isNotZero();
                assertThat(soError(fd)).as("SO_ERROR after a successful connect").isZero();

                try (Socket peer = server.accept()) {
                    peer.setSoTimeout(5000);
                    // heap segment → critical downcall
                    byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
                    assertThat(LinuxSyscalls.send(fd, MemorySegment.ofArray(hello), 0)).isEqualTo(5);
                    assertThat(new String(peer.getInputStream().readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("hello");

                    OutputStream out = peer.getOutputStream();
                    out.write("world!".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    MemorySegment nat = arena.allocate(16);
                    assertThat(LinuxSyscalls.poll(fd, LinuxNative.POLLIN, 5000) & LinuxNative.POLLIN).isNotZero();
                    long n = LinuxSyscalls.recv(fd, nat, 0);
                    assertThat(string(nat, n)).isEqualTo("world!");

                    // native send, heap recv
                    assertThat(LinuxSyscalls.send(fd, utf8(arena, "abc"), 0)).isEqualTo(3);
                    assertThat(new String(peer.getInputStream().readNBytes(3), StandardCharsets.US_ASCII)).isEqualTo("abc");
                    out.write(new byte[] {1, 2, 3, 4});
                    out.flush();
                    byte[] heap = new byte[8];
                    assertThat(LinuxSyscalls.poll(fd, LinuxNative.POLLIN, 5000) & LinuxNative.POLLIN).isNotZero();
                    assertThat(LinuxSyscalls.recv(fd, MemorySegment.ofArray(heap).asSlice(2), 0)).isEqualTo(4);
                    assertThat(heap).containsExactly(0, 0, 1, 2, 3, 4, 0, 0);
                }
            } finally {
                assertThat(LinuxSyscalls.close(fd)).isZero();
            }
        }
    }

    @Test
    void listenAndAccept4FromJdkClientGiveNonBlockingDescriptor() throws Exception {
        int lfd = tcpSocket();
        try {
            assertThat(LinuxSyscalls.bind(lfd, loopback4(arena, 0), LinuxStructs.SOCKADDR_IN_SIZE)).isZero();
            assertThat(LinuxSyscalls.listen(lfd, 8)).isZero();
            MemorySegment name = arena.allocate(LinuxStructs.SOCKADDR_STORAGE_SIZE, 8);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, LinuxStructs.SOCKADDR_STORAGE_SIZE);
            assertThat(LinuxSyscalls.getsockname(lfd, name, len)).isZero();
            assertThat(len.get(JAVA_INT, 0)).isEqualTo(LinuxStructs.SOCKADDR_IN_SIZE);
            assertThat(family(name)).isEqualTo(AF_INET);
            int port = port(name);
            assertThat(port).isPositive();

            assertThat(LinuxSyscalls.accept4(lfd, MemorySegment.NULL, MemorySegment.NULL))
                    .as("accept on an empty non-blocking listen queue is EAGAIN").isEqualTo(-EAGAIN);

            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                assertThat(LinuxSyscalls.poll(lfd, LinuxNative.POLLIN, 5000) & LinuxNative.POLLIN).isNotZero();
                MemorySegment from = arena.allocate(LinuxStructs.SOCKADDR_STORAGE_SIZE, 8);
                MemorySegment fromlen = arena.allocate(JAVA_INT);
                fromlen.set(JAVA_INT, 0, LinuxStructs.SOCKADDR_STORAGE_SIZE);
                int cfd = LinuxSyscalls.accept4(lfd, from, fromlen);
                assertThat(cfd).isGreaterThanOrEqualTo(0);
                try {
                    assertThat(port(from)).as("accept reports the client's port").isEqualTo(client.getLocalPort());
                    MemorySegment peer = arena.allocate(LinuxStructs.SOCKADDR_STORAGE_SIZE, 8);
                    len.set(JAVA_INT, 0, LinuxStructs.SOCKADDR_STORAGE_SIZE);
                    assertThat(LinuxSyscalls.getpeername(cfd, peer, len)).isZero();
                    assertThat(port(peer)).isEqualTo(client.getLocalPort());
                    assertThat(LinuxSyscalls.recv(cfd, arena.allocate(8), 0))
                            .as("recv on an accepted socket with no data is EAGAIN: accept4 made it non-blocking")
                            .isEqualTo(-EAGAIN);
                    client.getOutputStream().write(42);
                    assertThat(LinuxSyscalls.poll(cfd, LinuxNative.POLLIN, 5000) & LinuxNative.POLLIN).isNotZero();
                    MemorySegment one = arena.allocate(1);
                    assertThat(LinuxSyscalls.recv(cfd, one, 0)).isEqualTo(1);
                    assertThat(one.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 42);
                    assertThat(LinuxSyscalls.shutdown(cfd, 1 /* SHUT_WR */)).isZero();
                    assertThat(client.getInputStream().read()).as("EOF after shutdown(SHUT_WR)").isEqualTo(-1);
                } finally {
                    LinuxSyscalls.close(cfd);
                }
            }
        } finally {
            LinuxSyscalls.close(lfd);
        }
    }

    @Test
    void connectToClosedPortIsRefused() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        int fd = tcpSocket();
        try {
            int r = LinuxSyscalls.connect(fd, loopback4(arena, closedPort), LinuxStructs.SOCKADDR_IN_SIZE);
            if (r == -EINPROGRESS) {
                int revents = LinuxSyscalls.poll(fd, LinuxNative.POLLOUT, 5000);
                assertThat(revents).as("a refused connect reports readiness").isNotZero();
                assertThat(soError(fd)).as("SO_ERROR of a refused connect").isEqualTo(ECONNREFUSED);
            } else {
                assertThat(r).as("connect to a closed loopback port").isEqualTo(-ECONNREFUSED);
            }
        } finally {
            LinuxSyscalls.close(fd);
        }
    }

    @Test
    void sendmsgAndRecvmsgScatterGatherOverTwoIovecs() {
        MemorySegment sv = arena.allocate(JAVA_INT, 2);
        assertThat(LinuxSyscalls.socketpair(AF_UNIX, SOCK_STREAM, 0, sv)).isZero();
        int a = sv.getAtIndex(JAVA_INT, 0), b = sv.getAtIndex(JAVA_INT, 1);
        try {
            MemorySegment iov = arena.allocate(LinuxStructs.IOVEC, 2);
            LinuxStructs.iovec(iov, 0, utf8(arena, "abc"));
            LinuxStructs.iovec(iov, 1, utf8(arena, "defgh"));
            MemorySegment msg = arena.allocate(LinuxStructs.MSGHDR);
            LinuxStructs.msghdr(msg, MemorySegment.NULL, 0, iov, 2, MemorySegment.NULL, 0);
            assertThat(LinuxSyscalls.sendmsg(a, msg, LinuxNative.MSG_NOSIGNAL)).isEqualTo(8);

            MemorySegment r1 = arena.allocate(5), r2 = arena.allocate(5);
            MemorySegment riov = arena.allocate(LinuxStructs.IOVEC, 2);
            LinuxStructs.iovec(riov, 0, r1);
            LinuxStructs.iovec(riov, 1, r2);
            MemorySegment rmsg = arena.allocate(LinuxStructs.MSGHDR);
            LinuxStructs.msghdr(rmsg, MemorySegment.NULL, 0, riov, 2, MemorySegment.NULL, 0);
            assertThat(LinuxSyscalls.recvmsg(b, rmsg, 0)).isEqualTo(8);
            assertThat(string(r1, 5)).as("first iovec filled first").isEqualTo("abcde");
            assertThat(string(r2, 3)).isEqualTo("fgh");
            assertThat(LinuxStructs.msgFlags(rmsg)).isZero();

            assertThat(LinuxSyscalls.recvmsg(b, rmsg, 0)).as("empty non-blocking recvmsg").isEqualTo(-EAGAIN);

            // readv/writev over the same iovec arrays
            assertThat(LinuxSyscalls.writev(a, iov, 2)).isEqualTo(8);
            r1.fill((byte) 0);
            assertThat(LinuxSyscalls.readv(b, riov, 2)).isEqualTo(8);
            assertThat(string(r1, 5)).isEqualTo("abcde");
        } finally {
            LinuxSyscalls.close(a);
            LinuxSyscalls.close(b);
        }
    }

    @Test
    void recvOnEmptyNonBlockingSocketIsEagainAndPollTimesOut() {
        MemorySegment sv = arena.allocate(JAVA_INT, 2);
        assertThat(LinuxSyscalls.socketpair(AF_UNIX, SOCK_STREAM, 0, sv)).isZero();
        int a = sv.getAtIndex(JAVA_INT, 0), b = sv.getAtIndex(JAVA_INT, 1);
        try {
            assertThat(LinuxSyscalls.recv(a, arena.allocate(16), 0)).isEqualTo(-EAGAIN);
            assertThat(LinuxSyscalls.recv(a, MemorySegment.ofArray(new byte[16]), 0)).isEqualTo(-EAGAIN);
            long t0 = System.nanoTime();
            assertThat(LinuxSyscalls.poll(a, LinuxNative.POLLIN, 50)).as("poll timeout gives 0").isZero();
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(40_000_000L);
            assertThat(LinuxSyscalls.recv(-1, arena.allocate(1), 0)).as("bad descriptor").isEqualTo(-LinuxNative.EBADF);
        } finally {
            LinuxSyscalls.close(a);
            LinuxSyscalls.close(b);
        }
    }

    /**
     * The SIGPIPE question: a write to a stream whose peer is gone raises SIGPIPE, whose default
     * action kills the process. HotSpot installs its own handler that ignores SIGPIPE, so the
     * write returns EPIPE and this test keeps running. (The socket layer still adds MSG_NOSIGNAL.)
     */
    @Test
    void writeToPeerClosedSocketWithoutNosignalReturnsEpipeAndJvmSurvives() {
        MemorySegment sv = arena.allocate(JAVA_INT, 2);
        assertThat(LinuxSyscalls.socketpair(AF_UNIX, SOCK_STREAM, 0, sv)).isZero();
        int a = sv.getAtIndex(JAVA_INT, 0), b = sv.getAtIndex(JAVA_INT, 1);
        try {
            assertThat(LinuxSyscalls.close(b)).isZero();
            assertThat(LinuxSyscalls.send(a, utf8(arena, "x"), 0)).as("send to a closed peer, flags 0").isEqualTo(-EPIPE);
            assertThat(LinuxSyscalls.write(a, utf8(arena, "y"))).as("write(2) to a closed peer").isEqualTo(-EPIPE);
            assertThat(LinuxSyscalls.send(a, utf8(arena, "z"), LinuxNative.MSG_NOSIGNAL)).isEqualTo(-EPIPE);
        } finally {
            LinuxSyscalls.close(a);
        }
    }

    @Test
    void tcpEchoWithPythonPeer() throws Exception {
        String script = """
                import socket, sys
                s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
                print(s.getsockname()[1], flush=True)
                c, _ = s.accept(); c.settimeout(10)
                data = b''
                while len(data) < 11:
                    chunk = c.recv(64)
                    if not chunk: break
                    data += chunk
                c.sendall(data.upper()); c.close()
                """;
        try (PythonPeer py = new PythonPeer(script)) {
            int fd = tcpSocket();
            try {
                int r = LinuxSyscalls.connect(fd, loopback4(arena, py.port), LinuxStructs.SOCKADDR_IN_SIZE);
                assertThat(r).isIn(0, -EINPROGRESS);
                assertThat(LinuxSyscalls.poll(fd, LinuxNative.POLLOUT, 5000) & LinuxNative.POLLOUT).isNotZero();
                assertThat(soError(fd)).isZero();
                assertThat(LinuxSyscalls.send(fd, MemorySegment.ofArray("hello world".getBytes(StandardCharsets.US_ASCII)),
                        LinuxNative.MSG_NOSIGNAL)).isEqualTo(11);
                MemorySegment buf = arena.allocate(64);
                long got = 0;
                while (got < 11) {
                    assertThat(LinuxSyscalls.poll(fd, LinuxNative.POLLIN, 5000)).isNotZero();
                    long n = LinuxSyscalls.recv(fd, buf.asSlice(got), 0);
                    assertThat(n).isPositive();
                    got += n;
                }
                assertThat(string(buf, got)).isEqualTo("HELLO WORLD");
                assertThat(LinuxSyscalls.poll(fd, LinuxNative.POLLIN, 5000)).isNotZero();
                assertThat(LinuxSyscalls.recv(fd, buf, 0)).as("EOF after the peer closed").isZero();
            } finally {
                LinuxSyscalls.close(fd);
            }
        }
    }

    @Test
    void udpSendmsgWithMsgNameReachesPythonAndRecvmsgReportsSource() throws Exception {
        String script = """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0)); s.settimeout(10)
                print(s.getsockname()[1], flush=True)
                data, addr = s.recvfrom(100)
                print(data.decode() + ' ' + str(addr[1]), flush=True)
                s.sendto(b'pong', addr)
                """;
        try (PythonPeer py = new PythonPeer(script)) {
            int fd = LinuxSyscalls.socket(AF_INET, SOCK_DGRAM, 0);
            assertThat(fd).isGreaterThanOrEqualTo(0);
            try {
                assertThat(LinuxSyscalls.bind(fd, loopback4(arena, 0), LinuxStructs.SOCKADDR_IN_SIZE)).isZero();
                MemorySegment self = arena.allocate(LinuxStructs.SOCKADDR_STORAGE_SIZE, 8);
                MemorySegment len = arena.allocate(JAVA_INT);
                len.set(JAVA_INT, 0, LinuxStructs.SOCKADDR_STORAGE_SIZE);
                assertThat(LinuxSyscalls.getsockname(fd, self, len)).isZero();

                MemorySegment iov = arena.allocate(LinuxStructs.IOVEC, 1);
                LinuxStructs.iovec(iov, 0, utf8(arena, "ping"));
                MemorySegment msg = arena.allocate(LinuxStructs.MSGHDR);
                LinuxStructs.msghdr(msg, loopback4(arena, py.port), LinuxStructs.SOCKADDR_IN_SIZE, iov, 1, MemorySegment.NULL, 0);
                assertThat(LinuxSyscalls.sendmsg(fd, msg, 0)).isEqualTo(4);
                assertThat(py.nextLine()).as("python saw our datagram from our bound port").isEqualTo("ping " + port(self));

                assertThat(LinuxSyscalls.poll(fd, LinuxNative.POLLIN, 5000) & LinuxNative.POLLIN).isNotZero();
                MemorySegment from = arena.allocate(LinuxStructs.SOCKADDR_STORAGE_SIZE, 8);
                MemorySegment buf = arena.allocate(2); // too small: MSG_TRUNC expected
                LinuxStructs.iovec(iov, 0, buf);
                LinuxStructs.msghdr(msg, from, LinuxStructs.SOCKADDR_STORAGE_SIZE, iov, 1, MemorySegment.NULL, 0);
                assertThat(LinuxSyscalls.recvmsg(fd, msg, 0)).isEqualTo(2);
                assertThat(string(buf, 2)).isEqualTo("po");
                assertThat(LinuxStructs.msgFlags(msg) & 0x20 /* MSG_TRUNC */).as("datagram truncated").isNotZero();
                assertThat(LinuxStructs.msgNamelen(msg)).isEqualTo(LinuxStructs.SOCKADDR_IN_SIZE);
                assertThat(port(from)).isEqualTo(py.port);
            } finally {
                LinuxSyscalls.close(fd);
            }
        }
    }

    @Test
    void eventfdCountsWritesAndResetsOnRead() {
        int efd = LinuxSyscalls.eventfd(0, 0);
        assertThat(efd).isGreaterThanOrEqualTo(0);
        try {
            assertThat(LinuxSyscalls.eventfdRead(efd)).as("empty non-blocking eventfd").isZero();
            assertThat(LinuxSyscalls.eventfdWrite(efd, 2)).isZero();
            assertThat(LinuxSyscalls.eventfdWrite(efd, 3)).isZero();
            assertThat(LinuxSyscalls.eventfdRead(efd)).isEqualTo(5);
            assertThat(LinuxSyscalls.eventfdRead(efd)).isZero();
        } finally {
            LinuxSyscalls.close(efd);
        }
    }

    @Test
    void ioctlFionreadAndNofileLimit() {
        MemorySegment sv = arena.allocate(JAVA_INT, 2);
        assertThat(LinuxSyscalls.socketpair(AF_UNIX, SOCK_STREAM, 0, sv)).isZero();
        int a = sv.getAtIndex(JAVA_INT, 0), b = sv.getAtIndex(JAVA_INT, 1);
        try {
            assertThat(LinuxSyscalls.send(a, utf8(arena, "12345"), 0)).isEqualTo(5);
            MemorySegment n = arena.allocate(JAVA_INT);
            assertThat(LinuxSyscalls.ioctl(b, 0x541B /* FIONREAD */, n)).isZero();
            assertThat(n.get(JAVA_INT, 0)).isEqualTo(5);
        } finally {
            LinuxSyscalls.close(a);
            LinuxSyscalls.close(b);
        }
        assertThat(LinuxSyscalls.nofileLimit()).isGreaterThan(16);
    }

    @Test
    void errnoIsPerThreadUnderConcurrentFailures() throws Exception {
        // One thread fails with EBADF, another with EAGAIN, many times: each must see its own errno.
        MemorySegment sv = arena.allocate(JAVA_INT, 2);
        assertThat(LinuxSyscalls.socketpair(AF_UNIX, SOCK_STREAM, 0, sv)).isZero();
        int a = sv.getAtIndex(JAVA_INT, 0), b = sv.getAtIndex(JAVA_INT, 1);
        try {
            java.util.concurrent.atomic.AtomicInteger wrong = new java.util.concurrent.atomic.AtomicInteger();
            Thread vt = Thread.ofVirtual().start(() -> {
                MemorySegment buf = MemorySegment.ofArray(new byte[1]);
                for (int i = 0; i < 20_000; i++) {
                    if (LinuxSyscalls.recv(-1, buf, 0) != -LinuxNative.EBADF) {
                        wrong.incrementAndGet();
                    }
                }
            });
            byte[] one = new byte[1];
            for (int i = 0; i < 20_000; i++) {
                assertThat(LinuxSyscalls.recv(a, MemorySegment.ofArray(one), 0)).isEqualTo(-EAGAIN);
            }
            vt.join(20_000);
            assertThat(vt.isAlive()).isFalse();
            assertThat(wrong).as("recv(-1) on the virtual thread always saw its own EBADF").hasValue(0);
        } finally {
            LinuxSyscalls.close(a);
            LinuxSyscalls.close(b);
        }
    }

    /**
     * Test helpers, shared with the EventLoop tests: Linux sockaddrs built by hand (the
     * translation tables belong to another class and are not what these tests are about) and
     * Python peers.
     */
    static final class Net {
        private Net() {
        }

        static final int AF_UNIX = 1, AF_INET = 2, SOCK_STREAM = 1, SOCK_DGRAM = 2;
        static final int SOL_SOCKET = 1, SO_ERROR = 4;
        static final int EAGAIN = 11, EPIPE = 32, ECONNREFUSED = 111, EINPROGRESS = 115;

        /** A Linux struct sockaddr_in for 127.0.0.1:{@code port}: family u16 LE, port BE, address. */
        static MemorySegment loopback4(Arena arena, int port) {
            MemorySegment sa = arena.allocate(LinuxStructs.SOCKADDR_IN_SIZE, 8);
            sa.set(JAVA_SHORT_UNALIGNED, 0, (short) AF_INET);
            sa.set(JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
            sa.set(JAVA_BYTE, 4, (byte) 127);
            sa.set(JAVA_BYTE, 7, (byte) 1);
            return sa;
        }

        static int family(MemorySegment sa) {
            return Short.toUnsignedInt(sa.get(JAVA_SHORT_UNALIGNED, 0));
        }

        static int port(MemorySegment sa) {
            return Short.toUnsignedInt(sa.get(JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2));
        }

        static MemorySegment utf8(Arena arena, String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return arena.allocate(b.length).copyFrom(MemorySegment.ofArray(b));
        }

        static String string(MemorySegment seg, long len) {
            return new String(seg.asSlice(0, len).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
        }

        /** A running {@code python3 -c script} whose first stdout line is a port number. */
        static final class PythonPeer implements AutoCloseable {
            final Process process;
            final BufferedReader out;
            final int port;

            PythonPeer(String script) throws Exception {
                process = new ProcessBuilder("python3", "-c", script)
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                String line = CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.readLine();
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }).get(10, TimeUnit.SECONDS);
                if (line == null) {
                    throw new IllegalStateException("python peer exited: " + process.waitFor());
                }
                port = Integer.parseInt(line.trim());
            }

            /** The next line the script prints (after the port), within 10 s. */
            String nextLine() throws Exception {
                return CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.readLine();
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }).get(10, TimeUnit.SECONDS);
            }

            @Override
            public void close() {
                try {
                    if (!process.waitFor(5, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
