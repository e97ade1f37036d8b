package dev.ksock.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A helper process (python peer, child JVM, relay) whose output lines a test waits for with a
 * bound. {@link #close} kills it (SIGKILL) if it is still running: a test never leaves one behind.
 */
final class ChildProcess implements AutoCloseable {
    private static final String EOF = "\u0000EOF";
    final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> transcript = new ArrayList<>();

    private ChildProcess(Process p) {
        this.process = p;
        Thread.ofPlatform().daemon().name("child-out-" + p.pid()).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // the process is gone
            } finally {
                lines.add(EOF);
            }
        });
    }

    static ChildProcess start(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        return new ChildProcess(pb.start());
    }

    /** The command line to run {@code main} of the test class path in a new JVM. */
    static List<String> java(Class<?> main, String... args) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.add("--enable-native-access=ALL-UNNAMED");
        c.add("-Xmx256m");
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        c.add(main.getName());
        c.addAll(List.of(args));
        return c;
    }

    /** The repository's {@code scripts/} directory (tests run with {@code core/} as working directory). */
    static Path script(String name) {
        for (Path base = Path.of(System.getProperty("user.dir")).toAbsolutePath(); base != null; base = base.getParent()) {
            Path p = base.resolve("scripts").resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new AssertionError("scripts/" + name + " not found above " + System.getProperty("user.dir"));
    }

    /** The next line starting with {@code prefix}, waiting at most {@code seconds}; fails otherwise. */
    String await(String prefix, long seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (;;) {
            long left = end - System.nanoTime();
            String l = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (l == null) {
                throw new AssertionError("no '" + prefix + "' from " + process.info().command().orElse("child")
                        + " within " + seconds + " s; output so far: " + transcript);
            }
            if (l.equals(EOF)) {
                lines.add(EOF);
                throw new AssertionError("child exited before '" + prefix + "'; output: " + transcript);
            }
            synchronized (transcript) {
                if (transcript.size() < 200) {
                    transcript.add(l);
                }
            }
            if (l.startsWith(prefix)) {
                return l;
            }
        }
    }

    void send(String line) throws IOException {
        OutputStream o = process.getOutputStream();
        o.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        o.flush();
    }

    void closeStdin() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already gone
        }
    }

    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("child did not exit within " + seconds + " s");
        }
        return process.exitValue();
    }

    List<String> transcript() {
        synchronized (transcript) {
            return List.copyOf(transcript);
        }
    }

    @Override
    public void close() {
        closeStdin();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
