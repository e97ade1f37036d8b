package dev.ksock.internal.host.linux;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Bytes the current thread has allocated, from {@code com.sun.management.ThreadMXBean}. Looked up
 * reflectively because the tests compile inside module dev.ksock, which reads only java.base.
 */
final class Allocations {
    private static final Object BEAN;
    private static final MethodHandle ALLOCATED;

    static {
        try {
            BEAN = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            Class<?> type = Class.forName("com.sun.management.ThreadMXBean");
            ALLOCATED = MethodHandles.publicLookup()
                    .findVirtual(type, "getCurrentThreadAllocatedBytes", MethodType.methodType(long.class))
                    .asType(MethodType.methodType(long.class, Object.class));
            currentThread(); // link the call before anyone measures
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Allocations() {
    }

    static long currentThread() {
        try {
            return (long) ALLOCATED.invokeExact(BEAN);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
