package dev.ksock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ksock serve echo} against socat and nc over TCP and a unix socket. */
class ServeEchoTest {
    /** 3 MiB: many socket buffers' worth, so the echo's partial sends and back-pressure are exercised. */
    private static final byte[] DATA = new byte[3 << 20];

    static {
        new Random(863).nextBytes(DATA);
    }

    @Test
    void socatOverTcpGetsEveryByteBackInOrder() {
        try (Child server = Child.ksock("serve", "echo", "--listen", "tcp:127.0.0.1:0")) {
            int port = Child.port(server.awaitListening(Duration.ofSeconds(20)));
            Child socat = Child.peer("socat", "-t", "10", "-", "TCP:127.0.0.1:" + port).input(DATA);
            assertThat(socat.waitFor(Duration.ofSeconds(30))).as(socat.stderr()).isZero();
            assertThat(socat.stdoutBytes()).as("echoed bytes").isEqualTo(DATA);
        }
    }

    @Test
    void socatOverAUnixSocketGetsEveryByteBack(@TempDir Path dir) {
        Path sock = dir.resolve("echo.sock");
        try (Child server = Child.ksock("serve", "echo", "--listen", "unix:" + sock)) {
            assertThat(server.awaitListening(Duration.ofSeconds(20))).isEqualTo("unix:" + sock);
            Child socat = Child.peer("socat", "-t", "10", "-", "UNIX-CONNECT:" + sock).input(DATA);
            assertThat(socat.waitFor(Duration.ofSeconds(30))).as(socat.stderr()).isZero();
            assertThat(socat.stdoutBytes()).isEqualTo(DATA);
        }
        assertThat(Files.exists(sock)).as("the socket file is removed at SIGTERM").isFalse();
    }

    @Test
    void netcatOverIpv6HalfClosesAndGetsTheLineBack() {
        try (Child server = Child.ksock("serve", "echo", "--listen", "tcp:[::1]:0")) {
            int port = Child.port(server.awaitListening(Duration.ofSeconds(20)));
            // -N: shut down the sending side at EOF (the echo then finishes and closes).
            Child nc = Child.peer("nc", "-N", "::1", "" + port).input("hello, kernel sockets\n");
            assertThat(nc.waitFor(Duration.ofSeconds(15))).as(nc.stderr()).isZero();
            assertThat(nc.stdout()).isEqualTo("hello, kernel sockets\n");
        }
    }

    @Test
    void discardTakesEverythingAndAnswersNothing() {
        try (Child server = Child.ksock("serve", "discard", "--listen", "tcp:127.0.0.1:0")) {
            int port = Child.port(server.awaitListening(Duration.ofSeconds(20)));
            Child socat = Child.peer("socat", "-t", "10", "-", "TCP:127.0.0.1:" + port).input(DATA);
            assertThat(socat.waitFor(Duration.ofSeconds(30))).as(socat.stderr()).isZero();
            assertThat(socat.stdoutBytes()).isEmpty();
        }
    }

    @Test
    void aPortInUseIsReportedWithItsErrnoName() {
        try (Child first = Child.ksock("serve", "echo", "--listen", "tcp:127.0.0.1:0")) {
            String addr = first.awaitListening(Duration.ofSeconds(20));
            Child second = Child.ksock("serve", "echo", "--listen", addr);
            assertThat(second.waitFor(Duration.ofSeconds(20))).isEqualTo(1);
            assertThat(second.stderr()).contains("EADDRINUSE", "Address already in use").doesNotContain("\tat ");
        }
    }

    @Test
    void badUsageExitsWith2AndSaysWhy() {
        Child c = Child.ksock("serve", "echo", "--listen", "tcp:localhost");
        assertThat(c.waitFor(Duration.ofSeconds(20))).isEqualTo(2);
        assertThat(c.stderr()).contains("expected HOST:PORT").doesNotContain("\tat ");
        Child d = Child.ksock("serve", "gopher", "--listen", "tcp:127.0.0.1:0");
        assertThat(d.waitFor(Duration.ofSeconds(20))).isEqualTo(2);
        assertThat(d.stderr()).contains("gopher");
    }
}
