package dev.ksock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ksock cat} against python3 and socat peers, both directions, with half-close. */
class CatCommandTest {
    /**
     * A TCP or unix peer that reads until the end of the stream (so it only answers once ksock
     * has half-closed), then answers with the upper-cased bytes and closes.
     */
    private static final String UPPER_SERVER = """
            import socket, sys
            fam = socket.AF_UNIX if sys.argv[1] == 'unix' else socket.AF_INET
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.bind(sys.argv[2] if fam == socket.AF_UNIX else ('127.0.0.1', 0))
            s.listen(1)
            print('listening on', sys.argv[2] if fam == socket.AF_UNIX else 'tcp:127.0.0.1:%d' % s.getsockname()[1], flush=True)
            s.settimeout(20)
            c, _ = s.accept()
            c.settimeout(20)
            data = b''
            while True:
                b = c.recv(65536)
                if not b:
                    break
                data += b
            c.sendall(data.upper())
            c.close()
            """;

    @Test
    void tcpSendsStdinHalfClosesAndPrintsTheAnswerUntilThePeerCloses() {
        Child py = Child.peer("python3", "-c", UPPER_SERVER, "tcp", "-");
        String addr = py.awaitListening(Duration.ofSeconds(20));
        Child cat = Child.ksock("cat", addr).input("half-close me\n");
        assertThat(cat.waitFor(Duration.ofSeconds(20))).as(cat.stderr()).isZero();
        assertThat(cat.stdout()).isEqualTo("HALF-CLOSE ME\n");
        assertThat(py.waitFor(Duration.ofSeconds(10))).as(py.stderr()).isZero();
    }

    @Test
    void unixSendsStdinAndPrintsTheAnswer(@TempDir Path dir) {
        String path = dir.resolve("upper.sock").toString();
        Child py = Child.peer("python3", "-c", UPPER_SERVER, "unix", path);
        py.awaitListening(Duration.ofSeconds(20));
        Child cat = Child.ksock("cat", "unix:" + path).input("over a local socket");
        assertThat(cat.waitFor(Duration.ofSeconds(20))).as(cat.stderr()).isZero();
        assertThat(cat.stdout()).isEqualTo("OVER A LOCAL SOCKET");
    }

    @Test
    void tcpListenAcceptsOnePeerAndCarriesBothDirections() {
        Child cat = Child.ksock("cat", "tcp-listen:127.0.0.1:0");
        int port = Child.port(cat.awaitListening(Duration.ofSeconds(20)));
        // socat sends and half-closes; ksock cat sends its own stdin and half-closes too.
        Child socat = Child.peer("socat", "-t", "10", "-", "TCP:127.0.0.1:" + port).input("from socat\n");
        cat.input("from ksock\n");
        assertThat(cat.waitFor(Duration.ofSeconds(20))).as(cat.stderr()).isZero();
        assertThat(socat.waitFor(Duration.ofSeconds(20))).as(socat.stderr()).isZero();
        assertThat(cat.stdout()).isEqualTo("from socat\n");
        assertThat(socat.stdout()).isEqualTo("from ksock\n");
    }

    /**
     * A peer that sends, half-closes at once and only then reads: ksock cat sees the end of the
     * peer's data before its own stdin has arrived, and must still deliver that stdin (the peer's
     * end of data is not the end of its reading) rather than exit with it unsent.
     */
    @Test
    void stdinArrivingAfterThePeersHalfCloseIsStillSent() {
        Child cat = Child.ksock("cat", "tcp-listen:127.0.0.1:0");
        int port = Child.port(cat.awaitListening(Duration.ofSeconds(20)));
        Child py = Child.peer("python3", "-c", """
                import socket, sys
                c = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=20)
                c.sendall(b'early\\n')
                c.shutdown(socket.SHUT_WR)
                data = b''
                while True:
                    b = c.recv(65536)
                    if not b:
                        break
                    data += b
                sys.stdout.write(data.decode())
                """, String.valueOf(port));
        // Only once cat has the peer's data (and, right behind it, its end of stream) does cat's
        // own stdin arrive.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!cat.stdout().equals("early\n") && System.nanoTime() < deadline) {
            Child.sleep(10);
        }
        Child.sleep(200);
        cat.input("late\n");
        assertThat(cat.waitFor(Duration.ofSeconds(20))).as(cat.stderr()).isZero();
        assertThat(py.waitFor(Duration.ofSeconds(20))).as(py.stderr()).isZero();
        assertThat(cat.stdout()).isEqualTo("early\n");
        assertThat(py.stdout()).isEqualTo("late\n");
    }

    @Test
    void unixListenAcceptsOnePeer(@TempDir Path dir) {
        Path sock = dir.resolve("cat.sock");
        Child cat = Child.ksock("cat", "unix-listen:" + sock);
        assertThat(cat.awaitListening(Duration.ofSeconds(20))).isEqualTo("unix:" + sock);
        Child socat = Child.peer("socat", "-t", "10", "-", "UNIX-CONNECT:" + sock).input("local hello");
        cat.input("local answer");
        assertThat(cat.waitFor(Duration.ofSeconds(20))).as(cat.stderr()).isZero();
        assertThat(socat.waitFor(Duration.ofSeconds(20))).as(socat.stderr()).isZero();
        assertThat(cat.stdout()).isEqualTo("local hello");
        assertThat(socat.stdout()).isEqualTo("local answer");
    }

    @Test
    void udpSendsADatagramAndPrintsTheReply() {
        String udpEcho = """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(('127.0.0.1', 0))
                print('listening on udp:127.0.0.1:%d' % s.getsockname()[1], flush=True)
                s.settimeout(20)
                data, peer = s.recvfrom(65536)
                s.sendto(data[::-1], peer)
                """;
        Child py = Child.peer("python3", "-c", udpEcho);
        String addr = py.awaitListening(Duration.ofSeconds(20));
        Child cat = Child.ksock("cat", "--quit-after", "1", addr).input("datagram");
        assertThat(cat.waitFor(Duration.ofSeconds(20))).as(cat.stderr()).isZero();
        assertThat(cat.stdout()).isEqualTo("margatad");
    }

    @Test
    void udpListenLearnsThePeerFromItsFirstDatagram() {
        Child cat = Child.ksock("cat", "--quit-after", "2", "udp-listen:127.0.0.1:0");
        int port = Child.port(cat.awaitListening(Duration.ofSeconds(20)));
        String client = """
                import socket, sys
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(20)
                s.sendto(b'ping', ('127.0.0.1', int(sys.argv[1])))
                print(s.recv(100).decode(), end='')
                """;
        Child py = Child.peer("python3", "-c", client, "" + port);
        Child.sleep(300); // let the first datagram arrive before ksock answers it
        cat.input("pong");
        assertThat(py.waitFor(Duration.ofSeconds(20))).as(py.stderr()).isZero();
        assertThat(py.stdout()).isEqualTo("pong");
        assertThat(cat.waitFor(Duration.ofSeconds(20))).as(cat.stderr()).isZero();
        assertThat(cat.stdout()).isEqualTo("ping");
    }

    @Test
    void aRefusedConnectionNamesTheErrnoAndExits1() {
        Child cat = Child.ksock("cat", "tcp:127.0.0.1:1").input("");
        assertThat(cat.waitFor(Duration.ofSeconds(20))).isEqualTo(1);
        assertThat(cat.stderr()).contains("ECONNREFUSED", "Connection refused").doesNotContain("\tat ");
    }

    @Test
    void aBadAddressExits2WithTheFormsItAccepts() {
        Child cat = Child.ksock("cat", "tcp:[::1:80").input("");
        assertThat(cat.waitFor(Duration.ofSeconds(20))).isEqualTo(2);
        assertThat(cat.stderr()).contains("bad address", "tcp-listen:PORT").doesNotContain("\tat ");
    }
}
