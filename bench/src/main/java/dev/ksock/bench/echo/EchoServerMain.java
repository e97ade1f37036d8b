package dev.ksock.bench.echo;

/**
 * Starts one echo server for the benchmark script: {@code EchoServerMain ksock|netty-epoll|netty-nio PORT}.
 * Prints {@code ready PORT} when listening and runs until standard input closes.
 */
public final class EchoServerMain {
    public static void main(String[] args) throws Exception {
        String kind = args.length > 0 ? args[0] : "ksock";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        AutoCloseable server;
        int bound;
        switch (kind) {
            case "ksock" -> {
                KsockEchoServer s = new KsockEchoServer("127.0.0.1", port);
                server = s;
                bound = s.port();
            }
            case "netty-epoll", "netty-nio" -> {
                NettyEchoServer s = new NettyEchoServer("127.0.0.1", port, kind.equals("netty-epoll"));
                server = s;
                bound = s.port();
            }
            default -> throw new IllegalArgumentException("unknown server " + kind);
        }
        System.out.println("ready " + bound);
        System.out.flush();
        while (System.in.read() >= 0) {
            // run until the script closes our standard input
        }
        server.close();
    }
}
