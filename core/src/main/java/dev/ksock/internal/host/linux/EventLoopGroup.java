package dev.ksock.internal.host.linux;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of event loops (daemon threads). The process-wide group is created, and its
 * threads started, on the first call to {@link #shared()}.
 */
public final class EventLoopGroup implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventLoopGroup.class.getName());

    private final EventLoop[] loops;
    private final AtomicInteger next = new AtomicInteger();
    private final boolean shared;

    /** A private group of {@code n} loops (tests, benchmarks); {@link #close()} it when done. */
    public EventLoopGroup(int n) {
        this(n, false);
    }

    private EventLoopGroup(int n, boolean shared) {
        if (n < 1) {
            throw new IllegalArgumentException("loops: " + n);
        }
        this.shared = shared;
        loops = new EventLoop[n];
        try {
            for (int i = 0; i < n; i++) {
                loops[i] = new EventLoop();
            }
        } catch (RuntimeException e) {
            shutdownAll();
            throw e;
        }
    }

    private static final class Shared {
        static final EventLoopGroup GROUP = new EventLoopGroup(configuredLoops(), true);
    }

    /** The process-wide group: {@code ksock.loops} threads (default: min(2, cores)). Never closed. */
    public static EventLoopGroup shared() {
        return Shared.GROUP;
    }

    /** {@code ksock.loops} if it is a positive integer, else min(2, available processors). */
    static int configuredLoops() {
        int dflt = Math.min(2, Runtime.getRuntime().availableProcessors());
        String v = System.getProperty("ksock.loops");
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the warning
        }
        LOG.log(System.Logger.Level.WARNING, "ksock.loops={0} is not a positive integer; using {1}", v, dflt);
        return dflt;
    }

    /** The next loop, round-robin, for a new socket. */
    public EventLoop next() {
        return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
    }

    public int size() {
        return loops.length;
    }

    public EventLoop loop(int i) {
        return loops[i];
    }

    /**
     * Stops every loop (queued tasks still run) and waits up to 5 s for each thread. Refused for
     * the {@link #shared()} group, which lives as long as the process.
     */
    @Override
    public void close() {
        if (shared) {
            throw new UnsupportedOperationException("the shared event loop group is never closed");
        }
        shutdownAll();
        boolean interrupted = false;
        for (EventLoop loop : loops) {
            if (loop == null) {
                continue;
            }
            try {
                if (!loop.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, "{0} did not stop within 5 s", loop.name());
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void shutdownAll() {
        for (EventLoop loop : loops) {
            if (loop != null) {
                loop.shutdown();
            }
        }
    }
}
