package dev.ksock.internal.mbuf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.Function;

/**
 * The global free list of one {@link SizeClass}: what thread caches refill from and spill into,
 * in batches. When empty it carves a new slab of native memory into blocks.
 *
 * <p>Slabs come from the global arena and are never returned to the operating system (like XNU's
 * mbuf map): the pool's native footprint is the peak reached by each class plus caches.
 * {@link #reservedBytes()} reports it. Carving is the only place the pool allocates Java objects
 * (one cell or cluster object per block), so steady-state traffic makes no garbage.
 *
 * <p>All state is guarded by {@code this}.
 *
 * @param <T> {@link MbufCell} or {@link ClusterRef}
 */
final class Depot<T> {
    private final SizeClass sizeClass;
    /** Makes the object for one block of a fresh slab. */
    private final Function<MemorySegment, T> factory;
    private Object[] stack = new Object[0];
    private int size;
    private long carved;

    Depot(SizeClass sizeClass, Function<MemorySegment, T> factory) {
        this.sizeClass = sizeClass;
        this.factory = factory;
    }

    /**
     * Moves up to {@code max} free blocks into {@code dst[at..]}; carves a slab if none is free.
     * Returns the number moved: 0 only if native memory could not be reserved.
     */
    @SuppressWarnings("unchecked")
    synchronized int take(T[] dst, int at, int max) {
        if (size == 0 && !carve()) {
            return 0;
        }
        int n = Math.min(max, size);
        System.arraycopy(stack, size - n, dst, at, n);
        Arrays.fill(stack, size - n, size, null);
        size -= n;
        return n;
    }

    /** Takes back {@code n} free blocks from {@code src[from..]}. */
    synchronized void give(T[] src, int from, int n) {
        System.arraycopy(src, from, stack, size, n);
        size += n;
    }

    synchronized long carved() {
        return carved;
    }

    synchronized long reservedBytes() {
        return carved * sizeClass.size;
    }

    private boolean carve() {
        MemorySegment slab;
        try {
            slab = Arena.global().allocate(sizeClass.slabBytes, 4096);
        } catch (OutOfMemoryError e) {
            // The process is out of native memory: report ENOBUFS, never an Error.
            return false;
        }
        int count = sizeClass.slabBytes / sizeClass.size;
        if (stack.length < carved + count) {
            // Every carved block can be free at once, so the stack holds them all.
            stack = Arrays.copyOf(stack, (int) (carved + count));
        }
        for (int i = count - 1; i >= 0; i--) {
            stack[size++] = factory.apply(slab.asSlice((long) i * sizeClass.size, sizeClass.size));
        }
        carved += count;
        return true;
    }
}
