package dev.ksock.cli;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The {@code Date} header value (RFC 9110 IMF-fixdate, always 29 bytes), formatted at most once
 * per second and shared by every connection: the steady path reads a cached segment.
 */
final class HttpDate {
    /** {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
    static final int LENGTH = 29;

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    /** Second and bytes published together, so a reader never sees a torn pair. */
    private record Stamp(long second, MemorySegment bytes) {
    }

    private static volatile Stamp current = format(System.currentTimeMillis() / 1000);

    private HttpDate() {
    }

    /** The current date as 29 ASCII bytes (a heap segment; do not write to it). */
    static MemorySegment now() {
        long second = System.currentTimeMillis() / 1000;
        Stamp s = current;
        if (s.second != second) {
            // Racing threads may both format; either result is right.
            s = format(second);
            current = s;
        }
        return s.bytes;
    }

    private static Stamp format(long second) {
        String text = FORMAT.format(Instant.ofEpochSecond(second));
        // RFC_1123 writes single-digit days as "6 Nov"; IMF-fixdate wants "06 Nov".
        if (text.charAt(6) == ' ') {
            text = text.substring(0, 5) + "0" + text.substring(5);
        }
        return new Stamp(second, MemorySegment.ofArray(text.getBytes(StandardCharsets.US_ASCII)));
    }
}
