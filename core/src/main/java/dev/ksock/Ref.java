package dev.ksock;

/**
 * An out-parameter holding one reference: the Java form of C's {@code socket_t *} or
 * {@code mbuf_t *}. A KPI function that succeeds stores its result here with {@link #set}.
 *
 * @param <T> what the C pointer points to
 */
public final class Ref<T> {
    private T value;

    /** An empty reference ({@code null}). */
    public Ref() {
    }

    /** A reference that starts out holding {@code value}. */
    public Ref(T value) {
        this.value = value;
    }

    /** The value last stored (by the caller or by a KPI function). */
    public T get() {
        return value;
    }

    /** Stores {@code value}, as a KPI function does through {@code *out = value}. */
    public void set(T value) {
        this.value = value;
    }

    @Override
    public String toString() {
        return "Ref[" + value + "]";
    }
}
