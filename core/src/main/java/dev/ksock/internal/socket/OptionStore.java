package dev.ksock.internal.socket;

import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Values of options the layer emulates because the host has no counterpart (the Apple
 * {@code SO_} flags, {@code IP_PORTRANGE}, {@code TCP_CONNECTIONTIMEOUT}'s seconds, ...): what
 * {@code sogetopt} reads back after {@code sosetopt}. Keyed by socket (weakly: a closed and
 * forgotten socket takes its values with it) and by {@code (level, name)}.
 *
 * <p>Option calls are not a data path; one lock for all sockets is enough.
 */
public final class OptionStore {
    private OptionStore() {
    }

    private static final Map<SocketCore, Map<Long, Integer>> VALUES = new WeakHashMap<>();

    private static long key(int level, int name) {
        return (long) level << 32 | (name & 0xffffffffL);
    }

    public static synchronized void put(SocketCore so, int level, int name, int value) {
        VALUES.computeIfAbsent(so, k -> new HashMap<>()).put(key(level, name), value);
    }

    /** The stored value, or {@code dflt} if the option was never set on this socket. */
    public static synchronized int get(SocketCore so, int level, int name, int dflt) {
        Map<Long, Integer> m = VALUES.get(so);
        Integer v = m == null ? null : m.get(key(level, name));
        return v == null ? dflt : v;
    }
}
