package dev.ksock.cli;

import static dev.ksock.Darwin.*;
import static dev.ksock.KpiSocket.*;

import dev.ksock.ErrnoException;
import dev.ksock.LongRef;
import dev.ksock.MsgHdr;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.Socket;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ksock cat ADDR}: a netcat on the KPI, plain blocking code. One thread copies stdin to
 * the socket and half-closes it ({@code SHUT_WR}) at end of input; the main thread copies the
 * socket to stdout and ends the command when the peer closes. A peer that closes only its own
 * side may still be reading: what stdin has left is sent for up to {@code --half-close-wait}
 * seconds more (socat's {@code -t}), so a reply is not cut off by the peer's end of data.
 */
@Command(name = "cat", mixinStandardHelpOptions = true,
        description = {"A netcat on the KPI: stdin goes to a socket, the socket to stdout.",
            "At the end of stdin the socket's sending side is shut down (SHUT_WR);",
            "the command ends when the peer closes (after sending what stdin still has, for up to --half-close-wait).",
            "UDP has no end of stream: use --quit-after, or stop it with Ctrl-C.",
            "The -listen forms wait for one peer and print 'listening on ADDR' to stderr when ready."},
        footer = {"%nADDR forms:",
            "  tcp:HOST:PORT  tcp:[V6]:PORT  tcp-listen:PORT  tcp-listen:HOST:PORT",
            "  udp:HOST:PORT  udp-listen:PORT  unix:PATH  unix-listen:PATH",
            "%nExamples:",
            "  echo hello | ksock cat tcp:127.0.0.1:7007",
            "  ksock cat tcp-listen:9000 > received.bin",
            "  ksock cat --quit-after 1 udp:127.0.0.1:5353 < query.bin"})
final class CatCommand implements Callable<Integer> {
    private static final int BUFFER = 64 * 1024;
    /** Largest UDP payload over IPv4: 65535 - 20 (IP) - 8 (UDP). */
    private static final int MAX_DATAGRAM = 65_507;

    @Parameters(index = "0", paramLabel = "ADDR", converter = Endpoint.Converter.class,
            description = "Where to connect, or with -listen where to wait for one peer.")
    Endpoint addr;

    @Option(names = {"-q", "--quit-after"}, paramLabel = "SECONDS",
            description = "After the end of stdin, quit this many seconds later even if the peer has not closed"
                    + " (default: wait for the peer; for UDP: run until interrupted).")
    Double quitAfter;

    @Option(names = {"-t", "--half-close-wait"}, paramLabel = "SECONDS", defaultValue = "1",
            description = "Once the peer has closed its sending side, keep sending stdin for at most this long"
                    + " (default: ${DEFAULT-VALUE} s, as socat's -t).")
    double halfCloseWait;

    /** Set before this command closes the socket itself, so the receiver's EBADF is not an error. */
    private final AtomicBoolean quitting = new AtomicBoolean();

    @Override
    public Integer call() throws Exception {
        if (quitAfter != null && !(quitAfter >= 0)) {
            throw new UsageException("--quit-after must be a number of seconds >= 0");
        }
        if (!(halfCloseWait >= 0)) {
            throw new UsageException("--half-close-wait must be a number of seconds >= 0");
        }
        boolean stream = addr.kind() != Endpoint.Kind.UDP;
        OutputStream stdout = new FileOutputStream(FileDescriptor.out);
        Socket so = addr.listen() ? acceptOne(stdout) : connect();
        try {
            Thread stdinPump = Thread.ofPlatform().daemon().name("ksock-cat-stdin").start(() -> pumpStdin(so, stream));
            int exit = pumpSocket(so, stream, stdout);
            long waitMillis = (long) (halfCloseWait * 1000);
            if (exit == Main.EXIT_OK && stream && waitMillis > 0) {
                // The peer ended its side, not necessarily its reading: let stdin finish (bounded).
                stdinPump.join(waitMillis);
            }
            return exit;
        } finally {
            sock_close(so);
        }
    }

    private Socket connect() {
        Ref<Socket> ref = new Ref<>();
        Kpi.check(sock_socket(addr.domain(), addr.type(), 0, null, null, ref), "sock_socket");
        Socket so = ref.get();
        int r = sock_connect(so, addr.sockaddr(), 0);
        if (r != 0) {
            sock_close(so);
            throw new ErrnoException(r, "sock_connect " + addr.text());
        }
        return so;
    }

    /** Binds, waits for one peer (a connection, or for UDP the first datagram), and connects to it. */
    private Socket acceptOne(OutputStream stdout) throws IOException {
        Ref<Socket> ref = new Ref<>();
        Kpi.check(sock_socket(addr.domain(), addr.type(), 0, null, null, ref), "sock_socket");
        Socket l = ref.get();
        boolean handedOver = false;
        boolean bound = false;
        try {
            if (addr.kind() != Endpoint.Kind.UNIX) {
                Kpi.check(sock_setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1), "SO_REUSEADDR");
            }
            Kpi.check(sock_bind(l, addr.sockaddr()), "sock_bind " + addr.text());
            bound = true;
            SockAddr local = SockAddr.storage();
            Kpi.check(sock_getsockname(l, local, 128), "sock_getsockname");
            if (addr.kind() == Endpoint.Kind.UDP) {
                announce(local);
                firstDatagram(l, stdout);
                handedOver = true;
                return l;
            }
            Kpi.check(sock_listen(l, 1), "sock_listen");
            announce(local);
            Kpi.check(sock_accept(l, null, 0, 0, null, null, ref), "sock_accept");
            return ref.get();
        } finally {
            if (!handedOver) {
                sock_close(l);
            }
            if (bound && addr.kind() == Endpoint.Kind.UNIX) {
                Files.deleteIfExists(Path.of(addr.path())); // one peer only: nobody else may connect
            }
        }
    }

    private void announce(SockAddr local) {
        System.err.println("listening on " + Endpoint.format(addr.kind(), local));
        System.err.flush();
    }

    /** udp-listen: the first datagram names the peer; it goes to stdout and the socket connects back. */
    private static void firstDatagram(Socket so, OutputStream stdout) throws IOException {
        MemorySegment buf = Arena.ofAuto().allocate(BUFFER);
        MsgHdr msg = MsgHdr.of(buf);
        msg.msg_name = SockAddr.storage();
        msg.msg_namelen = 128;
        LongRef n = new LongRef();
        Kpi.check(sock_receive(so, msg, 0, n), "sock_receive");
        stdout.write(buf.asSlice(0, n.value).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        stdout.flush();
        Kpi.check(sock_connect(so, msg.msg_name, 0), "sock_connect " + msg.msg_name);
    }

    /** Socket to stdout until the peer closes; the command's exit code. */
    private int pumpSocket(Socket so, boolean stream, OutputStream stdout) {
        MemorySegment buf = Arena.ofAuto().allocate(BUFFER);
        MsgHdr msg = MsgHdr.of(buf);
        LongRef n = new LongRef();
        byte[] bytes = new byte[BUFFER];
        for (;;) {
            int r = sock_receive(so, msg, 0, n);
            if (r != 0) {
                if (quitting.get()) {
                    return Main.EXIT_OK; // our own --quit-after close woke the receive
                }
                System.err.println("ksock cat: sock_receive: " + Kpi.describe(r));
                return Main.EXIT_FAILED;
            }
            if (n.value == 0 && stream) {
                return Main.EXIT_OK; // the peer closed its side
            }
            int k = (int) n.value;
            MemorySegment.copy(buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes, 0, k);
            try {
                stdout.write(bytes, 0, k);
                stdout.flush();
            } catch (IOException e) {
                System.err.println("ksock cat: stdout: " + e.getMessage());
                return Main.EXIT_FAILED;
            }
        }
    }

    /** Stdin to the socket; at its end SHUT_WR (streams) and, with --quit-after, a timed close. */
    private void pumpStdin(Socket so, boolean stream) {
        MemorySegment buf = Arena.ofAuto().allocate(BUFFER);
        MsgHdr msg = MsgHdr.of(buf);
        LongRef n = new LongRef();
        byte[] bytes = new byte[stream ? BUFFER : MAX_DATAGRAM];
        InputStream stdin = System.in;
        try {
            for (;;) {
                int k = stdin.read(bytes);
                if (k < 0) {
                    break;
                }
                MemorySegment.copy(bytes, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, k);
                msg.msg_iov[0] = buf.asSlice(0, k);
                int r = sock_send(so, msg, 0, n);
                if (r != 0) {
                    // EPIPE/ECONNRESET: the peer is gone; the receiving side reports how it ended.
                    if (r != EPIPE && r != ECONNRESET && r != EBADF) {
                        System.err.println("ksock cat: sock_send: " + Kpi.describe(r));
                    }
                    return;
                }
            }
        } catch (IOException e) {
            System.err.println("ksock cat: stdin: " + e.getMessage());
        }
        if (stream) {
            sock_shutdown(so, SHUT_WR);
        }
        if (quitAfter != null) {
            try {
                TimeUnit.MILLISECONDS.sleep((long) (quitAfter * 1000));
            } catch (InterruptedException e) {
                return;
            }
            quitting.set(true);
            sock_close(so); // wakes the blocked receive with EBADF
        }
    }
}
