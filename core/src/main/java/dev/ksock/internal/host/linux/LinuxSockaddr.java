package dev.ksock.internal.host.linux;

import dev.ksock.SockAddr;
import java.lang.foreign.MemorySegment;

/** STUB (owner: constants helper). Darwin (BSD-layout) sockaddr ⇄ Linux sockaddr. */
public final class LinuxSockaddr {
    private LinuxSockaddr() {
    }

    /** Bytes a Linux sockaddr_storage needs. */
    public static final int STORAGE_SIZE = 128;

    /**
     * Encodes {@code addr} (BSD layout; its sa_len is authoritative) into {@code dst} in Linux
     * layout. Returns the Linux address length, or a negated Darwin errno (EINVAL for a bad
     * sa_len, EAFNOSUPPORT for a family the host lacks, ...).
     */
    public static int toLinux(SockAddr addr, MemorySegment dst) {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * Decodes a Linux sockaddr of {@code len} bytes into BSD layout, writing at most
     * {@code maxlen} bytes into {@code out} (BSD truncation; the sa_len byte, if written, still
     * holds the full length). Returns the full BSD length (sa_len), or a negated Darwin errno.
     */
    public static int fromLinux(MemorySegment src, int len, SockAddr out, int maxlen) {
        throw new UnsupportedOperationException("stub");
    }
}
