package dev.ksock.bench;

/** One peer's services (echo, http, sink, accept), all on one event-loop thread. */
public interface BenchServer extends AutoCloseable {
    /** {@code echo=P http=P sink=P accept=P}, plus extra services of this peer. */
    String ports();

    @Override
    void close() throws Exception;
}
