package dev.ksock.internal.host.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.SockAddr;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class LinuxSockaddrProperties {

    @Provide
    Arbitrary<SockAddr> addresses() {
        Arbitrary<Integer> ports = Arbitraries.integers().between(0, 65535);
        Arbitrary<SockAddr> v4 = Combinators.combine(Arbitraries.bytes().array(byte[].class).ofSize(4), ports)
                .as((a, p) -> SockAddr.in(literal(a), p));
        Arbitrary<SockAddr> v6 = Combinators.combine(Arbitraries.bytes().array(byte[].class).ofSize(16), ports,
                        Arbitraries.integers().between(0, 100))
                .as((a, p, scope) -> SockAddr.in6(literal(a) + (scope > 0 ? "%" + scope : ""), p));
        Arbitrary<SockAddr> local = Arbitraries.strings().withCharRange('a', 'z').withChars('/', '.', 'é')
                .ofMinLength(1).ofMaxLength(60).map(s -> SockAddr.un("/" + s));
        return Arbitraries.oneOf(v4, v6, local);
    }

    private static String literal(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * BSD truncation (XNU sock_getpeername/sock_accept copy MIN(len, sa_len) bytes): the first
     * MIN(maxlen, sa_len) bytes are those of the full address, nothing at or past that is touched,
     * and the result is always the full sa_len.
     */
    @Property(tries = 400)
    void fromLinuxWritesExactlyTheFirstMinMaxlenSaLenBytes(@ForAll("addresses") SockAddr original,
                                                           @ForAll @IntRange(min = -2, max = 140) int maxlen) {
        MemorySegment linux = MemorySegment.ofArray(new byte[LinuxSockaddr.STORAGE_SIZE]);
        int linuxLen = LinuxSockaddr.toLinux(original, linux);
        assertThat(linuxLen).isPositive();

        SockAddr out = SockAddr.storage();
        out.segment().fill((byte) 0xA5);
        int saLen = LinuxSockaddr.fromLinux(linux, linuxLen, out, maxlen);

        assertThat(saLen).isEqualTo(original.sa_len());
        int written = Math.max(0, Math.min(maxlen, saLen));
        byte[] got = out.segment().toArray(JAVA_BYTE);
        byte[] full = original.segment().toArray(JAVA_BYTE);
        for (int i = 0; i < got.length; i++) {
            if (i < written) {
                assertThat(got[i]).as("byte %d of %s, maxlen %d", i, original, maxlen).isEqualTo(full[i]);
            } else {
                assertThat(got[i]).as("byte %d past maxlen %d untouched", i, maxlen).isEqualTo((byte) 0xA5);
            }
        }
    }

    @Property(tries = 300)
    void translationNeverThrowsWhateverTheBytes(@ForAll("garbage") byte[] bytes,
                                                @ForAll @IntRange(min = -1, max = 130) int len,
                                                @ForAll @IntRange(min = -1, max = 130) int maxlen) {
        SockAddr sa = SockAddr.of(MemorySegment.ofArray(bytes));
        MemorySegment linux = MemorySegment.ofArray(new byte[LinuxSockaddr.STORAGE_SIZE]);
        int r = LinuxSockaddr.toLinux(sa, linux);
        assertThat(r).isBetween(-255, 110);
        for (int family : new int[] {0, 1, 2, 30, 99}) {
            LinuxSockaddr.toLinux(sa, family, linux);
        }
        int back = LinuxSockaddr.fromLinux(MemorySegment.ofArray(bytes), len, SockAddr.storage(), maxlen);
        assertThat(back).isBetween(-255, 128);
    }

    @Provide
    Arbitrary<byte[]> garbage() {
        Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofSize(128);
        // Put a family byte the translation understands in either layout often enough to matter.
        return Combinators.combine(raw, Arbitraries.of(0, 1, 2, 10, 30), Arbitraries.integers().between(0, 255))
                .as((b, family, len) -> {
                    b[0] = (byte) (int) len;
                    b[1] = (byte) (int) family;
                    return b;
                });
    }
}
