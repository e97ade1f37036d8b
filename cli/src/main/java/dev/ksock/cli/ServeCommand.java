package dev.ksock.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ksock serve echo|discard|http --listen ADDR}: a server written only against the KPI
 * (upcalls, {@code sock_receivembuf}, {@code sock_sendmbuf}). Runs until SIGINT/SIGTERM.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs a server built only on the KPI (upcalls and mbufs) until SIGINT/SIGTERM.",
            "  echo     sends back what it receives (the received mbuf chain goes straight back)",
            "  discard  reads and drops everything (RFC 863)",
            "  http     HTTP/1.1 plaintext 'Hello, World!' with keep-alive and pipelining",
            "Prints 'listening on ADDR' (with the real port) once ready."},
        footer = {"%nExamples:",
            "  ksock serve http --listen tcp:127.0.0.1:8080 --loops 2",
            "  ksock serve echo --listen tcp:[::1]:7007",
            "  ksock serve echo --listen unix:/tmp/echo.sock"})
final class ServeCommand implements Callable<Integer> {
    /** The services. */
    enum Service { echo, discard, http }

    @Parameters(index = "0", paramLabel = "SERVICE", description = "echo, discard or http.")
    Service service;

    @Option(names = {"-l", "--listen"}, required = true, paramLabel = "ADDR", converter = Endpoint.Converter.class,
            description = "tcp:HOST:PORT (IPv6 as tcp:[::1]:PORT; port 0 picks one) or unix:PATH.")
    Endpoint listen;

    @Option(names = "--loops", paramLabel = "N",
            description = "Event-loop threads (system property ksock.loops; default min(2, cores)).")
    Integer loops;

    @Override
    public Integer call() throws InterruptedException {
        if (listen.listen() || listen.kind() == Endpoint.Kind.UDP) {
            throw new UsageException("serve listens on tcp:HOST:PORT or unix:PATH, not " + listen.text());
        }
        if (loops != null) {
            if (loops < 1 || loops > 256) {
                throw new UsageException("--loops must be 1..256, got " + loops);
            }
            // Read once, when the event loops start: that is the first KPI call, below.
            System.setProperty("ksock.loops", loops.toString());
        }
        Supplier<Connection> connections = switch (service) {
            case echo -> EchoConnection::new;
            case discard -> DiscardConnection::new;
            case http -> HttpConnection::new;
        };
        KpiServer server = new KpiServer(listen, connections);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            server.close();
            if (listen.kind() == Endpoint.Kind.UNIX) {
                try {
                    Files.deleteIfExists(Path.of(listen.path()));
                } catch (Exception ignored) {
                    // best effort: the next bind would report EADDRINUSE and say where
                }
            }
            stopped.countDown();
        }));
        System.out.println("listening on " + Endpoint.format(listen.kind(), server.address()));
        System.out.flush();
        stopped.await();
        return Main.EXIT_OK;
    }
}
