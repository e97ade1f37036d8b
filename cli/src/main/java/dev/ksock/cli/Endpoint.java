package dev.ksock.cli;

import static dev.ksock.Darwin.*;

import dev.ksock.SockAddr;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A socket address as the command line writes it: {@code tcp:HOST:PORT}, {@code tcp-listen:PORT},
 * {@code udp:HOST:PORT}, {@code udp-listen:PORT}, {@code unix:PATH}, {@code unix-listen:PATH}.
 * HOST is an IPv4 literal, an IPv6 literal in brackets, or a name (resolved here, once: the KPI
 * itself never looks names up). Parsing touches no ksock class, so options such as
 * {@code --loops} can still configure the library after the command line is read.
 *
 * @param kind   the transport
 * @param listen true for the {@code -listen} forms (bind and wait for a peer)
 * @param host   the host as written, without brackets (null for unix; for listen forms the
 *               wildcard when none is given)
 * @param port   0..65535 (0 for unix)
 * @param path   the unix path (null otherwise)
 * @param text   the address as written, for messages
 */
record Endpoint(Kind kind, boolean listen, String host, int port, String path, String text) {

    /** The transports. */
    enum Kind { TCP, UDP, UNIX }

    /** Parses {@code text}; the message of the exception says what is wrong and what is expected. */
    static Endpoint parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw bad(text, "missing the scheme");
        }
        String scheme = text.substring(0, colon);
        String rest = text.substring(colon + 1);
        return switch (scheme) {
            case "tcp" -> hostPort(Kind.TCP, text, rest);
            case "udp" -> hostPort(Kind.UDP, text, rest);
            case "tcp-listen" -> listenPort(Kind.TCP, text, rest);
            case "udp-listen" -> listenPort(Kind.UDP, text, rest);
            case "unix", "unix-listen" -> {
                if (rest.isEmpty()) {
                    throw bad(text, "empty path");
                }
                yield new Endpoint(Kind.UNIX, scheme.endsWith("-listen"), null, 0, rest, text);
            }
            default -> throw bad(text, "unknown scheme '" + scheme + "'");
        };
    }

    private static Endpoint hostPort(Kind kind, String text, String rest) {
        int colon = rest.lastIndexOf(':');
        if (colon <= 0) {
            throw bad(text, "expected HOST:PORT");
        }
        String host = rest.substring(0, colon);
        if (host.startsWith("[")) {
            if (!host.endsWith("]") || host.length() < 3) {
                throw bad(text, "an IPv6 host goes in brackets, e.g. [::1]:8080");
            }
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw bad(text, "an IPv6 host goes in brackets, e.g. [::1]:8080");
        }
        return new Endpoint(kind, false, host, port(text, rest.substring(colon + 1)), null, text);
    }

    /** {@code PORT} (all IPv4 addresses) or {@code HOST:PORT}. */
    private static Endpoint listenPort(Kind kind, String text, String rest) {
        if (rest.indexOf(':') < 0) {
            return new Endpoint(kind, true, "0.0.0.0", port(text, rest), null, text);
        }
        Endpoint e = hostPort(kind, text, rest);
        return new Endpoint(kind, true, e.host, e.port, null, text);
    }

    private static int port(String text, String p) {
        try {
            int port = Integer.parseInt(p);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        throw bad(text, "port must be a number 0..65535, got '" + p + "'");
    }

    private static TypeConversionException bad(String text, String why) {
        return new TypeConversionException("bad address '" + text + "': " + why
                + " (forms: tcp:HOST:PORT, tcp:[V6]:PORT, tcp-listen:PORT, udp:HOST:PORT, udp-listen:PORT,"
                + " unix:PATH, unix-listen:PATH)");
    }

    /** The KPI's protocol family. */
    int domain() {
        return switch (kind) {
            case UNIX -> PF_LOCAL;
            case TCP, UDP -> isV6(resolve()) ? PF_INET6 : PF_INET;
        };
    }

    /** The KPI's socket type. */
    int type() {
        return kind == Kind.UDP ? SOCK_DGRAM : SOCK_STREAM;
    }

    /** The address to bind or connect to; a name that does not resolve is a usage error. */
    SockAddr sockaddr() {
        if (kind == Kind.UNIX) {
            try {
                return SockAddr.un(path);
            } catch (IllegalArgumentException e) {
                throw new UsageException("bad address '" + text + "': " + e.getMessage());
            }
        }
        InetAddress a = resolve();
        String literal = a.getHostAddress();
        return isV6(a) ? SockAddr.in6(literal, port) : SockAddr.in(literal, port);
    }

    private InetAddress resolve() {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new UsageException("bad address '" + text + "': unknown host '" + host + "'");
        }
    }

    private static boolean isV6(InetAddress a) {
        return !(a instanceof Inet4Address);
    }

    /** How {@code ksock} prints a bound or connected address: {@code tcp:127.0.0.1:8080}. */
    static String format(Kind kind, SockAddr a) {
        String s = a.toString();
        return kind == Kind.UNIX ? s : kind.name().toLowerCase() + ":" + s;
    }

    /** picocli's hook: a bad ADDR is a parameter error (exit 2, with the usage). */
    static final class Converter implements ITypeConverter<Endpoint> {
        @Override
        public Endpoint convert(String value) {
            return parse(value);
        }
    }
}
