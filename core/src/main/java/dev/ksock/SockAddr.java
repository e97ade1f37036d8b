package dev.ksock;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;

/**
 * STUB — to be written by the foundation work (owner: constants/SockAddr helper).
 * {@code struct sockaddr} in the BSD layout, able to hold a {@code sockaddr_storage}.
 */
public final class SockAddr {
    private SockAddr() {
    }

    public static SockAddr in(String ipv4, int port) {
        throw new UnsupportedOperationException("stub");
    }

    public static SockAddr in6(String ipv6, int port) {
        throw new UnsupportedOperationException("stub");
    }

    public static SockAddr un(String path) {
        throw new UnsupportedOperationException("stub");
    }

    public static SockAddr storage() {
        throw new UnsupportedOperationException("stub");
    }

    public static SockAddr of(MemorySegment bsdBytes) {
        throw new UnsupportedOperationException("stub");
    }

    public int sa_len() {
        throw new UnsupportedOperationException("stub");
    }

    public int sa_family() {
        throw new UnsupportedOperationException("stub");
    }

    public int port() {
        throw new UnsupportedOperationException("stub");
    }

    public InetAddress address() {
        throw new UnsupportedOperationException("stub");
    }

    public String path() {
        throw new UnsupportedOperationException("stub");
    }

    public MemorySegment segment() {
        throw new UnsupportedOperationException("stub");
    }
}
