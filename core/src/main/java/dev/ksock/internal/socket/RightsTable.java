package dev.ksock.internal.socket;

import dev.ksock.Socket;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The "descriptor table" that {@code SCM_RIGHTS} needs. In C the payload of an {@code SCM_RIGHTS}
 * control message is an array of {@code int} file descriptors; a ksock socket has none. So each
 * socket that takes part in descriptor passing gets a small positive {@code int} handle here, and
 * the 4-byte slots of a Darwin {@code SCM_RIGHTS} message hold these handles: on send each handle
 * is resolved to its socket (and that socket's host descriptor goes to the host), on receive each
 * host descriptor becomes a new ksock socket whose handle is written into the message.
 *
 * <p>A handle stays valid while its socket is open; a closed socket's handle is EBADF, as a
 * closed descriptor is in {@code unp_internalize}, and is forgotten. Handles are never reused
 * while the table remembers them (they count up, skipping 0..2 so that no handle looks like a
 * standard stream).
 *
 * <p>Locking: every method is synchronized on the class; descriptor passing is not a hot path.
 */
public final class RightsTable {
    private RightsTable() {
    }

    private static final Map<Integer, SocketCore> BY_HANDLE = new HashMap<>();
    private static final Map<SocketCore, Integer> BY_CORE = new IdentityHashMap<>();
    private static int next = 3;
    /** Size after which the next insertion sweeps closed sockets out (doubles as the table grows). */
    private static int sweepAt = 64;
    /** Makes the public {@link Socket} for a core the layer created (a received descriptor). */
    private static volatile Function<SocketCore, Socket> publisher;

    /** Installed once by {@code dev.ksock}: the only code that may construct a {@link Socket}. */
    public static void setPublisher(Function<SocketCore, Socket> p) {
        publisher = p;
    }

    /** Gives a freshly adopted core its public object; null if {@code dev.ksock} is not loaded. */
    public static Socket publish(SocketCore core) {
        Function<SocketCore, Socket> p = publisher;
        return p == null ? null : p.apply(core);
    }

    /** The socket's handle, allocated on first use; -1 if the socket is closed. */
    public static synchronized int handleOf(SocketCore core) {
        if (core.isClosed()) {
            forget(core);
            return -1;
        }
        Integer h = BY_CORE.get(core);
        if (h != null) {
            return h;
        }
        if (BY_CORE.size() >= sweepAt) {
            sweepClosed();
            sweepAt = Math.max(64, BY_CORE.size() * 2);
        }
        int handle;
        do {
            handle = next;
            next = next == Integer.MAX_VALUE ? 3 : next + 1;
        } while (BY_HANDLE.containsKey(handle));
        BY_HANDLE.put(handle, core);
        BY_CORE.put(core, handle);
        return handle;
    }

    /** The open socket behind {@code handle}, or null (unknown, or closed: then forgotten). */
    public static synchronized SocketCore coreOf(int handle) {
        SocketCore c = BY_HANDLE.get(handle);
        if (c != null && c.isClosed()) {
            forget(c);
            return null;
        }
        return c;
    }

    /** Number of handles remembered (for tests: closed sockets must not pile up). */
    public static synchronized int size() {
        return BY_HANDLE.size();
    }

    private static void forget(SocketCore core) {
        Integer h = BY_CORE.remove(core);
        if (h != null) {
            BY_HANDLE.remove(h);
        }
    }

    private static void sweepClosed() {
        BY_CORE.keySet().removeIf(c -> {
            if (c.isClosed()) {
                BY_HANDLE.values().remove(c);
                return true;
            }
            return false;
        });
    }
}
