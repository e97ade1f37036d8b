package dev.ksock.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ksock.ErrnoException;
import dev.ksock.SockAddr;
import dev.ksock.SysErrno;
import org.junit.jupiter.api.Test;

/** A thousand blocking clients on virtual threads, and what a client sees when nobody listens. */
class BlockingClientsTest {
    @Test
    void aThousandBlockingClientsOnVirtualThreadsAllFinish() throws Exception {
        try (EchoServer server = EchoServer.start(SockAddr.in("127.0.0.1", 0))) {
            BlockingClients.Result r = BlockingClients.run(server.address(), 1000, 5, 32);
            assertThat(r.clients()).isEqualTo(1000);
            assertThat(r.roundTrips()).isEqualTo(5000);
            assertThat(r.mismatches()).isZero();
        }
    }

    @Test
    void aClientWithoutServerGetsEconnrefused() {
        SockAddr closedPort;
        try (EchoServer server = EchoServer.start(SockAddr.in("127.0.0.1", 0))) {
            closedPort = SockAddr.in("127.0.0.1", server.address().port());
        }
        assertThatThrownBy(() -> BlockingClients.run(closedPort, 1, 1, 8))
                .hasRootCauseInstanceOf(ErrnoException.class)
                .rootCause().satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(SysErrno.ECONNREFUSED));
    }
}
