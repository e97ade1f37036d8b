package dev.ksock;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import org.junit.jupiter.api.Test;

class SockAddrTest {

    private static byte[] bytes(SockAddr sa, int n) {
        return sa.segment().asSlice(0, n).toArray(JAVA_BYTE);
    }

    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    // ------------------------------------------------------------ AF_INET

    @Test
    void inBuildsA16ByteSockaddrInWithThePortInNetworkOrder() {
        SockAddr sa = SockAddr.in("127.0.0.1", 8080);
        assertThat(bytes(sa, 16)).containsExactly(b(16, 2, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0));
        assertThat(sa.sa_len()).isEqualTo(16);
        assertThat(sa.sa_family()).isEqualTo(SysSocket.AF_INET);
        assertThat(sa.port()).isEqualTo(8080);
        assertThat(sa.address()).isInstanceOf(Inet4Address.class);
        assertThat(sa.address().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(sa.path()).isNull();
        assertThat(sa).hasToString("127.0.0.1:8080");
    }

    @Test
    void inAcceptsTheWholePortRangeAndRejectsOthers() {
        assertThat(SockAddr.in("0.0.0.0", 0).port()).isZero();
        assertThat(SockAddr.in("255.255.255.255", 65535).port()).isEqualTo(65535);
        assertThatThrownBy(() -> SockAddr.in("1.2.3.4", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SockAddr.in("1.2.3.4", 65536)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void inRejectsHostNamesAndNonDottedQuadsWithoutLookingThemUp() {
        for (String bad : new String[] {"localhost", "example.com", "127.1", "1.2.3", "1.2.3.4.5", "1.2.3.256",
                "01.2.3.4", "0x7f.0.0.1", " 1.2.3.4", "1.2.3.4 ", "", "::1", "1..2.3", "1.2.3.-4"}) {
            assertThatThrownBy(() -> SockAddr.in(bad, 80)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    // ------------------------------------------------------------ AF_INET6

    @Test
    void in6BuildsA28ByteSockaddrIn6() {
        SockAddr sa = SockAddr.in6("::1", 8080);
        byte[] expected = new byte[28];
        expected[0] = 28;
        expected[1] = 30;
        expected[2] = 0x1f;
        expected[3] = (byte) 0x90;
        expected[23] = 1;
        assertThat(bytes(sa, 28)).containsExactly(expected);
        assertThat(sa.port()).isEqualTo(8080);
        assertThat(sa.address()).isInstanceOf(Inet6Address.class);
        assertThat(sa.address().isLoopbackAddress()).isTrue();
        assertThat(sa).hasToString("[::1]:8080");
    }

    @Test
    void in6AcceptsBracketsEmbeddedIpv4AndNumericScope() {
        assertThat(SockAddr.in6("[::1]", 1)).isEqualTo(SockAddr.in6("::1", 1));
        assertThat(SockAddr.in6("::ffff:10.0.0.1", 80)).hasToString("[::ffff:10.0.0.1]:80");
        assertThat(SockAddr.in6("::ffff:10.0.0.1", 80).address()).isInstanceOf(Inet6Address.class);
        SockAddr scoped = SockAddr.in6("fe80::1%2", 443);
        assertThat(scoped).hasToString("[fe80::1%2]:443");
        assertThat(((Inet6Address) scoped.address()).getScopeId()).isEqualTo(2);
        assertThat(SockAddr.in6("[fe80::1%2]", 443)).isEqualTo(scoped);
        assertThat(SockAddr.in6("2001:DB8:0:0:0:0:0:1", 0)).hasToString("[2001:db8::1]:0");
        assertThat(SockAddr.in6("1:2:3:4:5:6:7:8", 0)).hasToString("[1:2:3:4:5:6:7:8]:0");
        assertThat(SockAddr.in6("::", 0)).hasToString("[::]:0");
    }

    @Test
    void in6PrintsAddressesInRfc5952Form() {
        assertThat(SockAddr.in6("2001:db8:0:0:1:0:0:1", 1)).hasToString("[2001:db8::1:0:0:1]:1");
        assertThat(SockAddr.in6("2001:0:0:1:0:0:0:1", 1)).hasToString("[2001:0:0:1::1]:1");
        assertThat(SockAddr.in6("2001:db8:0:1:1:1:1:1", 1)).hasToString("[2001:db8:0:1:1:1:1:1]:1");
        assertThat(SockAddr.in6("1::", 1)).hasToString("[1::]:1");
    }

    @Test
    void in6RejectsNamesInterfaceScopesAndMalformedLiterals() {
        for (String bad : new String[] {"localhost", "fe80::1%eth0", "fe80::1%", "1::2::3", ":1", "1:2:3:4:5:6:7:8:9",
                "1:2:3:4:5:6:7", "12345::", "::g", "[::1", "::1]", "1.2.3.4", "::1.2.3", "", "1::2:3:4:5:6:7:8"}) {
            assertThatThrownBy(() -> SockAddr.in6(bad, 80)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    // ------------------------------------------------------------ AF_UNIX

    @Test
    void unStoresThePathWithItsNulAndCountsTheNulInSunLen() {
        SockAddr sa = SockAddr.un("/var/run/app.sock");
        assertThat(sa.sa_len()).isEqualTo(2 + 17 + 1);
        assertThat(sa.sa_family()).isEqualTo(SysSocket.AF_UNIX);
        assertThat(sa.path()).isEqualTo("/var/run/app.sock");
        assertThat(sa.segment().get(JAVA_BYTE, 2 + 17)).isZero();
        assertThat(sa.port()).isZero();
        assertThat(sa.address()).isNull();
        assertThat(sa).hasToString("unix:/var/run/app.sock");
    }

    @Test
    void unKeepsPathsLongerThanDarwinsSunPathForTheSocketLayerToJudge() {
        assertThat(SockAddr.un("a".repeat(103)).path()).hasSize(103);
        assertThat(SockAddr.un("a".repeat(104)).path()).hasSize(104);
        assertThat(SockAddr.un("a".repeat(125)).sa_len()).isEqualTo(128);
        assertThatThrownBy(() -> SockAddr.un("a".repeat(126))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unCountsUtf8BytesAndRejectsNul() {
        assertThat(SockAddr.un("/tmp/é").sa_len()).isEqualTo(2 + 7 + 1);
        assertThat(SockAddr.un("/tmp/é").path()).isEqualTo("/tmp/é");
        assertThatThrownBy(() -> SockAddr.un("/tmp/a\0b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pathStopsAtSaLenWhenThereIsNoNul() {
        SockAddr sa = SockAddr.un("/tmp/abc");
        sa.segment().set(JAVA_BYTE, 0, (byte) (2 + 4)); // XNU reads sun_len - 2 path bytes
        assertThat(sa.path()).isEqualTo("/tmp");
    }

    // ------------------------------------------------------------ storage, of, segment

    @Test
    void storageIs128ZeroBytes() {
        SockAddr sa = SockAddr.storage();
        assertThat(sa.segment().byteSize()).isEqualTo(128);
        assertThat(sa.segment().isNative()).isTrue();
        assertThat(sa.segment().address() % 8).isZero();
        assertThat(sa.segment().toArray(JAVA_BYTE)).containsOnly(0);
        assertThat(sa.sa_len()).isZero();
        assertThat(sa.sa_family()).isEqualTo(SysSocket.AF_UNSPEC);
        assertThat(sa).hasToString("AF_UNSPEC");
    }

    @Test
    void segmentIsTheAddressItselfNotACopy() {
        SockAddr sa = SockAddr.in("10.0.0.1", 80);
        MemorySegment view = sa.segment();
        view.set(JAVA_BYTE, 7, (byte) 2);
        assertThat(sa).hasToString("10.0.0.2:80");
        assertThat(sa.segment().address()).as("the same memory every time").isEqualTo(view.address());
    }

    @Test
    void ofCopiesTheBytesAndKeepsSaLenFromThem() {
        SockAddr original = SockAddr.in6("fe80::1%7", 53);
        SockAddr copy = SockAddr.of(original.segment().asSlice(0, 28));
        assertThat(copy).isEqualTo(original).hasSameHashCodeAs(original).hasToString("[fe80::1%7]:53");
        original.segment().set(JAVA_BYTE, 3, (byte) 54);
        assertThat(copy.port()).as("of copies").isEqualTo(53);

        SockAddr fromHeap = SockAddr.of(MemorySegment.ofArray(b(5, 99, 1, 2, 3)));
        assertThat(fromHeap).hasToString("family 99 len 5");
        assertThat(SockAddr.of(MemorySegment.ofArray(new byte[0]))).isEqualTo(SockAddr.storage());
        assertThat(SockAddr.of(MemorySegment.ofArray(new byte[128])).sa_len()).isZero();
        assertThatThrownBy(() -> SockAddr.of(MemorySegment.ofArray(new byte[129])))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void equalityLooksAtTheFirstSaLenBytesOnly() {
        SockAddr a = SockAddr.in("1.2.3.4", 5);
        SockAddr b = SockAddr.in("1.2.3.4", 5);
        b.segment().set(JAVA_BYTE, 40, (byte) 1); // past sa_len
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(SockAddr.in("1.2.3.4", 6)).isNotEqualTo(SockAddr.in6("::ffff:1.2.3.4", 5));
    }

    @Test
    void inetAddressWithAWrongSaLenSaysSo() {
        SockAddr sa = SockAddr.in("127.0.0.1", 80);
        sa.segment().set(JAVA_BYTE, 0, (byte) 7);
        assertThat(sa).hasToString("127.0.0.1:80 (sa_len 7)");
    }

    @Test
    void accessorsSurviveTheWorstHeader() {
        SockAddr sa = SockAddr.storage();
        MemorySegment s = sa.segment();
        s.fill((byte) 0xff);
        s.set(JAVA_BYTE, 1, (byte) SysSocket.AF_UNIX); // sa_len 255 and no NUL in the whole storage
        assertThat(sa.sa_len()).isEqualTo(255);
        assertThat(sa.path()).hasSize(126); // U+FFFD for each malformed byte, never an exception
        assertThat(sa.toString()).startsWith("unix:");
        s.set(JAVA_BYTE, 1, (byte) SysSocket.AF_INET6);
        assertThat(sa.port()).isEqualTo(0xffff);
        assertThat(sa.toString()).isEqualTo("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535 (sa_len 255)");
        assertThat(((Inet6Address) sa.address()).getScopeId()).as("an unsigned scope id over 2^31 is dropped").isZero();
        s.set(JAVA_BYTE, 0, (byte) 1);
        s.set(JAVA_BYTE, 1, (byte) SysSocket.AF_UNIX);
        assertThat(sa.path()).isEmpty();
    }
}
