package dev.ksock.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.SockAddr;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upcall-driven echo server, driven by the blocking virtual-thread clients. */
class EchoServerTest {
    @Test
    void echoesEveryMessageOfManyConcurrentClientsOverIpv4() throws Exception {
        try (EchoServer server = EchoServer.start(SockAddr.in("127.0.0.1", 0))) {
            assertThat(server.address().port()).isPositive();
            BlockingClients.Result r = BlockingClients.run(server.address(), 200, 20, 64);
            assertThat(r.roundTrips()).isEqualTo(200 * 20);
            assertThat(r.mismatches()).as("every reply equals its request").isZero();
        }
    }

    @Test
    void echoesMessagesLargerThanItsBufferOverIpv6() throws Exception {
        try (EchoServer server = EchoServer.start(SockAddr.in6("::1", 0))) {
            // 100 KiB messages: several server reads and partial sends per round trip.
            BlockingClients.Result r = BlockingClients.run(server.address(), 8, 10, 100 * 1024);
            assertThat(r.mismatches()).isZero();
            assertThat(r.roundTrips()).isEqualTo(80);
        }
    }

    @Test
    void echoesOverALocalSocket(@TempDir Path dir) throws Exception {
        try (EchoServer server = EchoServer.start(SockAddr.un(dir.resolve("echo.sock").toString()))) {
            BlockingClients.Result r = BlockingClients.run(server.address(), 50, 20, 256);
            assertThat(r.mismatches()).isZero();
            assertThat(r.roundTrips()).isEqualTo(1000);
        }
    }
}
