package dev.ksock;

/** An in/out {@code size_t *}: C's {@code size_t *sentlen}, {@code size_t *recvlen}, ... */
public final class LongRef {
    /** The value; read and written directly or through {@link #get}/{@link #set}. */
    public long value;

    /** A reference holding 0. */
    public LongRef() {
    }

    /** A reference holding {@code value}. */
    public LongRef(long value) {
        this.value = value;
    }

    /** The value (C's {@code *p}). */
    public long get() {
        return value;
    }

    /** Stores {@code value} (C's {@code *p = value}). */
    public void set(long value) {
        this.value = value;
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
