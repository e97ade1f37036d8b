package dev.ksock.reliability;

import static dev.ksock.KpiSocket.*;

import dev.ksock.Errno;
import dev.ksock.IntRef;
import dev.ksock.LongRef;
import dev.ksock.MsgHdr;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.Socket;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;

/**
 * ksock's side of the IPv6 multicast test, run with {@code ip netns exec} in the test namespace
 * whose veth end has the MULTICAST flag. Two sockets: {@code rx} bound to {@code [::]:PORT} with
 * IPV6_RECVPKTINFO, {@code tx} for sending. Everything is Darwin numbers and layouts. Prints
 * {@code READY <ifindex>}, then answers one line per stdin command:
 * <pre>
 *   opt NAME VALUE   tx: setsockopt(IPPROTO_IPV6, NAME, int) → "OPT NAME &lt;errno&gt; &lt;value read back&gt;"
 *   join GROUP       rx: IPV6_JOIN_GROUP (ipv6_mreq on the interface) → "JOIN &lt;errno&gt;"
 *   leave GROUP      rx: IPV6_LEAVE_GROUP → "LEAVE &lt;errno&gt;"
 *   send GROUP TEXT  tx: TEXT to [GROUP]:PORT → "SEND &lt;errno&gt;"
 *   recv             rx: one datagram (SO_RCVTIMEO 5 s) →
 *                    "RECV &lt;errno&gt; &lt;text&gt; &lt;in6_pktinfo address&gt; &lt;in6_pktinfo ifindex&gt; &lt;source&gt;"
 * </pre>
 * Ends when stdin closes.
 */
public final class Multicast6Child {
    private Multicast6Child() {
    }

    static final int PF_INET6 = 30, SOCK_DGRAM = 2, IPPROTO_IPV6 = 41, SOL_SOCKET = 0xffff, SO_RCVTIMEO = 0x1006;
    static final int IPV6_MULTICAST_IF = 9, IPV6_MULTICAST_HOPS = 10, IPV6_MULTICAST_LOOP = 11;
    static final int IPV6_JOIN_GROUP = 12, IPV6_LEAVE_GROUP = 13, IPV6_PKTINFO = 46, IPV6_RECVPKTINFO = 61;
    /** Darwin's cmsghdr: cmsg_len, cmsg_level, cmsg_type (4 bytes each), data 4-byte aligned. */
    static final int CMSG_HDR = 12;

    public static void main(String[] args) throws Exception {
        String ifname = args[0];
        int port = Integer.parseInt(args[1]);
        int ifindex = NetworkInterface.getByName(ifname).getIndex();
        Socket rx = open();
        Socket tx = open();
        check("bind", sock_bind(rx, SockAddr.in6("::", port)));
        check("IPV6_RECVPKTINFO", sock_setsockopt(rx, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1));
        check("SO_RCVTIMEO", sock_setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, MemorySegment.ofArray(new long[] {5, 0}), 16));
        System.out.println("READY " + ifindex);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null;) {
            String[] w = line.trim().split(" ");
            switch (w[0]) {
                case "opt" -> {
                    int name = switch (w[1]) {
                        case "IPV6_MULTICAST_IF" -> IPV6_MULTICAST_IF;
                        case "IPV6_MULTICAST_HOPS" -> IPV6_MULTICAST_HOPS;
                        case "IPV6_MULTICAST_LOOP" -> IPV6_MULTICAST_LOOP;
                        default -> throw new IllegalArgumentException(w[1]);
                    };
                    int r = sock_setsockopt(tx, IPPROTO_IPV6, name, Integer.parseInt(w[2]));
                    IntRef back = new IntRef(-1);
                    int g = sock_getsockopt(tx, IPPROTO_IPV6, name, back);
                    System.out.println("OPT " + w[1] + " " + Errno.name(r) + " " + (g == 0 ? "" + back.value : Errno.name(g)));
                }
                case "join", "leave" -> {
                    int r = sock_setsockopt(rx, IPPROTO_IPV6, w[0].equals("join") ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP,
                            mreq(w[1], ifindex), 20);
                    System.out.println(w[0].toUpperCase() + " " + Errno.name(r));
                }
                case "send" -> {
                    MsgHdr m = MsgHdr.of(MemorySegment.ofArray(w[2].getBytes(StandardCharsets.UTF_8)));
                    m.msg_name = SockAddr.in6(w[1], port);
                    m.msg_namelen = m.msg_name.sa_len();
                    System.out.println("SEND " + Errno.name(sock_send(tx, m, 0, new LongRef())));
                }
                case "recv" -> System.out.println(receive(rx));
                default -> System.out.println("UNKNOWN " + line);
            }
        }
        sock_close(rx);
        sock_close(tx);
    }

    private static Socket open() {
        Ref<Socket> r = new Ref<>();
        check("sock_socket", sock_socket(PF_INET6, SOCK_DGRAM, 0, null, null, r));
        return r.get();
    }

    private static void check(String what, int r) {
        if (r != 0) {
            System.out.println("FAILED " + what + " " + Errno.name(r));
            System.exit(1);
        }
    }

    /** Darwin's struct ipv6_mreq: ipv6mr_multiaddr (16 bytes), ipv6mr_interface (u_int). */
    static MemorySegment mreq(String group, int ifindex) throws Exception {
        MemorySegment m = MemorySegment.ofArray(new byte[20]);
        MemorySegment.copy(MemorySegment.ofArray(InetAddress.getByName(group).getAddress()), 0, m, 0, 16);
        m.set(ValueLayout.JAVA_INT_UNALIGNED, 16, ifindex);
        return m;
    }

    private static String receive(Socket rx) throws Exception {
        byte[] data = new byte[256];
        MsgHdr m = MsgHdr.of(MemorySegment.ofArray(data));
        m.msg_name = SockAddr.storage();
        m.msg_namelen = 128;
        m.msg_control = MemorySegment.ofArray(new byte[128]);
        m.msg_controllen = 128;
        LongRef got = new LongRef();
        int r = sock_receive(rx, m, 0, got);
        if (r != 0) {
            return "RECV " + Errno.name(r);
        }
        String text = new String(data, 0, (int) got.value, StandardCharsets.UTF_8);
        String addr = "none", index = "none";
        for (int off = 0; off + CMSG_HDR <= m.msg_controllen;) {
            int len = m.msg_control.get(ValueLayout.JAVA_INT_UNALIGNED, off);
            int level = m.msg_control.get(ValueLayout.JAVA_INT_UNALIGNED, off + 4);
            int type = m.msg_control.get(ValueLayout.JAVA_INT_UNALIGNED, off + 8);
            if (level == IPPROTO_IPV6 && type == IPV6_PKTINFO && len >= CMSG_HDR + 20) {
                // Darwin's struct in6_pktinfo: ipi6_addr (16 bytes), ipi6_ifindex (u_int).
                byte[] a = m.msg_control.asSlice(off + CMSG_HDR, 16).toArray(ValueLayout.JAVA_BYTE);
                addr = InetAddress.getByAddress(a).getHostAddress();
                index = "" + m.msg_control.get(ValueLayout.JAVA_INT_UNALIGNED, off + CMSG_HDR + 16);
            }
            if (len < CMSG_HDR) {
                break;
            }
            off += (len + 3) & ~3;
        }
        return "RECV 0 " + text + " " + addr + " " + index + " " + m.msg_name;
    }
}
