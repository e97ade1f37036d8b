package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ioctl table of docs/OPTIONS.md is the contract: every row is run through
 * {@code sock_ioctl} on a real socket prepared as the row says, and must give the row's result
 * and leave what the row's "then" column says. A row this test cannot read fails it, and so does
 * an ioctl of XNU's {@code sys/filio.h}/{@code sys/sockio.h} without a row.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IoctlTableTest extends SocketTestSupport {
    static final int SO_NREAD = 0x1020, MSG_OOB = 0x1;
    static final long SIOCSPGRP = 0x80047308L, SIOCGPGRP = 0x40047309L;
    static final int PID = (int) ProcessHandle.current().pid();

    /** One row; {@link #parse} checks every cell, so a row that exists can be run. */
    record Row(String ioctl, long request, String socket, String setup, String arg, String result, String then,
            String handling, int line) {
        @Override
        public String toString() {
            return ioctl + " " + socket + " " + setup + " " + arg + " (line " + line + ")";
        }
    }

    static final Set<String> SOCKETS = Set.of("tcp4", "tcp6", "udp4", "udp6", "lstream", "ldgram");
    static final Set<String> HANDLING = Set.of("host", "emulated", "inert", "refused");

    // ------------------------------------------------------------------ reading the table

    /** The table's lines with their line numbers; parse errors are collected, not thrown. */
    static List<Row> rows(List<String> errors) throws IOException {
        List<Row> rows = new ArrayList<>();
        SortedMap<Integer, String> table = OptionsTableTest.tableRows("| ioctl |");
        for (Map.Entry<Integer, String> e : table.entrySet()) {
            try {
                rows.add(parse(e.getValue(), e.getKey()));
            } catch (RuntimeException ex) {
                errors.add("docs/OPTIONS.md line " + e.getKey() + ": " + ex.getMessage() + ": " + e.getValue());
            }
        }
        if (table.isEmpty()) {
            errors.add("docs/OPTIONS.md has no '| ioctl |' table");
        }
        return rows;
    }

    static Row parse(String line, int number) {
        String[] c = line.split("\\|", -1);
        if (c.length != 11) {
            throw new IllegalArgumentException("expected 9 cells, found " + (c.length - 2));
        }
        String ioctl = c[1].trim(), darwin = c[2].trim(), socket = c[3].trim(), setup = c[4].trim(), arg = c[5].trim();
        String result = c[6].trim(), then = c[7].trim(), handling = c[8].trim();
        if (!darwin.startsWith("0x")) {
            throw new IllegalArgumentException("Darwin number '" + darwin + "'");
        }
        long request = Long.parseLong(darwin.substring(2), 16);
        if (!SOCKETS.contains(socket)) {
            throw new IllegalArgumentException("socket kind '" + socket + "'");
        }
        if (!HANDLING.contains(handling)) {
            throw new IllegalArgumentException("handling '" + handling + "'");
        }
        if (!result.equals("0") && !isErrnoName(result)) {
            throw new IllegalArgumentException("result '" + result + "'");
        }
        checkSetup(setup, socket);
        argument(arg); // throws if unreadable
        checkThen(then);
        return new Row(ioctl, request, socket, setup, arg, result, then, handling, number);
    }

    static void checkSetup(String setup, String socket) {
        String[] kv = setup.split(":", 2);
        boolean ok = switch (kv[0]) {
            case "-", "pair", "nbio" -> kv.length == 1;
            case "listen" -> kv.length == 1 && (socket.startsWith("tcp") || socket.equals("lstream"));
            case "queued" -> kv.length == 2 && Integer.parseInt(kv[1]) > 0;
            case "urgent" -> kv.length == 2 && socket.startsWith("tcp") && Integer.parseInt(kv[1]) > 0;
            case "pgrp" -> kv.length == 2 && value(kv[1]) == value(kv[1]);
            default -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException("setup '" + setup + "' for " + socket);
        }
    }

    static void checkThen(String then) {
        String[] kv = then.split(":", 2);
        boolean ok = switch (kv[0]) {
            case "-" -> kv.length == 1;
            case "out", "pgrp" -> kv.length == 2 && value(kv[1]) == value(kv[1]);
            case "nbio" -> kv.length == 2 && (kv[1].equals("0") || kv[1].equals("1"));
            case "recv" -> kv.length == 2 && isErrnoName(kv[1]);
            default -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException("then '" + then + "'");
        }
    }

    static boolean isErrnoName(String name) {
        for (int e = 1; e < 256; e++) {
            if (Errno.isKnown(e) && Errno.name(e).equals(name)) {
                return true;
            }
        }
        return false;
    }

    static int value(String v) {
        return v.equals("pid") ? PID : Integer.parseInt(v);
    }

    static MemorySegment argument(String spec) {
        if (spec.equals("-")) {
            return null;
        }
        String[] kv = spec.split(":", 2);
        if (kv.length != 2) {
            throw new IllegalArgumentException("argument '" + spec + "'");
        }
        return switch (kv[0]) {
            case "int" -> MemorySegment.ofArray(new int[] {value(kv[1])});
            case "bytes" -> MemorySegment.ofArray(new byte[Integer.parseInt(kv[1])]);
            case "ro" -> MemorySegment.ofArray(new byte[Integer.parseInt(kv[1])]).asReadOnly();
            default -> throw new IllegalArgumentException("argument '" + spec + "'");
        };
    }

    static Stream<Row> table() throws IOException {
        List<String> errors = new ArrayList<>();
        List<Row> rows = rows(errors);
        if (!errors.isEmpty()) {
            throw new IllegalStateException("unreadable rows: " + errors);
        }
        return rows.stream();
    }

    // ------------------------------------------------------------------ preparing a socket

    int domainOf(String kind) {
        return kind.endsWith("6") ? PF_INET6 : kind.startsWith("l") ? PF_LOCAL : PF_INET;
    }

    int typeOf(String kind) {
        return kind.startsWith("tcp") || kind.equals("lstream") ? SOCK_STREAM : SOCK_DGRAM;
    }

    SockAddr bindAddress(String kind, String name) {
        int domain = domainOf(kind);
        return domain == PF_LOCAL ? SockAddr.un(socketDir().resolve(name).toString()) : addr(domain, 0);
    }

    /** The socket under test and its peer (null when the setup has none). */
    Socket[] prepare(Row row) {
        String kind = row.socket();
        int domain = domainOf(kind), type = typeOf(kind);
        String[] kv = row.setup().split(":", 2);
        switch (kv[0]) {
            case "-" -> {
                return new Socket[] {socket(domain, type), null};
            }
            case "nbio" -> {
                Socket s = socket(domain, type);
                assertThat(sock_ioctl(s, FIONBIO, new IntRef(1))).as("setup FIONBIO").isZero();
                return new Socket[] {s, null};
            }
            case "pgrp" -> {
                Socket s = socket(domain, type);
                assertThat(sock_ioctl(s, SIOCSPGRP, new IntRef(value(kv[1])))).as("setup SIOCSPGRP").isZero();
                return new Socket[] {s, null};
            }
            case "listen" -> {
                if (domain == PF_LOCAL) {
                    Socket l = socket(domain, type);
                    assertThat(sock_bind(l, bindAddress(kind, "l"))).as("setup bind").isZero();
                    assertThat(sock_listen(l, 4)).as("setup listen").isZero();
                    return new Socket[] {l, null};
                }
                return new Socket[] {listener(domain, null, null), null};
            }
            default -> {
                Socket[] p = connected(kind);
                if (kv[0].equals("queued")) {
                    queue(p, kind, Integer.parseInt(kv[1]));
                } else if (kv[0].equals("urgent")) {
                    atUrgentMark(p, Integer.parseInt(kv[1]));
                }
                return p;
            }
        }
    }

    /** {socket under test, peer}: a connected stream pair, or a bound datagram socket and an unbound sender. */
    Socket[] connected(String kind) {
        int domain = domainOf(kind), type = typeOf(kind);
        if (type == SOCK_STREAM && domain != PF_LOCAL) {
            return pair(domain);
        }
        if (type == SOCK_STREAM) {
            Socket l = socket(domain, type);
            assertThat(sock_bind(l, bindAddress(kind, "srv"))).isZero();
            assertThat(sock_listen(l, 4)).isZero();
            Socket c = socket(domain, type);
            assertThat(sock_connect(c, bindAddress(kind, "srv"), 0)).as("setup connect").isZero();
            Ref<Socket> a = new Ref<>();
            assertThat(sock_accept(l, null, 0, 0, null, null, a)).as("setup accept").isZero();
            return new Socket[] {c, track(a.get())};
        }
        Socket rx = socket(domain, type);
        assertThat(sock_bind(rx, bindAddress(kind, "rx"))).as("setup bind").isZero();
        return new Socket[] {rx, socket(domain, type)};
    }

    /** The peer sends n bytes to the socket under test; waits until they have arrived. */
    void queue(Socket[] p, String kind, int n) {
        MemorySegment data = MemorySegment.ofArray(new byte[n]);
        if (typeOf(kind) == SOCK_STREAM) {
            assertThat(send(p[1], data, 0)).as("setup send").isEqualTo(n);
        } else {
            MsgHdr m = MsgHdr.of(data);
            m.msg_name = SockAddr.storage();
            assertThat(sock_getsockname(p[0], m.msg_name, 128)).isZero();
            if (domainOf(kind) != PF_LOCAL) {
                String host = domainOf(kind) == PF_INET6 ? "::1" : "127.0.0.1";
                int port = m.msg_name.port();
                m.msg_name = domainOf(kind) == PF_INET6 ? SockAddr.in6(host, port) : SockAddr.in(host, port);
            }
            m.msg_namelen = m.msg_name.sa_len();
            assertThat(sock_send(p[1], m, 0, new LongRef())).as("setup sendto").isZero();
        }
        awaitReadable(p[0], n);
    }

    static void awaitReadable(Socket s, int n) {
        IntRef nread = new IntRef();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        do {
            assertThat(sock_getsockopt(s, SOL_SOCKET, SO_NREAD, nread)).isZero();
        } while (nread.value < n && System.nanoTime() < deadline);
        assertThat(nread.value).as("setup: bytes arrived (SO_NREAD)").isEqualTo(n);
    }

    /** The peer sends n bytes and one out-of-band byte; the n bytes are read, so the socket is at the mark. */
    void atUrgentMark(Socket[] p, int n) {
        assertThat(send(p[1], MemorySegment.ofArray(new byte[n]), 0)).isEqualTo(n);
        assertThat(send(p[1], bytes("!"), MSG_OOB)).as("setup: out-of-band send").isEqualTo(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String oob;
        do {
            oob = recv(p[0], 1, MSG_OOB | MSG_PEEK | MSG_DONTWAIT);
        } while (!oob.equals("!") && System.nanoTime() < deadline);
        assertThat(oob).as("setup: the out-of-band byte arrived").isEqualTo("!");
        assertThat(recv(p[0], 64, 0)).as("setup: reading up to the mark").hasSize(n);
    }

    // ------------------------------------------------------------------ running a row

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void ioctlAnswersAsDocumented(Row row) {
        Socket[] p = prepare(row);
        Socket s = p[0];
        MemorySegment arg = argument(row.arg());
        int r = sock_ioctl(s, row.request(), arg);
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(r == 0 ? "0" : Errno.name(r)).as("%s on %s after %s (%s)", row.ioctl(), row.socket(), row.setup(),
                row.handling()).isEqualTo(row.result());
        String[] kv = row.then().split(":", 2);
        switch (kv[0]) {
            case "out" -> soft.assertThat(arg.get(ValueLayout.JAVA_INT_UNALIGNED, 0)).as("%s: the int in the argument", row)
                    .isEqualTo(value(kv[1]));
            case "pgrp" -> {
                IntRef owner = new IntRef(-1);
                soft.assertThat(sock_ioctl(s, SIOCGPGRP, owner)).as("SIOCGPGRP").isZero();
                soft.assertThat(owner.value).as("%s: so_pgid afterwards", row).isEqualTo(value(kv[1]));
            }
            case "nbio" -> soft.assertThat(sock_isnonblocking(s)).as("%s: sock_isnonblocking", row).isEqualTo(value(kv[1]));
            case "recv" -> soft.assertThat(recv(s, 16, 0)).as("%s: a receive afterwards", row).isEqualTo("ERR:" + kv[1]);
            default -> {
            }
        }
        soft.assertAll();
    }

    @Test
    void everyRowCanBeRead() throws IOException {
        List<String> errors = new ArrayList<>();
        List<Row> rows = rows(errors);
        assertThat(errors).as("rows of the ioctl table in docs/OPTIONS.md this test cannot read").isEmpty();
        assertThat(rows).as("ioctl rows").hasSizeGreaterThan(20);
    }

    /** The ioctls XNU defines (sys/filio.h, sys/sockio.h): the constants, and section 4 of DARWIN-CONSTANTS.md when present. */
    static Set<String> darwinIoctls() throws IOException, IllegalAccessException {
        Set<String> names = new LinkedHashSet<>();
        for (Class<?> header : List.of(SysFilio.class, SysSockio.class)) {
            for (Field f : header.getFields()) {
                names.add(f.getName());
            }
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path md = p.resolve("shared/DARWIN-CONSTANTS.md");
            if (Files.isRegularFile(md)) {
                boolean inSection = false;
                for (String line : Files.readAllLines(md)) {
                    if (line.startsWith("## ")) {
                        inSection = line.startsWith("## 4.");
                    } else if (inSection && line.startsWith("| ") && !line.startsWith("| name")) {
                        String[] c = line.split("\\|", -1);
                        if (c.length > 2 && c[2].trim().startsWith("0x")) { // XNU has it
                            for (String n : c[1].split("/")) {
                                names.add(n.trim());
                            }
                        }
                    }
                }
                break;
            }
        }
        return names;
    }

    @Test
    void everyIoctlOfTheDarwinHeadersIsInTheTable() throws Exception {
        List<Row> rows = rows(new ArrayList<>());
        List<String> missing = new ArrayList<>();
        for (String name : darwinIoctls()) {
            if (rows.stream().noneMatch(r -> r.ioctl().equals(name))) {
                missing.add(name);
            }
        }
        assertThat(missing).as("ioctls of sys/filio.h and sys/sockio.h without a row in docs/OPTIONS.md").isEmpty();
        // A row named after a constant must carry its number.
        List<String> wrong = new ArrayList<>();
        for (Row r : rows) {
            for (Class<?> header : List.of(SysFilio.class, SysSockio.class)) {
                try {
                    long v = header.getField(r.ioctl()).getLong(null);
                    if (v != r.request()) {
                        wrong.add(r + ": 0x" + Long.toHexString(r.request()) + ", XNU: 0x" + Long.toHexString(v));
                    }
                } catch (NoSuchFieldException e) {
                    // not this header's
                }
            }
        }
        assertThat(wrong).as("rows whose Darwin number is not the constant's").isEmpty();
    }
}
