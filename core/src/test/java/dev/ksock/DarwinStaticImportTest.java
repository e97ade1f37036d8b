package dev.ksock;

import static dev.ksock.Darwin.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Code ported from C writes {@code import static dev.ksock.Darwin.*} and uses the names bare. */
class DarwinStaticImportTest {

    @Test
    void everyHeaderIsReachableThroughOneStaticImport() {
        // One name from each header, as a port would write them; compiling this is half the test.
        assertThat(EWOULDBLOCK).isEqualTo(35);
        assertThat(PF_INET6).isEqualTo(30);
        assertThat(SOL_SOCKET).isEqualTo(0xffff);
        assertThat(MSG_DONTWAIT | MSG_USEUPCALL).isEqualTo(0x80000080);
        assertThat(IPPROTO_TCP).isEqualTo(6);
        assertThat(IPV6_V6ONLY).isEqualTo(27);
        assertThat(TCP_KEEPALIVE).isEqualTo(0x10);
        assertThat(FIONBIO).isEqualTo(0x8004667EL);
        assertThat(SIOCATMARK).isEqualTo(0x40047307L);
        assertThat(SOL_LOCAL).isEqualTo(0);
        assertThat(IPPORT_RESERVED).isEqualTo(1024);
    }

    @Test
    void constantsAreCompileTimeConstantsUsableInSwitches() {
        assertThat(describe(AF_INET6)).isEqualTo("inet6");
        assertThat(describe(AF_LOCAL)).isEqualTo("local");
    }

    private static String describe(int family) {
        return switch (family) {
            case AF_INET -> "inet";
            case AF_INET6 -> "inet6";
            case AF_UNIX -> "local";
            default -> "other";
        };
    }
}
