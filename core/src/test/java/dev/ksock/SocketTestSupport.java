package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** Shared helpers for socket tests: creating, connecting and closing sockets on loopback. */
abstract class SocketTestSupport {
    static final int PF_INET = 2, PF_INET6 = 30, PF_LOCAL = 1;
    static final int SOCK_STREAM = 1, SOCK_DGRAM = 2;
    static final int SOL_SOCKET = 0xffff;
    static final int MSG_PEEK = 0x2, MSG_WAITALL = 0x40, MSG_DONTWAIT = 0x80, MSG_TRUNC = 0x10;
    static final int MSG_USEUPCALL = 0x80000000;
    static final long FIONBIO = 0x8004667EL, FIONREAD = 0x4004667FL;

    private final List<Socket> opened = new ArrayList<>();
    /** A directory for PF_LOCAL socket paths, made on first use (short: sun_path holds 104 bytes). */
    private Path socketDir;

    @AfterEach
    void closeAll() throws IOException {
        for (Socket s : opened) {
            sock_close(s);
        }
        opened.clear();
        if (socketDir != null) {
            try (var files = Files.list(socketDir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(socketDir);
            socketDir = null;
        }
    }

    Path socketDir() {
        if (socketDir == null) {
            try {
                socketDir = Files.createTempDirectory(Path.of("/tmp"), "ks");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return socketDir;
    }

    Socket track(Socket s) {
        opened.add(s);
        return s;
    }

    Socket socket(int domain, int type) {
        return socket(domain, type, null, null);
    }

    Socket socket(int domain, int type, SockUpcall up, Object cookie) {
        Ref<Socket> r = new Ref<>();
        assertThat(sock_socket(domain, type, 0, up, cookie, r)).as("sock_socket").isZero();
        return track(r.get());
    }

    static String loopback(int domain) {
        return domain == PF_INET6 ? "::1" : "127.0.0.1";
    }

    static SockAddr addr(int domain, int port) {
        return domain == PF_INET6 ? SockAddr.in6("::1", port) : SockAddr.in("127.0.0.1", port);
    }

    /** A listening stream socket on an ephemeral loopback port. */
    Socket listener(int domain, SockUpcall up, Object cookie) {
        Socket l = socket(domain, SOCK_STREAM, up, cookie);
        assertThat(sock_setsockopt(l, SOL_SOCKET, 0x0004 /* SO_REUSEADDR */, 1)).isZero();
        assertThat(sock_bind(l, addr(domain, 0))).as("bind").isZero();
        assertThat(sock_listen(l, 16)).as("listen").isZero();
        return l;
    }

    static int port(Socket s) {
        SockAddr a = SockAddr.storage();
        assertThat(sock_getsockname(s, a, 128)).isZero();
        return a.port();
    }

    /** A connected pair (client, server side) over loopback TCP. */
    Socket[] pair(int domain) {
        Socket l = listener(domain, null, null);
        Socket c = socket(domain, SOCK_STREAM);
        assertThat(sock_connect(c, addr(domain, port(l)), 0)).as("connect").isZero();
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, null, 0, 0, null, null, a)).as("accept").isZero();
        track(a.get());
        return new Socket[] {c, a.get()};
    }

    static MemorySegment bytes(String s) {
        return MemorySegment.ofArray(s.getBytes(StandardCharsets.UTF_8));
    }

    static int send(Socket s, MemorySegment data, int flags) {
        LongRef sent = new LongRef();
        int r = sock_send(s, MsgHdr.of(data), flags, sent);
        return r != 0 ? -r : (int) sent.value;
    }

    static int sendAll(Socket s, String text) {
        MemorySegment d = bytes(text);
        int n = send(s, d, 0);
        assertThat(n).as("send").isEqualTo((int) d.byteSize());
        return n;
    }

    /** Receives into a fresh buffer; returns the text or "ERR:<errno name>". */
    static String recv(Socket s, int max, int flags) {
        byte[] buf = new byte[max];
        LongRef got = new LongRef();
        int r = sock_receive(s, MsgHdr.of(MemorySegment.ofArray(buf)), flags, got);
        if (r != 0) {
            return "ERR:" + Errno.name(r);
        }
        return new String(buf, 0, (int) got.value, StandardCharsets.UTF_8);
    }

    static MemorySegment nativeBuf(long size) {
        return Arena.ofAuto().allocate(size, 16);
    }
}
