package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * msg_control in Darwin's cmsghdr layout (12-byte header, 4-byte alignment): SCM_RIGHTS between
 * ksock sockets and with Python, MSG_CTRUNC without leaks, LOCAL_PEERCRED / LOCAL_PEERPID, and
 * the IP receive-side messages.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AncillaryDataTest extends SocketTestSupport {
    static final int SCM_RIGHTS = 1, MSG_CTRUNC = 0x20;
    static final int SOL_LOCAL = 0, LOCAL_PEERCRED = 1, LOCAL_PEERPID = 2;
    /** A connected PF_LOCAL stream pair over a path: {client, accepted}. */
    Socket[] localPair() {
        String p = socketDir().resolve("l").toString();
        Socket l = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(sock_bind(l, SockAddr.un(p))).isZero();
        assertThat(sock_listen(l, 4)).isZero();
        Socket c = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(sock_connect(c, SockAddr.un(p), 0)).isZero();
        Ref<Socket> a = new Ref<>();
        assertThat(sock_accept(l, null, 0, 0, null, null, a)).isZero();
        return new Socket[] {c, track(a.get())};
    }

    /** A Darwin SCM_RIGHTS message: cmsg_len 12 + 4n, SOL_SOCKET, SCM_RIGHTS, the handles. */
    static MemorySegment rights(int... handles) {
        MemorySegment m = MemorySegment.ofArray(new byte[12 + 4 * handles.length]);
        m.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 12 + 4 * handles.length);
        m.set(ValueLayout.JAVA_INT_UNALIGNED, 4, SOL_SOCKET);
        m.set(ValueLayout.JAVA_INT_UNALIGNED, 8, SCM_RIGHTS);
        for (int i = 0; i < handles.length; i++) {
            m.set(ValueLayout.JAVA_INT_UNALIGNED, 12 + 4L * i, handles[i]);
        }
        return m;
    }

    static int sendWithControl(Socket s, String text, MemorySegment control) {
        MsgHdr m = MsgHdr.of(bytes(text));
        m.msg_control = control;
        m.msg_controllen = (int) control.byteSize();
        return sock_send(s, m, 0, new LongRef());
    }

    /** Receives with a control buffer of {@code controlSize}; returns the msghdr after the call. */
    static MsgHdr receiveWithControl(Socket s, int dataSize, int controlSize) {
        MsgHdr m = MsgHdr.of(MemorySegment.ofArray(new byte[dataSize]));
        m.msg_control = MemorySegment.ofArray(new byte[controlSize]);
        m.msg_controllen = controlSize;
        LongRef got = new LongRef();
        assertThat(sock_receive(s, m, 0, got)).as("sock_receive").isZero();
        assertThat(got.value).isPositive();
        return m;
    }

    static int[] handlesIn(MsgHdr m) {
        MemorySegment c = m.msg_control;
        assertThat(m.msg_controllen).isGreaterThanOrEqualTo(12);
        assertThat(c.get(ValueLayout.JAVA_INT_UNALIGNED, 4)).as("cmsg_level").isEqualTo(SOL_SOCKET);
        assertThat(c.get(ValueLayout.JAVA_INT_UNALIGNED, 8)).as("cmsg_type").isEqualTo(SCM_RIGHTS);
        int len = c.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
        int[] h = new int[(len - 12) / 4];
        for (int i = 0; i < h.length; i++) {
            h[i] = c.get(ValueLayout.JAVA_INT_UNALIGNED, 12 + 4L * i);
        }
        return h;
    }

    static long openDescriptors() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Test
    void ksockPassesATcpSocketToKsockAndTheReceivedSocketWorks() {
        Socket[] tcp = pair(PF_INET);
        Socket[] local = localPair();
        int h = ScmRights.handleOf(tcp[0]);
        assertThat(h).isPositive();
        assertThat(ScmRights.socketOf(h)).isSameAs(tcp[0]);
        assertThat(sendWithControl(local[0], "r", rights(h))).isZero();

        MsgHdr m = receiveWithControl(local[1], 8, 64);
        assertThat(m.msg_controllen).as("msg_controllen = bytes written").isEqualTo(16);
        assertThat(m.msg_flags & MSG_CTRUNC).isZero();
        int[] got = handlesIn(m);
        assertThat(got).hasSize(1);
        Socket received = track(ScmRights.socketOf(got[0]));
        assertThat(received).isNotNull().isNotSameAs(tcp[0]);
        IntRef dom = new IntRef(), type = new IntRef();
        assertThat(sock_gettype(received, dom, type, null)).isZero();
        assertThat(dom.value).isEqualTo(PF_INET);
        assertThat(type.value).isEqualTo(SOCK_STREAM);
        assertThat(sock_isconnected(received)).isEqualTo(1);

        sock_close(tcp[0]); // the sender's copy; the received one is a descriptor of its own
        sendAll(received, "via passed socket");
        assertThat(recv(tcp[1], 17, MSG_WAITALL)).isEqualTo("via passed socket");
        sendAll(tcp[1], "and back");
        assertThat(recv(received, 8, MSG_WAITALL)).isEqualTo("and back");
    }

    @Test
    void shortControlBufferSetsCtruncAndClosesTheDescriptorsThatDoNotFit() throws IOException {
        Socket[] local = localPair();
        Socket a = socket(PF_INET, SOCK_DGRAM), b = socket(PF_INET, SOCK_DGRAM), c = socket(PF_INET, SOCK_DGRAM);
        MemorySegment ctl = rights(ScmRights.handleOf(a), ScmRights.handleOf(b), ScmRights.handleOf(c));
        assertThat(sendWithControl(local[0], "three", ctl)).isZero();
        long before = openDescriptors();

        MsgHdr m = receiveWithControl(local[1], 8, 16); // room for one handle
        assertThat(m.msg_flags & MSG_CTRUNC).as("MSG_CTRUNC").isEqualTo(MSG_CTRUNC);
        assertThat(m.msg_controllen).isEqualTo(16);
        int[] got = handlesIn(m);
        assertThat(got).hasSize(1);
        track(ScmRights.socketOf(got[0]));
        assertThat(openDescriptors()).as("only the delivered descriptor is new").isEqualTo(before + 1);
    }

    @Test
    void noControlBufferGetsNoDescriptors() throws IOException {
        Socket[] local = localPair();
        Socket a = socket(PF_INET, SOCK_DGRAM);
        assertThat(sendWithControl(local[0], "x", rights(ScmRights.handleOf(a)))).isZero();
        long before = openDescriptors();
        assertThat(recv(local[1], 4, 0)).isEqualTo("x");
        assertThat(openDescriptors()).isEqualTo(before);
    }

    @Test
    void badControlDataIsRefusedAsXnuDoes() {
        Socket[] local = localPair();
        Socket a = socket(PF_INET, SOCK_DGRAM);
        Socket closed = socket(PF_INET, SOCK_DGRAM);
        int stale = ScmRights.handleOf(closed);
        sock_close(closed);
        assertThat(Errno.name(sendWithControl(local[0], "x", rights(stale)))).as("closed socket's handle").isEqualTo("EBADF");
        assertThat(Errno.name(sendWithControl(local[0], "x", rights(999_999)))).as("unknown handle").isEqualTo("EBADF");
        MemorySegment two = MemorySegment.ofArray(new byte[32]);
        MemorySegment.copy(rights(ScmRights.handleOf(a)), 0, two, 0, 16);
        MemorySegment.copy(rights(ScmRights.handleOf(a)), 0, two, 16, 16);
        assertThat(Errno.name(sendWithControl(local[0], "x", two))).as("unp_internalize: one message only").isEqualTo("EINVAL");
        MemorySegment wrongType = rights(ScmRights.handleOf(a));
        wrongType.set(ValueLayout.JAVA_INT_UNALIGNED, 8, 3); // SCM_CREDS
        assertThat(Errno.name(sendWithControl(local[0], "x", wrongType))).isEqualTo("EINVAL");
        assertThat(Errno.name(sendWithControl(local[0], "x", MemorySegment.ofArray(new byte[8])))).as("shorter than cmsghdr")
                .isEqualTo("EINVAL");
        assertThat(Errno.name(sendWithControl(local[0], "x", rights(new int[60])))).as("more than MLEN").isEqualTo("EINVAL");
        Socket[] tcp = pair(PF_INET);
        assertThat(Errno.name(sendWithControl(tcp[0], "x", rights(ScmRights.handleOf(a))))).as("TCP carries no control")
                .isEqualTo("EINVAL");
        sendAll(local[0], "ok");
        assertThat(recv(local[1], 2, MSG_WAITALL)).as("nothing was sent by the refused calls").isEqualTo("ok");
    }

    @Test
    void sendmbufCarriesRightsToo() {
        Socket[] local = localPair();
        Socket u = socket(PF_INET, SOCK_DGRAM);
        Ref<Mbuf> mb = new Ref<>();
        assertThat(KpiMbuf.mbuf_allocpacket(KpiMbuf.MBUF_WAITOK, 3, null, mb)).isZero();
        KpiMbuf.mbuf_copyback(mb.get(), 0, 3, bytes("mbf"), KpiMbuf.MBUF_WAITOK);
        MsgHdr m = new MsgHdr();
        m.msg_control = rights(ScmRights.handleOf(u));
        m.msg_controllen = 16;
        assertThat(sock_sendmbuf(local[0], m, mb.get(), 0, new LongRef())).isZero();

        MsgHdr r = new MsgHdr();
        r.msg_control = MemorySegment.ofArray(new byte[32]);
        r.msg_controllen = 32;
        Ref<Mbuf> data = new Ref<>();
        LongRef len = new LongRef(16);
        assertThat(sock_receivembuf(local[1], r, data, 0, len)).isZero();
        KpiMbuf.mbuf_freem(data.get());
        int[] got = handlesIn(r);
        Socket s = track(ScmRights.socketOf(got[0]));
        IntRef type = new IntRef();
        sock_gettype(s, null, type, null);
        assertThat(type.value).isEqualTo(SOCK_DGRAM);
    }

    private static final String PY_PASS_FD = String.join("\n",
            "import socket, sys, os",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "s.connect(sys.argv[1])",
            "if sys.argv[2] == 'send':",
            "    mine, theirs = socket.socketpair()",
            "    socket.send_fds(s, [b'fd'], [theirs.fileno()])",
            "    theirs.close()",
            "    mine.sendall(b'hello through a python pair')",
            "    print(mine.recv(100).decode(), flush=True)",
            "else:",
            "    msg, fds, flags, addr = socket.recv_fds(s, 10, 4)",
            "    t = socket.socket(fileno=fds[0])",
            "    t.setblocking(True)  # O_NONBLOCK travels with the open file: ksock's are non-blocking",
            "    t.sendall(b'python wrote on the passed socket')",
            "    print(t.recv(100).decode(), flush=True)",
            "cred = s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)",
            "print(os.getpid(), os.getuid(), os.getgid(), flush=True)",
            "s.recv(1)  # stay connected until ksock has looked at us");

    @Test
    void pythonPassesASocketAndKsockUsesIt() throws Exception {
        String p = socketDir().resolve("py").toString();
        Socket l = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(sock_bind(l, SockAddr.un(p))).isZero();
        assertThat(sock_listen(l, 1)).isZero();
        Process py = PeerInteropTest.start("python3", "-c", PY_PASS_FD, p, "send");
        try {
            Ref<Socket> a = new Ref<>();
            assertThat(sock_accept(l, null, 0, 0, null, null, a)).isZero();
            Socket conn = track(a.get());
            MsgHdr m = receiveWithControl(conn, 2, 64);
            Socket passed = track(ScmRights.socketOf(handlesIn(m)[0]));
            IntRef dom = new IntRef();
            sock_gettype(passed, dom, null, null);
            assertThat(dom.value).as("Python's socketpair is AF_UNIX").isEqualTo(PF_LOCAL);
            assertThat(recv(passed, 27, MSG_WAITALL)).isEqualTo("hello through a python pair");
            sendAll(passed, "ksock answers");
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(py.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ksock answers");
            // Peer credentials of the Python process.
            String[] ids = out.readLine().split(" ");
            checkPeerCred(conn, Integer.parseInt(ids[0]), Integer.parseInt(ids[1]), Integer.parseInt(ids[2]));
        } finally {
            py.destroyForcibly();
        }
    }

    @Test
    void ksockPassesASocketToPython() throws Exception {
        String p = socketDir().resolve("py2").toString();
        Socket l = socket(PF_LOCAL, SOCK_STREAM);
        assertThat(sock_bind(l, SockAddr.un(p))).isZero();
        assertThat(sock_listen(l, 1)).isZero();
        Process py = PeerInteropTest.start("python3", "-c", PY_PASS_FD, p, "recv");
        try {
            Ref<Socket> a = new Ref<>();
            assertThat(sock_accept(l, null, 0, 0, null, null, a)).isZero();
            Socket conn = track(a.get());
            Socket[] tcp = pair(PF_INET);
            assertThat(sendWithControl(conn, "fd", rights(ScmRights.handleOf(tcp[1])))).isZero();
            assertThat(recv(tcp[0], 33, MSG_WAITALL)).isEqualTo("python wrote on the passed socket");
            sendAll(tcp[0], "ksock reads you");
            assertThat(PeerInteropTest.readLine(py)).isEqualTo("ksock reads you");
        } finally {
            py.destroyForcibly();
        }
    }

    void checkPeerCred(Socket conn, int pid, int uid, int gid) {
        MemorySegment x = MemorySegment.ofArray(new byte[76]);
        IntRef len = new IntRef(76);
        assertThat(sock_getsockopt(conn, SOL_LOCAL, LOCAL_PEERCRED, x, len)).isZero();
        assertThat(len.value).isEqualTo(76);
        assertThat(x.get(ValueLayout.JAVA_INT_UNALIGNED, 0)).as("cr_version").isZero();
        assertThat(x.get(ValueLayout.JAVA_INT_UNALIGNED, 4)).as("cr_uid").isEqualTo(uid);
        assertThat(x.get(ValueLayout.JAVA_SHORT_UNALIGNED, 8)).as("cr_ngroups").isPositive();
        assertThat(x.get(ValueLayout.JAVA_INT_UNALIGNED, 12)).as("cr_groups[0] = egid").isEqualTo(gid);
        IntRef peerPid = new IntRef();
        assertThat(sock_getsockopt(conn, SOL_LOCAL, LOCAL_PEERPID, peerPid)).isZero();
        assertThat(peerPid.value).isEqualTo(pid);
    }

    @Test
    void peerCredentialErrorsAreUipcCtloutputs() {
        Socket s = socket(PF_LOCAL, SOCK_STREAM);
        MemorySegment x = MemorySegment.ofArray(new byte[76]);
        assertThat(Errno.name(sock_getsockopt(s, SOL_LOCAL, LOCAL_PEERCRED, x, new IntRef(76)))).isEqualTo("ENOTCONN");
        assertThat(Errno.name(sock_getsockopt(s, SOL_LOCAL, LOCAL_PEERPID, new IntRef()))).isEqualTo("ENOTCONN");
        Socket d = socket(PF_LOCAL, SOCK_DGRAM);
        assertThat(Errno.name(sock_getsockopt(d, SOL_LOCAL, LOCAL_PEERCRED, x, new IntRef(76)))).as("datagram: no UNP_HAVEPC")
                .isEqualTo("EINVAL");
        assertThat(Errno.name(sock_setsockopt(s, SOL_LOCAL, LOCAL_PEERCRED, 1))).isEqualTo("EOPNOTSUPP");
        assertThat(Errno.name(sock_getsockopt(s, SOL_LOCAL, 0x4 /* LOCAL_PEERUUID */, x, new IntRef(16)))).isEqualTo("EOPNOTSUPP");
        Socket[] p = localPair();
        checkPeerCred(p[0], (int) ProcessHandle.current().pid(), uid(), gid());
        IntRef shortLen = new IntRef(8);
        assertThat(sock_getsockopt(p[1], SOL_LOCAL, LOCAL_PEERCRED, x, shortLen)).isZero();
        assertThat(shortLen.value).as("sooptcopyout truncates").isEqualTo(8);
    }

    static int uid() {
        return Integer.parseInt(statusField("Uid:"));
    }

    static int gid() {
        return Integer.parseInt(statusField("Gid:"));
    }

    static String statusField(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return line.substring(key.length()).trim().split("\\s+")[1]; // effective
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException(key);
    }
}
