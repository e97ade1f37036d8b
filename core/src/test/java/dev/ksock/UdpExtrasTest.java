package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * UDP: multicast on loopback, SO_BROADCAST permission, and the receive-side control messages
 * (IP_RECVDSTADDR, IP_RECVPKTINFO, IP_RECVTTL, IP_RECVTOS, IPV6_RECVPKTINFO) in Darwin's layout.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UdpExtrasTest extends SocketTestSupport {
    static final int IPPROTO_IP = 0, IPPROTO_IPV6 = 41;
    static final int IP_TOS = 3, IP_RECVDSTADDR = 7, IP_MULTICAST_IF = 9, IP_MULTICAST_TTL = 10, IP_MULTICAST_LOOP = 11,
            IP_ADD_MEMBERSHIP = 12, IP_DROP_MEMBERSHIP = 13, IP_RECVTTL = 24, IP_RECVPKTINFO = 26, IP_RECVTOS = 27;
    static final int IPV6_JOIN_GROUP = 12, IPV6_LEAVE_GROUP = 13, IPV6_PKTINFO = 46, IPV6_RECVPKTINFO = 61;
    static final int SO_BROADCAST = 0x20;

    Socket boundUdp(int domain, String addr) {
        Socket s = socket(domain, SOCK_DGRAM);
        SockAddr a = domain == PF_INET6 ? SockAddr.in6(addr, 0) : SockAddr.in(addr, 0);
        assertThat(sock_bind(s, a)).isZero();
        return s;
    }

    static int sendTo(Socket s, String text, SockAddr to) {
        MsgHdr m = MsgHdr.of(bytes(text));
        m.msg_name = to;
        m.msg_namelen = to.sa_len();
        return sock_send(s, m, 0, new LongRef());
    }

    static MemorySegment mreq(String group, String iface) throws Exception {
        MemorySegment m = MemorySegment.ofArray(new byte[8]);
        MemorySegment.copy(MemorySegment.ofArray(InetAddress.getByName(group).getAddress()), 0, m, 0, 4);
        MemorySegment.copy(MemorySegment.ofArray(InetAddress.getByName(iface).getAddress()), 0, m, 4, 4);
        return m;
    }

    @Test
    void ipv4MulticastJoinReceiveLeaveOnLoopback() throws Exception {
        Socket rx = boundUdp(PF_INET, "0.0.0.0");
        int port = port(rx);
        assertThat(sock_setsockopt(rx, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq("239.1.2.3", "127.0.0.1"), 8)).isZero();
        assertThat(Errno.name(sock_setsockopt(rx, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq("239.1.2.3", "127.0.0.1"), 4)))
                .as("short ip_mreq").isEqualTo("EINVAL");
        Socket tx = socket(PF_INET, SOCK_DGRAM);
        MemorySegment lo = MemorySegment.ofArray(InetAddress.getByName("127.0.0.1").getAddress());
        assertThat(sock_setsockopt(tx, IPPROTO_IP, IP_MULTICAST_IF, lo, 4)).isZero();
        // in_mcast takes the TTL and loop flags as a u_char or as an int.
        assertThat(sock_setsockopt(tx, IPPROTO_IP, IP_MULTICAST_TTL, MemorySegment.ofArray(new byte[] {3}), 1)).isZero();
        IntRef ttl = new IntRef();
        assertThat(sock_getsockopt(tx, IPPROTO_IP, IP_MULTICAST_TTL, ttl)).isZero();
        assertThat(ttl.value).isEqualTo(3);
        assertThat(sock_setsockopt(tx, IPPROTO_IP, IP_MULTICAST_TTL, 2)).isZero();
        assertThat(Errno.name(sock_setsockopt(tx, IPPROTO_IP, IP_MULTICAST_TTL, 256))).isEqualTo("EINVAL");
        MemorySegment oneByte = MemorySegment.ofArray(new byte[1]);
        IntRef len1 = new IntRef(1);
        assertThat(sock_getsockopt(tx, IPPROTO_IP, IP_MULTICAST_TTL, oneByte, len1)).isZero();
        assertThat(oneByte.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 2);
        assertThat(sock_setsockopt(tx, IPPROTO_IP, IP_MULTICAST_LOOP, MemorySegment.ofArray(new byte[] {1}), 1)).isZero();

        assertThat(sendTo(tx, "group", SockAddr.in("239.1.2.3", port))).isZero();
        assertThat(recv(rx, 16, 0)).isEqualTo("group");

        assertThat(sock_setsockopt(rx, IPPROTO_IP, IP_DROP_MEMBERSHIP, mreq("239.1.2.3", "127.0.0.1"), 8)).isZero();
        assertThat(sendTo(tx, "after leave", SockAddr.in("239.1.2.3", port))).isZero();
        assertThat(recv(rx, 16, MSG_DONTWAIT)).as("no longer a member").isEqualTo("ERR:EWOULDBLOCK");
    }

    @Test
    void ipv6GroupJoinAndLeave() throws Exception {
        // Joining works on lo; delivery needs the MULTICAST flag, which this sandbox's lo lacks:
        // reliability.Ipv6MulticastTest checks delivery over a veth pair between two namespaces.
        Socket rx = boundUdp(PF_INET6, "::");
        MemorySegment m = MemorySegment.ofArray(new byte[20]);
        MemorySegment.copy(MemorySegment.ofArray(InetAddress.getByName("ff02::1:3").getAddress()), 0, m, 0, 16);
        m.set(ValueLayout.JAVA_INT_UNALIGNED, 16, 1); // lo
        assertThat(sock_setsockopt(rx, IPPROTO_IPV6, IPV6_JOIN_GROUP, m, 20)).isZero();
        assertThat(Errno.name(sock_setsockopt(rx, IPPROTO_IPV6, IPV6_JOIN_GROUP, m, 20))).as("twice").isEqualTo("EADDRINUSE");
        assertThat(sock_setsockopt(rx, IPPROTO_IPV6, IPV6_LEAVE_GROUP, m, 20)).isZero();
    }

    @Test
    void broadcastNeedsSoBroadcast() {
        Socket s = socket(PF_INET, SOCK_DGRAM);
        assertThat(Errno.name(sendTo(s, "b", SockAddr.in("255.255.255.255", 9)))).as("BSD: EACCES without SO_BROADCAST")
                .isEqualTo("EACCES");
        assertThat(sock_setsockopt(s, SOL_SOCKET, SO_BROADCAST, 1)).isZero();
        IntRef v = new IntRef();
        assertThat(sock_getsockopt(s, SOL_SOCKET, SO_BROADCAST, v)).isZero();
        assertThat(v.value).as("sogetopt answers so_options & SO_BROADCAST").isEqualTo(SO_BROADCAST);
        assertThat(sendTo(s, "b", SockAddr.in("127.255.255.255", 9))).isZero();
    }

    /** Receives one datagram with a control buffer; returns the control bytes written. */
    static MsgHdr receiveControl(Socket s, int cap) {
        MsgHdr m = MsgHdr.of(MemorySegment.ofArray(new byte[64]));
        m.msg_control = MemorySegment.ofArray(new byte[cap]);
        m.msg_controllen = cap;
        assertThat(sock_receive(s, m, 0, new LongRef())).isZero();
        return m;
    }

    /** Finds (level, type) in Darwin control data; returns the data offset or -1. */
    static int find(MsgHdr m, int level, int type) {
        int off = 0;
        while (off + 12 <= m.msg_controllen) {
            int len = m.msg_control.get(ValueLayout.JAVA_INT_UNALIGNED, off);
            if (m.msg_control.get(ValueLayout.JAVA_INT_UNALIGNED, off + 4) == level
                    && m.msg_control.get(ValueLayout.JAVA_INT_UNALIGNED, off + 8) == type) {
                return off + 12;
            }
            off += (len + 3) & ~3;
        }
        return -1;
    }

    @Test
    void receiveSideIpv4ControlMessages() {
        Socket rx = boundUdp(PF_INET, "127.0.0.1");
        Socket tx = socket(PF_INET, SOCK_DGRAM);
        assertThat(sock_setsockopt(rx, IPPROTO_IP, IP_RECVDSTADDR, 1)).isZero();
        assertThat(sock_setsockopt(rx, IPPROTO_IP, IP_RECVTTL, 1)).isZero();
        assertThat(sock_setsockopt(rx, IPPROTO_IP, IP_RECVTOS, 1)).isZero();
        IntRef on = new IntRef();
        assertThat(sock_getsockopt(rx, IPPROTO_IP, IP_RECVDSTADDR, on)).isZero();
        assertThat(on.value).isEqualTo(1);
        assertThat(sock_setsockopt(tx, IPPROTO_IP, IP_TOS, 0x20)).isZero();
        assertThat(sendTo(tx, "ctl", SockAddr.in("127.0.0.1", port(rx)))).isZero();

        MsgHdr m = receiveControl(rx, 128);
        int dst = find(m, IPPROTO_IP, IP_RECVDSTADDR);
        assertThat(dst).as("IP_RECVDSTADDR present").isPositive();
        assertThat(m.msg_control.get(ValueLayout.JAVA_INT_UNALIGNED, dst - 12)).as("cmsg_len = 12 + in_addr").isEqualTo(16);
        assertThat(m.msg_control.asSlice(dst, 4).toArray(ValueLayout.JAVA_BYTE)).containsExactly(127, 0, 0, 1);
        int ttl = find(m, IPPROTO_IP, IP_RECVTTL);
        assertThat(ttl).isPositive();
        assertThat(m.msg_control.get(ValueLayout.JAVA_INT_UNALIGNED, ttl - 12)).as("u_char TTL").isEqualTo(13);
        assertThat(m.msg_control.get(ValueLayout.JAVA_BYTE, ttl)).isEqualTo((byte) 64);
        int tos = find(m, IPPROTO_IP, IP_RECVTOS);
        assertThat(tos).isPositive();
        assertThat(m.msg_control.get(ValueLayout.JAVA_BYTE, tos)).isEqualTo((byte) 0x20);
        assertThat(m.msg_flags & 0x20).as("no MSG_CTRUNC").isZero();

        // IP_RECVPKTINFO takes precedence over DSTADDR for the same Linux message.
        assertThat(sock_setsockopt(rx, IPPROTO_IP, IP_RECVDSTADDR, 0)).isZero();
        assertThat(sock_setsockopt(rx, IPPROTO_IP, IP_RECVPKTINFO, 1)).isZero();
        assertThat(sendTo(tx, "pk", SockAddr.in("127.0.0.1", port(rx)))).isZero();
        MsgHdr p = receiveControl(rx, 128);
        int pi = find(p, IPPROTO_IP, IP_RECVPKTINFO);
        assertThat(pi).isPositive();
        assertThat(p.msg_control.asSlice(pi + 8, 4).toArray(ValueLayout.JAVA_BYTE)).as("ipi_addr").containsExactly(127, 0, 0, 1);

        // A buffer too small for everything: cut, MSG_CTRUNC, msg_controllen = what fits.
        assertThat(sendTo(tx, "cut", SockAddr.in("127.0.0.1", port(rx)))).isZero();
        MsgHdr small = receiveControl(rx, 14);
        assertThat(small.msg_flags & 0x20).isEqualTo(0x20);
        assertThat(small.msg_controllen).isLessThanOrEqualTo(14);
    }

    @Test
    void receiveSideIpv6Pktinfo() {
        Socket rx = boundUdp(PF_INET6, "::1");
        Socket tx = socket(PF_INET6, SOCK_DGRAM);
        assertThat(sock_setsockopt(rx, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)).isZero();
        assertThat(sendTo(tx, "v6", SockAddr.in6("::1", port(rx)))).isZero();
        MsgHdr m = receiveControl(rx, 64);
        int pi = find(m, IPPROTO_IPV6, IPV6_PKTINFO);
        assertThat(pi).isPositive();
        byte[] addr = m.msg_control.asSlice(pi, 16).toArray(ValueLayout.JAVA_BYTE);
        assertThat(addr[15]).isEqualTo((byte) 1);
        assertThat(m.msg_control.get(ValueLayout.JAVA_INT_UNALIGNED, pi + 16)).as("ipi6_ifindex: lo").isEqualTo(1);
    }

    @Test
    void ipv4PktinfoOnSendChoosesTheSource() throws Exception {
        Socket rx = boundUdp(PF_INET, "127.0.0.1");
        Socket tx = socket(PF_INET, SOCK_DGRAM);
        MemorySegment ctl = MemorySegment.ofArray(new byte[24]);
        ctl.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 24);
        ctl.set(ValueLayout.JAVA_INT_UNALIGNED, 4, IPPROTO_IP);
        ctl.set(ValueLayout.JAVA_INT_UNALIGNED, 8, IP_RECVPKTINFO);
        MemorySegment.copy(MemorySegment.ofArray(InetAddress.getByName("127.0.0.5").getAddress()), 0, ctl, 16, 4); // ipi_spec_dst
        MsgHdr m = MsgHdr.of(bytes("src"));
        m.msg_name = SockAddr.in("127.0.0.1", port(rx));
        m.msg_namelen = 16;
        m.msg_control = ctl;
        m.msg_controllen = 24;
        assertThat(sock_send(tx, m, 0, new LongRef())).isZero();
        MsgHdr r = MsgHdr.of(MemorySegment.ofArray(new byte[8]));
        r.msg_name = SockAddr.storage();
        r.msg_namelen = 128;
        assertThat(sock_receive(rx, r, 0, new LongRef())).isZero();
        assertThat(r.msg_name.toString()).startsWith("127.0.0.5:");
    }
}
