package dev.ksock;

/** STUB — to be written by the mbuf work. {@code mbuf_t}: one buffer of a chain. Opaque. */
public final class Mbuf {
    Mbuf() {
    }
}
