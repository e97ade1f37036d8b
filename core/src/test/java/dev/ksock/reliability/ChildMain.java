package dev.ksock.reliability;

import static dev.ksock.KpiSocket.*;

import dev.ksock.Errno;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * ksock in a process of its own, for what a test must not do to its own JVM: run out of
 * descriptors ({@code emfile}, started under {@code prlimit}), or connect from inside a test
 * network namespace ({@code connect}, started under {@code ip netns exec}). Prints one
 * {@code RESULT} line; the test reads it.
 */
public final class ChildMain {
    private ChildMain() {
    }

    private static final int SysErrnoEMFILE = 24;

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "emfile" -> emfile(Integer.parseInt(args[1]));
            case "connect" -> connect(args[1], Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** Creates sockets until the host refuses (at most {@code max}); then checks the layer recovers. */
    private static void emfile(int max) {
        // This process, not ksock, must not need a descriptor to report: load what the report uses.
        System.out.println("START " + Errno.name(SysErrnoEMFILE) + " " + 0);
        List<Socket> all = new ArrayList<>();
        int r = 0;
        for (int i = 0; i < max; i++) {
            Ref<Socket> s = new Ref<>();
            // Datagram sockets register with an event loop at creation: the epoll path is exercised too.
            r = sock_socket(i % 2 == 0 ? 2 : 30, i % 3 == 0 ? 1 : 2, 0, null, null, s);
            if (r != 0) {
                break;
            }
            all.add(s.get());
        }
        System.out.println("RESULT " + Errno.name(r) + " " + all.size());
        for (int i = 0; i < 16 && !all.isEmpty(); i++) {
            sock_close(all.remove(all.size() - 1));
        }
        Ref<Socket> s = new Ref<>();
        int again = sock_socket(2, 1, 0, null, null, s);
        System.out.println("RECOVERED " + Errno.name(again));
        if (again == 0) {
            sock_close(s.get());
        }
        all.forEach(x -> sock_close(x));
        System.out.println("DONE");
    }

    /** One blocking sock_connect; reports its result and how long it took. */
    private static void connect(String ip, int port) {
        Ref<Socket> s = new Ref<>();
        int r = sock_socket(2, 1, 0, null, null, s);
        if (r != 0) {
            System.out.println("RESULT socket:" + Errno.name(r) + " 0");
            return;
        }
        long t0 = System.nanoTime();
        r = sock_connect(s.get(), SockAddr.in(ip, port), 0);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("RESULT " + Errno.name(r) + " " + ms);
        sock_close(s.get());
    }
}
