package dev.ksock.bench.ksock;

import dev.ksock.bench.BenchServer;

/** All ksock services of the benchmark in one process (one loop with {@code -Dksock.loops=1}). */
public final class KsockServers implements BenchServer {
    private final KsockListener echo = KsockEchoServer.listen();
    private final KsockListener http = KsockHttpServer.listen();
    private final KsockListener sink = KsockSinkServer.listen(false);
    private final KsockListener sinkMbuf = KsockSinkServer.listen(true);
    private final KsockListener accept = KsockAcceptServer.listen();

    @Override
    public String ports() {
        return "echo=" + echo.port + " http=" + http.port + " sink=" + sink.port + " accept=" + accept.port
                + " sinkmbuf=" + sinkMbuf.port;
    }

    @Override
    public void close() {
        echo.close();
        http.close();
        sink.close();
        sinkMbuf.close();
        accept.close();
    }
}
