package dev.ksock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code ksock serve http} against curl, wrk and a hand-written client, as a user would run them. */
class ServeHttpTest {
    private static Child server;
    private static String url;
    private static int port;

    @BeforeAll
    static void start() {
        server = Child.ksock("serve", "http", "--listen", "tcp:127.0.0.1:0", "--loops", "1");
        String addr = server.awaitListening(Duration.ofSeconds(20));
        assertThat(addr).startsWith("tcp:127.0.0.1:");
        port = Child.port(addr);
        url = "http://127.0.0.1:" + port;
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
            assertThat(server.stderr()).as("server stderr").doesNotContain("Exception");
        }
    }

    @Test
    void curlGetsPlaintextHelloWorldWithTheTechEmpowerHeaders() {
        Child curl = Child.peer("curl", "-sS", "-i", "--max-time", "10", url + "/plaintext");
        assertThat(curl.waitFor(Duration.ofSeconds(15))).as(curl.stderr()).isZero();
        String r = curl.stdout();
        assertThat(r).startsWith("HTTP/1.1 200 OK\r\n")
                .contains("Content-Type: text/plain\r\n", "Content-Length: 13\r\n", "Server: ksock\r\n")
                .containsPattern("Date: [A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\r\n")
                .doesNotContain("Connection: close")
                .endsWith("\r\n\r\nHello, World!");
    }

    @Test
    void curlReusesTheConnectionForTwoUrls() {
        Child curl = Child.peer("curl", "-sS", "-v", "--max-time", "10", url + "/a", url + "/b");
        assertThat(curl.waitFor(Duration.ofSeconds(15))).as(curl.stderr()).isZero();
        assertThat(curl.stdout()).isEqualTo("Hello, World!Hello, World!");
        assertThat(curl.stderr()).as("HTTP/1.1 keep-alive: the second request rides the first connection")
                .contains("Re-using existing connection");
    }

    @Test
    void http10IsAnsweredAndTheConnectionCloses() {
        Child curl = Child.peer("curl", "-sS", "-i", "--http1.0", "--max-time", "10", url + "/");
        assertThat(curl.waitFor(Duration.ofSeconds(15))).as(curl.stderr()).isZero();
        assertThat(curl.stdout()).contains("Connection: close\r\n").endsWith("Hello, World!");
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderAndConnectionCloseEndsIt() throws IOException {
        String req = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n";
        String reply = talk(req + req + "HEAD /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + req);
        assertThat(count(reply, "HTTP/1.1 200 OK")).as("three answers, the request after 'close' ignored").isEqualTo(3);
        assertThat(count(reply, "Hello, World!")).as("HEAD has no body").isEqualTo(2);
        assertThat(reply).endsWith("Connection: close\r\n\r\n");
    }

    @Test
    void aRequestSplitAcrossReadsAndARequestBodyAreHandled() throws IOException, InterruptedException {
        try (Socket s = connect()) {
            OutputStream o = s.getOutputStream();
            o.write("GET / HT".getBytes(StandardCharsets.US_ASCII));
            o.flush();
            Thread.sleep(100);
            o.write("TP/1.1\r\nHost: x\r\n\r".getBytes(StandardCharsets.US_ASCII));
            o.flush();
            Thread.sleep(100);
            o.write(("\nGET / HTTP/1.1\r\nContent-Length: 9\r\n\r\nGET / bad"
                    + "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello").getBytes(StandardCharsets.US_ASCII));
            String reply = readAll(s.getInputStream());
            assertThat(count(reply, "200 OK")).as(reply).isEqualTo(2);
            assertThat(reply).as("a body is skipped, not parsed as a request; POST is not offered and ends the connection")
                    .doesNotContain("400").endsWith("Connection: close\r\n\r\n")
                    .contains("HTTP/1.1 405 Method Not Allowed\r\n");
        }
    }

    @Test
    void aHeaderBlockOver8KiBGets431AndTheConnectionEnds() throws IOException {
        String reply = talk("GET / HTTP/1.1\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n");
        assertThat(reply).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n").contains("Connection: close");
    }

    @Test
    void garbageGets400() throws IOException {
        assertThat(talk("HELLO\r\n\r\n")).startsWith("HTTP/1.1 400 Bad Request");
        assertThat(talk("GET / HTTP/2.0\r\n\r\n")).startsWith("HTTP/1.1 505 ");
    }

    @Test
    void wrkForTwoSecondsSeesOnlySuccessfulAnswers() {
        Child wrk = Child.peer("wrk", "-t1", "-c8", "-d2s", "--timeout", "2s", url + "/");
        assertThat(wrk.waitFor(Duration.ofSeconds(20))).as(wrk.stderr()).isZero();
        String report = wrk.stdout();
        Matcher m = Pattern.compile("(\\d+) requests in").matcher(report);
        assertThat(m.find()).as(report).isTrue();
        assertThat(Long.parseLong(m.group(1))).as(report).isPositive();
        assertThat(report).as("wrk reports socket errors and non-2xx answers only when there are some")
                .doesNotContain("Socket errors").doesNotContain("Non-2xx");
        System.out.println("wrk -t1 -c8 -d2s against ksock serve http:\n" + report);
    }

    // ------------------------------------------------------------ a raw client

    private static Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** Sends {@code request} at once and reads until the server closes. */
    private static String talk(String request) throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return readAll(s.getInputStream());
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toString(StandardCharsets.US_ASCII);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
