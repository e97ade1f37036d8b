package dev.ksock.internal.host.linux;

import static dev.ksock.SysErrno.EAFNOSUPPORT;
import static dev.ksock.SysErrno.EINVAL;
import static dev.ksock.SysErrno.ENAMETOOLONG;
import static dev.ksock.SysErrno.ENOENT;
import static dev.ksock.SysSocket.AF_UNIX;
import static dev.ksock.SysSocket.AF_UNSPEC;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.SockAddr;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LinuxSockaddrTest {

    private final MemorySegment linux = Arena.ofAuto().allocate(LinuxSockaddr.STORAGE_SIZE, 8);

    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    private byte[] linuxBytes(int n) {
        return linux.asSlice(0, n).toArray(JAVA_BYTE);
    }

    // ------------------------------------------------------------ BSD → Linux

    @Test
    void inetBecomesLinuxSockaddrInWithALittleEndianFamily() {
        assertThat(LinuxSockaddr.toLinux(SockAddr.in("192.168.1.2", 443), linux)).isEqualTo(16);
        assertThat(linuxBytes(16)).containsExactly(b(2, 0, 0x01, 0xbb, 192, 168, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void inet6BecomesLinuxSockaddrIn6WithFamily10AndTheSameScopeId() {
        assertThat(LinuxSockaddr.toLinux(SockAddr.in6("fe80::1%3", 80), linux)).isEqualTo(28);
        byte[] expected = new byte[28];
        expected[0] = 10;
        expected[3] = 80;
        expected[8] = (byte) 0xfe;
        expected[9] = (byte) 0x80;
        expected[23] = 1;
        expected[24] = 3; // host-order u32 on both
        assertThat(linuxBytes(28)).containsExactly(expected);
    }

    @Test
    void localPathBecomesLinuxSockaddrUnWithItsNul() {
        linux.fill((byte) 0x55);
        assertThat(LinuxSockaddr.toLinux(SockAddr.un("/tmp/s"), linux)).isEqualTo(2 + 6 + 1);
        assertThat(linuxBytes(9)).containsExactly(b(1, 0, '/', 't', 'm', 'p', '/', 's', 0));
    }

    @Test
    void inetSaLenMustBeExactlyTheStructSizeAsInXnuInPcbbind() {
        SockAddr v4 = SockAddr.in("1.2.3.4", 1);
        for (int len : new int[] {0, 1, 15, 17, 128, 255}) {
            v4.segment().set(JAVA_BYTE, 0, (byte) len);
            assertThat(LinuxSockaddr.toLinux(v4, linux)).as("sin_len %d", len).isEqualTo(-EINVAL);
        }
        SockAddr v6 = SockAddr.in6("::1", 1);
        for (int len : new int[] {0, 16, 27, 29, 128}) {
            v6.segment().set(JAVA_BYTE, 0, (byte) len);
            assertThat(LinuxSockaddr.toLinux(v6, linux)).as("sin6_len %d", len).isEqualTo(-EINVAL);
        }
    }

    @Test
    void familiesTheHostLacksAreEafnosupport() {
        assertThat(LinuxSockaddr.toLinux(SockAddr.storage(), linux)).as("AF_UNSPEC").isEqualTo(-EAFNOSUPPORT);
        SockAddr route = SockAddr.storage();
        route.segment().set(JAVA_BYTE, 0, (byte) 16);
        route.segment().set(JAVA_BYTE, 1, (byte) 17);
        assertThat(LinuxSockaddr.toLinux(route, linux)).as("AF_ROUTE").isEqualTo(-EAFNOSUPPORT);
    }

    @Test
    void theSocketLayerCanEncodeAnUnspecAddressAsLocalLikeUnpBind() {
        SockAddr sa = SockAddr.un("/tmp/u");
        sa.segment().set(JAVA_BYTE, 1, (byte) AF_UNSPEC);
        assertThat(LinuxSockaddr.toLinux(sa, AF_UNIX, linux)).isEqualTo(9);
        assertThat(linux.get(JAVA_BYTE, 0)).isEqualTo((byte) 1);
    }

    @Test
    void nullArgumentsAndATooSmallDestinationAreEinvalNotExceptions() {
        assertThat(LinuxSockaddr.toLinux(null, linux)).isEqualTo(-EINVAL);
        assertThat(LinuxSockaddr.toLinux(SockAddr.in("1.2.3.4", 1), null)).isEqualTo(-EINVAL);
        assertThat(LinuxSockaddr.toLinux(SockAddr.in("1.2.3.4", 1), linux.asSlice(0, 15))).isEqualTo(-EINVAL);
        assertThat(LinuxSockaddr.toLinux(SockAddr.un("/tmp/abc"), linux.asSlice(0, 10))).isEqualTo(-EINVAL);
    }

    @Test
    void localPathsUpToTheHostsSunPathWorkAndLongerOnesAreEnametoolong() {
        // XNU's unp_bind takes sun_len - 2 bytes whatever sizeof(sun_path) is; Linux holds 108.
        assertThat(LinuxSockaddr.toLinux(SockAddr.un("a".repeat(103)), linux)).isEqualTo(2 + 103 + 1);
        assertThat(LinuxSockaddr.toLinux(SockAddr.un("a".repeat(104)), linux)).isEqualTo(2 + 104 + 1);
        assertThat(LinuxSockaddr.toLinux(SockAddr.un("a".repeat(107)), linux)).isEqualTo(110);
        assertThat(LinuxSockaddr.toLinux(SockAddr.un("a".repeat(108)), linux)).as("fills sun_path, no NUL").isEqualTo(110);
        assertThat(LinuxSockaddr.toLinux(SockAddr.un("a".repeat(109)), linux)).isEqualTo(-ENAMETOOLONG);
        assertThat(LinuxSockaddr.toLinux(SockAddr.un("a".repeat(125)), linux)).isEqualTo(-ENAMETOOLONG);
    }

    @Test
    void localSunLenShorterThanAPathCutsThePathAsXnuDoes() {
        SockAddr sa = SockAddr.un("/tmp/abcdef");
        sa.segment().set(JAVA_BYTE, 0, (byte) (2 + 4)); // SUN_LEN-style, and shorter than the string
        assertThat(LinuxSockaddr.toLinux(sa, linux)).isEqualTo(2 + 4 + 1);
        assertThat(linuxBytes(7)).containsExactly(b(1, 0, '/', 't', 'm', 'p', 0));
    }

    @Test
    void localWithoutPathBytesIsEinvalAndAnEmptyPathEnoent() {
        SockAddr sa = SockAddr.un("/x");
        for (int len : new int[] {0, 1, 2}) {
            sa.segment().set(JAVA_BYTE, 0, (byte) len);
            assertThat(LinuxSockaddr.toLinux(sa, linux)).as("sun_len %d (namelen <= 0)", len).isEqualTo(-EINVAL);
        }
        assertThat(LinuxSockaddr.toLinux(SockAddr.un(""), linux)).as("namei of \"\"").isEqualTo(-ENOENT);
    }

    @Test
    void localSaLenPastTheStorageReadsOnlyTheStorage() {
        SockAddr sa = SockAddr.un("/tmp/x");
        sa.segment().set(JAVA_BYTE, 0, (byte) 255);
        assertThat(LinuxSockaddr.toLinux(sa, linux)).isEqualTo(2 + 6 + 1);
        SockAddr noNul = SockAddr.storage();
        noNul.segment().fill((byte) 'a');
        noNul.segment().set(JAVA_BYTE, 0, (byte) 255);
        noNul.segment().set(JAVA_BYTE, 1, (byte) AF_UNIX);
        assertThat(LinuxSockaddr.toLinux(noNul, linux)).isEqualTo(-ENAMETOOLONG);
    }

    // ------------------------------------------------------------ Linux → BSD

    @Test
    void everyFactoryAddressComesBackIdenticalFromLinux() {
        for (SockAddr original : new SockAddr[] {SockAddr.in("10.1.2.3", 1), SockAddr.in("0.0.0.0", 65535),
                SockAddr.in6("2001:db8::7", 9), SockAddr.in6("fe80::1%42", 0), SockAddr.un("/run/x.sock"),
                SockAddr.un("p".repeat(108))}) {
            int len = LinuxSockaddr.toLinux(original, linux);
            SockAddr back = SockAddr.storage();
            assertThat(LinuxSockaddr.fromLinux(linux, len, back, 128)).as(original.toString()).isEqualTo(original.sa_len());
            assertThat(back).as(original.toString()).isEqualTo(original);
        }
    }

    @Test
    void anUnnamedLocalPeerIsXnusSunNoname() {
        linux.set(JAVA_BYTE, 0, (byte) 1);
        linux.set(JAVA_BYTE, 1, (byte) 0);
        SockAddr out = SockAddr.storage();
        out.segment().fill((byte) 0x77);
        assertThat(LinuxSockaddr.fromLinux(linux, 2, out, 128)).isEqualTo(3);
        assertThat(out.segment().asSlice(0, 4).toArray(JAVA_BYTE)).containsExactly(b(3, 1, 0, 0x77));
        assertThat(out.path()).isEmpty();
    }

    @Test
    void aLinuxAbstractNameIsPassedThroughByteForByte() {
        byte[] name = b(1, 0, 0, 'a', 'b', 0, 'c');
        MemorySegment.copy(name, 0, linux, JAVA_BYTE, 0, name.length);
        SockAddr out = SockAddr.storage();
        assertThat(LinuxSockaddr.fromLinux(linux, name.length, out, 128)).isEqualTo(7);
        assertThat(out.segment().asSlice(0, 7).toArray(JAVA_BYTE)).containsExactly(b(7, 1, 0, 'a', 'b', 0, 'c'));
    }

    @Test
    void aLinuxPathIsReadUpToItsNulWhateverTheReportedLength() {
        byte[] path = "/srv/sock".getBytes(StandardCharsets.US_ASCII);
        linux.fill((byte) 0);
        linux.set(JAVA_BYTE, 0, (byte) 1);
        MemorySegment.copy(path, 0, linux, JAVA_BYTE, 2, path.length);
        SockAddr out = SockAddr.storage();
        assertThat(LinuxSockaddr.fromLinux(linux, 110, out, 128)).isEqualTo(2 + 9 + 1);
        assertThat(out.path()).isEqualTo("/srv/sock");
    }

    @Test
    void noAddressIsLengthZeroAndWritesNothing() {
        SockAddr out = SockAddr.in("1.2.3.4", 5);
        assertThat(LinuxSockaddr.fromLinux(linux, 0, out, 128)).isZero();
        assertThat(out).isEqualTo(SockAddr.in("1.2.3.4", 5));
    }

    @Test
    void shortOrForeignLinuxAddressesAreErrnosNotExceptions() {
        linux.set(JAVA_BYTE, 0, (byte) 2);
        linux.set(JAVA_BYTE, 1, (byte) 0);
        SockAddr out = SockAddr.storage();
        assertThat(LinuxSockaddr.fromLinux(linux, 15, out, 128)).as("AF_INET in 15 bytes").isEqualTo(-EINVAL);
        linux.set(JAVA_BYTE, 0, (byte) 10);
        assertThat(LinuxSockaddr.fromLinux(linux, 27, out, 128)).as("AF_INET6 in 27 bytes").isEqualTo(-EINVAL);
        assertThat(LinuxSockaddr.fromLinux(linux, 1, out, 128)).isEqualTo(-EINVAL);
        assertThat(LinuxSockaddr.fromLinux(linux, -3, out, 128)).isEqualTo(-EINVAL);
        assertThat(LinuxSockaddr.fromLinux(null, 16, out, 128)).isEqualTo(-EINVAL);
        linux.set(JAVA_BYTE, 0, (byte) 16); // AF_NETLINK
        assertThat(LinuxSockaddr.fromLinux(linux, 12, out, 128)).isEqualTo(-EAFNOSUPPORT);
        linux.set(JAVA_BYTE, 0, (byte) 2);
        assertThat(LinuxSockaddr.fromLinux(linux.asSlice(0, 8), 16, out, 128)).as("len past the segment").isEqualTo(-EINVAL);
        assertThat(out).isEqualTo(SockAddr.storage());
    }

    @Test
    void aNullOutOrNonPositiveMaxlenStillReportsTheFullLength() {
        int len = LinuxSockaddr.toLinux(SockAddr.in6("::1", 1), linux);
        SockAddr out = SockAddr.storage();
        assertThat(LinuxSockaddr.fromLinux(linux, len, null, 128)).isEqualTo(28);
        assertThat(LinuxSockaddr.fromLinux(linux, len, out, 0)).isEqualTo(28);
        assertThat(LinuxSockaddr.fromLinux(linux, len, out, -1)).isEqualTo(28);
        assertThat(out).isEqualTo(SockAddr.storage());
    }
}
