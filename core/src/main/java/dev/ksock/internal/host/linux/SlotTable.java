package dev.ksock.internal.host.linux;

/**
 * Values addressed by generation-stamped keys: {@code key = generation << 32 | index}, with
 * {@code 1 <= generation < 2^31}, so every key is {@code > 0} and 0 is never a key.
 *
 * <p>Why generations: the event loop hands the key to the kernel as epoll_data and gets it back
 * with each event. When a registration is removed and its slot reused — possibly for the same
 * descriptor number — the slot's generation has moved on, so an event still carrying the old key
 * (already queued in the kernel, or sitting in the batch being dispatched) finds no value and
 * is dropped instead of reaching the new owner. A slot's generation wraps after 2^31 reuses.
 *
 * <p>Threading: {@link #get} is lock-free and allocation-free (the dispatch hot path); {@link #add}
 * and {@link #remove} synchronize on this table, and callers may hold its monitor to make a
 * compound operation (look up, then act on the value, then remove) atomic. The slot array only
 * grows; slots are shared between old and new arrays, so a reader holding an old array still
 * sees every later change of a slot.
 */
public final class SlotTable<T> {
    private static final int MAX_GENERATION = Integer.MAX_VALUE;

    /** One slot; {@code binding} is the only field a reader touches. */
    private static final class Slot<T> {
        /** Current key and value together, so a reader can never pair a key with another's value. */
        volatile Binding<T> binding;
        /** The generation of the last key handed out here. Guarded by the table's monitor. */
        int generation;
    }

    private record Binding<T>(long key, T value) {
    }

    /** Grown (copied) under the monitor; read without it. */
    private volatile Slot<?>[] slots = new Slot<?>[16];
    /** Free slot indices, a stack. Guarded by the monitor. */
    private int[] free = new int[16];
    private int freeCount;
    /** Slots ever created (slots[0 .. created) exist). Guarded by the monitor. */
    private int created;
    private int size;

    /** Stores {@code value} under a new key (> 0). */
    public synchronized long add(T value) {
        int index;
        if (freeCount > 0) {
            index = free[--freeCount];
        } else {
            if (created == slots.length) {
                Slot<?>[] bigger = java.util.Arrays.copyOf(slots, created * 2);
                slots = bigger;
            }
            index = created++;
            slots[index] = new Slot<T>();
        }
        Slot<T> slot = slot(slots, index);
        int gen = slot.generation == MAX_GENERATION ? 1 : slot.generation + 1;
        slot.generation = gen;
        long key = ((long) gen << 32) | index;
        slot.binding = new Binding<>(key, value);
        size++;
        return key;
    }

    /** The value stored under {@code key}, or null if the key was removed or never existed. */
    public T get(long key) {
        int index = (int) key;
        Slot<?>[] s = slots;
        if (key <= 0 || index < 0 || index >= s.length) {
            return null;
        }
        Slot<T> slot = slot(s, index);
        if (slot == null) {
            return null;
        }
        Binding<T> b = slot.binding;
        return b != null && b.key == key ? b.value : null;
    }

    /** Removes {@code key}; returns its value, or null if it was not present. */
    public synchronized T remove(long key) {
        T value = get(key);
        if (value == null) {
            return null;
        }
        int index = (int) key;
        slot(slots, index).binding = null;
        if (freeCount == free.length) {
            free = java.util.Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = index;
        size--;
        return value;
    }

    /** Number of keys present. */
    public synchronized int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    private static <T> Slot<T> slot(Slot<?>[] slots, int index) {
        return (Slot<T>) slots[index];
    }
}
