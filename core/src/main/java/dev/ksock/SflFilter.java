package dev.ksock;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct sflt_filter}: what a socket filter is — its handle, flags, name and the callbacks
 * the socket layer makes at each point of a socket's life. Fill it in and pass it to
 * {@link KpiSocketFilter#sflt_register}; the layer keeps its own copy, so changing this object
 * afterwards changes nothing.
 *
 * <p>A callback left null is not called. {@code sf_attach} and {@code sf_detach} are required
 * (EINVAL otherwise), as is a non-zero {@code sf_handle} and a name. {@code sf_accept} is used
 * only when {@code sf_flags} has {@link SysKpiSocketFilter#SFLT_EXTENDED} (it lives in XNU's
 * extended part of the structure).
 *
 * <p>Return rules (XNU's): 0 lets the operation go on to the next filter and then the protocol.
 * {@link SysErrno#EJUSTRETURN} from a data callback means the filter has taken the mbufs (it
 * frees them, or re-injects them with {@code sock_inject_data_in/out}); from any other callback
 * it makes the operation return 0 without being done. Any other value fails the operation with
 * that errno, and a data callback's mbufs are then freed by the layer. A callback that throws is
 * logged and counts as EINVAL.
 *
 * <p>Threads and locks: callbacks run on the thread making the operation (the caller of the KPI
 * function, or the socket's event loop for an upcall's calls), with no ksock lock held, except
 * {@code sf_data_in}, which runs while the socket's receive buffer is locked (other receivers of
 * the same socket wait) — it may call {@code sock_inject_data_in} but must not block.
 * {@code sf_notify} runs from the state transition it reports, which may be on an event loop, and
 * must not block either. Every other callback may block exactly as long as its caller may.
 * Callbacks for different sockets run concurrently; for one socket they follow its operations.
 */
public final class SflFilter {
    /** The filter's unique, non-zero handle (XNU asks for a registered creator code). */
    public int sf_handle;
    /** {@link SysKpiSocketFilter#SFLT_GLOBAL}, {@code SFLT_PROG}, {@code SFLT_EXTENDED}. */
    public int sf_flags;
    /** A name, for diagnostics; required. */
    public String sf_name;

    public sf_unregistered_func sf_unregistered;
    public sf_attach_func sf_attach;
    public sf_detach_func sf_detach;
    public sf_notify_func sf_notify;
    public sf_getpeername_func sf_getpeername;
    public sf_getsockname_func sf_getsockname;
    public sf_data_in_func sf_data_in;
    public sf_data_out_func sf_data_out;
    public sf_connect_in_func sf_connect_in;
    public sf_connect_out_func sf_connect_out;
    public sf_bind_func sf_bind;
    public sf_setoption_func sf_setoption;
    public sf_getoption_func sf_getoption;
    public sf_listen_func sf_listen;
    public sf_ioctl_func sf_ioctl;
    /** The extended callback (XNU's {@code sf_ext.sf_ext_accept}); needs {@code SFLT_EXTENDED}. */
    public sf_accept_func sf_accept;

    public SflFilter() {
    }

    /** A copy of the filter as registered (XNU copies the structure in sflt_register). */
    SflFilter copy() {
        SflFilter c = new SflFilter();
        c.sf_handle = sf_handle;
        c.sf_flags = sf_flags;
        c.sf_name = sf_name;
        c.sf_unregistered = sf_unregistered;
        c.sf_attach = sf_attach;
        c.sf_detach = sf_detach;
        c.sf_notify = sf_notify;
        c.sf_getpeername = sf_getpeername;
        c.sf_getsockname = sf_getsockname;
        c.sf_data_in = sf_data_in;
        c.sf_data_out = sf_data_out;
        c.sf_connect_in = sf_connect_in;
        c.sf_connect_out = sf_connect_out;
        c.sf_bind = sf_bind;
        c.sf_setoption = sf_setoption;
        c.sf_getoption = sf_getoption;
        c.sf_listen = sf_listen;
        c.sf_ioctl = sf_ioctl;
        c.sf_accept = (sf_flags & SysKpiSocketFilter.SFLT_EXTENDED) != 0 ? sf_accept : null;
        return c;
    }

    /** The filter has been unregistered and detached from every socket. */
    @FunctionalInterface
    public interface sf_unregistered_func {
        void sf_unregistered(int handle);
    }

    /**
     * The filter is being attached to {@code so}; store a per-socket cookie in {@code cookie}.
     * A non-zero result refuses the attach (sf_detach is then not called).
     */
    @FunctionalInterface
    public interface sf_attach_func {
        int sf_attach(Ref<Object> cookie, Socket so);
    }

    /** The filter has been detached from {@code so} (detach, unregister or close). */
    @FunctionalInterface
    public interface sf_detach_func {
        void sf_detach(Object cookie, Socket so);
    }

    /**
     * An event ({@code sock_evt_*}) happened on the socket; {@code param} is the {@code how}
     * ({@link Integer}) for {@code sock_evt_shutdown}, else null.
     */
    @FunctionalInterface
    public interface sf_notify_func {
        void sf_notify(Object cookie, Socket so, int event, Object param);
    }

    /** {@code sock_getpeername}: the filter may replace the address in {@code sa}. */
    @FunctionalInterface
    public interface sf_getpeername_func {
        int sf_getpeername(Object cookie, Socket so, Ref<SockAddr> sa);
    }

    /** {@code sock_getsockname}: the filter may replace the address in {@code sa}. */
    @FunctionalInterface
    public interface sf_getsockname_func {
        int sf_getsockname(Object cookie, Socket so, Ref<SockAddr> sa);
    }

    /**
     * Data arriving for the socket: {@code from} is the sender for a datagram (null on a
     * stream), {@code data} the chain (which the filter may replace), {@code control} the control
     * mbuf or null, {@code flags} {@code sock_data_filt_flag_*}.
     */
    @FunctionalInterface
    public interface sf_data_in_func {
        int sf_data_in(Object cookie, Socket so, SockAddr from, Ref<Mbuf> data, Ref<Mbuf> control, int flags);
    }

    /** Data the socket is sending; {@code to} is the destination given with it, or null. */
    @FunctionalInterface
    public interface sf_data_out_func {
        int sf_data_out(Object cookie, Socket so, SockAddr to, Ref<Mbuf> data, Ref<Mbuf> control, int flags);
    }

    /** An incoming connection from {@code from}, on the new socket; non-zero refuses it. */
    @FunctionalInterface
    public interface sf_connect_in_func {
        int sf_connect_in(Object cookie, Socket so, SockAddr from);
    }

    /** {@code sock_connect} to {@code to}; the filter may change the address's bytes. */
    @FunctionalInterface
    public interface sf_connect_out_func {
        int sf_connect_out(Object cookie, Socket so, SockAddr to);
    }

    /** {@code sock_bind} to {@code to}. */
    @FunctionalInterface
    public interface sf_bind_func {
        int sf_bind(Object cookie, Socket so, SockAddr to);
    }

    /** {@code sock_setsockopt}; read the option with the {@code sockopt_*} accessors. */
    @FunctionalInterface
    public interface sf_setoption_func {
        int sf_setoption(Object cookie, Socket so, SockOpt opt);
    }

    /** {@code sock_getsockopt}; with EJUSTRETURN the filter answers through sockopt_copyout. */
    @FunctionalInterface
    public interface sf_getoption_func {
        int sf_getoption(Object cookie, Socket so, SockOpt opt);
    }

    /** {@code sock_listen}. */
    @FunctionalInterface
    public interface sf_listen_func {
        int sf_listen(Object cookie, Socket so);
    }

    /** {@code sock_ioctl}. */
    @FunctionalInterface
    public interface sf_ioctl_func {
        int sf_ioctl(Object cookie, Socket so, long request, MemorySegment argp);
    }

    /**
     * {@code sock_accept} is about to hand out {@code so}, accepted on {@code so_listen}. A
     * non-zero result closes it and fails the accept with that errno; EJUSTRETURN hands it out
     * disconnected.
     */
    @FunctionalInterface
    public interface sf_accept_func {
        int sf_accept(Object cookie, Socket so_listen, Socket so, SockAddr local, SockAddr remote);
    }
}
