package dev.ksock.internal.socket;

/** The socket layer's {@code struct socket}. (Being written.) */
public final class SocketCore {
    public String describe() {
        return "?";
    }
}
