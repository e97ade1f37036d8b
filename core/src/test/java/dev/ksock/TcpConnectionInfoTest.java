package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * getsockopt(IPPROTO_TCP, TCP_CONNECTION_INFO) answers with Darwin's 112-byte
 * {@code struct tcp_connection_info} as XNU's {@code tcp_connection_fill_info} fills it, for
 * every TCP socket; set is ENOPROTOOPT (tcp_ctloutput has no set case).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpConnectionInfoTest extends SocketTestSupport {
    static final int IPPROTO_TCP = 6, TCP_CONNECTION_INFO = 0x106;
    static final int SIZE = 112;
    static final int TCPS_CLOSED = 0, TCPS_LISTEN = 1, TCPS_ESTABLISHED = 4, TCPS_CLOSE_WAIT = 5;

    /** Darwin's struct tcp_connection_info read back from the bytes the option returned. */
    record Info(int state, int sndWscale, int rcvWscale, int options, int flags, long rto, long maxseg, long sndSsthresh,
                long sndCwnd, long sndWnd, long sndSbbytes, long rcvWnd, long rttcur, long srtt, long rttvar, int tfo,
                long txpackets, long txbytes, long txretransmitbytes, long rxpackets, long rxbytes,
                long rxoutoforderbytes, long txretransmitpackets) {
        static Info of(MemorySegment b) {
            return new Info(u8(b, 0), u8(b, 1), u8(b, 2), b.get(INT, 4), b.get(INT, 8), u32(b, 12), u32(b, 16),
                    u32(b, 20), u32(b, 24), u32(b, 28), u32(b, 32), u32(b, 36), u32(b, 40), u32(b, 44), u32(b, 48),
                    b.get(INT, 52), b.get(LONG, 56), b.get(LONG, 64), b.get(LONG, 72), b.get(LONG, 80),
                    b.get(LONG, 88), b.get(LONG, 96), b.get(LONG, 104));
        }

        private static int u8(MemorySegment b, long off) {
            return Byte.toUnsignedInt(b.get(ValueLayout.JAVA_BYTE, off));
        }

        private static long u32(MemorySegment b, long off) {
            return Integer.toUnsignedLong(b.get(INT, off));
        }
    }

    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    static Info info(Socket s) {
        MemorySegment b = MemorySegment.ofArray(new byte[256]);
        IntRef len = new IntRef(256);
        int r = sock_getsockopt(s, IPPROTO_TCP, TCP_CONNECTION_INFO, b, len);
        assertThat(r).as("getsockopt(TCP_CONNECTION_INFO): %s", Errno.name(r)).isZero();
        assertThat(len.value).as("bytes of struct tcp_connection_info (XNU: sizeof, 112)").isEqualTo(SIZE);
        return Info.of(b);
    }

    @ParameterizedTest(name = "domain {0}")
    @ValueSource(ints = {PF_INET, PF_INET6})
    void connectedSocketReportsEstablishedAndTheBytesExchangedWithAJavaNetPeer(int domain) throws Exception {
        int toPeer = 100_000, fromPeer = 30_000;
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getByName(loopback(domain)))) {
            CompletableFuture<Integer> peerGot = new CompletableFuture<>();
            CompletableFuture.runAsync(() -> {
                try (java.net.Socket p = ss.accept(); InputStream in = p.getInputStream(); OutputStream out = p.getOutputStream()) {
                    peerGot.complete(in.readNBytes(toPeer).length);
                    out.write(new byte[fromPeer]);
                    out.flush();
                    in.read(); // hold the connection open until ksock closes it
                } catch (Exception e) {
                    peerGot.completeExceptionally(e);
                }
            });
            Socket c = socket(domain, SOCK_STREAM);
            assertThat(sock_connect(c, addr(domain, ss.getLocalPort()), 0)).isZero();
            assertThat(send(c, MemorySegment.ofArray(new byte[toPeer]), 0)).isEqualTo(toPeer);
            LongRef got = new LongRef();
            assertThat(sock_receive(c, MsgHdr.of(MemorySegment.ofArray(new byte[fromPeer])), MSG_WAITALL, got)).isZero();
            assertThat(got.value).isEqualTo(fromPeer);
            assertThat(peerGot.get(10, TimeUnit.SECONDS)).isEqualTo(toPeer);

            Info i = awaitSendBufferEmpty(c);
            System.out.println("tcp_connection_info over loopback (domain " + domain + "): " + i);
            assertThat(i.state()).as("tcpi_state (TCPS_ESTABLISHED)").isEqualTo(TCPS_ESTABLISHED);
            assertThat(i.txbytes()).as("tcpi_txbytes: data bytes sent").isEqualTo(toPeer);
            assertThat(i.rxbytes()).as("tcpi_rxbytes: data bytes received").isEqualTo(fromPeer);
            assertThat(i.txpackets()).as("tcpi_txpackets: data segments sent").isPositive();
            assertThat(i.rxpackets()).as("tcpi_rxpackets: data segments received").isPositive();
            assertThat(i.maxseg()).as("tcpi_maxseg").isPositive();
            assertThat(i.srtt()).as("tcpi_srtt in ms on loopback").isBetween(0L, 200L);
            assertThat(i.rttcur()).as("tcpi_rttcur in ms on loopback").isBetween(0L, 200L);
            assertThat(i.rttvar()).as("tcpi_rttvar in ms on loopback").isBetween(0L, 200L);
            assertThat(i.rto()).as("tcpi_rto: 0 while nothing is unacknowledged (REXMT timer off)").isZero();
            assertThat(i.sndCwnd()).as("tcpi_snd_cwnd in bytes: at least one segment").isGreaterThanOrEqualTo(i.maxseg());
            assertThat(i.sndSsthresh()).as("tcpi_snd_ssthresh in bytes").isPositive();
            assertThat(i.sndWnd()).as("tcpi_snd_wnd: the peer's window").isPositive();
            assertThat(i.rcvWnd()).as("tcpi_rcv_wnd: our advertised window").isPositive();
            assertThat(i.options() & ~0xf).as("only TCPCI_OPT_ bits").isZero();
            assertThat(i.txretransmitbytes()).as("no retransmission on loopback").isZero();
            assertThat(i.tfo()).as("tcpi_tfo_* bits: no TCP Fast Open").isZero();
            if ((i.options() & 4) == 0) {
                assertThat(i.sndWscale() | i.rcvWscale()).as("window scales only with TCPCI_OPT_WSCALE").isZero();
            }
        }
    }

    /** The accepted side counts the other way round, and a received FIN is not a byte. */
    @Test
    void acceptedSideCountsTheOtherWayAndTheFinIsNotCountedAsData() throws Exception {
        Socket[] p = pair(PF_INET);
        sendAll(p[0], "0123456789");
        assertThat(recv(p[1], 10, MSG_WAITALL)).isEqualTo("0123456789");
        sendAll(p[1], "abc");
        assertThat(recv(p[0], 3, MSG_WAITALL)).isEqualTo("abc");
        assertThat(sock_shutdown(p[0], 1 /* SHUT_WR */)).isZero();
        assertThat(recv(p[1], 16, 0)).as("end of stream").isEmpty();

        Info server = awaitSendBufferEmpty(p[1]);
        assertThat(server.state()).as("peer's FIN received: TCPS_CLOSE_WAIT").isEqualTo(TCPS_CLOSE_WAIT);
        assertThat(server.rxbytes()).as("tcpi_rxbytes: payload only, not the FIN").isEqualTo(10);
        assertThat(server.txbytes()).isEqualTo(3);
        Info client = info(p[0]);
        assertThat(client.txbytes()).isEqualTo(10);
        assertThat(client.rxbytes()).isEqualTo(3);
    }

    /** Bytes the peer has not taken are in so_snd: tcpi_snd_sbbytes counts them. */
    @Test
    void unreadBytesShowInSendBufferBytes() {
        Socket[] p = pair(PF_INET);
        assertThat(sock_ioctl(p[0], FIONBIO, MemorySegment.ofArray(new int[] {1}))).isZero();
        MemorySegment chunk = MemorySegment.ofArray(new byte[64 * 1024]);
        long sent = 0;
        for (int k = 0; k < 1000; k++) {
            int n = send(p[0], chunk, 0);
            if (n <= 0) {
                break;
            }
            sent += n;
        }
        Info i = info(p[0]);
        assertThat(i.sndSbbytes()).as("tcpi_snd_sbbytes while the peer does not read").isPositive().isLessThanOrEqualTo(sent);
        assertThat(i.txbytes()).as("tcpi_txbytes").isLessThanOrEqualTo(sent);
    }

    /**
     * XNU answers for any TCP socket (tcp_ctloutput needs only the tcpcb): a fresh one reports
     * TCPS_CLOSED and a listener TCPS_LISTEN, with what tcp_newtcpcb set.
     */
    @ParameterizedTest(name = "domain {0}")
    @ValueSource(ints = {PF_INET, PF_INET6})
    void freshAndListeningSocketsAnswerAsANewTcpcb(int domain) {
        long mss = domain == PF_INET6 ? 1024 : 512;
        Info fresh = info(socket(domain, SOCK_STREAM));
        Info listening = info(listener(domain, null, null));
        for (Info i : new Info[] {fresh, listening}) {
            assertThat(i.maxseg()).as("tcp_mssdflt / tcp_v6mssdflt").isEqualTo(mss);
            assertThat(i.sndCwnd()).as("TCP_CC_CWND_INIT_BYTES").isEqualTo(4380);
            assertThat(i.sndSsthresh()).as("TCP_MAXWIN << TCP_MAX_WINSHIFT").isEqualTo(65535L << 14);
            assertThat(i.rttvar()).as("initial t_rttvar (ms)").isEqualTo(250);
            assertThat(i.rto() + i.srtt() + i.rttcur() + i.sndWnd() + i.rcvWnd() + i.sndSbbytes() + i.options() + i.flags())
                    .as("no connection yet").isZero();
            assertThat(i.txpackets() + i.txbytes() + i.rxpackets() + i.rxbytes()).isZero();
        }
        assertThat(fresh.state()).as("fresh socket: TCPS_CLOSED").isEqualTo(TCPS_CLOSED);
        assertThat(listening.state()).as("listener: TCPS_LISTEN").isEqualTo(TCPS_LISTEN);
    }

    /** sooptcopyout: a shorter buffer gets the start of the struct and optlen says how much. */
    @Test
    void shortBufferIsTruncatedAndSetIsEnoprotoopt() {
        Socket[] p = pair(PF_INET);
        MemorySegment b = MemorySegment.ofArray(new byte[8]);
        IntRef len = new IntRef(4);
        assertThat(sock_getsockopt(p[0], IPPROTO_TCP, TCP_CONNECTION_INFO, b, len)).isZero();
        assertThat(len.value).isEqualTo(4);
        assertThat(b.get(ValueLayout.JAVA_BYTE, 0)).as("tcpi_state first").isEqualTo((byte) TCPS_ESTABLISHED);
        assertThat(b.get(ValueLayout.JAVA_INT_UNALIGNED, 4)).as("nothing past the buffer's length").isZero();

        IntRef none = new IntRef(0);
        assertThat(sock_getsockopt(p[0], IPPROTO_TCP, TCP_CONNECTION_INFO, b, none)).isZero();
        assertThat(none.value).isZero();

        assertThat(Errno.name(sock_setsockopt(p[0], IPPROTO_TCP, TCP_CONNECTION_INFO, MemorySegment.ofArray(new byte[SIZE]), SIZE)))
                .as("set: tcp_ctloutput has no case for it").isEqualTo("ENOPROTOOPT");
    }

    /** Waits (bounded) until everything sent was acknowledged, and returns the info then. */
    private static Info awaitSendBufferEmpty(Socket s) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Info i = info(s);
        while (i.sndSbbytes() != 0 && System.nanoTime() < end) {
            Thread.sleep(10);
            i = info(s);
        }
        assertThat(i.sndSbbytes()).as("tcpi_snd_sbbytes once the peer has everything").isZero();
        return i;
    }
}
