package dev.ksock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code ksock demo} end to end, small, and {@code --help} everywhere. */
class DemoCommandTest {
    @Test
    void demoMovesDataOverThreeTransportsAndPrintsItsTable() {
        Child demo = Child.ksock("demo", "--mib", "16", "--pings", "1000");
        assertThat(demo.waitFor(Duration.ofSeconds(60))).as(demo.stderr()).isZero();
        assertThat(demo.stdout())
                .contains("transport", "MiB/s", "rtt p50", "rtt p99", "TCP/IPv4", "TCP/IPv6", "PF_LOCAL")
                .contains("upcalls delivered", "mbuf pool high-water")
                .contains("all data arrived intact")
                .doesNotContain(" NO");
    }

    @Test
    void everyCommandHasHelpAndTheExitCodesAreListed() {
        Child root = Child.ksock("--help");
        assertThat(root.waitFor(Duration.ofSeconds(20))).isZero();
        assertThat(root.stdout()).contains("demo", "serve", "cat", "Exit codes:", "EADDRINUSE");
        for (String cmd : new String[] {"demo", "serve", "cat"}) {
            Child c = Child.ksock(cmd, "--help");
            assertThat(c.waitFor(Duration.ofSeconds(20))).as(cmd).isZero();
            assertThat(c.stdout()).as(cmd).startsWith("Usage: ksock " + cmd);
        }
    }

    @Test
    void anUnknownCommandExits2() {
        Child c = Child.ksock("frobnicate");
        assertThat(c.waitFor(Duration.ofSeconds(20))).isEqualTo(2);
        assertThat(c.stderr()).contains("frobnicate");
    }
}
