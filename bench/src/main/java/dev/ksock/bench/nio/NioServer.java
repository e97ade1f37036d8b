package dev.ksock.bench.nio;

import dev.ksock.bench.BenchServer;
import dev.ksock.bench.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The benchmark's services on a plain {@code java.nio} Selector: one thread, direct buffers
 * shared by all connections (a connection keeps memory only for unsent output or half a
 * request), the same raw HTTP parsing as the other peers. What a JDK-only server looks like.
 */
public final class NioServer implements BenchServer {
    private enum Kind { ECHO, HTTP, SINK, ACCEPT }

    private static final int BUF = 64 * 1024;

    /** A connection's state between selects. */
    private static final class Conn {
        final Kind kind;
        ByteBuffer pending;
        ByteBuffer partial;

        Conn(Kind kind) {
            this.kind = kind;
        }
    }

    private final Selector selector;
    private final ServerSocketChannel[] listeners = new ServerSocketChannel[Kind.values().length];
    private final ByteBuffer in = ByteBuffer.allocateDirect(BUF + Http.MAX_REQUEST);
    private final ByteBuffer out = ByteBuffer.allocateDirect(Http.maxResponses(BUF + Http.MAX_REQUEST) * Http.RESPONSE_LENGTH);
    private final Thread thread;
    private volatile boolean running = true;

    public NioServer() throws IOException {
        selector = Selector.open();
        for (Kind k : Kind.values()) {
            ServerSocketChannel l = ServerSocketChannel.open();
            l.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            l.bind(new InetSocketAddress("127.0.0.1", 0), 1024);
            l.configureBlocking(false);
            l.register(selector, SelectionKey.OP_ACCEPT, k);
            listeners[k.ordinal()] = l;
        }
        thread = new Thread(this::run, "nio-loop");
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                selector.select(this::handle); // the Consumer form: no selected-key iterator per select
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void handle(SelectionKey key) {
        try {
            if (key.attachment() instanceof Kind kind) {
                accept((ServerSocketChannel) key.channel(), kind);
            } else {
                serve(key, (SocketChannel) key.channel(), (Conn) key.attachment());
            }
        } catch (IOException | RuntimeException e) {
            key.cancel();
            try {
                key.channel().close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    private void accept(ServerSocketChannel l, Kind kind) throws IOException {
        for (SocketChannel ch; (ch = l.accept()) != null; ) {
            if (kind == Kind.ACCEPT) {
                ch.close();
                continue;
            }
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.register(selector, SelectionKey.OP_READ, new Conn(kind));
        }
    }

    private void serve(SelectionKey key, SocketChannel ch, Conn c) throws IOException {
        if (c.pending != null) {
            ch.write(c.pending);
            if (c.pending.hasRemaining()) {
                return;
            }
            c.pending = null;
            key.interestOps(SelectionKey.OP_READ);
        }
        for (;;) {
            in.clear();
            if (c.partial != null) {
                in.put(c.partial.flip());
                c.partial = null;
            }
            int have = in.position();
            in.limit(have + BUF);
            int n = ch.read(in);
            if (n < 0) {
                key.cancel();
                ch.close();
                return;
            }
            if (n == 0) {
                return;
            }
            in.flip();
            ByteBuffer reply = switch (c.kind) {
                case ECHO -> in;
                case HTTP -> http(c, in);
                default -> null;
            };
            if (reply == null) {
                if (c.kind == Kind.HTTP) { // a malformed or oversized request
                    key.cancel();
                    ch.close();
                    return;
                }
            } else if (reply.hasRemaining()) {
                ch.write(reply);
                if (reply.hasRemaining()) {
                    c.pending = ByteBuffer.allocate(reply.remaining()).put(reply).flip();
                    key.interestOps(SelectionKey.OP_WRITE);
                    return;
                }
            }
            if (n < BUF) {
                return; // drained; the selector is level-triggered anyway
            }
        }
    }

    /** The responses to the complete requests of {@code in}; keeps the rest. Null closes. */
    private ByteBuffer http(Conn c, ByteBuffer in) {
        byte[] response = Http.response();
        out.clear();
        int start = 0, end = in.limit();
        for (int i = 3; i < end; i++) {
            if (in.get(i) == '\n' && in.get(i - 1) == '\r' && in.get(i - 2) == '\n' && in.get(i - 3) == '\r') {
                if (i + 1 - start < Http.MIN_REQUEST) {
                    return null;
                }
                out.put(response);
                start = i + 1;
                i = start + 2; // a terminator never borrows bytes of the previous request
            }
        }
        int tail = end - start;
        if (tail > Http.MAX_REQUEST) {
            return null;
        }
        if (tail > 0) {
            c.partial = ByteBuffer.allocate(Http.MAX_REQUEST).put(in.slice(start, tail));
        }
        return out.flip();
    }

    @Override
    public String ports() {
        StringBuilder sb = new StringBuilder();
        for (Kind k : Kind.values()) {
            sb.append(sb.isEmpty() ? "" : " ").append(k.name().toLowerCase()).append('=')
                    .append(listeners[k.ordinal()].socket().getLocalPort());
        }
        return sb.toString();
    }

    @Override
    public void close() throws Exception {
        running = false;
        selector.wakeup();
        thread.join(2000);
        for (ServerSocketChannel l : listeners) {
            l.close();
        }
        selector.close();
    }
}
