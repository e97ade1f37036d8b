package dev.ksock.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * IPv6 multicast end to end, which the sandbox's {@code lo} (no MULTICAST flag) cannot carry: two
 * test network namespaces joined by a veth pair (which has the flag), ksock in one (a child JVM,
 * {@link Multicast6Child}), a Python peer in the other ({@code scripts/mcast6_peer.py}). Darwin
 * option numbers and layouts throughout: {@code IPV6_JOIN_GROUP}/{@code IPV6_LEAVE_GROUP} with
 * {@code struct ipv6_mreq}, {@code IPV6_MULTICAST_IF}/{@code _HOPS}/{@code _LOOP}, and
 * {@code IPV6_RECVPKTINFO} delivering {@code struct in6_pktinfo}. A link-local group (ff02::) and
 * a site-local transient one (ff15::), both ways. Traffic stays between the two namespaces; both
 * are removed at the end. Skipped when namespaces cannot be made (no root/CAP_NET_ADMIN).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Ipv6MulticastTest {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final String G1 = "ff02::6b:1", G2 = "ff15::6b:2";
    private static final int PORT = 7610;

    /** Two namespaces and a veth pair between them; removed by {@link #close}. */
    static final class VethPair implements AutoCloseable {
        final String nsKsock, nsPeer, ifKsock, ifPeer;
        private final List<ChildProcess> children = new ArrayList<>();

        VethPair() throws Exception {
            int id = (int) (ProcessHandle.current().pid() % 10000) * 10 + NEXT.getAndIncrement() % 10;
            nsKsock = "ksock-mc6k-" + id;
            nsPeer = "ksock-mc6p-" + id;
            ifKsock = "kmk" + id;
            ifPeer = "kmp" + id;
            int r = ImpairedPath.run("ip", "netns", "add", nsKsock);
            Assumptions.assumeTrue(r == 0, "cannot create network namespace " + nsKsock + " (ip netns add exit " + r
                    + "): the IPv6 multicast test needs root/CAP_NET_ADMIN; skipped");
            try {
                must("ip", "netns", "add", nsPeer);
                for (String ns : List.of(nsKsock, nsPeer)) {
                    // No duplicate address detection: addresses are usable at once, no sleeping.
                    must("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0");
                    must("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.accept_dad=0");
                    must("ip", "-n", ns, "link", "set", "lo", "up");
                }
                int v = ImpairedPath.run("ip", "link", "add", ifKsock, "netns", nsKsock, "type", "veth", "peer", "name", ifPeer,
                        "netns", nsPeer);
                Assumptions.assumeTrue(v == 0, "cannot create a veth pair between test namespaces (exit " + v + "); skipped");
                must("ip", "-n", nsKsock, "link", "set", ifKsock, "up");
                must("ip", "-n", nsPeer, "link", "set", ifPeer, "up");
                must("ip", "-n", nsKsock, "-6", "addr", "add", "fd00:6b::1/64", "dev", ifKsock, "nodad");
                must("ip", "-n", nsPeer, "-6", "addr", "add", "fd00:6b::2/64", "dev", ifPeer, "nodad");
            } catch (Throwable t) {
                close();
                throw t;
            }
        }

        private static void must(String... argv) throws Exception {
            assertThat(ImpairedPath.run(argv)).as(String.join(" ", argv)).isZero();
        }

        ChildProcess in(String ns, List<String> argv) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
            cmd.addAll(argv);
            ChildProcess p = ChildProcess.start(cmd);
            children.add(p);
            return p;
        }

        @Override
        public void close() throws java.io.IOException {
            for (ChildProcess p : children) {
                p.process.destroyForcibly();
                p.close();
            }
            try {
                ImpairedPath.run("ip", "netns", "del", nsKsock); // takes the veth pair with it
                ImpairedPath.run("ip", "netns", "del", nsPeer);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static String norm(String ipv6) throws Exception {
        return InetAddress.getByName(ipv6).getHostAddress();
    }

    /** "RECV 0 text addr ifindex source" → its words. */
    static String[] received(ChildProcess ksock) throws Exception {
        ksock.send("recv");
        String line = ksock.await("RECV", 15);
        String[] w = line.split(" ");
        assertThat(w[1]).as("sock_receive on the joined socket: %s", line).isEqualTo("0");
        return w;
    }

    @Test
    void joinReceiveWithPktinfoSendWithHopsAndLoopThenLeaveStopsDelivery() throws Exception {
        try (VethPair net = new VethPair()) {
            ChildProcess peer = net.in(net.nsPeer,
                    List.of("python3", ChildProcess.script("mcast6_peer.py").toString(), net.ifPeer, "" + PORT, G1, G2));
            peer.await("READY", 15);
            ChildProcess ksock = net.in(net.nsKsock, ChildProcess.java(Multicast6Child.class, net.ifKsock, "" + PORT));
            String ifindex = ksock.await("READY", 60).split(" ")[1];

            // IPV6_MULTICAST_IF (u_int interface index), _HOPS (int), _LOOP (u_int) read back as set.
            ksock.send("opt IPV6_MULTICAST_IF " + ifindex);
            assertThat(ksock.await("OPT", 10)).isEqualTo("OPT IPV6_MULTICAST_IF 0 " + ifindex);
            ksock.send("opt IPV6_MULTICAST_HOPS 5");
            assertThat(ksock.await("OPT", 10)).isEqualTo("OPT IPV6_MULTICAST_HOPS 0 5");
            ksock.send("opt IPV6_MULTICAST_LOOP 1");
            assertThat(ksock.await("OPT", 10)).isEqualTo("OPT IPV6_MULTICAST_LOOP 0 1");

            // IPV6_JOIN_GROUP with Darwin's ipv6_mreq, for both groups on the veth interface.
            ksock.send("join " + G1);
            assertThat(ksock.await("JOIN", 10)).as("IPV6_JOIN_GROUP %s", G1).isEqualTo("JOIN 0");
            ksock.send("join " + G2);
            assertThat(ksock.await("JOIN", 10)).as("IPV6_JOIN_GROUP %s", G2).isEqualTo("JOIN 0");

            // A real peer sends to each group: ksock receives, with in6_pktinfo naming group and interface.
            for (String[] gt : new String[][] {{G1, "from-peer-1"}, {G2, "from-peer-2"}}) {
                peer.send("send " + gt[0] + " " + PORT + " " + gt[1]);
                peer.await("SENT", 10);
                String[] w = received(ksock);
                assertThat(w[2]).as("payload sent by the peer to %s", gt[0]).isEqualTo(gt[1]);
                assertThat(w[3]).as("IPV6_PKTINFO ipi6_addr: the group the datagram was sent to").isEqualTo(norm(gt[0]));
                assertThat(w[4]).as("IPV6_PKTINFO ipi6_ifindex: the veth interface").isEqualTo(ifindex);
                assertThat(w[5]).as("source: the peer's address on the link").matches("\\[(fe80:|fd00:6b::2).*\\]:\\d+");
            }

            // ksock sends with hop limit 5 and loopback on: the peer gets it with hlim=5, ksock its own copy.
            ksock.send("send " + G1 + " from-ksock-1");
            assertThat(ksock.await("SEND", 10)).isEqualTo("SEND 0");
            assertThat(peer.await("GOT", 10)).as("the peer receives ksock's datagram with IPV6_MULTICAST_HOPS 5")
                    .isEqualTo("GOT " + G1 + " from-ksock-1 hlim=5");
            String[] own = received(ksock);
            assertThat(own[2] + " " + own[3]).as("IPV6_MULTICAST_LOOP 1: ksock's own member socket gets a copy")
                    .isEqualTo("from-ksock-1 " + norm(G1));

            // Loopback off: the peer still receives; ksock's member socket does not. The next datagram
            // (loopback on again) is the first one ksock sees, so the earlier one was not delivered.
            ksock.send("opt IPV6_MULTICAST_LOOP 0");
            assertThat(ksock.await("OPT", 10)).isEqualTo("OPT IPV6_MULTICAST_LOOP 0 0");
            ksock.send("send " + G2 + " not-looped");
            assertThat(ksock.await("SEND", 10)).isEqualTo("SEND 0");
            assertThat(peer.await("GOT", 10)).isEqualTo("GOT " + G2 + " not-looped hlim=5");
            ksock.send("opt IPV6_MULTICAST_LOOP 1");
            assertThat(ksock.await("OPT", 10)).isEqualTo("OPT IPV6_MULTICAST_LOOP 0 1");
            ksock.send("send " + G2 + " looped");
            assertThat(ksock.await("SEND", 10)).isEqualTo("SEND 0");
            assertThat(peer.await("GOT", 10)).isEqualTo("GOT " + G2 + " looped hlim=5");
            assertThat(received(ksock)[2]).as("IPV6_MULTICAST_LOOP 0 kept the earlier datagram from ksock's member socket")
                    .isEqualTo("looped");

            // IPV6_LEAVE_GROUP for G1: the peer's next datagram to G1 is not delivered, G2 still is.
            ksock.send("leave " + G1);
            assertThat(ksock.await("LEAVE", 10)).as("IPV6_LEAVE_GROUP %s", G1).isEqualTo("LEAVE 0");
            peer.send("send " + G1 + " " + PORT + " after-leave");
            peer.await("SENT", 10);
            peer.send("send " + G2 + " " + PORT + " still-member");
            peer.await("SENT", 10);
            assertThat(received(ksock)[2]).as("after leaving %s, the first datagram ksock gets is the one to %s", G1, G2)
                    .isEqualTo("still-member");
            ksock.send("leave " + G1);
            assertThat(ksock.await("LEAVE", 10)).as("leaving a group not joined (XNU: EADDRNOTAVAIL)").isEqualTo("LEAVE EADDRNOTAVAIL");
            ksock.closeStdin();
            assertThat(ksock.waitFor(20)).as("the ksock child exits cleanly").isZero();
        }
    }
}
