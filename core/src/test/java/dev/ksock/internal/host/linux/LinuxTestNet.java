package dev.ksock.internal.host.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Test helpers that build Linux sockaddrs by hand (the translation tables belong to another
 * class and are not what these tests are about) and run Python peers.
 */
final class LinuxTestNet {
    private LinuxTestNet() {
    }

    static final int AF_UNIX = 1, AF_INET = 2, SOCK_STREAM = 1, SOCK_DGRAM = 2;
    static final int SOL_SOCKET = 1, SO_ERROR = 4;
    static final int EAGAIN = 11, EPIPE = 32, ECONNREFUSED = 111, EINPROGRESS = 115;

    /** A Linux struct sockaddr_in for 127.0.0.1:{@code port}: family u16 LE, port BE, address. */
    static MemorySegment loopback4(Arena arena, int port) {
        MemorySegment sa = arena.allocate(LinuxStructs.SOCKADDR_IN_SIZE, 8);
        sa.set(JAVA_SHORT_UNALIGNED, 0, (short) AF_INET);
        sa.set(JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
        sa.set(JAVA_BYTE, 4, (byte) 127);
        sa.set(JAVA_BYTE, 7, (byte) 1);
        return sa;
    }

    static int family(MemorySegment sa) {
        return Short.toUnsignedInt(sa.get(JAVA_SHORT_UNALIGNED, 0));
    }

    static int port(MemorySegment sa) {
        return Short.toUnsignedInt(sa.get(JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2));
    }

    static MemorySegment utf8(Arena arena, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return arena.allocate(b.length).copyFrom(MemorySegment.ofArray(b));
    }

    static String string(MemorySegment seg, long len) {
        return new String(seg.asSlice(0, len).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** A running {@code python3 -c script} whose first stdout line is a port number. */
    static final class PythonPeer implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final int port;

        PythonPeer(String script) throws Exception {
            process = new ProcessBuilder("python3", "-c", script)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }).get(10, TimeUnit.SECONDS);
            if (line == null) {
                throw new IllegalStateException("python peer exited: " + process.waitFor());
            }
            port = Integer.parseInt(line.trim());
        }

        /** The next line the script prints (after the port), within 10 s. */
        String nextLine() throws Exception {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }).get(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws Exception {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
