package dev.ksock.internal.mbuf;

import dev.ksock.Mbuf;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reports mbufs that became unreachable without {@code mbuf_free}, with the stack trace of their
 * allocation, as Netty's leak detector does for its buffers.
 *
 * <p>Off by default ({@code -Dksock.mbuf.leakDetection=true} or {@link #setEnabled}): tracking
 * records a stack trace and registers a {@link Cleaner} action per allocation, which costs
 * microseconds and garbage. A leaked mbuf's memory cannot be recovered (its cell was collected),
 * so it stays counted as in use: the report says so.
 *
 * <p>The cleaning action references only the {@link Record}, never the {@link Mbuf}, or the mbuf
 * could never become unreachable.
 */
public final class LeakDetector {
    private static final System.Logger LOG = System.getLogger("dev.ksock.mbuf.leak");
    private static final Cleaner CLEANER = Cleaner.create();
    /** Written by configuration/tests; read by allocating threads. */
    private static volatile boolean enabled = MbufConfig.leakDetection();
    private static final AtomicLong LEAKS = new AtomicLong();

    private LeakDetector() {
    }

    public static boolean enabled() {
        return enabled;
    }

    public static void setEnabled(boolean on) {
        enabled = on;
    }

    /** Number of leaks reported since start. */
    public static long leaksReported() {
        return LEAKS.get();
    }

    /** Starts tracking a freshly allocated mbuf. */
    static Record track(Mbuf handle, int bytes) {
        Record r = new Record(new Throwable("mbuf allocated here"), bytes);
        r.cleanable = CLEANER.register(handle, r);
        return r;
    }

    /** One tracked allocation; {@link #run} is the Cleaner action. */
    static final class Record implements Runnable {
        private final Throwable site;
        private final int bytes;
        /** Set by the owner at free; read by the Cleaner thread. */
        private volatile boolean freed;
        /** Written once right after registration, by the allocating thread. */
        private Cleaner.Cleanable cleanable;

        private Record(Throwable site, int bytes) {
            this.site = site;
            this.bytes = bytes;
        }

        /** The mbuf was freed properly: stop tracking. */
        void freed() {
            freed = true;
            cleanable.clean();
        }

        @Override
        public void run() {
            if (freed) {
                return;
            }
            LEAKS.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING,
                    "LEAK: an mbuf (" + bytes + " bytes) was garbage-collected without mbuf_free/mbuf_freem;"
                            + " its memory stays counted as in use. Allocated at:", site);
        }
    }
}
