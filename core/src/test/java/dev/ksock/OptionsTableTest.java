package dev.ksock;

import static dev.ksock.KpiSocket.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/OPTIONS.md is the contract: every row is run against a real socket and must answer as the
 * table says, for set and for get. A change in behaviour fails here until the table says so too.
 */
class OptionsTableTest extends SocketTestSupport {

    record Row(String option, String level, int name, String socket, String arg, String handling, String set, String get) {
    }

    static Path optionsMd() {
        Path p = Path.of("docs/OPTIONS.md");
        return Files.exists(p) ? p : Path.of("../docs/OPTIONS.md");
    }

    static List<Row> rows() throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String line : tableRows("| option |").values()) {
            String[] c = line.split("\\|", -1);
            rows.add(new Row(c[1].trim(), c[2].trim(), Integer.decode(c[3].trim()), c[4].trim(), c[5].trim(), c[6].trim(),
                    c[8].trim(), c[9].trim()));
        }
        return rows;
    }

    /**
     * The body rows of the OPTIONS.md table whose header line starts with {@code header}, by
     * line number (from 1); empty if there is no such table.
     */
    static SortedMap<Integer, String> tableRows(String header) throws IOException {
        SortedMap<Integer, String> rows = new TreeMap<>();
        List<String> lines = Files.readAllLines(optionsMd());
        boolean inTable = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith(header)) {
                inTable = true;
                continue;
            }
            if (!inTable || line.startsWith("|---")) {
                continue;
            }
            if (!line.startsWith("|")) {
                break;
            }
            rows.put(i + 1, line);
        }
        return rows;
    }

    static Stream<Row> table() throws IOException {
        return rows().stream();
    }

    static int level(String name) {
        return switch (name) {
            case "SOL_SOCKET" -> 0xffff;
            case "SOL_LOCAL", "IPPROTO_IP" -> 0;
            case "IPPROTO_IPV6" -> 41;
            case "IPPROTO_TCP" -> 6;
            default -> throw new IllegalArgumentException(name);
        };
    }

    Socket socketOf(String kind) {
        return switch (kind) {
            case "tcp4" -> socket(PF_INET, SOCK_STREAM);
            case "tcp6" -> socket(PF_INET6, SOCK_STREAM);
            case "udp4" -> socket(PF_INET, SOCK_DGRAM);
            case "udp6" -> socket(PF_INET6, SOCK_DGRAM);
            case "lstream" -> socket(PF_LOCAL, SOCK_STREAM);
            case "ldgram" -> socket(PF_LOCAL, SOCK_DGRAM);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    static MemorySegment arg(String spec) {
        String[] kv = spec.split(":", 2);
        String[] v = kv.length > 1 ? kv[1].split(",") : new String[0];
        return switch (kv[0]) {
            case "int" -> MemorySegment.ofArray(new int[] {Integer.parseInt(v[0])});
            case "byte" -> MemorySegment.ofArray(new byte[] {(byte) Integer.parseInt(v[0])});
            case "bytes" -> MemorySegment.ofArray(new byte[Integer.parseInt(v[0])]);
            case "linger", "npx" -> MemorySegment.ofArray(new int[] {Integer.parseInt(v[0]), Integer.parseInt(v[1])});
            case "timeval" -> {
                MemorySegment tv = MemorySegment.ofArray(new long[2]);
                tv.set(ValueLayout.JAVA_LONG, 0, Long.parseLong(v[0]));
                tv.set(ValueLayout.JAVA_INT, 8, Integer.parseInt(v[1]));
                yield tv;
            }
            default -> throw new IllegalArgumentException(spec);
        };
    }

    static String result(int errno) {
        return errno == 0 ? "0" : Errno.name(errno);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void optionAnswersAsDocumented(Row row) {
        Socket s = socketOf(row.socket());
        int level = level(row.level());
        SoftAssertions soft = new SoftAssertions();
        if (!row.arg().equals("-")) {
            MemorySegment a = arg(row.arg());
            soft.assertThat(result(sock_setsockopt(s, level, row.name(), a, (int) a.byteSize())))
                    .as("%s set (%s)", row.option(), row.handling()).isEqualTo(row.set());
        }
        MemorySegment out = MemorySegment.ofArray(new byte[128]);
        IntRef len = new IntRef(128);
        soft.assertThat(result(sock_getsockopt(s, level, row.name(), out, len)))
                .as("%s get (%s)", row.option(), row.handling()).isEqualTo(row.get());
        soft.assertAll();
    }

    @Test
    void everyOptionOfTheConstantsIsInTheTable() throws IOException {
        List<String> documented = rows().stream().map(Row::option).toList();
        List<String> missing = new ArrayList<>();
        for (Class<?> header : List.of(SysSocket.class, NetinetIn.class, Netinet6In6.class, NetinetTcp.class, SysUn.class)) {
            for (var f : header.getFields()) {
                String n = f.getName();
                boolean option = n.startsWith("SO_") || n.startsWith("IP_") || n.startsWith("IPV6_") || n.startsWith("TCP_")
                        || n.startsWith("LOCAL_PEER") || n.equals("PERSIST_TIMEOUT");
                if (option && !n.equals("IP_RECVPKTINFO") && !documented.contains(n)) {
                    missing.add(n);
                }
            }
        }
        assertThat(missing).as("options of the Darwin headers without a row in docs/OPTIONS.md").isEmpty();
    }

    @Test
    void shortValuesAreEinvalAndShortBuffersTruncate() {
        Socket s = socket(PF_INET, SOCK_STREAM);
        assertThat(Errno.name(sock_setsockopt(s, 6, 0x01, MemorySegment.ofArray(new byte[2]), 2))).isEqualTo("EINVAL");
        assertThat(Errno.name(sock_setsockopt(s, 0xffff, 0x0004, MemorySegment.ofArray(new byte[2]), 2))).isEqualTo("EINVAL");
        assertThat(Errno.name(sock_setsockopt(s, 0xffff, 0x0080, MemorySegment.ofArray(new byte[4]), 4))).isEqualTo("EINVAL");
        assertThat(sock_setsockopt(s, 0xffff, 0x0004, 1)).isZero();
        MemorySegment two = MemorySegment.ofArray(new byte[2]);
        IntRef len = new IntRef(2);
        assertThat(sock_getsockopt(s, 0xffff, 0x0004, two, len)).isZero();
        assertThat(len.value).isEqualTo(2);
    }

    @Test
    void optionsAreRefusedOnceBothDirectionsAreShutDown() {
        Socket[] p = pair(PF_INET);
        assertThat(sock_shutdown(p[0], 2)).isZero();
        assertThat(Errno.name(sock_setsockopt(p[0], 6, 0x01, 1))).as("sosetopt after shutdown").isEqualTo("EINVAL");
        Socket[] q = pair(PF_INET);
        assertThat(sock_setsockopt(q[0], 0xffff, 0x1083, MemorySegment.ofArray(new int[] {1, 1}), 8)).isZero();
        assertThat(sock_shutdown(q[0], 2)).isZero();
        assertThat(sock_setsockopt(q[0], 6, 0x01, 1)).as("SONPX_SETOPTSHUT").isZero();
    }
}
