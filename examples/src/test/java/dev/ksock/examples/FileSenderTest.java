package dev.ksock.examples;

import static dev.ksock.Darwin.*;
import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.Errno;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file sent as mbuf chains arrives whole: same length, same CRC32C. */
class FileSenderTest {
    @Test
    void aFileSentWithSockSendmbufArrivesWithTheSameChecksum(@TempDir Path dir) throws Exception {
        // Not a multiple of the chunk or cluster size, so the last chain is a short one.
        byte[] content = new byte[5 * 1024 * 1024 + 12_345];
        new Random(42).nextBytes(content);
        Path file = Files.write(dir.resolve("payload.bin"), content);
        CRC32C expected = new CRC32C();
        expected.update(content);

        Ref<Socket> ref = new Ref<>();
        Errno.check(sock_socket(PF_INET, SOCK_STREAM, 0, null, null, ref));
        Socket listener = ref.get();
        try {
            Errno.check(sock_bind(listener, SockAddr.in("127.0.0.1", 0)));
            Errno.check(sock_listen(listener, 1));
            SockAddr addr = SockAddr.storage();
            Errno.check(sock_getsockname(listener, addr, 128));

            CompletableFuture<ChecksumReceiver.Sum> received = CompletableFuture.supplyAsync(() -> {
                Ref<Socket> peer = new Ref<>();
                Errno.check(sock_accept(listener, null, 0, 0, null, null, peer));
                try {
                    return ChecksumReceiver.receive(peer.get());
                } finally {
                    sock_close(peer.get());
                }
            }, r -> Thread.ofVirtual().start(r));

            Errno.check(sock_socket(PF_INET, SOCK_STREAM, 0, null, null, ref));
            Socket sender = ref.get();
            try {
                Errno.check(sock_connect(sender, addr, 0));
                assertThat(FileSender.send(sender, file)).isEqualTo(content.length);
            } finally {
                sock_close(sender); // end of stream for the receiver
            }
            ChecksumReceiver.Sum sum = received.get(30, TimeUnit.SECONDS);
            assertThat(sum.bytes()).isEqualTo(content.length);
            assertThat(sum.crc32c()).as("CRC32C of what arrived vs. the file").isEqualTo(expected.getValue());
            assertThat(sum.chains()).isPositive();
        } finally {
            sock_close(listener);
        }
    }

    @Test
    void anEmptyFileSendsNothing(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("empty"));
        Ref<Socket> ref = new Ref<>();
        Errno.check(sock_socket(PF_INET, SOCK_STREAM, 0, null, null, ref));
        try {
            assertThat(FileSender.send(ref.get(), file)).isZero();
        } finally {
            sock_close(ref.get());
        }
    }
}
