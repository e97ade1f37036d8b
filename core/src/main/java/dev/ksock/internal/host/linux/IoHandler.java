package dev.ksock.internal.host.linux;

/** Something registered with an {@link EventLoop}: told of its descriptor's epoll events. */
@FunctionalInterface
public interface IoHandler {
    /** Called on the loop thread with the Linux EPOLL* bits that fired (edge-triggered). */
    void onIoEvents(int epollEvents);
}
