package dev.ksock.internal.host.linux;

import static dev.ksock.Darwin.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The Darwin ⇄ Linux tables against values written out independently (DARWIN-CONSTANTS.md and
 * this host's glibc/uapi headers).
 */
class LinuxConstantsTest {

    @Test
    void familiesTranslateBothWaysAndOnlyThoseTheHostShares() {
        int[][] expected = {{AF_UNSPEC, 0}, {AF_UNIX, 1}, {AF_INET, 2}, {AF_INET6, 10}, {AF_VSOCK, 40}};
        for (int[] row : expected) {
            assertThat(LinuxConstants.familyToLinux(row[0])).as("family " + row[0]).isEqualTo(row[1]);
            assertThat(LinuxConstants.familyToDarwin(row[1])).as("Linux family " + row[1]).isEqualTo(row[0]);
        }
        assertThat(LinuxConstants.familyToLinux(AF_LOCAL)).isEqualTo(1);
        for (int none : new int[] {AF_ROUTE, AF_LINK, AF_NDRV, AF_SYSTEM, AF_MAX, 10, -1, 300}) {
            assertThat(LinuxConstants.familyToLinux(none)).as("Darwin family " + none).isEqualTo(-1);
        }
        assertThat(LinuxConstants.familyToDarwin(16)).as("netlink is not AF_ROUTE").isEqualTo(-1);
        assertThat(LinuxConstants.familyToDarwin(30)).isEqualTo(-1);
    }

    @Test
    void socketTypesAreTheSameNumbers() {
        for (int type : new int[] {SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET}) {
            assertThat(LinuxConstants.typeToLinux(type)).isEqualTo(type);
            assertThat(LinuxConstants.typeToDarwin(type)).isEqualTo(type);
        }
        assertThat(LinuxConstants.typeToLinux(0)).isEqualTo(-1);
        assertThat(LinuxConstants.typeToLinux(6)).isEqualTo(-1);
        assertThat(LinuxConstants.typeToDarwin(1 | 0x800)).as("SOCK_NONBLOCK is not a type").isEqualTo(-1);
    }

    private static final int[][] MSG = {
        {MSG_OOB, 0x1}, {MSG_PEEK, 0x2}, {MSG_DONTROUTE, 0x4}, {MSG_EOR, 0x80}, {MSG_TRUNC, 0x20},
        {MSG_CTRUNC, 0x8}, {MSG_WAITALL, 0x100}, {MSG_DONTWAIT, 0x40}, {MSG_NOSIGNAL, 0x4000},
    };

    @Test
    void eachMsgFlagTranslatesBothWays() {
        int allDarwin = 0;
        int allLinux = 0;
        for (int[] row : MSG) {
            assertThat(LinuxConstants.msgFlagsToLinux(row[0])).as("Darwin 0x%x", row[0]).isEqualTo(row[1]);
            assertThat(LinuxConstants.msgFlagsFromLinux(row[1])).as("Linux 0x%x", row[1]).isEqualTo(row[0]);
            allDarwin |= row[0];
            allLinux |= row[1];
        }
        assertThat(LinuxConstants.msgFlagsToLinux(allDarwin)).isEqualTo(allLinux);
        assertThat(LinuxConstants.msgFlagsFromLinux(allLinux)).isEqualTo(allDarwin);
        assertThat(LinuxConstants.msgFlagsToLinux(0)).isZero();
    }

    @Test
    void darwinOnlyMsgFlagsNeverReachLinuxAsSomethingElse() {
        int darwinOnly = MSG_EOF | MSG_WAITSTREAM | MSG_FLUSH | MSG_HOLD | MSG_SEND | MSG_HAVEMORE | MSG_RCVMORE
                | MSG_COMPAT | MSG_NEEDSA | MSG_NBIO | MSG_SKIPCFIL | MSG_USEUPCALL;
        assertThat(LinuxConstants.msgFlagsToLinux(darwinOnly)).isZero();
        assertThat(LinuxConstants.msgFlagsToLinux(MSG_EOF | MSG_DONTWAIT))
                .as("MSG_EOF (0x100) must not become Linux MSG_WAITALL").isEqualTo(0x40);
        assertThat(LinuxConstants.msgFlagsFromLinux(0x2000 /* MSG_ERRQUEUE */ | 0x8000 /* MSG_MORE */)).isZero();
    }

    @Test
    void msgFlagsRoundTripForEveryCombinationOfTranslatableBits() {
        int mask = 0;
        for (int[] row : MSG) {
            mask |= row[0];
        }
        for (int bits = 0; bits < 1 << MSG.length; bits++) {
            int flags = 0;
            for (int i = 0; i < MSG.length; i++) {
                if ((bits & 1 << i) != 0) {
                    flags |= MSG[i][0];
                }
            }
            int noise = MSG_HAVEMORE | MSG_USEUPCALL;
            assertThat(LinuxConstants.msgFlagsFromLinux(LinuxConstants.msgFlagsToLinux(flags | noise)))
                    .isEqualTo(flags & mask);
        }
    }

    @Test
    void levelsTranslateAndIcmpCannotPassForSolSocket() {
        int[][] expected = {{SOL_SOCKET, 1}, {IPPROTO_IP, 0}, {IPPROTO_TCP, 6}, {IPPROTO_UDP, 17},
            {IPPROTO_IPV6, 41}, {IPPROTO_ICMPV6, 58}, {IPPROTO_RAW, 255}};
        for (int[] row : expected) {
            assertThat(LinuxConstants.levelToLinux(row[0])).isEqualTo(row[1]);
            assertThat(LinuxConstants.levelToDarwin(row[1])).isEqualTo(row[0]);
        }
        assertThat(LinuxConstants.levelToLinux(IPPROTO_ICMP)).as("Linux level 1 is SOL_SOCKET").isEqualTo(-1);
        assertThat(LinuxConstants.levelToLinux(12345)).isEqualTo(-1);
    }

    /** {darwinLevel, darwinName, linuxLevel, linuxName}. */
    private static final int[][] SOCKOPTS = {
        {SOL_SOCKET, SO_DEBUG, 1, 1}, {SOL_SOCKET, SO_ACCEPTCONN, 1, 30}, {SOL_SOCKET, SO_REUSEADDR, 1, 2},
        {SOL_SOCKET, SO_KEEPALIVE, 1, 9}, {SOL_SOCKET, SO_DONTROUTE, 1, 5}, {SOL_SOCKET, SO_BROADCAST, 1, 6},
        {SOL_SOCKET, SO_LINGER, 1, 13}, {SOL_SOCKET, SO_LINGER_SEC, 1, 13}, {SOL_SOCKET, SO_OOBINLINE, 1, 10},
        {SOL_SOCKET, SO_REUSEPORT, 1, 15}, {SOL_SOCKET, SO_TIMESTAMP, 1, 29}, {SOL_SOCKET, SO_SNDBUF, 1, 7},
        {SOL_SOCKET, SO_RCVBUF, 1, 8}, {SOL_SOCKET, SO_SNDLOWAT, 1, 19}, {SOL_SOCKET, SO_RCVLOWAT, 1, 18},
        {SOL_SOCKET, SO_SNDTIMEO, 1, 21}, {SOL_SOCKET, SO_RCVTIMEO, 1, 20}, {SOL_SOCKET, SO_ERROR, 1, 4},
        {SOL_SOCKET, SO_TYPE, 1, 3},
        {IPPROTO_IP, IP_OPTIONS, 0, 4}, {IPPROTO_IP, IP_HDRINCL, 0, 3}, {IPPROTO_IP, IP_TOS, 0, 1},
        {IPPROTO_IP, IP_TTL, 0, 2}, {IPPROTO_IP, IP_RECVOPTS, 0, 6}, {IPPROTO_IP, IP_RECVRETOPTS, 0, 7},
        {IPPROTO_IP, IP_RETOPTS, 0, 7}, {IPPROTO_IP, IP_MULTICAST_IF, 0, 32}, {IPPROTO_IP, IP_MULTICAST_TTL, 0, 33},
        {IPPROTO_IP, IP_MULTICAST_LOOP, 0, 34}, {IPPROTO_IP, IP_ADD_MEMBERSHIP, 0, 35},
        {IPPROTO_IP, IP_DROP_MEMBERSHIP, 0, 36}, {IPPROTO_IP, IP_RECVTTL, 0, 12}, {IPPROTO_IP, IP_PKTINFO, 0, 8},
        {IPPROTO_IP, IP_RECVTOS, 0, 13},
        {IPPROTO_IPV6, IPV6_UNICAST_HOPS, 41, 16}, {IPPROTO_IPV6, IPV6_MULTICAST_IF, 41, 17},
        {IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 41, 18}, {IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 41, 19},
        {IPPROTO_IPV6, IPV6_JOIN_GROUP, 41, 20}, {IPPROTO_IPV6, IPV6_LEAVE_GROUP, 41, 21},
        {IPPROTO_IPV6, IPV6_2292PKTINFO, 41, 2}, {IPPROTO_IPV6, IPV6_CHECKSUM, 41, 7},
        {IPPROTO_IPV6, IPV6_V6ONLY, 41, 26}, {IPPROTO_IPV6, IPV6_RECVTCLASS, 41, 66},
        {IPPROTO_IPV6, IPV6_TCLASS, 41, 67}, {IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 41, 51},
        {IPPROTO_IPV6, IPV6_PKTINFO, 41, 50}, {IPPROTO_IPV6, IPV6_RECVPKTINFO, 41, 49},
        {IPPROTO_IPV6, IPV6_DONTFRAG, 41, 62},
        {IPPROTO_TCP, TCP_NODELAY, 6, 1}, {IPPROTO_TCP, TCP_MAXSEG, 6, 2}, {IPPROTO_TCP, TCP_KEEPALIVE, 6, 4},
        {IPPROTO_TCP, TCP_KEEPINTVL, 6, 5}, {IPPROTO_TCP, TCP_KEEPCNT, 6, 6}, {IPPROTO_TCP, TCP_FASTOPEN, 6, 23},
        {IPPROTO_TCP, TCP_NOTSENT_LOWAT, 6, 25},
    };

    @Test
    void everyOptionWithADirectCounterpartMapsToItsLinuxLevelAndName() {
        for (int[] row : SOCKOPTS) {
            long opt = LinuxConstants.sockoptToLinux(row[0], row[1]);
            assertThat(opt).as("level 0x%x option 0x%x", row[0], row[1]).isNotEqualTo(-1);
            assertThat(LinuxConstants.sockoptLevel(opt)).as("level of 0x%x/0x%x", row[0], row[1]).isEqualTo(row[2]);
            assertThat(LinuxConstants.sockoptName(opt)).as("name of 0x%x/0x%x", row[0], row[1]).isEqualTo(row[3]);
            assertThat(LinuxConstants.levelToLinux(row[0])).isEqualTo(row[2]);
        }
    }

    @Test
    void optionsThatNeedEmulationHaveNoDirectCounterpart() {
        int[][] emulated = {
            {SOL_SOCKET, SO_NREAD}, {SOL_SOCKET, SO_NWRITE}, {SOL_SOCKET, SO_NOSIGPIPE}, {SOL_SOCKET, SO_USELOOPBACK},
            {SOL_SOCKET, SO_TIMESTAMP_MONOTONIC}, {SOL_SOCKET, SO_NKE}, {SOL_SOCKET, SO_NOADDRERR},
            {SOL_SOCKET, SO_RANDOMPORT}, {SOL_SOCKET, SO_TRAFFIC_CLASS}, {SOL_SOCKET, SO_DONTTRUNC},
            {IPPROTO_TCP, TCP_CONNECTIONTIMEOUT}, {IPPROTO_TCP, TCP_NOPUSH}, {IPPROTO_TCP, TCP_NOOPT},
            {IPPROTO_TCP, TCP_RXT_CONNDROPTIME}, {IPPROTO_TCP, PERSIST_TIMEOUT}, {IPPROTO_TCP, TCP_CONNECTION_INFO},
            {IPPROTO_IP, IP_RECVDSTADDR}, {IPPROTO_IP, IP_RECVIF}, {IPPROTO_IP, IP_BOUND_IF},
            {IPPROTO_IP, IP_PORTRANGE}, {IPPROTO_IP, IP_DONTFRAG},
            {IPPROTO_IPV6, IPV6_BOUND_IF}, {IPPROTO_IPV6, IPV6_PORTRANGE},
            {IPPROTO_UDP, 1}, {IPPROTO_ICMP, 1}, {-1, SO_DEBUG},
        };
        for (int[] row : emulated) {
            assertThat(LinuxConstants.sockoptToLinux(row[0], row[1]))
                    .as("level 0x%x option 0x%x", row[0], row[1]).isEqualTo(-1);
        }
    }

    /** {Darwin request, Linux request}. */
    private static final long[][] IOCTLS = {
        {FIONREAD, 0x541B}, {FIONBIO, 0x5421}, {FIOASYNC, 0x5452}, {FIOCLEX, 0x5451}, {FIONCLEX, 0x5450},
        {FIOSETOWN, 0x8901}, {FIOGETOWN, 0x8903}, {SIOCSPGRP, 0x8902}, {SIOCGPGRP, 0x8904}, {SIOCATMARK, 0x8905},
    };

    @Test
    void ioctlsTranslateBothWays() {
        for (long[] row : IOCTLS) {
            assertThat(LinuxConstants.ioctlToLinux(row[0])).as("Darwin 0x%x", row[0]).isEqualTo(row[1]);
            assertThat(LinuxConstants.ioctlToDarwin(row[1])).as("Linux 0x%x", row[1]).isEqualTo(row[0]);
        }
        for (long none : new long[] {FIODTYPE, SIOCSHIWAT, SIOCGHIWAT, SIOCSLOWAT, SIOCGLOWAT, 0x40046677L, 0, -1}) {
            assertThat(LinuxConstants.ioctlToLinux(none)).as("Darwin 0x%x", none).isEqualTo(-1);
        }
        assertThat(LinuxConstants.ioctlToDarwin(0x5411 /* TIOCOUTQ */)).isEqualTo(-1);
    }

    @Test
    void aSignExtendedIoctlRequestIsTheSameRequest() {
        long signExtended = 0x8004667E; // an int literal: what a Java port of C code easily writes
        assertThat(signExtended).isNegative();
        assertThat(LinuxConstants.ioctlToLinux(signExtended)).isEqualTo(0x5421);
        assertThat(LinuxConstants.ioctlToLinux(FIONBIO | 1L << 40)).isEqualTo(-1);
    }

    @Test
    void msgFlagTranslationAllocatesNothing() {
        long sink = 0;
        for (int i = 0; i < 20_000; i++) {
            sink += LinuxConstants.msgFlagsToLinux(i) + LinuxConstants.msgFlagsFromLinux(i);
        }
        long before = Allocations.currentThread();
        for (int i = 0; i < 100_000; i++) {
            sink += LinuxConstants.msgFlagsToLinux(i * 31) + LinuxConstants.msgFlagsFromLinux(i * 17)
                    + LinuxConstants.sockoptToLinux(SOL_SOCKET, i & 0x1fff);
        }
        long allocated = Allocations.currentThread() - before;
        assertThat(allocated).as("bytes allocated by 300k lookups (sink " + sink + ")").isLessThan(1024);
    }
}
