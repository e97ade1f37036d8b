package dev.ksock;

import static dev.ksock.SysErrno.*;

import dev.ksock.internal.mbuf.MbufChains;
import dev.ksock.internal.proto.Protocols;
import dev.ksock.internal.socket.SocketCore;
import dev.ksock.internal.socket.SocketFilters;
import java.lang.foreign.MemorySegment;

/**
 * The functions of {@code kpi_socketfilter.h}: registering socket filters, attaching them to
 * sockets, injecting data past them, and reading the option a filter is shown. They answer as
 * XNU's {@code kpi_socketfilter.c} does, and like every KPI function never throw.
 *
 * <p>A filter ({@link SflFilter}) sees a socket's binds, listens, connects (both ways), accepts,
 * options, ioctls, address look-ups and data, in that socket's calls, and may let each go on,
 * refuse it with an errno, or take it over ({@link SysErrno#EJUSTRETURN}). Global filters
 * ({@link SysKpiSocketFilter#SFLT_GLOBAL}) attach to every new socket of their domain, type and
 * protocol (internet sockets, as in XNU); others only through {@link #sflt_attach}, on any
 * socket, local ones included. A socket with no filter pays one null check per operation.
 *
 * <p>docs/PORTING.md lists where ksock's answers differ from XNU's code, and why.
 */
public final class KpiSocketFilter {
    private KpiSocketFilter() {
    }

    static {
        Protocols.install();
    }

    private static final System.Logger LOG = System.getLogger("dev.ksock.filter");

    private static int internalError(String function, RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, function + " failed inside ksock; returning EINVAL", e);
        return EINVAL;
    }

    /**
     * Registers {@code filter} for sockets of {@code domain}/{@code type}/{@code protocol} (the
     * protocol given exactly, e.g. {@code IPPROTO_TCP}). ENOTSUP outside PF_INET and PF_INET6,
     * ENOENT if no protocol serves the triple, EINVAL without {@code sf_attach},
     * {@code sf_detach}, a non-zero handle or a name, EEXIST for a handle already registered.
     * The layer keeps a copy of the filter as it is now.
     */
    public static int sflt_register(SflFilter filter, int domain, int type, int protocol) {
        if (filter == null) {
            return EINVAL;
        }
        try {
            return SocketFilters.register(filter.copy(), domain, type, protocol);
        } catch (RuntimeException e) {
            return internalError("sflt_register", e);
        }
    }

    /**
     * Unregisters the filter: it comes off every socket (each hears {@code sf_detach} once no
     * callback of it is running), and {@code sf_unregistered} follows the last. ENOENT for a
     * handle that is not registered.
     */
    public static int sflt_unregister(int handle) {
        try {
            return SocketFilters.unregister(handle);
        } catch (RuntimeException e) {
            return internalError("sflt_unregister", e);
        }
    }

    /**
     * Attaches a registered filter to {@code so} (its {@code sf_attach} runs; a non-zero result
     * is returned and the filter stays off). EINVAL for a null socket or handle 0, EBADF for a
     * closed socket, ENOENT for a handle nobody registered, EEXIST if it is attached already.
     */
    public static int sflt_attach(Socket so, int handle) {
        if (so == null) {
            return EINVAL;
        }
        SocketCore c = so.core;
        if (c.enter() != 0) {
            return EBADF;
        }
        try {
            return SocketFilters.attach(c, handle);
        } catch (RuntimeException e) {
            return internalError("sflt_attach", e);
        } finally {
            c.leave();
        }
    }

    /**
     * Detaches the filter from {@code so}; its {@code sf_detach} runs once no callback of it is
     * in flight. EINVAL for a null socket or handle 0, ENOENT if it is not attached.
     */
    public static int sflt_detach(Socket so, int handle) {
        if (so == null) {
            return EINVAL;
        }
        try {
            return SocketFilters.detach(so.core, handle);
        } catch (RuntimeException e) {
            return internalError("sflt_detach", e);
        }
    }

    /**
     * Puts {@code data} (and {@code control}) into {@code so}'s receive buffer as if it had
     * arrived from {@code from} (datagrams; null on a stream). Filters attached after the one
     * injecting (when called from one of its callbacks) see it; an injection from anywhere else
     * passes none. EINVAL for a null socket or chain, ENOTSUP for
     * {@code sock_data_filt_flag_oob}, EBADF for a closed socket — the mbufs stay the caller's
     * then. Otherwise they are the layer's: ENOBUFS means the record did not fit in SO_RCVBUF and
     * was freed.
     */
    public static int sock_inject_data_in(Socket so, SockAddr from, Mbuf data, Mbuf control, int flags) {
        if (so == null || data == null || MbufChains.length(data) < 0
                || (control != null && MbufChains.length(control) < 0)) {
            return EINVAL;
        }
        if ((flags & SysKpiSocketFilter.sock_data_filt_flag_oob) != 0) {
            return ENOTSUP;
        }
        SocketCore c = so.core;
        if (c.enter() != 0) {
            return EBADF;
        }
        try {
            return SocketFilters.injectIn(c, from, data, control);
        } catch (RuntimeException e) {
            return internalError("sock_inject_data_in", e);
        } finally {
            c.leave();
        }
    }

    /**
     * Sends {@code data} (and {@code control}) on {@code so} to {@code to} (or its peer), past
     * the filter injecting it and those before it, as {@code sosend} would
     * ({@code sock_data_filt_flag_oob} sends it out of band). The mbufs are always consumed,
     * whatever the result.
     */
    public static int sock_inject_data_out(Socket so, SockAddr to, Mbuf data, Mbuf control, int flags) {
        if (so == null || data == null || MbufChains.length(data) < 0) {
            freeQuietly(data);
            freeQuietly(control);
            return EINVAL;
        }
        SocketCore c = so.core;
        if (c.enter() != 0) {
            freeQuietly(data);
            freeQuietly(control);
            return EBADF;
        }
        try {
            return SocketFilters.injectOut(c, to, data, control, flags);
        } catch (RuntimeException e) {
            return internalError("sock_inject_data_out", e);
        } finally {
            c.leave();
        }
    }

    private static void freeQuietly(Mbuf m) {
        if (m != null) {
            MbufChains.freem(m);
        }
    }

    /** {@link SysKpiSocketFilter#sockopt_get} or {@code sockopt_set}; 0 for null. */
    public static int sockopt_direction(SockOpt sopt) {
        return sopt == null ? 0 : sopt.dir;
    }

    /** The option's level ({@code SOL_SOCKET}, {@code IPPROTO_TCP}, ...); 0 for null. */
    public static int sockopt_level(SockOpt sopt) {
        return sopt == null ? 0 : sopt.level;
    }

    /** The option's name; 0 for null. */
    public static int sockopt_name(SockOpt sopt) {
        return sopt == null ? 0 : sopt.name;
    }

    /** The value's size: what a set gives, or the room a get has (then what was copied out). */
    public static long sockopt_valsize(SockOpt sopt) {
        return sopt == null ? 0 : sopt.valsize;
    }

    /**
     * Copies the option's value into {@code data}: EINVAL if the value is shorter than
     * {@code length} (XNU's sooptcopyin with minlen = len), or if {@code data} cannot take
     * {@code length} bytes; at most {@code length} bytes are copied.
     */
    public static int sockopt_copyin(SockOpt sopt, MemorySegment data, long length) {
        if (sopt == null || data == null || length < 0 || data.isReadOnly() || data.byteSize() < length) {
            return EINVAL;
        }
        long valsize = sopt.valsize;
        if (valsize < length) {
            return EINVAL;
        }
        long n = Math.min(valsize, length);
        if (n > 0) {
            if (sopt.val == null || sopt.val.byteSize() < n) {
                return EINVAL;
            }
            MemorySegment.copy(sopt.val, 0, data, 0, n);
        }
        return 0;
    }

    /**
     * Copies {@code length} bytes of {@code data} out as the option's value, at most what its
     * buffer holds (sooptcopyout: the value size becomes the bytes copied, which
     * {@code sock_getsockopt} reports when the filter answers with EJUSTRETURN).
     */
    public static int sockopt_copyout(SockOpt sopt, MemorySegment data, long length) {
        if (sopt == null || data == null || length < 0 || data.byteSize() < length) {
            return EINVAL;
        }
        long n = Math.min(length, Math.max(0, sopt.valsize));
        if (n > 0) {
            if (sopt.val == null || sopt.val.isReadOnly() || sopt.val.byteSize() < n) {
                return EINVAL;
            }
            MemorySegment.copy(data, 0, sopt.val, 0, n);
        }
        sopt.valsize = n;
        return 0;
    }
}
