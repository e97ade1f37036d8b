package dev.ksock;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class SockAddrProperties {

    @Provide
    Arbitrary<byte[]> storageBytes() {
        // Mostly random, sometimes with a family this class decodes so that every branch runs.
        return Arbitraries.bytes().array(byte[].class).ofSize(128).flatMap(bytes ->
                Arbitraries.of(-1, 0, 1, 2, 30).map(family -> {
                    if (family >= 0) {
                        bytes[1] = (byte) (int) family;
                    }
                    return bytes;
                }));
    }

    @Property(tries = 500)
    void accessorsNeverThrowWhateverTheBytes(@ForAll("storageBytes") byte[] garbage) {
        SockAddr sa = SockAddr.of(MemorySegment.ofArray(garbage));
        assertThat(sa.sa_len()).isBetween(0, 255);
        assertThat(sa.sa_family()).isBetween(0, 255);
        assertThat(sa.port()).isBetween(0, 65535);
        sa.address();
        sa.path();
        assertThat(sa.toString()).isNotEmpty();
        assertThat(sa).isEqualTo(SockAddr.of(sa.segment())).hasSameHashCodeAs(SockAddr.of(sa.segment()));
    }

    @Property(tries = 200)
    void ipv4RoundTripsThroughItsBytes(@ForAll @Size(4) byte[] addr, @ForAll @IntRange(max = 65535) int port)
            throws Exception {
        String literal = InetAddress.getByAddress(addr).getHostAddress();
        SockAddr sa = SockAddr.in(literal, port);
        SockAddr copy = SockAddr.of(sa.segment().asSlice(0, sa.sa_len()));
        assertThat(copy).isEqualTo(sa);
        assertThat(copy.address().getAddress()).containsExactly(addr);
        assertThat(copy.port()).isEqualTo(port);
        assertThat(copy).hasToString(literal + ":" + port);
    }

    @Property(tries = 300)
    void ipv6RoundTripsThroughBytesAndText(@ForAll @Size(16) byte[] addr, @ForAll @IntRange(max = 65535) int port,
                                           @ForAll @IntRange(max = 1000) int scope) throws Exception {
        // The JDK's uncompressed text form in, our RFC 5952 form out, and that form parses back.
        String jdkLiteral = Inet6Address.getByAddress(null, addr, -1).getHostAddress();
        SockAddr sa = SockAddr.in6(jdkLiteral + (scope > 0 ? "%" + scope : ""), port);
        assertThat(sa.address().getAddress()).containsExactly(addr);
        assertThat(sa.port()).isEqualTo(port);
        String text = sa.toString();
        String bracketed = text.substring(0, text.lastIndexOf(':'));
        assertThat(SockAddr.in6(bracketed, port)).isEqualTo(sa);
        assertThat(SockAddr.of(sa.segment().asSlice(0, 28))).isEqualTo(sa);
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.strings().withCharRange('!', '~').withChars('é', '日').ofMinLength(1).ofMaxLength(40)
                .map(s -> "/" + s)
                .filter(s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 125);
    }

    @Property(tries = 200)
    void localPathsRoundTrip(@ForAll("paths") String path) {
        SockAddr sa = SockAddr.un(path);
        SockAddr copy = SockAddr.of(sa.segment().asSlice(0, sa.sa_len()));
        assertThat(copy.path()).isEqualTo(path);
        assertThat(copy).isEqualTo(sa).hasToString("unix:" + path);
        assertThat(copy.segment().get(JAVA_BYTE, sa.sa_len() - 1)).as("terminating NUL inside sun_len").isZero();
    }
}
