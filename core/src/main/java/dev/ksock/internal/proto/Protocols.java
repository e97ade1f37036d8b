package dev.ksock.internal.proto;

import dev.ksock.internal.host.linux.EventLoop;
import dev.ksock.internal.host.linux.LinuxErrno;
import dev.ksock.internal.socket.Domains;
import dev.ksock.internal.socket.SocketLayer;

/**
 * Plugs the protocols into the socket layer's domain table: TCP and UDP over IPv4 and IPv6, and
 * local (unix-domain) stream and datagram sockets, each a {@link HostProtocol} over the matching
 * Linux socket. Darwin numbers on the left, Linux numbers in the host triple.
 */
public final class Protocols {
    private Protocols() {
    }

    private static final int PF_LOCAL = 1, PF_INET = 2, PF_INET6 = 30;
    private static final int SOCK_STREAM = 1, SOCK_DGRAM = 2;
    private static final int IPPROTO_TCP = 6, IPPROTO_UDP = 17;
    private static final int L_AF_UNIX = 1, L_AF_INET = 2, L_AF_INET6 = 10;

    private static volatile boolean installed;

    public static synchronized void install() {
        if (installed) {
            return;
        }
        Domains.add(new Domains.Entry(PF_INET, SOCK_STREAM, IPPROTO_TCP, new HostProtocol(L_AF_INET, SOCK_STREAM, IPPROTO_TCP)));
        Domains.add(new Domains.Entry(PF_INET, SOCK_DGRAM, IPPROTO_UDP, new HostProtocol(L_AF_INET, SOCK_DGRAM, IPPROTO_UDP)));
        Domains.add(new Domains.Entry(PF_INET6, SOCK_STREAM, IPPROTO_TCP, new HostProtocol(L_AF_INET6, SOCK_STREAM, IPPROTO_TCP)));
        Domains.add(new Domains.Entry(PF_INET6, SOCK_DGRAM, IPPROTO_UDP, new HostProtocol(L_AF_INET6, SOCK_DGRAM, IPPROTO_UDP)));
        Domains.add(new Domains.Entry(PF_LOCAL, SOCK_STREAM, 0, new HostProtocol(L_AF_UNIX, SOCK_STREAM, 0)));
        Domains.add(new Domains.Entry(PF_LOCAL, SOCK_DGRAM, 0, new HostProtocol(L_AF_UNIX, SOCK_DGRAM, 0)));
        SocketLayer.setLoopPoller(new SocketLayer.LoopPoller() {
            @Override
            public boolean onEventLoop() {
                return EventLoop.onAnyEventLoop();
            }

            @Override
            public boolean poll(dev.ksock.internal.socket.SocketCore so, boolean forWrite, int millis) {
                return HostProtocol.pollHost(so, forWrite, millis);
            }

            @Override
            public boolean onOwnLoop(dev.ksock.internal.socket.SocketCore so) {
                return HostProtocol.onOwnLoop(so);
            }
        });
        // Fix (reliability: descriptor exhaustion): load the error-path translation now, while
        // descriptors are available. It was loaded lazily by the first failing syscall; when that
        // failure is EMFILE the class loader cannot open the class file either (class path of
        // directories), and sock_socket threw NoClassDefFoundError instead of returning EMFILE.
        LinuxErrno.toDarwin(24);
        installed = true;
    }
}
