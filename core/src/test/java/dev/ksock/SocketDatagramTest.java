package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static dev.ksock.SysErrno.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** UDP through the KPI on loopback, IPv4 and IPv6. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketDatagramTest extends SocketTestSupport {

    private Socket bound(int domain) {
        Socket s = socket(domain, SOCK_DGRAM);
        assertThat(sock_bind(s, addr(domain, 0))).isZero();
        return s;
    }

    @ParameterizedTest(name = "domain {0}")
    @ValueSource(ints = {PF_INET, PF_INET6})
    void datagramCarriesItsSourceAddressAndTruncationIsFlagged(int domain) {
        Socket a = bound(domain);
        Socket b = bound(domain);
        MsgHdr out = MsgHdr.of(bytes("0123456789"));
        out.msg_name = addr(domain, port(b));
        out.msg_namelen = out.msg_name.sa_len();
        LongRef sent = new LongRef();
        assertThat(sock_send(a, out, 0, sent)).isZero();
        assertThat(sent.value).isEqualTo(10);

        byte[] buf = new byte[4];
        MsgHdr in = MsgHdr.of(MemorySegment.ofArray(buf));
        in.msg_name = SockAddr.storage();
        in.msg_namelen = 128;
        LongRef got = new LongRef();
        assertThat(sock_receive(b, in, 0, got)).isZero();
        assertThat(got.value).isEqualTo(4);
        assertThat(new String(buf, StandardCharsets.US_ASCII)).isEqualTo("0123");
        assertThat(in.msg_flags & MSG_TRUNC).as("MSG_TRUNC").isNotZero();
        assertThat(in.msg_name.port()).isEqualTo(port(a));
        assertThat(in.msg_name.sa_family()).isEqualTo(domain);
    }

    @ParameterizedTest(name = "domain {0}")
    @ValueSource(ints = {PF_INET, PF_INET6})
    void unconnectedSendWithoutAddressIsEdestaddrreq(int domain) {
        Socket a = bound(domain);
        assertThat(send(a, bytes("x"), 0)).isEqualTo(-EDESTADDRREQ);
    }

    @ParameterizedTest(name = "domain {0}")
    @ValueSource(ints = {PF_INET, PF_INET6})
    void connectedDatagramSocketsExchangeAndCountPendingBytes(int domain) throws Exception {
        Socket a = bound(domain);
        Socket b = bound(domain);
        assertThat(sock_connect(a, addr(domain, port(b)), 0)).isZero();
        assertThat(sock_isconnected(a)).isEqualTo(1);
        assertThat(send(a, bytes("hello"), 0)).isEqualTo(5);
        IntRef nread = new IntRef();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        do {
            assertThat(sock_getsockopt(b, SOL_SOCKET, 0x1020, nread)).isZero();
        } while (nread.value == 0 && System.nanoTime() < deadline);
        assertThat(nread.value).as("SO_NREAD: payload of the first datagram").isEqualTo(5);
        IntRef fionread = new IntRef();
        assertThat(sock_ioctl(b, FIONREAD, fionread)).isZero();
        assertThat(fionread.value).as("FIONREAD: payload plus the address record")
                .isEqualTo(5 + (domain == PF_INET ? 16 : 28));
        assertThat(recv(b, 100, 0)).isEqualTo("hello");
        assertThat(recv(b, 100, MSG_DONTWAIT)).isEqualTo("ERR:EWOULDBLOCK");
        MsgHdr to = MsgHdr.of(bytes("x"));
        to.msg_name = addr(domain, port(b));
        to.msg_namelen = to.msg_name.sa_len();
        assertThat(sock_send(a, to, 0, new LongRef())).as("BSD: a connected datagram socket refuses a destination")
                .isEqualTo(EISCONN);
    }
}
