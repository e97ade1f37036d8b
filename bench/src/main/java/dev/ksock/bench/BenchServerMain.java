package dev.ksock.bench;

import com.sun.management.ThreadMXBean;
import dev.ksock.bench.ksock.KsockServers;
import dev.ksock.bench.netty.NettyServers;
import dev.ksock.bench.nio.NioServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A benchmark server process for {@code bench/run.sh}: {@code BenchServerMain ksock|netty-epoll|netty-nio|nio}.
 * Prints {@code ready echo=P http=P sink=P accept=P ...} and then answers commands on standard
 * input, one per line, so the script can measure from inside without JMX or an agent:
 * <ul>
 * <li>{@code mem}: runs GC until the heap settles, prints {@code mem heap_used=B rss=B}
 * (heap after GC from {@code MemoryMXBean}, resident set from {@code /proc/self/status});</li>
 * <li>{@code alloc}: prints {@code alloc NAME=BYTES ...}, bytes allocated so far by each thread
 * (HotSpot's per-thread TLAB accounting, what JFR's ThreadAllocationStatistics reports).</li>
 * </ul>
 * It exits when standard input closes.
 */
public final class BenchServerMain {
    public static void main(String[] args) throws Exception {
        String kind = args.length > 0 ? args[0] : "ksock";
        BenchServer server = switch (kind) {
            case "ksock" -> new KsockServers();
            case "netty-epoll" -> new NettyServers(true);
            case "netty-nio" -> new NettyServers(false);
            case "nio" -> new NioServer();
            default -> throw new IllegalArgumentException("unknown server " + kind);
        };
        System.out.println("ready " + server.ports());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            switch (line.trim()) {
                case "mem" -> System.out.println(memory());
                case "alloc" -> System.out.println(allocations());
                case "" -> { }
                default -> System.out.println("error unknown command " + line);
            }
            System.out.flush();
        }
        server.close();
        System.exit(0);
    }

    private static String memory() throws Exception {
        // Several collections: the first may only promote; stop when the figure settles.
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            long u = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            if (Math.abs(u - used) < 64 * 1024) {
                used = u;
                break;
            }
            used = u;
        }
        long rss = 0;
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                rss = Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return "mem heap_used=" + used + " rss=" + rss;
    }

    private static String allocations() {
        ThreadMXBean t = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = t.getAllThreadIds();
        long[] bytes = t.getThreadAllocatedBytes(ids);
        StringBuilder sb = new StringBuilder("alloc");
        var infos = t.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] != null && bytes[i] >= 0) {
                sb.append(' ').append(infos[i].getThreadName().replace(' ', '_')).append('=').append(bytes[i]);
            }
        }
        return sb.toString();
    }

    private BenchServerMain() {
    }
}
