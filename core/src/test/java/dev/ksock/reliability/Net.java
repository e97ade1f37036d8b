package dev.ksock.reliability;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.Errno;
import dev.ksock.IntRef;
import dev.ksock.LongRef;
import dev.ksock.MsgHdr;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.SockUpcall;
import dev.ksock.Socket;
import java.lang.foreign.MemorySegment;

/** Small socket helpers for the reliability tests (loopback unless told otherwise). */
final class Net {
    private Net() {
    }

    static final int PF_LOCAL = 1, PF_INET = 2, PF_INET6 = 30, SOCK_STREAM = 1, SOCK_DGRAM = 2;
    static final int SOL_SOCKET = 0xffff, SO_REUSEADDR = 0x4, SO_SNDBUF = 0x1001, SO_RCVBUF = 0x1002;
    static final int SO_ERROR = 0x1007, SO_LINGER_SEC = 0x1080, SO_NWRITE = 0x1024, SO_RCVTIMEO = 0x1006;
    static final int MSG_DONTWAIT = 0x80, MSG_USEUPCALL = 0x80000000;
    static final long FIONBIO = 0x8004667EL;
    static final int IPPROTO_TCP = 6, TCP_CONNECTIONTIMEOUT = 0x20;

    static Socket socket(int domain, int type, SockUpcall up, Object cookie) {
        Ref<Socket> r = new Ref<>();
        int e = sock_socket(domain, type, 0, up, cookie, r);
        assertThat(e).as("sock_socket: %s", Errno.name(e)).isZero();
        return r.get();
    }

    static Socket listener(String ip, int backlog, SockUpcall up) {
        Socket l = socket(ip.contains(":") ? PF_INET6 : PF_INET, SOCK_STREAM, up, null);
        assertThat(sock_setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1)).isZero();
        SockAddr a = ip.contains(":") ? SockAddr.in6(ip, 0) : SockAddr.in(ip, 0);
        int e = sock_bind(l, a);
        assertThat(e).as("bind %s: %s", a, Errno.name(e)).isZero();
        assertThat(sock_listen(l, backlog)).as("listen").isZero();
        return l;
    }

    static int port(Socket s) {
        SockAddr a = SockAddr.storage();
        assertThat(sock_getsockname(s, a, 128)).isZero();
        return a.port();
    }

    static void nonBlocking(Socket s) {
        assertThat(sock_ioctl(s, FIONBIO, new IntRef(1))).isZero();
    }

    static void abortiveClose(Socket s) {
        sock_setsockopt(s, SOL_SOCKET, SO_LINGER_SEC, MemorySegment.ofArray(new int[] {1, 0}), 8);
        sock_close(s);
    }

    static void receiveTimeout(Socket s, long millis) {
        MemorySegment tv = MemorySegment.ofArray(new long[] {millis / 1000, (millis % 1000) * 1000});
        assertThat(sock_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, tv, 16)).isZero();
    }

    /** Sends all of {@code data} (blocking socket); returns the errno. */
    static int sendAll(Socket s, MemorySegment data) {
        LongRef sent = new LongRef();
        long off = 0;
        while (off < data.byteSize()) {
            int r = sock_send(s, MsgHdr.of(data.asSlice(off)), 0, sent);
            if (r != 0) {
                return r;
            }
            off += sent.value;
        }
        return 0;
    }
}
