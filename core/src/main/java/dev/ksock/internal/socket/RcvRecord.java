package dev.ksock.internal.socket;

import dev.ksock.Mbuf;
import dev.ksock.SockAddr;

/**
 * One record of the layer's receive buffer ({@link SockBuf#held}): a datagram with its sender and
 * control data, or a piece of a stream. Mutable by the receive that consumes it, under the
 * sockbuf's monitor.
 */
final class RcvRecord {
    /** The sender (datagrams), or null. */
    final SockAddr from;
    /** What is left to receive; null once consumed. */
    Mbuf data;
    /** Control data (Darwin cmsghdrs), delivered with the record's first bytes; or null. */
    Mbuf control;
    /** Bytes left in {@link #data}. */
    long len;
    RcvRecord next;

    RcvRecord(SockAddr from, Mbuf data, Mbuf control, long len) {
        this.from = from;
        this.data = data;
        this.control = control;
        this.len = len;
    }
}
