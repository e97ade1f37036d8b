package dev.ksock.internal.proto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The host's SYN retries behind TCP_CONNECTIONTIMEOUT must outlast it, so that the layer's timer
 * and not Linux ends the connect: Linux gives up after 1, 3, 7, 15, 31, 63, 127 s for 1..6
 * retries, then 120 s more per retry (TCP_RTO_MAX), at most 127 retries.
 */
class SynRetriesTest {
    @Test
    void fewestRetriesWhoseGiveUpTimeIsLaterThanTheTimeout() {
        assertThat(HostOptions.synRetriesOutlasting(1)).isEqualTo(1);   // 3 s
        assertThat(HostOptions.synRetriesOutlasting(2)).isEqualTo(1);   // 3 s
        assertThat(HostOptions.synRetriesOutlasting(3)).isEqualTo(2);   // 7 s: 3 would be a tie
        assertThat(HostOptions.synRetriesOutlasting(75)).isEqualTo(6);  // 127 s
        assertThat(HostOptions.synRetriesOutlasting(127)).isEqualTo(7); // 247 s
        assertThat(HostOptions.synRetriesOutlasting(1000)).isEqualTo(14); // 127 + 8 * 120 = 1087 s
    }

    @Test
    void beyondLinuxsLimitTheMostRetries() {
        assertThat(HostOptions.synRetriesOutlasting(14_646)).isEqualTo(127); // 127 + 121 * 120 = 14647 s
        assertThat(HostOptions.synRetriesOutlasting(4_294_967)).isEqualTo(127);
    }
}
