package dev.ksock.reliability;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * A test network namespace reached from the root namespace through {@code scripts/netem_relay.py}
 * (two TUN devices and a userspace netem: this kernel has no {@code sch_netem}). The root side
 * is {@code 10.201.K.1}, the namespace side {@code 10.201.K.2}. Everything is removed by
 * {@link #close}, also when the test fails. If namespaces or TUN devices cannot be made (no
 * privilege, no {@code /dev/net/tun}), the test is <em>skipped</em> with the reason.
 */
final class ImpairedPath implements AutoCloseable {
    private static final AtomicInteger NEXT = new AtomicInteger();

    final String ns;
    final String rootAddr;
    final String nsAddr;
    private final String tun;
    private ChildProcess relay;
    private final List<ChildProcess> peers = new ArrayList<>();

    /**
     * @param impairment relay options, e.g. {@code --loss 0.05 --delay 10 --reorder 0.25 --dup 0.01 --direction a2b}
     */
    ImpairedPath(String... impairment) throws Exception {
        int k = (int) (ProcessHandle.current().pid() % 200) + NEXT.getAndIncrement() % 50;
        int id = (int) (ProcessHandle.current().pid() % 10000) * 100 + NEXT.get();
        ns = "ksock-test-" + id;
        tun = "kst" + id;
        rootAddr = "10.201." + k + ".1";
        nsAddr = "10.201." + k + ".2";
        int r = run("ip", "netns", "add", ns);
        Assumptions.assumeTrue(r == 0, "cannot create network namespace " + ns + " (ip netns add exit " + r
                + "): fault tests need root/CAP_NET_ADMIN; skipped, see docs/RELIABILITY.md");
        try {
            List<String> cmd = new ArrayList<>(List.of("python3", ChildProcess.script("netem_relay.py").toString(),
                    "--ns", ns, "--name", tun, "--a", rootAddr, "--b", nsAddr, "--mtu", "9000"));
            cmd.addAll(List.of(impairment));
            relay = ChildProcess.start(cmd);
            try {
                relay.await("READY", 15);
            } catch (AssertionError e) {
                Assumptions.abort("cannot build the impaired path (TUN devices in a namespace): " + e.getMessage());
            }
        } catch (Throwable t) {
            close();
            throw t;
        }
    }

    /** Runs {@code argv} inside the namespace as a child process. */
    ChildProcess inNamespace(String... argv) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(argv));
        ChildProcess p = ChildProcess.start(cmd);
        peers.add(p);
        return p;
    }

    /** A python peer from {@code scripts/fault_peer.py} in the namespace, listening on {@code port}. */
    ChildProcess peer(String mode, int port, String... more) throws Exception {
        List<String> a = new ArrayList<>(List.of("python3", ChildProcess.script("fault_peer.py").toString(), mode, nsAddr, "" + port));
        a.addAll(List.of(more));
        ChildProcess p = inNamespace(a.toArray(String[]::new));
        p.await("LISTEN", 15);
        return p;
    }

    /** Changes the impairment now, e.g. {@code set("loss=1.0")}. */
    void set(String... kv) throws Exception {
        relay.send("set " + String.join(" ", kv));
        relay.await("OK", 5);
    }

    String stats() throws Exception {
        relay.send("stats");
        return relay.await("STATS", 5);
    }

    static int run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    @Override
    public void close() throws Exception {
        for (ChildProcess p : peers) {
            p.process.destroyForcibly();
            p.close();
        }
        if (relay != null) {
            relay.close(); // end of stdin stops it; the TUN devices go with it
        }
        run("ip", "link", "del", tun + "a");
        run("ip", "netns", "del", ns);
    }
}
