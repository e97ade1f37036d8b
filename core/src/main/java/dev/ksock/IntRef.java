package dev.ksock;

/** An in/out {@code int *}: C's {@code int *optlen}, {@code int *domain}, ... */
public final class IntRef {
    /** The value; read and written directly or through {@link #get}/{@link #set}. */
    public int value;

    /** A reference holding 0. */
    public IntRef() {
    }

    /** A reference holding {@code value}. */
    public IntRef(int value) {
        this.value = value;
    }

    /** The value (C's {@code *p}). */
    public int get() {
        return value;
    }

    /** Stores {@code value} (C's {@code *p = value}). */
    public void set(int value) {
        this.value = value;
    }

    @Override
    public String toString() {
        return Integer.toString(value);
    }
}
