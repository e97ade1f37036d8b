package dev.ksock.internal.proto;

import static dev.ksock.internal.host.linux.LinuxStructs.*;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.ksock.IntRef;
import dev.ksock.internal.host.linux.LinuxErrno;
import dev.ksock.internal.host.linux.LinuxSyscalls;
import dev.ksock.internal.socket.SocketCore;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code getsockopt(IPPROTO_TCP, TCP_CONNECTION_INFO)}: Darwin's {@code struct
 * tcp_connection_info} ({@code bsd/netinet/tcp.h}), built from Linux's {@code TCP_INFO} as XNU's
 * {@code tcp_connection_fill_info} builds it from the tcpcb.
 *
 * <p>XNU answers for every TCP socket that has a tcpcb: a fresh or listening one too (state
 * CLOSED or LISTEN, with the values {@code tcp_newtcpcb} starts from). The option cannot be set
 * ({@code tcp_ctloutput} has no set case: ENOPROTOOPT). A short buffer gets the struct truncated
 * ({@code sooptcopyout}).
 *
 * <p>What Linux counts differently is converted: times from microseconds to milliseconds, the
 * congestion window and threshold from segments to bytes, the state to Darwin's {@code TCPS_}
 * numbering. Where Linux has no counterpart the field is the nearest honest value, said per
 * field below and in {@code docs/OPTIONS.md}.
 */
final class TcpConnectionInfo {
    private TcpConnectionInfo() {
    }

    /**
     * {@code struct tcp_connection_info}, 112 bytes: four u8, thirteen u32 (the last one the
     * {@code tcpi_tfo_*} bit-fields), then seven u64 each {@code aligned(8)} (offset 56).
     */
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("tcpi_state"),
            JAVA_BYTE.withName("tcpi_snd_wscale"),
            JAVA_BYTE.withName("tcpi_rcv_wscale"),
            JAVA_BYTE.withName("__pad1"),
            JAVA_INT.withName("tcpi_options"),
            JAVA_INT.withName("tcpi_flags"),
            JAVA_INT.withName("tcpi_rto"),
            JAVA_INT.withName("tcpi_maxseg"),
            JAVA_INT.withName("tcpi_snd_ssthresh"),
            JAVA_INT.withName("tcpi_snd_cwnd"),
            JAVA_INT.withName("tcpi_snd_wnd"),
            JAVA_INT.withName("tcpi_snd_sbbytes"),
            JAVA_INT.withName("tcpi_rcv_wnd"),
            JAVA_INT.withName("tcpi_rttcur"),
            JAVA_INT.withName("tcpi_srtt"),
            JAVA_INT.withName("tcpi_rttvar"),
            JAVA_INT.withName("tcpi_tfo_bits"),
            JAVA_LONG.withName("tcpi_txpackets"),
            JAVA_LONG.withName("tcpi_txbytes"),
            JAVA_LONG.withName("tcpi_txretransmitbytes"),
            JAVA_LONG.withName("tcpi_rxpackets"),
            JAVA_LONG.withName("tcpi_rxbytes"),
            JAVA_LONG.withName("tcpi_rxoutoforderbytes"),
            JAVA_LONG.withName("tcpi_txretransmitpackets"));

    static final int SIZE = (int) LAYOUT.byteSize();

    private static final long STATE = off("tcpi_state"), SND_WSCALE = off("tcpi_snd_wscale"),
            RCV_WSCALE = off("tcpi_rcv_wscale"), OPTIONS = off("tcpi_options"), FLAGS = off("tcpi_flags"),
            RTO = off("tcpi_rto"), MAXSEG = off("tcpi_maxseg"), SND_SSTHRESH = off("tcpi_snd_ssthresh"),
            SND_CWND = off("tcpi_snd_cwnd"), SND_WND = off("tcpi_snd_wnd"), SND_SBBYTES = off("tcpi_snd_sbbytes"),
            RCV_WND = off("tcpi_rcv_wnd"), RTTCUR = off("tcpi_rttcur"), SRTT = off("tcpi_srtt"),
            RTTVAR = off("tcpi_rttvar"), TXPACKETS = off("tcpi_txpackets"), TXBYTES = off("tcpi_txbytes"),
            TXRETRANSMITBYTES = off("tcpi_txretransmitbytes"), RXPACKETS = off("tcpi_rxpackets"),
            RXBYTES = off("tcpi_rxbytes"), RXOUTOFORDERBYTES = off("tcpi_rxoutoforderbytes"),
            TXRETRANSMITPACKETS = off("tcpi_txretransmitpackets");

    private static long off(String field) {
        return LAYOUT.byteOffset(groupElement(field));
    }

    // Darwin TCPS_ (bsd/netinet/tcp_fsm.h).
    static final int TCPS_CLOSED = 0, TCPS_LISTEN = 1, TCPS_SYN_SENT = 2, TCPS_SYN_RECEIVED = 3,
            TCPS_ESTABLISHED = 4, TCPS_CLOSE_WAIT = 5, TCPS_FIN_WAIT_1 = 6, TCPS_CLOSING = 7,
            TCPS_LAST_ACK = 8, TCPS_FIN_WAIT_2 = 9, TCPS_TIME_WAIT = 10;
    // tcpi_options / tcpi_flags bits (bsd/netinet/tcp.h). The four option bits have Linux's
    // TCPI_OPT_ values as well.
    static final int TCPCI_OPT_TIMESTAMPS = 1, TCPCI_OPT_SACK = 2, TCPCI_OPT_WSCALE = 4, TCPCI_OPT_ECN = 8;
    static final int TCPCI_FLAG_LOSSRECOVERY = 1, TCPCI_FLAG_REORDERING_DETECTED = 2;

    /**
     * What a tcpcb holds before any connection (XNU {@code tcp_newtcpcb}): {@code t_maxseg} is
     * {@code tcp_mssdflt} (TCP_MSS, 512) or for IPv6 {@code tcp_v6mssdflt} (TCP6_MSS, 1024);
     * {@code snd_cwnd} is TCP_CC_CWND_INIT_BYTES (4380); {@code snd_ssthresh} is
     * {@code TCP_MAXWIN << TCP_MAX_WINSHIFT}; {@code t_rttvar} gives 250 ms
     * (({@code TCPTV_RTOBASE} 1000 ms − {@code TCPTV_SRTTBASE} 0) / 4).
     */
    static final int FRESH_MSS = 512, FRESH_MSS6 = 1024, FRESH_CWND = 4380, FRESH_RTTVAR_MS = 250;
    static final long MAX_SSTHRESH = 65535L << 14;

    // Linux side.
    private static final int L_IPPROTO_TCP = 6, L_TCP_INFO = 11;
    private static final int L_ESTABLISHED = 1, L_SYN_SENT = 2, L_SYN_RECV = 3, L_FIN_WAIT1 = 4, L_FIN_WAIT2 = 5,
            L_TIME_WAIT = 6, L_CLOSE = 7, L_CLOSE_WAIT = 8, L_LAST_ACK = 9, L_LISTEN = 10, L_CLOSING = 11,
            L_NEW_SYN_RECV = 12;
    /** TCP_CA_Recovery and TCP_CA_Loss: Linux's fast recovery and RTO recovery. */
    private static final int L_CA_RECOVERY = 3;
    /** TCP_INFINITE_SSTHRESH: no threshold set yet. */
    private static final long L_INFINITE_SSTHRESH = 0x7fffffffL;
    private static final int D_AF_INET6 = 30;

    /** Fills {@code val} with at most {@code len} bytes of the socket's tcp_connection_info; 0 or errno. */
    static int get(SocketCore so, MemorySegment val, IntRef len) {
        HostScratch s = HostScratch.get();
        MemorySegment ti = s.opt;
        ti.fill((byte) 0);
        s.len.set(ValueLayout.JAVA_INT, 0, (int) TCP_INFO.byteSize());
        int r = LinuxSyscalls.getsockopt(so.hostHandle, L_IPPROTO_TCP, L_TCP_INFO, ti, s.len);
        if (r < 0) {
            return LinuxErrno.toDarwin(-r);
        }
        int filled = s.len.get(ValueLayout.JAVA_INT, 0);
        MemorySegment out = s.darwinOpt;
        out.fill((byte) 0);
        fill(so, ti, filled, out);
        int n = Math.min(SIZE, len.value);
        MemorySegment.copy(out, 0, val, 0, n);
        len.value = n;
        return 0;
    }

    private static void fill(SocketCore so, MemorySegment ti, int filled, MemorySegment out) {
        int lstate = tcpInfoU8(ti, TCPI_STATE);
        int state = darwinState(lstate);
        out.set(JAVA_BYTE, STATE, (byte) state);
        long segsOut = tcpInfoU32(ti, filled, TCPI_SEGS_OUT), segsIn = tcpInfoU32(ti, filled, TCPI_SEGS_IN);
        if (lstate == L_LISTEN || lstate == L_CLOSE && segsOut == 0 && segsIn == 0) {
            // No connection yet (Linux zeroes a listener's numbers, and starts a fresh socket
            // from its own defaults): XNU's tcpcb as tcp_newtcpcb left it.
            out.set(JAVA_INT, MAXSEG, so.domain == D_AF_INET6 ? FRESH_MSS6 : FRESH_MSS);
            out.set(JAVA_INT, SND_CWND, FRESH_CWND);
            out.set(JAVA_INT, SND_SSTHRESH, (int) MAX_SSTHRESH);
            out.set(JAVA_INT, RTTVAR, FRESH_RTTVAR_MS);
            return;
        }
        int options = tcpInfoU8(ti, TCPI_OPTIONS) & (TCPCI_OPT_TIMESTAMPS | TCPCI_OPT_SACK | TCPCI_OPT_WSCALE | TCPCI_OPT_ECN);
        out.set(JAVA_INT, OPTIONS, options);
        if ((options & TCPCI_OPT_WSCALE) != 0) {
            int ws = tcpInfoU8(ti, TCPI_WSCALE);
            out.set(JAVA_BYTE, SND_WSCALE, (byte) (ws & 0xf));
            out.set(JAVA_BYTE, RCV_WSCALE, (byte) (ws >>> 4));
        }
        int flags = 0;
        // XNU: in fast recovery or after a retransmission timeout (t_rxtshift > 0).
        if (tcpInfoU8(ti, TCPI_CA_STATE) >= L_CA_RECOVERY || tcpInfoU8(ti, TCPI_RETRANSMITS) > 0) {
            flags |= TCPCI_FLAG_LOSSRECOVERY;
        }
        if (tcpInfoU32(ti, filled, TCPI_REORD_SEEN) > 0) {
            flags |= TCPCI_FLAG_REORDERING_DETECTED;
        }
        out.set(JAVA_INT, FLAGS, flags);
        // XNU reports t_rxtcur only while the retransmission timer runs, i.e. while something
        // (data or the SYN) is unacknowledged; Linux always reports its RTO.
        if (tcpInfoU32(ti, filled, TCPI_UNACKED) > 0) {
            out.set(JAVA_INT, RTO, (int) (tcpInfoU32(ti, filled, TCPI_RTO) / 1000));
        }
        long mss = tcpInfoU32(ti, filled, TCPI_SND_MSS);
        out.set(JAVA_INT, MAXSEG, (int) mss);
        long ssthresh = tcpInfoU32(ti, filled, TCPI_SND_SSTHRESH);
        out.set(JAVA_INT, SND_SSTHRESH, (int) (ssthresh >= L_INFINITE_SSTHRESH ? MAX_SSTHRESH : u32(ssthresh * mss)));
        out.set(JAVA_INT, SND_CWND, (int) u32(tcpInfoU32(ti, filled, TCPI_SND_CWND) * mss));
        out.set(JAVA_INT, SND_WND, (int) tcpInfoU32(ti, filled, TCPI_SND_WND));
        out.set(JAVA_INT, SND_SBBYTES, (int) u32(sendBufferBytes(so, lstate)));
        out.set(JAVA_INT, RCV_WND, (int) tcpInfoU32(ti, filled, TCPI_RCV_WND));
        // Linux keeps no "last sample": the smoothed RTT stands in for t_rttcur.
        int srtt = millis(tcpInfoU32(ti, filled, TCPI_RTT));
        out.set(JAVA_INT, RTTCUR, srtt);
        out.set(JAVA_INT, SRTT, srtt);
        out.set(JAVA_INT, RTTVAR, millis(tcpInfoU32(ti, filled, TCPI_RTTVAR)));
        // tcpi_tfo_* stay 0: ksock makes no TCP Fast Open connections (no connectx with data).
        // XNU counts data segments and their bytes, retransmissions included, as Linux's
        // data_segs_out / bytes_sent do (bytes_acked would also count the SYN).
        out.set(JAVA_LONG, TXPACKETS, tcpInfoU32(ti, filled, TCPI_DATA_SEGS_OUT));
        long sent = tcpInfoU64(ti, filled, TCPI_BYTES_SENT);
        out.set(JAVA_LONG, TXBYTES, sent);
        out.set(JAVA_LONG, TXRETRANSMITBYTES, tcpInfoU64(ti, filled, TCPI_BYTES_RETRANS));
        out.set(JAVA_LONG, RXPACKETS, tcpInfoU32(ti, filled, TCPI_DATA_SEGS_IN));
        long received = tcpInfoU64(ti, filled, TCPI_BYTES_RECEIVED);
        if (received > 0 && finReceived(lstate)) {
            received--; // Linux counts the peer's FIN in bytes_received; XNU counts payload only
        }
        out.set(JAVA_LONG, RXBYTES, received);
        // Linux counts out-of-order packets, not bytes: an estimate at one segment each.
        out.set(JAVA_LONG, RXOUTOFORDERBYTES, tcpInfoU32(ti, filled, TCPI_RCV_OOOPACK) * tcpInfoU32(ti, filled, TCPI_RCV_MSS));
        out.set(JAVA_LONG, TXRETRANSMITPACKETS, tcpInfoU32(ti, filled, TCPI_TOTAL_RETRANS));
    }

    /**
     * so_snd.sb_cc: every byte the socket still holds for sending, in flight or not, which is
     * the host's send queue (SIOCOUTQ) plus what ksock's own queue has not handed to it yet.
     */
    private static long sendBufferBytes(SocketCore so, int lstate) {
        long host = 0;
        if (lstate != L_LISTEN && lstate != L_CLOSE) {
            long n = so.proto.unsent(so);
            host = Math.max(0, n);
        }
        return host + so.snd.queuedBytes();
    }

    private static boolean finReceived(int lstate) {
        return lstate == L_CLOSE_WAIT || lstate == L_LAST_ACK || lstate == L_CLOSING || lstate == L_TIME_WAIT;
    }

    /** Microseconds to milliseconds, rounded to the nearest. */
    private static int millis(long micros) {
        return (int) ((micros + 500) / 1000);
    }

    private static long u32(long v) {
        return Math.min(v, 0xffff_ffffL);
    }

    /** Linux TCP_ states to Darwin TCPS_ numbers. */
    static int darwinState(int linuxState) {
        return switch (linuxState) {
            case L_ESTABLISHED -> TCPS_ESTABLISHED;
            case L_SYN_SENT -> TCPS_SYN_SENT;
            case L_SYN_RECV, L_NEW_SYN_RECV -> TCPS_SYN_RECEIVED;
            case L_FIN_WAIT1 -> TCPS_FIN_WAIT_1;
            case L_FIN_WAIT2 -> TCPS_FIN_WAIT_2;
            case L_TIME_WAIT -> TCPS_TIME_WAIT;
            case L_CLOSE_WAIT -> TCPS_CLOSE_WAIT;
            case L_LAST_ACK -> TCPS_LAST_ACK;
            case L_LISTEN -> TCPS_LISTEN;
            case L_CLOSING -> TCPS_CLOSING;
            default -> TCPS_CLOSED;
        };
    }
}
