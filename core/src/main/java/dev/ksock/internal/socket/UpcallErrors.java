package dev.ksock.internal.socket;

import java.util.concurrent.atomic.AtomicLong;

/** Reports exceptions thrown by owners' upcalls, which the layer swallows to keep its loops alive. */
public final class UpcallErrors {
    private UpcallErrors() {
    }

    private static final System.Logger LOG = System.getLogger("dev.ksock.upcall");
    private static final AtomicLong COUNT = new AtomicLong();

    static void report(SocketCore so, Throwable t) {
        COUNT.incrementAndGet();
        LOG.log(System.Logger.Level.WARNING, "upcall of " + so.describe() + " threw; the event loop goes on", t);
    }

    /** How many upcalls have thrown since the process started. */
    public static long count() {
        return COUNT.get();
    }
}
