package dev.ksock.bench;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The HTTP plaintext workload shared by every Java peer (TechEmpower "plaintext"): each complete
 * request ({@code ...\r\n\r\n}, no body) is answered with {@code Hello, World!}; all requests
 * found in one read are answered in one write. Every peer parses the same raw way (scan for the
 * blank line, no codec), so the comparison is of the I/O stack, not of HTTP libraries.
 */
public final class Http {
    /** An unfinished request longer than this closes the connection (bounded buffering). */
    public static final int MAX_REQUEST = 8192;
    /**
     * Shorter "requests" close the connection: it bounds the responses one read can produce
     * (so the output buffer has a fixed size) against a client that sends bare blank lines.
     */
    public static final int MIN_REQUEST = 16;

    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    /** Immutable response of one second; replaced (not mutated) so readers never see a torn Date. */
    private record Cached(long second, byte[] bytes) {
    }

    private static volatile Cached cached = build(System.currentTimeMillis() / 1000);

    /** Length of every response: the Date line has a fixed width. */
    public static final int RESPONSE_LENGTH = cached.bytes.length;

    private Http() {
    }

    /**
     * The full response for the current second. The Date line changes once a second, so the
     * bytes are rebuilt (one small allocation) once a second, not per request.
     */
    public static byte[] response() {
        Cached c = cached;
        long now = System.currentTimeMillis() / 1000;
        if (c.second != now) {
            c = build(now);
            cached = c;
        }
        return c.bytes;
    }

    private static Cached build(long second) {
        String s = "HTTP/1.1 200 OK\r\nServer: K\r\nDate: " + DATE.format(Instant.ofEpochSecond(second))
                + "\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
        return new Cached(second, s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Most responses one read of {@code inputBytes} can produce, given {@link #MIN_REQUEST}. */
    public static int maxResponses(int inputBytes) {
        return inputBytes / MIN_REQUEST + 1;
    }
}
