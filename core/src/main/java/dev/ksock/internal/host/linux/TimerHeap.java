package dev.ksock.internal.host.linux;

import java.util.Arrays;

/**
 * A binary min-heap of timers ordered by deadline ({@link System#nanoTime} scale, compared
 * wrap-safely), then by insertion order, so timers with equal deadlines fire in the order they
 * were added. Each entry knows its heap index, which makes removal O(log n) — cancelled timers
 * leave the heap at once instead of lingering until their deadline. Single-threaded: owned by
 * one event loop thread.
 */
public final class TimerHeap {
    /** Something that can sit in the heap. */
    public abstract static class Entry {
        long deadline;
        private long seq;
        /** Position in the heap, -1 when not in one. */
        int heapIndex = -1;

        public long deadline() {
            return deadline;
        }
    }

    private Entry[] heap = new Entry[64];
    private int size;
    private long nextSeq;

    public int size() {
        return size;
    }

    public Entry peek() {
        return size == 0 ? null : heap[0];
    }

    public void add(Entry e) {
        if (e.heapIndex >= 0) {
            throw new IllegalStateException("already in a heap");
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        e.seq = nextSeq++;
        heap[size] = e;
        e.heapIndex = size;
        siftUp(size++);
    }

    public Entry poll() {
        if (size == 0) {
            return null;
        }
        Entry top = heap[0];
        removeAt(0);
        return top;
    }

    /** Removes {@code e}; false if it was not in the heap. */
    public boolean remove(Entry e) {
        int i = e.heapIndex;
        if (i < 0 || i >= size || heap[i] != e) {
            return false;
        }
        removeAt(i);
        return true;
    }

    private void removeAt(int i) {
        Entry removed = heap[i];
        Entry last = heap[--size];
        heap[size] = null;
        removed.heapIndex = -1;
        if (i < size) {
            heap[i] = last;
            last.heapIndex = i;
            siftDown(i);
            siftUp(i);
        }
    }

    private static boolean before(Entry a, Entry b) {
        long d = a.deadline - b.deadline;
        return d < 0 || (d == 0 && a.seq < b.seq);
    }

    private void siftUp(int i) {
        Entry e = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Entry p = heap[parent];
            if (!before(e, p)) {
                break;
            }
            heap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        heap[i] = e;
        e.heapIndex = i;
    }

    private void siftDown(int i) {
        Entry e = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && before(heap[right], heap[child])) {
                child = right;
            }
            if (!before(heap[child], e)) {
                break;
            }
            heap[i] = heap[child];
            heap[i].heapIndex = i;
            i = child;
        }
        heap[i] = e;
        e.heapIndex = i;
    }
}
