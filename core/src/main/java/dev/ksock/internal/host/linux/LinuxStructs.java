package dev.ksock.internal.host.linux;

/** STUB (owner: host helper). MemoryLayouts of the Linux structs: msghdr, iovec, cmsghdr, epoll_event, ... */
public final class LinuxStructs {
    private LinuxStructs() {
    }
}
