package dev.ksock.internal.mbuf;

import java.util.Locale;

/**
 * Start-up settings of the mbuf pool, read once from system properties. Tests change them at run
 * time through {@link MbufPool}'s setters.
 *
 * <ul>
 *   <li>{@code ksock.mbuf.limit} — bytes of mbufs and clusters that may be allocated at once
 *       ({@code 64m}, {@code 1g}, {@code 524288}); default 512 MiB.
 *   <li>{@code ksock.mbuf.waitMillis} — how long an {@code MBUF_WAITOK} allocation waits for
 *       memory freed by others before it fails with {@code ENOBUFS}; default 100.
 *   <li>{@code ksock.mbuf.debug} — no recycling of mbuf objects, native memory released (not
 *       pooled) at free: every use after free is caught; slow.
 *   <li>{@code ksock.mbuf.leakDetection} — report mbufs that became unreachable unfreed.
 * </ul>
 */
final class MbufConfig {
    static final long DEFAULT_LIMIT = 512L << 20;
    static final long DEFAULT_WAIT_MILLIS = 100;

    private MbufConfig() {
    }

    static long limit() {
        String v = System.getProperty("ksock.mbuf.limit");
        if (v == null || v.isBlank()) {
            return DEFAULT_LIMIT;
        }
        long parsed = parseSize(v);
        return parsed > 0 ? parsed : DEFAULT_LIMIT;
    }

    static long waitMillis() {
        try {
            long v = Long.parseLong(System.getProperty("ksock.mbuf.waitMillis", "" + DEFAULT_WAIT_MILLIS).trim());
            return v >= 0 ? v : DEFAULT_WAIT_MILLIS;
        } catch (NumberFormatException e) {
            return DEFAULT_WAIT_MILLIS;
        }
    }

    static boolean debug() {
        return Boolean.getBoolean("ksock.mbuf.debug");
    }

    static boolean leakDetection() {
        return Boolean.getBoolean("ksock.mbuf.leakDetection");
    }

    /** {@code 123}, {@code 64k}, {@code 64m}, {@code 2g} (binary units); -1 if malformed. */
    static long parseSize(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        int shift = 0;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k' -> shift = 10;
                case 'm' -> shift = 20;
                case 'g' -> shift = 30;
                default -> shift = 0;
            }
        }
        if (shift != 0) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            long n = Long.parseLong(s.trim());
            if (n < 0 || n > (Long.MAX_VALUE >> shift)) {
                return -1;
            }
            return n << shift;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
