package dev.ksock.reliability;

import dev.ksock.KpiMbuf;
import dev.ksock.KpiSocket;
import dev.ksock.MbufStat;
import dev.ksock.Ref;
import dev.ksock.Socket;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Measurements shared by the reliability tests: descriptors, mbuf memory, heap, internal errors. */
final class ReliabilitySupport {
    private ReliabilitySupport() {
    }

    /** Open descriptors of this process ({@code /proc/self/fd}). */
    static int openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
    }

    /** What each open descriptor is: "fd->target". */
    static Set<String> fdTargets() {
        Set<String> out = new TreeSet<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                try {
                    out.add(p.getFileName() + "->" + Files.readSymbolicLink(p));
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            out.add("? " + e);
        }
        return out;
    }

    /** The descriptors open now that were not in {@code baseline} (for failure messages). */
    static Set<String> newFds(Set<String> baseline) {
        Set<String> now = fdTargets();
        now.removeAll(baseline);
        now.removeIf(t -> t.endsWith("/proc/self/fd") || t.matches("\\d+->/proc/\\d+/fd"));
        return now;
    }

    /** This process's soft limit on open descriptors ({@code /proc/self/limits}). */
    static long openFileLimit() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (l.startsWith("Max open files")) {
                    String v = l.substring("Max open files".length()).trim().split("\\s+")[0];
                    return v.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(v);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return -1;
    }

    static long mbufBytesInUse() {
        MbufStat st = new MbufStat();
        KpiMbuf.mbuf_stats(st);
        return st.bytesInUse;
    }

    /** Makes the event loops exist (they own an epoll and an eventfd each) before a baseline is taken. */
    static void warmUp() {
        // Things the JDK opens once, lazily: the SecureRandom behind temp names, test libraries' jars.
        try {
            Files.delete(Files.createTempDirectory("ksock-warmup-"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        org.assertj.core.api.Assertions.assertThat(1).as("warm-up").isEqualTo(1);
        for (int domain : new int[] {2, 30}) {
            Ref<Socket> r = new Ref<>();
            if (KpiSocket.sock_socket(domain, 2, 0, null, null, r) == 0) {
                KpiSocket.sock_close(r.get());
            }
        }
        settle(100);
    }

    static void settle(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits up to {@code millis} for the descriptor count to come back to {@code baseline}; returns the last count. */
    static int awaitFds(int baseline, long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        int n;
        do {
            n = openFds();
            if (n <= baseline) {
                return n;
            }
            settle(50);
        } while (System.nanoTime() < end);
        return n;
    }

    /** Waits up to {@code millis} for mbuf bytes in use to come back to {@code baseline}; returns the last value. */
    static long awaitMbufs(long baseline, long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        long n;
        do {
            n = mbufBytesInUse();
            if (n <= baseline) {
                return n;
            }
            settle(50);
        } while (System.nanoTime() < end);
        return n;
    }

    /** Java heap in use after a full collection (best effort: a few GCs). */
    static long heapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            settle(50);
            best = Math.min(best, rt.totalMemory() - rt.freeMemory());
        }
        return best;
    }

    /**
     * Counts the KPI's "last line of defence" log records: a KPI call that caught a
     * RuntimeException inside the layer returns EINVAL and logs "failed inside ksock". The caller
     * sees no exception, but each one is a bug the fuzzer must report.
     *
     * <p>Through reflection: the tests are compiled into module {@code dev.ksock}, which does not
     * read {@code java.logging}; at run time they are on the class path. A {@code StreamHandler}
     * on the {@code dev.ksock} logger writes into a buffer this class reads.
     */
    static final class InternalErrors implements AutoCloseable {
        private final StringBuffer text = new StringBuffer();
        private final Object logger;
        private final Object handler;
        private final Class<?> loggerClass;
        private final Class<?> handlerClass;

        InternalErrors() {
            try {
                loggerClass = Class.forName("java.util.logging.Logger");
                handlerClass = Class.forName("java.util.logging.Handler");
                Class<?> formatter = Class.forName("java.util.logging.Formatter");
                Object simple = Class.forName("java.util.logging.SimpleFormatter").getConstructor().newInstance();
                OutputStream sink = new OutputStream() {
                    @Override
                    public void write(int b) {
                        if (text.length() < 1 << 20) {
                            text.append((char) b);
                        }
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        if (text.length() < 1 << 20) {
                            text.append(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
                        }
                    }
                };
                handler = Class.forName("java.util.logging.StreamHandler")
                        .getConstructor(OutputStream.class, formatter).newInstance(sink, simple);
                logger = loggerClass.getMethod("getLogger", String.class).invoke(null, "dev.ksock");
                loggerClass.getMethod("addHandler", handlerClass).invoke(logger, handler);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("cannot watch the dev.ksock logger", e);
            }
        }

        private String text() {
            try {
                handlerClass.getMethod("flush").invoke(handler);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            return text.toString();
        }

        /** How many KPI calls logged an internal failure so far. */
        long count() {
            String t = text();
            long n = 0;
            for (int i = t.indexOf("failed inside ksock"); i >= 0; i = t.indexOf("failed inside ksock", i + 1)) {
                n++;
            }
            return n;
        }

        /** The first logged failures, with their stack traces (for the failure message). */
        String first() {
            String t = text();
            return t.length() > 4000 ? t.substring(0, 4000) : t;
        }

        @Override
        public void close() {
            try {
                loggerClass.getMethod("removeHandler", handlerClass).invoke(logger, handler);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
    }
}
