package dev.ksock.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A program the tests drive as a user would: {@code ksock} itself in a child JVM (the test class
 * path, {@code dev.ksock.cli.Main}: the shaded jar does not exist yet when {@code mvn verify} runs
 * the tests), or a peer such as curl, wrk, socat, nc or python3. Its output is collected in the
 * background; every wait is bounded.
 */
final class Child implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+)");

    final Process process;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Thread outPump;
    private final Thread errPump;

    private Child(List<String> command) {
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new AssertionError("cannot start " + command + ": " + e.getMessage(), e);
        }
        outPump = pump(process.getInputStream(), out);
        errPump = pump(process.getErrorStream(), err);
    }

    /** {@code ksock ARGS...} in a child JVM. */
    static Child ksock(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:TieredStopAtLevel=1"); // short-lived: start fast rather than peak
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.ksock.cli.Main");
        cmd.addAll(List.of(args));
        return new Child(cmd);
    }

    /** A peer program; the test is skipped (not failed) if it is not installed. */
    static Child peer(String... command) {
        requireInstalled(command[0]);
        return new Child(List.of(command));
    }

    static void requireInstalled(String program) {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            found |= !dir.isEmpty() && Files.isExecutable(Path.of(dir, program));
        }
        Assumptions.assumeTrue(found, program + " is not installed (./run-tests installs it)");
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream to) {
        return Thread.ofPlatform().daemon().start(() -> {
            byte[] b = new byte[16 * 1024];
            try {
                for (int n; (n = in.read(b)) > 0; ) {
                    synchronized (to) {
                        to.write(b, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
    }

    /** Writes {@code bytes} to the child's stdin, then closes it (end of input). */
    Child input(byte[] bytes) {
        try (OutputStream in = process.getOutputStream()) {
            in.write(bytes);
        } catch (IOException e) {
            // the child may have exited already; its exit code and output tell the story
        }
        return this;
    }

    Child input(String text) {
        return input(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Waits for "listening on ADDR" on stdout or stderr and returns ADDR. */
    String awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(stdout() + stderr());
            if (m.find()) {
                return m.group(1);
            }
            if (!process.isAlive()) {
                break;
            }
            sleep(20);
        }
        fail("no 'listening on' line within " + timeout + "; exit " + (process.isAlive() ? "-" : process.exitValue())
                + "\nstdout: " + stdout() + "\nstderr: " + stderr());
        return null;
    }

    /** The port of a listening line such as {@code tcp:127.0.0.1:4321} or {@code tcp:[::1]:4321}. */
    static int port(String addr) {
        return Integer.parseInt(addr.substring(addr.lastIndexOf(':') + 1));
    }

    /** Waits for the exit (killing the child after {@code timeout}) and returns the exit code. */
    int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                fail("did not exit within " + timeout + "\nstdout: " + stdout() + "\nstderr: " + stderr());
            }
            outPump.join(2000);
            errPump.join(2000);
            return process.exitValue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    byte[] stdoutBytes() {
        synchronized (out) {
            return out.toByteArray();
        }
    }

    String stdout() {
        return new String(stdoutBytes(), StandardCharsets.UTF_8);
    }

    String stderr() {
        synchronized (err) {
            return err.toString(StandardCharsets.UTF_8);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** SIGTERM, as a user's kill would; then waits (bounded). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
            }
        }
    }
}
