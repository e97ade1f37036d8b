package dev.ksock.reliability;

import static dev.ksock.KpiMbuf.*;
import static dev.ksock.KpiSocket.*;

import dev.ksock.Errno;
import dev.ksock.IntRef;
import dev.ksock.LongRef;
import dev.ksock.Mbuf;
import dev.ksock.MbufStat;
import dev.ksock.MsgHdr;
import dev.ksock.Ref;
import dev.ksock.SockAddr;
import dev.ksock.SockUpcall;
import dev.ksock.Socket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * A seeded random driver over the whole public KPI: the 20 functions of {@code kpi_socket.h},
 * the three conveniences, and the {@code kpi_mbuf.h} functions, with random sockets (valid and
 * invalid domain/type/protocol triples), flags, levels, option names, lengths (negative, 0, huge),
 * nulls, closed sockets and freed mbufs.
 *
 * <p>Every result is checked where it is produced: an {@code errno_t} must be 0 or a Darwin errno
 * ({@link Errno#isKnown}), a predicate 0 or 1, a length ≥ 0, and nothing may throw. A violation
 * is recorded with the call that produced it and the seed, and the run stops.
 *
 * <p>What is constrained, and why (so a call cannot hang or leave the machine):
 * <ul>
 *   <li>Every address names loopback ({@code 127.0.0.1}, {@code ::1}, {@code 0.0.0.0}/{@code ::},
 *       which Linux treats as local) or a path in the run's own temporary directory, even when the
 *       rest of the {@code sockaddr} bytes are garbage: the fuzzer sends no packet off the host.
 *   <li>{@code sock_connect} and {@code sock_accept} always carry {@code MSG_DONTWAIT} when their
 *       flags are otherwise valid: XNU's blocking accept has no timeout, and a blocking connect to
 *       a full listen queue waits for the host's SYN retries.
 *   <li>Every socket gets 20 ms {@code SO_RCVTIMEO}/{@code SO_SNDTIMEO} at birth; a random
 *       {@code setsockopt} that changes them, or turns {@code SO_LINGER} on (Linux {@code close}
 *       then waits for unsent data), is followed by the driver restoring them.
 *   <li>{@code FIOSETOWN}/{@code SIOCSPGRP} get 0 or this process's pid, never another process's.
 *   <li>Stale (freed) mbuf handles are only used when the pool runs in debug mode, where they are
 *       never recycled ({@code Mbuf}'s contract: otherwise a stale handle may name a live mbuf).
 * </ul>
 */
final class KpiFuzzer implements AutoCloseable {
    static final int PF_LOCAL = 1, PF_INET = 2, PF_INET6 = 30;
    static final int SOL_SOCKET = 0xffff;
    static final int SO_LINGER = 0x0080, SO_LINGER_SEC = 0x1080, SO_SNDTIMEO = 0x1005, SO_RCVTIMEO = 0x1006;
    static final int MSG_DONTWAIT = 0x80, MSG_USEUPCALL = 0x80000000;
    static final long FIONBIO = 0x8004667EL, FIOSETOWN = 0x8004667CL, SIOCSPGRP = 0x80047308L;

    private static final int[] DOMAINS = {PF_INET, PF_INET6, PF_LOCAL, PF_INET, PF_INET6, PF_LOCAL, 0, 17, 18, 27, 32, 40, 41, -1, 255};
    private static final int[] TYPES = {1, 2, 1, 2, 3, 4, 5, 0, -1, 6, 0x800};
    private static final int[] PROTOCOLS = {0, 0, 0, 6, 17, 1, 58, 255, 41, -1};
    private static final int[] LEVELS = {SOL_SOCKET, SOL_SOCKET, SOL_SOCKET, 0, 6, 17, 41, 1, 255, -1, 0x7fffffff};
    private static final int[] SOL_SOCKET_NAMES = {0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200,
        0x400, 0x800, 0x1000, 0x2000, 0x4000, 0x8000, 0x10000, 0x1001, 0x1002, 0x1003, 0x1004, 0x1005, 0x1006,
        0x1007, 0x1008, 0x1010, 0x1011, 0x1020, 0x1021, 0x1022, 0x1023, 0x1024, 0x1025, 0x1026, 0x1027,
        0x1080, 0x1081, 0x1082, 0x1083, 0x1085, 0x1086, 0x1087, 0x1100, 0x1101, 0x1103, 0x1112, 0x1116};
    private static final int[] PROTO_NAMES = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 19, 20, 24, 25, 26,
        27, 28, 35, 36, 37, 46, 61, 62, 125, 0x10, 0x20, 0x40, 0x80, 0x100, 0x101, 0x102, 0x103, 0x104,
        0x105, 0x106, 0x201, 0, -1};
    private static final long[] IOCTLS = {0x4004667FL, 0x8004667EL, 0x8004667DL, 0x8004667CL, 0x4004667BL,
        0x4004667AL, 0x20006601L, 0x20006602L, 0x40047307L, 0x80047308L, 0x40047309L, 0x80047300L,
        0x40047301L, 0x80047302L, 0x40047303L, 0, -1, 0xC0206911L, 0x1fff0000L, 0xFFFFFFFFL, 1L << 40};
    private static final int[] MSG_FLAGS = {0, 0, 0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200,
        0x2000, 0x4000, 0x10000, 0x20000, 0x80000, MSG_USEUPCALL};
    private static final long[] LENGTHS = {0, 1, 2, 3, 4, 7, 8, 15, 16, 27, 28, 88, 100, 128, 224, 256, 2047,
        2048, 4096, 16384, 65536, 1 << 20, -1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE,
        Long.MIN_VALUE, 1000000000L};

    private static final int WALK_BOUND = 1 << 22;

    private final SplittableRandom rnd;
    private final long seed;
    private final boolean staleMbufs;
    private final Arena arena = Arena.ofShared();
    private final Path dir;
    private final int pid = (int) ProcessHandle.current().pid();

    private final List<Socket> sockets = new ArrayList<>();
    private final List<Socket> allSockets = new ArrayList<>();
    private final List<SockAddr> targets = new ArrayList<>();
    private final List<Mbuf> mbufs = new ArrayList<>();
    /** Every mbuf handle the run has seen; at the end each one still allocated is freed. */
    private final Set<Mbuf> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Mbuf> freed = new ArrayList<>();
    private final List<MemorySegment> buffers = new ArrayList<>();
    private final ArrayDeque<String> recent = new ArrayDeque<>();

    /** Result histogram: "function → errno name → count". */
    final Map<String, Map<String, Long>> results = new TreeMap<>();
    final AtomicLong upcalls = new AtomicLong();
    final AtomicLong upcallCalls = new AtomicLong();
    long calls;
    /** Set while a call runs: what it is and when it started (read by the watchdog). */
    volatile String current;
    volatile long currentStart;
    /** The first violation, with the call that caused it. */
    volatile String failure;

    KpiFuzzer(long seed, boolean staleMbufs) throws IOException {
        this.seed = seed;
        this.rnd = new SplittableRandom(seed);
        this.staleMbufs = staleMbufs;
        this.dir = Files.createTempDirectory("ksock-fuzz-");
        buffers.add(arena.allocate(1));
        buffers.add(arena.allocate(64));
        buffers.add(arena.allocate(4096));
        buffers.add(arena.allocate(256 * 1024));
        buffers.add(MemorySegment.ofArray(new byte[0]));
        buffers.add(MemorySegment.ofArray(new byte[5]));
        buffers.add(MemorySegment.ofArray(new byte[3000]));
        buffers.add(MemorySegment.ofArray(new byte[70000]));
        buffers.add(MemorySegment.ofArray(new int[4]));
        buffers.add(MemorySegment.ofArray(new long[2]));
        buffers.add(MemorySegment.ofArray(new byte[128]).asReadOnly());
        buffers.add(arena.allocate(16).asReadOnly());
        buffers.add(MemorySegment.NULL);
    }

    // ---------------------------------------------------------------- the run

    /** Runs {@code n} calls (or until a violation); returns the number made. */
    long run(long n, long deadlineNanos) {
        long start = calls;
        boolean trace = Boolean.getBoolean("ksock.fuzz.trace");
        long last = trace ? ReliabilitySupport.mbufBytesInUse() : 0;
        while (calls - start < n && failure == null && System.nanoTime() < deadlineNanos) {
            step();
            if (trace) {
                long now = ReliabilitySupport.mbufBytesInUse();
                if (Math.abs(now - last) > (4 << 20)) {
                    System.out.println("TRACE mbuf bytes " + last + " -> " + now + " after " + recent.peekLast());
                }
                last = now;
            }
        }
        return calls - start;
    }

    private void step() {
        int op = rnd.nextInt(100);
        if (sockets.isEmpty() || op < 6 && sockets.size() < 24) {
            opSocket();
        } else if (op < 10) {
            opBind();
        } else if (op < 13) {
            opListen();
        } else if (op < 19) {
            opConnect();
        } else if (op < 23) {
            opAccept();
        } else if (op < 30) {
            opSend();
        } else if (op < 37) {
            opReceive();
        } else if (op < 41) {
            opSendmbuf();
        } else if (op < 45) {
            opReceivembuf();
        } else if (op < 52) {
            opSetsockopt();
        } else if (op < 58) {
            opGetsockopt();
        } else if (op < 62) {
            opIoctl();
        } else if (op < 66) {
            opNames();
        } else if (op < 69) {
            opPredicates();
        } else if (op < 71) {
            opShutdown();
        } else if (op < 72) {
            opSetpriv();
        } else if (op < 75) {
            opClose();
        } else {
            opMbuf();
        }
    }

    // ---------------------------------------------------------------- checking

    private int errno(String fn, IntSupplier call) {
        begin(fn);
        int r;
        try {
            r = call.getAsInt();
        } catch (Throwable t) {
            fail(fn + " threw " + trace(t));
            return -1;
        } finally {
            end();
        }
        count(fn, r);
        if (r != 0 && !Errno.isKnown(r)) {
            fail(fn + " returned " + r + ", neither 0 nor a Darwin errno");
        }
        return r;
    }

    private int predicate(String fn, IntSupplier call) {
        begin(fn);
        try {
            int r = call.getAsInt();
            if (r != 0 && r != 1) {
                fail(fn + " returned " + r + ", expected 0 or 1");
            }
            results.computeIfAbsent(fn, k -> new TreeMap<>()).merge(r == 1 ? "1" : "0", 1L, Long::sum);
            return r;
        } catch (Throwable t) {
            fail(fn + " threw " + trace(t));
            return -1;
        } finally {
            end();
        }
    }

    private void voidCall(String fn, Runnable call) {
        begin(fn);
        try {
            call.run();
            count(fn, 0);
        } catch (Throwable t) {
            fail(fn + " threw " + trace(t));
        } finally {
            end();
        }
    }

    private <T> T valueCall(String fn, java.util.function.Supplier<T> call) {
        begin(fn);
        try {
            T v = call.get();
            if (v instanceof Long l && l < 0) {
                fail(fn + " returned a negative length " + l);
            }
            count(fn, 0);
            return v;
        } catch (Throwable t) {
            fail(fn + " threw " + trace(t));
            return null;
        } finally {
            end();
        }
    }

    private void begin(String fn) {
        calls++;
        current = fn;
        currentStart = System.nanoTime();
    }

    private void end() {
        current = null;
    }

    private void note(String what) {
        if (recent.size() == 40) {
            recent.removeFirst();
        }
        recent.addLast("#" + calls + " " + what);
    }

    private void count(String fn, int r) {
        results.computeIfAbsent(fn, k -> new TreeMap<>()).merge(Errno.name(r), 1L, Long::sum);
    }

    private static String trace(Throwable t) {
        StringBuilder b = new StringBuilder(t.toString());
        StackTraceElement[] st = t.getStackTrace();
        int shown = 0;
        for (int i = 0; i < st.length && shown < 8; i++) {
            if (st[i].getClassName().startsWith("dev.ksock.internal") || st[i].getClassName().startsWith("dev.ksock.Kpi")) {
                b.append("\n      at ").append(st[i]);
                shown++;
            }
        }
        return b.toString();
    }

    private void fail(String what) {
        if (failure == null) {
            failure = what + " (seed " + seed + ", call #" + calls + ")\nlast calls:\n  " + String.join("\n  ", recent);
        }
    }

    // ---------------------------------------------------------------- random values

    private <T> T pick(List<T> l) {
        return l.isEmpty() ? null : l.get(rnd.nextInt(l.size()));
    }

    private int pick(int[] a) {
        return a[rnd.nextInt(a.length)];
    }

    private long pick(long[] a) {
        return a[rnd.nextInt(a.length)];
    }

    private boolean chance(int percent) {
        return rnd.nextInt(100) < percent;
    }

    /** A socket: usually a live one, sometimes a closed one or null. */
    private Socket sock() {
        int r = rnd.nextInt(100);
        if (r < 4) {
            return null;
        }
        if (r < 10 && !allSockets.isEmpty()) {
            return pick(allSockets);
        }
        return pick(sockets);
    }

    private int anyInt() {
        return switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextInt(-2, 70000);
            case 1 -> (int) pick(LENGTHS);
            case 2 -> rnd.nextInt();
            default -> rnd.nextInt(0, 300);
        };
    }

    private int flags() {
        return switch (rnd.nextInt(5)) {
            case 0, 1 -> pick(MSG_FLAGS);
            case 2 -> pick(MSG_FLAGS) | pick(MSG_FLAGS);
            case 3 -> MSG_DONTWAIT | pick(MSG_FLAGS);
            default -> rnd.nextInt();
        };
    }

    private MemorySegment buffer() {
        return pick(buffers);
    }

    private MemorySegment writable() {
        MemorySegment b = buffer();
        return b.isReadOnly() ? buffers.get(2) : b;
    }

    private String path() {
        return dir + "/s" + rnd.nextInt(12);
    }

    /** An address: a bound socket's, loopback with a random port, a path, or garbage kept local. */
    private SockAddr addr() {
        int r = rnd.nextInt(100);
        if (r < 4) {
            return null;
        }
        if (r < 30 && !targets.isEmpty()) {
            return pick(targets);
        }
        if (r < 45) {
            return SockAddr.in(chance(80) ? "127.0.0.1" : "0.0.0.0", chance(50) ? 0 : rnd.nextInt(1, 65536));
        }
        if (r < 60) {
            return SockAddr.in6(chance(60) ? "::1" : chance(50) ? "::" : "::ffff:127.0.0.1",
                    chance(50) ? 0 : rnd.nextInt(1, 65536));
        }
        if (r < 72) {
            return SockAddr.un(path());
        }
        if (r < 74) {
            return SockAddr.storage();
        }
        return garbageAddr();
    }

    /** Random bytes and lengths, but any IPv4/IPv6 address in them is loopback or unspecified, any path ours. */
    private SockAddr garbageAddr() {
        int family = chance(80) ? pick(new int[] {PF_INET, PF_INET6, PF_LOCAL, 0}) : rnd.nextInt(256);
        byte[] b = new byte[rnd.nextInt(0, 129)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) rnd.nextInt(256);
        }
        if (b.length > 0) {
            b[0] = (byte) (chance(50) ? b.length : rnd.nextInt(256));
        }
        if (b.length > 1) {
            b[1] = (byte) family;
        }
        SockAddr a = SockAddr.of(MemorySegment.ofArray(b));
        MemorySegment s = a.segment();
        // Whatever the family byte says, the host may read the bytes as any family it knows:
        // make every reading local. IPv4 address @4, IPv6 @8, path @2.
        s.set(ValueLayout.JAVA_INT_UNALIGNED, 4, chance(80) ? 0x0100007f : 0);
        s.asSlice(8, 16).fill((byte) 0);
        if (chance(80)) {
            s.set(ValueLayout.JAVA_BYTE, 23, (byte) 1);
        }
        if (family == PF_LOCAL || chance(10)) {
            // Paths: empty, "/", or inside our directory, followed by random (non-'/') bytes.
            String p = chance(10) ? "" : chance(10) ? "/" : dir + "/g";
            byte[] pb = p.getBytes();
            s.asSlice(2, 126).fill((byte) 0);
            MemorySegment.copy(MemorySegment.ofArray(pb), 0, s, 2, pb.length);
            for (int i = 2 + pb.length; i < 2 + pb.length + rnd.nextInt(0, 8) && i < 127; i++) {
                byte c = (byte) rnd.nextInt(1, 256);
                s.set(ValueLayout.JAVA_BYTE, i, c == '/' ? (byte) 'x' : c);
            }
            // sa_len: whole, or short enough that only "" or "/" remains, or over-long.
            int len = switch (rnd.nextInt(4)) {
                case 0 -> 2 + pb.length + 9;
                case 1 -> rnd.nextInt(0, 4);
                case 2 -> 128;
                default -> 255;
            };
            if (len > 3 && len < 2 + pb.length) {
                len = 3;
            }
            s.set(ValueLayout.JAVA_BYTE, 0, (byte) len);
        }
        return a;
    }

    private MsgHdr msg(boolean receiving) {
        MsgHdr m = new MsgHdr();
        int shape = rnd.nextInt(100);
        if (shape < 3) {
            return null;
        }
        int n = shape < 70 ? 1 : rnd.nextInt(0, 5);
        if (shape < 75 || !chance(10)) {
            m.msg_iov = new MemorySegment[n];
            for (int i = 0; i < n; i++) {
                m.msg_iov[i] = chance(3) ? null : receiving && chance(90) ? writable() : buffer();
            }
        }
        m.msg_iovlen = chance(90) ? n : anyInt();
        if (chance(25)) {
            m.msg_name = chance(50) ? SockAddr.storage() : addr();
            m.msg_namelen = chance(80) ? 128 : anyInt();
        }
        if (chance(8)) {
            m.msg_control = buffer();
            m.msg_controllen = chance(50) ? (int) m.msg_control.byteSize() : anyInt();
        }
        m.msg_flags = chance(90) ? 0 : rnd.nextInt();
        return m;
    }

    private MsgHdr chainMsg() {
        if (chance(50)) {
            return null;
        }
        MsgHdr m = new MsgHdr();
        if (chance(10)) {
            m.msg_iov = new MemorySegment[] {buffers.get(1)};
            m.msg_iovlen = 1;
        }
        if (chance(40)) {
            m.msg_name = chance(50) ? SockAddr.storage() : addr();
            m.msg_namelen = chance(80) ? 128 : anyInt();
        }
        if (chance(5)) {
            m.msg_control = buffer();
            m.msg_controllen = anyInt();
        }
        return m;
    }

    // ---------------------------------------------------------------- upcalls

    private SockUpcall upcall() {
        return switch (rnd.nextInt(20)) {
            case 0, 1, 2, 3, 4, 5, 6, 7 -> null;
            case 8, 9, 10, 11 -> (so, cookie, waitf) -> upcalls.incrementAndGet();
            case 12 -> (so, cookie, waitf) -> {
                upcalls.incrementAndGet();
                throw new IllegalStateException("fuzz: an owner's upcall throws");
            };
            default -> (so, cookie, waitf) -> {
                // An owner that drains what it is told about, never blocking (waitf = DONTWAIT).
                upcalls.incrementAndGet();
                byte[] buf = new byte[512];
                LongRef got = new LongRef();
                for (int i = 0; i < 4; i++) {
                    int r = sock_receive(so, MsgHdr.of(MemorySegment.ofArray(buf)), MSG_DONTWAIT, got);
                    upcallCalls.incrementAndGet();
                    if (r != 0 && !Errno.isKnown(r)) {
                        fail("sock_receive in an upcall returned " + r);
                    }
                    if (r != 0 || got.value == 0) {
                        break;
                    }
                }
                IntRef v = new IntRef();
                int r = sock_getsockopt(so, SOL_SOCKET, 0x1007 /* SO_ERROR */, v);
                upcallCalls.incrementAndGet();
                if (r != 0 && !Errno.isKnown(r)) {
                    fail("sock_getsockopt(SO_ERROR) in an upcall returned " + r);
                }
            };
        };
    }

    // ---------------------------------------------------------------- socket operations

    private void adopt(Socket s) {
        if (s == null) {
            return;
        }
        sockets.add(s);
        allSockets.add(s);
        if (allSockets.size() > 200) {
            allSockets.remove(0);
        }
        // Bound every blocking call the run may make (see the class comment).
        boundTimeouts(s);
    }

    private void boundTimeouts(Socket s) {
        MemorySegment tv = MemorySegment.ofArray(new long[] {0, 20_000});
        sock_setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, tv, 16);
        sock_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
        sock_setsockopt(s, SOL_SOCKET, SO_LINGER, MemorySegment.ofArray(new int[] {0, 0}), 8);
    }

    private void opSocket() {
        int d = chance(85) ? pick(new int[] {PF_INET, PF_INET6, PF_LOCAL}) : pick(DOMAINS);
        int t = chance(85) ? pick(new int[] {1, 2}) : pick(TYPES);
        int p = chance(80) ? 0 : pick(PROTOCOLS);
        if (chance(3)) {
            d = rnd.nextInt();
        }
        Ref<Socket> out = chance(2) ? null : new Ref<>();
        note("sock_socket(" + d + "," + t + "," + p + ")");
        int fd = d, ft = t, fp = p;
        SockUpcall up = upcall();
        int r = errno("sock_socket", () -> sock_socket(fd, ft, fp, up, "cookie", out));
        if (r == 0) {
            if (out.get() == null) {
                fail("sock_socket returned 0 without a socket");
                return;
            }
            adopt(out.get());
        }
    }

    private void opBind() {
        Socket s = sock();
        SockAddr a = addr();
        if (chance(10) && s != null) {
            sock_setpriv(s, 1);
        }
        note("sock_bind(" + a + ")");
        int r = errno("sock_bind", () -> sock_bind(s, a));
        if (r == 0 && s != null) {
            SockAddr name = SockAddr.storage();
            if (errno("sock_getsockname", () -> sock_getsockname(s, name, 128)) == 0) {
                targets.add(name);
                if (targets.size() > 32) {
                    targets.remove(0);
                }
            }
        }
    }

    private void opListen() {
        Socket s = sock();
        int backlog = chance(70) ? rnd.nextInt(-1, 200) : anyInt();
        note("sock_listen(" + backlog + ")");
        errno("sock_listen", () -> sock_listen(s, backlog));
    }

    private void opConnect() {
        Socket s = sock();
        SockAddr a = addr();
        int f = flags() | MSG_DONTWAIT;
        note("sock_connect(" + a + ", 0x" + Integer.toHexString(f) + ")");
        errno("sock_connect", () -> sock_connect(s, a, f));
    }

    private void opAccept() {
        Socket s = sock();
        int f = chance(60) ? MSG_DONTWAIT : chance(50) ? MSG_DONTWAIT | MSG_USEUPCALL : flags();
        if ((f & ~(MSG_DONTWAIT | MSG_USEUPCALL)) == 0) {
            f |= MSG_DONTWAIT; // XNU's blocking accept has no timeout
        }
        SockAddr from = chance(70) ? SockAddr.storage() : chance(50) ? null : addr();
        int fromlen = chance(70) ? 128 : anyInt();
        Ref<Socket> out = chance(3) ? null : new Ref<>();
        SockUpcall up = upcall();
        int ff = f;
        note("sock_accept(flags 0x" + Integer.toHexString(f) + ", fromlen " + fromlen + ")");
        int r = errno("sock_accept", () -> sock_accept(s, from, fromlen, ff, up, "acookie", out));
        if (r == 0) {
            adopt(out.get());
        }
    }

    private void opSend() {
        Socket s = sock();
        MsgHdr m = msg(false);
        int f = flags();
        LongRef sent = chance(5) ? null : new LongRef();
        note("sock_send(flags 0x" + Integer.toHexString(f) + ")");
        int r = errno("sock_send", () -> sock_send(s, m, f, sent));
        if (sent != null && (sent.value < 0 || r != 0 && sent.value != 0)) {
            fail("sock_send: sentlen " + sent.value + " with result " + Errno.name(r));
        }
    }

    private void opReceive() {
        Socket s = sock();
        MsgHdr m = msg(true);
        int f = flags();
        LongRef got = chance(5) ? null : new LongRef(rnd.nextLong());
        note("sock_receive(flags 0x" + Integer.toHexString(f) + ")");
        int r = errno("sock_receive", () -> sock_receive(s, m, f, got));
        if (got != null && (got.value < 0 || r != 0 && got.value != 0)) {
            fail("sock_receive: recvdlen " + got.value + " with result " + Errno.name(r));
        }
    }

    private void opSendmbuf() {
        Socket s = sock();
        Mbuf m = chance(5) ? null : chance(70) ? freshChain() : anyMbuf();
        MsgHdr h = chainMsg();
        int f = flags();
        LongRef sent = chance(5) ? null : new LongRef();
        note("sock_sendmbuf(flags 0x" + Integer.toHexString(f) + ")");
        errno("sock_sendmbuf", () -> sock_sendmbuf(s, h, m, f, sent));
        // The chain belongs to the socket layer now, whatever the result.
        forget(m);
    }

    private void opReceivembuf() {
        Socket s = sock();
        MsgHdr h = chainMsg();
        Ref<Mbuf> out = chance(5) ? null : new Ref<>();
        LongRef len = chance(5) ? null : new LongRef(chance(70) ? rnd.nextLong(1, 300_000) : pick(LENGTHS));
        int f = flags();
        note("sock_receivembuf(flags 0x" + Integer.toHexString(f) + ")");
        int r = errno("sock_receivembuf", () -> sock_receivembuf(s, h, out, f, len));
        if (out != null && out.get() != null) {
            if (r != 0) {
                fail("sock_receivembuf returned " + Errno.name(r) + " and a chain");
            }
            own(out.get());
        }
    }

    private void opSetsockopt() {
        Socket s = sock();
        int level = pick(LEVELS);
        int name = level == SOL_SOCKET && chance(85) ? pick(SOL_SOCKET_NAMES) : chance(80) ? pick(PROTO_NAMES) : rnd.nextInt();
        int r;
        if (chance(40)) {
            int v = anyInt();
            note("sock_setsockopt(" + level + ", 0x" + Integer.toHexString(name) + ", int " + v + ")");
            r = errno("sock_setsockopt(int)", () -> sock_setsockopt(s, level, name, v));
        } else {
            MemorySegment val = chance(5) ? null : buffer();
            if (val != null && !val.isReadOnly() && val.byteSize() > 0 && chance(70)) {
                for (long i = 0; i < Math.min(val.byteSize(), 32); i++) {
                    val.set(ValueLayout.JAVA_BYTE, i, (byte) (chance(50) ? 0 : rnd.nextInt(256)));
                }
            }
            int len = chance(60) && val != null ? (int) Math.min(val.byteSize(), rnd.nextInt(0, 33)) : anyInt();
            note("sock_setsockopt(" + level + ", 0x" + Integer.toHexString(name) + ", len " + len + ")");
            r = errno("sock_setsockopt", () -> sock_setsockopt(s, level, name, val, len));
        }
        if (r == 0 && s != null && level == SOL_SOCKET
                && (name == SO_SNDTIMEO || name == SO_RCVTIMEO || name == SO_LINGER || name == SO_LINGER_SEC)) {
            boundTimeouts(s);
        }
    }

    private void opGetsockopt() {
        Socket s = sock();
        int level = pick(LEVELS);
        int name = level == SOL_SOCKET && chance(85) ? pick(SOL_SOCKET_NAMES) : chance(80) ? pick(PROTO_NAMES) : rnd.nextInt();
        note("sock_getsockopt(" + level + ", 0x" + Integer.toHexString(name) + ")");
        if (chance(40)) {
            IntRef v = chance(5) ? null : new IntRef();
            errno("sock_getsockopt(int)", () -> sock_getsockopt(s, level, name, v));
            return;
        }
        MemorySegment val = chance(5) ? null : writable();
        IntRef len = chance(5) ? null : new IntRef(chance(60) && val != null ? (int) Math.min(val.byteSize(), 128) : anyInt());
        int before = len == null ? 0 : len.value;
        int r = errno("sock_getsockopt", () -> sock_getsockopt(s, level, name, val, len));
        if (r == 0 && len != null && (len.value < 0 || len.value > Math.max(before, 0))) {
            fail("sock_getsockopt wrote optlen " + len.value + " for a buffer of " + before);
        }
    }

    private void opIoctl() {
        Socket s = sock();
        long req = chance(85) ? pick(IOCTLS) : rnd.nextLong();
        if (chance(40)) {
            IntRef arg = chance(5) ? null : new IntRef(anyInt());
            if (arg != null && (req == FIOSETOWN || req == SIOCSPGRP)) {
                arg.value = chance(50) ? 0 : pid;
            }
            note("sock_ioctl(0x" + Long.toHexString(req) + ", int)");
            errno("sock_ioctl(int)", () -> sock_ioctl(s, req, arg));
            return;
        }
        MemorySegment arg = chance(10) ? null : buffer();
        if (arg != null && (req == FIOSETOWN || req == SIOCSPGRP)) {
            arg = MemorySegment.ofArray(new int[] {chance(50) ? 0 : pid});
        }
        MemorySegment a = arg;
        note("sock_ioctl(0x" + Long.toHexString(req) + ", " + (a == null ? "null" : a.byteSize() + " bytes") + ")");
        errno("sock_ioctl", () -> sock_ioctl(s, req, a));
    }

    private void opNames() {
        Socket s = sock();
        SockAddr a = chance(5) ? null : chance(80) ? SockAddr.storage() : addr();
        int len = chance(60) ? 128 : anyInt();
        if (chance(50)) {
            note("sock_getsockname(" + len + ")");
            errno("sock_getsockname", () -> sock_getsockname(s, a, len));
        } else {
            note("sock_getpeername(" + len + ")");
            errno("sock_getpeername", () -> sock_getpeername(s, a, len));
        }
    }

    private void opPredicates() {
        Socket s = sock();
        note("predicates");
        predicate("sock_isconnected", () -> sock_isconnected(s));
        predicate("sock_isnonblocking", () -> sock_isnonblocking(s));
        IntRef d = chance(30) ? null : new IntRef(), t = chance(30) ? null : new IntRef(), p = chance(30) ? null : new IntRef();
        errno("sock_gettype", () -> sock_gettype(s, d, t, p));
        if (chance(30)) {
            int on = chance(50) ? 1 : 0;
            errno("sock_ioctl(FIONBIO)", () -> sock_ioctl(s, FIONBIO, new IntRef(on)));
        }
    }

    private void opShutdown() {
        Socket s = sock();
        int how = chance(80) ? rnd.nextInt(0, 3) : anyInt();
        note("sock_shutdown(" + how + ")");
        errno("sock_shutdown", () -> sock_shutdown(s, how));
    }

    private void opSetpriv() {
        Socket s = sock();
        int on = chance(70) ? rnd.nextInt(0, 2) : rnd.nextInt();
        note("sock_setpriv(" + on + ")");
        errno("sock_setpriv", () -> sock_setpriv(s, on));
    }

    private void opClose() {
        Socket s = chance(10) ? pick(allSockets) : chance(3) ? null : pick(sockets);
        note("sock_close");
        voidCall("sock_close", () -> sock_close(s));
        sockets.remove(s);
    }

    // ---------------------------------------------------------------- mbufs

    /** Tracks a chain the run owns, and every mbuf in it (for the final sweep). */
    private void own(Mbuf m) {
        if (m == null) {
            return;
        }
        mbufs.add(m);
        remember(m);
    }

    private void remember(Mbuf m) {
        if (seen.size() > 20_000) {
            // Free handles need no sweep; a recycled one comes back through the op that reuses it.
            seen.removeIf(x -> mbuf_type(x) == MBUF_TYPE_FREE);
        }
        // A chain can hold every mbuf of the pool (mbuf_copyback far past the end zero-fills
        // until ENOBUFS, as XNU's m_copyback does): walk all of it.
        int guard = 0;
        for (Mbuf p = m; p != null && guard < WALK_BOUND; p = mbuf_nextpkt(p)) {
            for (Mbuf x = p; x != null && guard < WALK_BOUND; x = mbuf_next(x), guard++) {
                seen.add(x);
            }
        }
    }

    private void forget(Mbuf m) {
        if (m == null) {
            return;
        }
        mbufs.remove(m);
        if (staleMbufs) {
            freed.add(m);
            if (freed.size() > 64) {
                freed.remove(0);
            }
        }
    }

    private Mbuf freshChain() {
        Ref<Mbuf> r = new Ref<>();
        long len = chance(80) ? rnd.nextLong(1, 70_000) : rnd.nextLong(1, 2_000_000);
        if (mbuf_allocpacket(MBUF_DONTWAIT, len, null, r) != 0) {
            return null;
        }
        mbuf_copyback(r.get(), 0, Math.min(len, 4096), buffers.get(2), MBUF_DONTWAIT);
        remember(r.get());
        return r.get();
    }

    /** A live chain we own, a freed one (debug mode only), or null. */
    private Mbuf anyMbuf() {
        if (staleMbufs && chance(15) && !freed.isEmpty()) {
            return pick(freed);
        }
        if (chance(3)) {
            return null;
        }
        return pick(mbufs);
    }

    private int how() {
        return chance(90) ? rnd.nextInt(0, 2) : rnd.nextInt();
    }

    private long length() {
        return chance(60) ? rnd.nextLong(0, 5000) : pick(LENGTHS);
    }

    private void opMbuf() {
        if (mbufs.size() > 40) {
            Mbuf m = mbufs.remove(rnd.nextInt(mbufs.size()));
            note("mbuf_freem (trim)");
            voidCall("mbuf_freem", () -> mbuf_freem(m));
            forget(m);
            return;
        }
        int op = rnd.nextInt(34);
        Ref<Mbuf> out = chance(3) ? null : new Ref<>();
        Mbuf m = anyMbuf();
        switch (op) {
            case 0 -> {
                IntRef max = chance(50) ? null : new IntRef(rnd.nextInt(-1, 40));
                long len = chance(70) ? rnd.nextLong(0, 100_000) : pick(LENGTHS);
                int how = how();
                note("mbuf_allocpacket(" + len + ")");
                errno("mbuf_allocpacket", () -> mbuf_allocpacket(how, len, max, out));
            }
            case 1 -> {
                int how = how();
                errno("mbuf_getpacket", () -> mbuf_getpacket(how, out));
            }
            case 2 -> {
                int how = how(), type = rnd.nextInt(-1, 18);
                errno("mbuf_get", () -> mbuf_get(how, type, out));
            }
            case 3 -> {
                int how = how(), type = rnd.nextInt(-1, 18);
                errno("mbuf_gethdr", () -> mbuf_gethdr(how, type, out));
            }
            case 4 -> {
                int how = how(), type = rnd.nextInt(-1, 18);
                Ref<Mbuf> in = out == null ? null : new Ref<>(chance(50) ? null : m);
                boolean had = in != null && in.get() != null;
                errno("mbuf_mclget", () -> mbuf_mclget(how, type, in));
                if (in != null && !had) {
                    own(in.get());
                }
                return;
            }
            case 5 -> {
                int how = how(), type = rnd.nextInt(-1, 18);
                long size = chance(70) ? pick(new long[] {2048, 4096, 16384}) : length();
                Ref<Mbuf> in = out == null ? null : new Ref<>(chance(50) ? null : m);
                boolean had = in != null && in.get() != null;
                errno("mbuf_getcluster", () -> mbuf_getcluster(how, type, size, in));
                if (in != null && !had) {
                    own(in.get());
                }
                return;
            }
            case 6 -> {
                note("mbuf_free");
                Mbuf next = valueCall("mbuf_free", () -> mbuf_free(m));
                if (m != null && mbufs.remove(m)) {
                    own(next);
                    forget(m);
                }
                return;
            }
            case 7 -> {
                note("mbuf_freem");
                voidCall("mbuf_freem", () -> mbuf_freem(m));
                forget(m);
                return;
            }
            case 8 -> {
                valueCall("mbuf_data", () -> mbuf_data(m));
                valueCall("mbuf_datastart", () -> mbuf_datastart(m));
            }
            case 9 -> {
                MemorySegment d = chance(50) ? valueCall("mbuf_datastart", () -> mbuf_datastart(m)) : buffer();
                long off = d == null || d.byteSize() == 0 ? 0 : rnd.nextLong(0, d.byteSize() + 1);
                MemorySegment at = d == null ? null : chance(80) && off <= d.byteSize() ? d.asSlice(off) : d;
                long len = chance(70) && at != null ? rnd.nextLong(0, at.byteSize() + 2) : length();
                note("mbuf_setdata(" + len + ")");
                errno("mbuf_setdata", () -> mbuf_setdata(m, at, len));
            }
            case 10 -> {
                valueCall("mbuf_len", () -> mbuf_len(m));
                valueCall("mbuf_maxlen", () -> mbuf_maxlen(m));
                valueCall("mbuf_leadingspace", () -> mbuf_leadingspace(m));
                valueCall("mbuf_trailingspace", () -> mbuf_trailingspace(m));
                valueCall("mbuf_pkthdr_len", () -> mbuf_pkthdr_len(m));
            }
            case 11 -> {
                long len = length();
                note("mbuf_setlen(" + len + ")");
                voidCall("mbuf_setlen", () -> mbuf_setlen(m, len));
            }
            case 12 -> {
                Mbuf n = anyMbuf();
                if (n == m || !staleMbufs) {
                    // Linking a chain into another moves ownership; keep it simple in pooled mode.
                    n = null;
                }
                Mbuf nn = n;
                note("mbuf_setnext");
                int r = errno("mbuf_setnext", () -> mbuf_setnext(m, nn));
                if (r == 0 && nn != null) {
                    mbufs.remove(nn);
                }
            }
            case 13 -> {
                valueCall("mbuf_next", () -> mbuf_next(m));
                valueCall("mbuf_nextpkt", () -> mbuf_nextpkt(m));
                predicateRange("mbuf_type", () -> mbuf_type(m), 0, 255);
                predicateRange("mbuf_flags", () -> mbuf_flags(m), 0, Integer.MAX_VALUE);
            }
            case 14 -> {
                // Packet lists: link and unlink at once, so the run's ownership stays per chain.
                Mbuf n = staleMbufs ? anyMbuf() : null;
                voidCall("mbuf_setnextpkt", () -> mbuf_setnextpkt(m, n));
                voidCall("mbuf_setnextpkt", () -> mbuf_setnextpkt(m, null));
            }
            case 15 -> {
                int f = chance(60) ? rnd.nextInt(0, 0x8000) : rnd.nextInt();
                errno("mbuf_setflags", () -> mbuf_setflags(m, f));
            }
            case 16 -> {
                long len = length();
                voidCall("mbuf_pkthdr_setlen", () -> mbuf_pkthdr_setlen(m, len));
            }
            case 17, 18 -> {
                long off = length(), len = length();
                MemorySegment o = chance(5) ? null : writable();
                note("mbuf_copydata(" + off + ", " + len + ")");
                errno("mbuf_copydata", () -> mbuf_copydata(m, off, len, o));
            }
            case 19, 20 -> {
                long off = chance(70) ? rnd.nextLong(0, 3000) : length();
                long len = chance(70) ? rnd.nextLong(0, 3000) : length();
                MemorySegment d = chance(5) ? null : buffer();
                int how = how();
                note("mbuf_copyback(" + off + ", " + len + ")");
                errno("mbuf_copyback", () -> mbuf_copyback(m, off, len, d, how));
                if (m != null) {
                    remember(m);
                }
            }
            case 21 -> {
                long off = length(), len = chance(20) ? MBUF_COPYALL : length();
                int how = how();
                note("mbuf_copym(" + off + ", " + len + ")");
                errno("mbuf_copym", () -> mbuf_copym(m, off, len, how, out));
            }
            case 22 -> {
                int how = how();
                errno("mbuf_dup", () -> mbuf_dup(m, how, out));
            }
            case 23 -> {
                long len = length();
                int how = how();
                Ref<Mbuf> in = out == null ? null : new Ref<>(m);
                note("mbuf_prepend(" + len + ")");
                int r = errno("mbuf_prepend", () -> mbuf_prepend(in, len, how));
                afterHeadChange(m, in, r);
                return;
            }
            case 24 -> {
                long off = length();
                int how = how();
                note("mbuf_split(" + off + ")");
                errno("mbuf_split", () -> mbuf_split(m, off, how, out));
            }
            case 25 -> {
                long len = length();
                Ref<Mbuf> in = out == null ? null : new Ref<>(m);
                note("mbuf_pullup(" + len + ")");
                int r = errno("mbuf_pullup", () -> mbuf_pullup(in, len));
                afterHeadChange(m, in, r);
                return;
            }
            case 26 -> {
                int len = chance(70) ? rnd.nextInt(-5000, 5000) : rnd.nextInt();
                note("mbuf_adj(" + len + ")");
                voidCall("mbuf_adj", () -> mbuf_adj(m, len));
            }
            case 27 -> {
                Mbuf src = staleMbufs || chance(50) ? anyMbuf() : null;
                if (src == m) {
                    src = null;
                }
                Mbuf s = src;
                note("mbuf_concatenate");
                Mbuf r = valueCall("mbuf_concatenate", () -> mbuf_concatenate(m, s));
                if (r != null && s != null) {
                    mbufs.remove(s); // now part of m's chain
                }
            }
            case 28 -> {
                MbufStat st = chance(5) ? null : new MbufStat();
                voidCall("mbuf_stats", () -> mbuf_stats(st));
                if (st != null && st.bytesInUse < 0) {
                    fail("mbuf_stats: negative bytesInUse " + st.bytesInUse);
                }
            }
            case 29 -> {
                valueCall("mbuf_get_mlen", () -> (long) mbuf_get_mlen());
                valueCall("mbuf_get_mhlen", () -> (long) mbuf_get_mhlen());
                valueCall("mbuf_get_minclsize", () -> (long) mbuf_get_minclsize());
            }
            default -> {
                Mbuf c = freshChain();
                own(c);
                return;
            }
        }
        if (out != null) {
            own(out.get());
        }
        checkChain("after op " + op, m);
        if (out != null) {
            checkChain("result of op " + op, out.get());
        }
    }

    /**
     * The mbuf invariants a caller relies on, through the public functions only: 0 ≤ m_len,
     * data within the buffer (leading and trailing space ≥ 0, {@code mbuf_data} covers m_len).
     */
    private void checkChain(String when, Mbuf head) {
        int guard = 0;
        try {
            for (Mbuf x = head; x != null && guard < 4096; x = mbuf_next(x), guard++) {
                if (mbuf_type(x) == MBUF_TYPE_FREE) {
                    return;
                }
                long len = mbuf_len(x), max = mbuf_maxlen(x);
                long lead = mbuf_leadingspace(x), trail = mbuf_trailingspace(x);
                long data = mbuf_data(x).byteSize();
                if (len < 0 || len > max || lead < 0 || trail < 0 || data < len || lead + len + trail > max) {
                    fail("mbuf invariant broken " + when + ": len " + len + " maxlen " + max
                            + " leading " + lead + " trailing " + trail + " data " + data);
                    return;
                }
            }
        } catch (Throwable t) {
            fail("mbuf accessor threw " + when + ": " + trace(t));
        }
    }

    private void predicateRange(String fn, IntSupplier call, int lo, int hi) {
        begin(fn);
        try {
            int r = call.getAsInt();
            if (r < lo || r > hi) {
                fail(fn + " returned " + r + ", outside " + lo + ".." + hi);
            }
            count(fn, 0);
        } catch (Throwable t) {
            fail(fn + " threw " + trace(t));
        } finally {
            end();
        }
    }

    /** After prepend/pullup: the head may be new (track it) or the chain freed (forget it). */
    private void afterHeadChange(Mbuf old, Ref<Mbuf> in, int r) {
        if (old == null || in == null || !mbufs.contains(old)) {
            return;
        }
        if (in.get() != old) {
            mbufs.remove(old);
            if (in.get() == null) {
                forget(old);
            } else {
                own(in.get());
            }
        }
    }

    // ---------------------------------------------------------------- the end

    /** Closes every socket and frees every mbuf the run made. */
    @Override
    public void close() {
        for (Socket s : allSockets) {
            sock_close(s);
        }
        for (Socket s : sockets) {
            sock_close(s);
        }
        sockets.clear();
        allSockets.clear();
        for (Mbuf m : mbufs) {
            mbuf_freem(m);
        }
        for (Mbuf m : seen) {
            while (mbuf_type(m) != MBUF_TYPE_FREE) {
                mbuf_free(m);
            }
        }
        seen.clear();
        mbufs.clear();
        freed.clear();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a leftover temp directory is not a failure of the KPI
        }
    }

    /** Frees the shared native buffers; after {@link #close} and once no upcall can run. */
    void releaseBuffers() {
        arena.close();
    }

    String summary() {
        StringBuilder b = new StringBuilder();
        results.forEach((fn, m) -> b.append(String.format("  %-22s %s%n", fn, m)));
        return b.toString();
    }
}
