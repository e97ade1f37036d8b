package dev.ksock.reliability;

import static dev.ksock.KpiSocket.*;
import static dev.ksock.reliability.Net.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.Errno;
import dev.ksock.IntRef;
import dev.ksock.LongRef;
import dev.ksock.MsgHdr;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.Socket;
import dev.ksock.SysErrno;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Privilege ({@code sock_setpriv}) and peer identity ({@code LOCAL_PEERCRED}). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrivilegeAndIdentityTest {
    private static final int SOL_LOCAL = 0, LOCAL_PEERCRED = 0x001, XUCRED_SIZE = 76;

    /**
     * Reserved ports: without sock_setpriv a bind below IPPORT_RESERVED is EACCES — even though
     * this JVM runs as root, which is ksock's rule (stricter than XNU); with it the bind succeeds.
     */
    @Test
    void reservedPortNeedsSetprivEvenForRoot() {
        Socket s = socket(PF_INET, SOCK_STREAM, null, null);
        Socket s6 = socket(PF_INET6, SOCK_STREAM, null, null);
        try {
            int free = -1;
            for (int port = 1023; port > 600 && free < 0; port--) {
                int r = sock_bind(s, SockAddr.in("127.0.0.1", port));
                assertThat(r).as("bind 127.0.0.1:%d without privilege (BSD: EACCES)", port).isEqualTo(SysErrno.EACCES);
                assertThat(sock_setpriv(s, 1)).isZero();
                r = sock_bind(s, SockAddr.in("127.0.0.1", port));
                if (r == 0) {
                    free = port;
                } else {
                    assertThat(r).as("bind with privilege: only 'in use' may stop it").isEqualTo(SysErrno.EADDRINUSE);
                    assertThat(sock_setpriv(s, 0)).isZero();
                }
            }
            assertThat(free).as("a free reserved port bound with sock_setpriv(so, 1)").isPositive();
            assertThat(port(s)).isEqualTo(free);
            assertThat(sock_bind(s6, SockAddr.in6("::1", free))).as("IPv6 reserved port without privilege")
                    .isEqualTo(SysErrno.EACCES);
            assertThat(sock_bind(s6, SockAddr.in6("::1", 1024))).as("port 1024 needs no privilege").isIn(0, SysErrno.EADDRINUSE);
        } finally {
            sock_close(s);
            sock_close(s6);
        }
    }

    /**
     * A PF_LOCAL server refuses peers by credentials: it reads LOCAL_PEERCRED (Darwin struct
     * xucred, 76 bytes: cr_version @0 = 0, cr_uid @4, cr_ngroups @8, cr_groups @12) and closes
     * any peer whose uid is not the one it trusts. Here it trusts uid 4242: our own connection
     * (uid 0) must be refused — the client then reads end of stream.
     */
    @Test
    void localServerRefusesPeersByCredentials() throws Exception {
        Path dir = Files.createTempDirectory("ksock-cred-");
        SockAddr path = SockAddr.un(dir.resolve("s").toString());
        Socket l = socket(PF_LOCAL, SOCK_STREAM, null, null);
        Socket c = socket(PF_LOCAL, SOCK_STREAM, null, null);
        try {
            assertThat(sock_bind(l, path)).isZero();
            assertThat(sock_listen(l, 4)).isZero();
            assertThat(sock_connect(c, path, 0)).isZero();
            // Before the server's refusal: XNU refuses options once both directions are shut (EINVAL).
            Net.receiveTimeout(c, 2000);
            Ref<Socket> a = new Ref<>();
            assertThat(sock_accept(l, null, 0, 0, null, null, a)).isZero();
            MemorySegment cred = MemorySegment.ofArray(new byte[XUCRED_SIZE]);
            IntRef len = new IntRef(XUCRED_SIZE);
            int r = sock_getsockopt(a.get(), SOL_LOCAL, LOCAL_PEERCRED, cred, len);
            assertThat(r).as("LOCAL_PEERCRED on an accepted local socket: %s", Errno.name(r)).isZero();
            assertThat(len.value).as("sizeof(struct xucred)").isEqualTo(XUCRED_SIZE);
            assertThat(cred.get(ValueLayout.JAVA_INT_UNALIGNED, 0)).as("cr_version (XUCRED_VERSION)").isZero();
            int uid = cred.get(ValueLayout.JAVA_INT_UNALIGNED, 4);
            short ngroups = cred.get(ValueLayout.JAVA_SHORT_UNALIGNED, 8);
            assertThat(uid).as("cr_uid of our own peer").isEqualTo(uidOfThisProcess());
            assertThat(ngroups).as("cr_ngroups").isBetween((short) 1, (short) 16);
            int trusted = 4242;
            if (uid != trusted) {
                sock_close(a.get()); // refused
            }
            byte[] b = new byte[8];
            LongRef got = new LongRef(-1);
            r = sock_receive(c, MsgHdr.of(MemorySegment.ofArray(b)), 0, got);
            assertThat(r == 0 ? got.value : -r).as("refused client reads end of stream (0) or ECONNRESET")
                    .isIn(0L, (long) -SysErrno.ECONNRESET);
        } finally {
            sock_close(c);
            sock_close(l);
            Files.deleteIfExists(dir.resolve("s"));
            Files.deleteIfExists(dir);
        }
    }

    private static int uidOfThisProcess() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.split("\\s+")[2]); // effective uid
            }
        }
        throw new AssertionError("no Uid line in /proc/self/status");
    }
}
