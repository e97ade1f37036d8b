package dev.ksock.internal.socket;

import static dev.ksock.SysErrno.*;

import dev.ksock.Mbuf;
import dev.ksock.Ref;
import dev.ksock.SflFilter;
import dev.ksock.SockAddr;
import dev.ksock.SockOpt;
import dev.ksock.Socket;
import dev.ksock.SysKpiSocketFilter;
import dev.ksock.internal.mbuf.MbufChains;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Socket filters (XNU's {@code kpi_socketfilter.c}): the registry of filters, their attachment to
 * sockets, and the calls the socket layer makes into them.
 *
 * <p>The life cycle follows XNU's reference counts. A registered {@link Filter} is held by the
 * registry and by each socket it is attached to; when the last of those lets go (after
 * {@code sflt_unregister}), {@code sf_unregistered} is called. An {@link Entry} (one filter on
 * one socket) is held by its attachment and by each callback in flight; when both are gone
 * {@code sf_detach} is called, once — except when the socket closes, where XNU's
 * {@code sflt_termsock} calls it at once, and except after a refused {@code sf_attach}, where it
 * is never called.
 *
 * <p>Order: a socket's filters are called most recently attached first, as XNU walks
 * {@code so_filt} (each attach puts its entry at the head; global filters attach in the order they
 * registered, so the last registered runs first). A chain of callbacks stops at the first non-zero
 * result.
 *
 * <p>Cost: a socket with no filter has {@code filters == null}; every hook in the layer tests
 * that one field and does nothing else.
 */
public final class SocketFilters {
    private SocketFilters() {
    }

    private static final System.Logger LOG = System.getLogger("dev.ksock.filter");
    private static final int PF_INET = 2, PF_INET6 = 30;

    /** A registered filter: XNU's {@code struct socket_filter}. */
    static final class Filter {
        final SflFilter f;
        final int handle;
        final int domain, type, protocol;
        /** The registry's reference plus one per entry. */
        final AtomicInteger refs = new AtomicInteger(1);
        final Set<Entry> entries = ConcurrentHashMap.newKeySet();

        Filter(SflFilter f, int domain, int type, int protocol) {
            this.f = f;
            this.handle = f.sf_handle;
            this.domain = domain;
            this.type = type;
            this.protocol = protocol;
        }

        boolean global() {
            return (f.sf_flags & SysKpiSocketFilter.SFLT_GLOBAL) != 0;
        }
    }

    /** One filter attached to one socket: XNU's {@code struct socket_filter_entry}. */
    public static final class Entry {
        final Filter filter;
        final SocketCore so;
        volatile Object cookie;
        /** The attachment's reference plus one per callback in flight. */
        final AtomicInteger refs = new AtomicInteger(1);
        final AtomicBoolean attached = new AtomicBoolean(true);
        /** SFEF_NODETACH: sf_detach has been called, or must not be (refused attach). */
        final AtomicBoolean detachDone = new AtomicBoolean();

        Entry(Filter filter, SocketCore so) {
            this.filter = filter;
            this.so = so;
        }

        /** The filter's name, for diagnostics and the socket table. */
        public String name() {
            return filter.f.sf_name;
        }

        /** Takes a reference for a callback; false once the entry is gone. */
        boolean retain() {
            for (;;) {
                int r = refs.get();
                if (r <= 0) {
                    return false;
                }
                if (refs.compareAndSet(r, r + 1)) {
                    return true;
                }
            }
        }
    }

    private static final Map<Integer, Filter> BY_HANDLE = new ConcurrentHashMap<>();
    /** Global filters in registration order (XNU's pr_filter_head per protocol). */
    private static final List<Filter> GLOBALS = new CopyOnWriteArrayList<>();
    /** Guards registration and every change to a socket's filter list. */
    private static final Object LOCK = new Object();

    /** The entry whose data callback the current thread is in (for injection), or null. */
    private static final ThreadLocal<Entry> CURRENT = new ThreadLocal<>();

    // ------------------------------------------------------------------------- registry

    /**
     * sflt_register of {@code f} (already the layer's own copy). ENOTSUP outside PF_INET and
     * PF_INET6, ENOENT for a triple no protocol serves (the protocol must be given exactly, as
     * XNU's pffindproto matches it), EINVAL without sf_attach, sf_detach, a handle or a name,
     * EEXIST for a handle already registered.
     */
    public static int register(SflFilter f, int domain, int type, int protocol) {
        if (domain != PF_INET && domain != PF_INET6) {
            return ENOTSUP;
        }
        int[] err = new int[1];
        Domains.Entry e = Domains.find(domain, type, protocol, err);
        if (e == null || e.protocol() != protocol) {
            return ENOENT;
        }
        if (f.sf_attach == null || f.sf_detach == null || f.sf_handle == 0 || f.sf_name == null) {
            return EINVAL;
        }
        Filter filter = new Filter(f, domain, type, protocol);
        synchronized (LOCK) {
            if (BY_HANDLE.putIfAbsent(f.sf_handle, filter) != null) {
                return EEXIST;
            }
            if (filter.global()) {
                GLOBALS.add(filter);
            }
        }
        return 0;
    }

    /** sflt_unregister: detaches the filter from every socket; ENOENT for an unknown handle. */
    public static int unregister(int handle) {
        Filter filter;
        List<Entry> entries;
        synchronized (LOCK) {
            filter = BY_HANDLE.remove(handle);
            if (filter == null) {
                return ENOENT;
            }
            GLOBALS.remove(filter);
            entries = new ArrayList<>(filter.entries);
        }
        for (Entry e : entries) {
            detachEntry(e);
        }
        releaseFilter(filter);
        return 0;
    }

    /** True if some global filter would attach to a new socket of this triple. */
    public static boolean hasGlobal(int domain, int type, int protocol) {
        if (GLOBALS.isEmpty()) {
            return false;
        }
        for (Filter f : GLOBALS) {
            if (f.domain == domain && f.type == type && f.protocol == protocol) {
                return true;
            }
        }
        return false;
    }

    /**
     * sflt_initsock: attaches the global filters of the socket's domain, type and protocol, in
     * registration order (a refused sf_attach only leaves that filter off). Internet sockets only,
     * as in XNU.
     */
    public static void initsock(SocketCore so) {
        if (GLOBALS.isEmpty() || (so.domain != PF_INET && so.domain != PF_INET6)) {
            return;
        }
        for (Filter f : GLOBALS) {
            if (f.domain == so.domain && f.type == so.type && f.protocol == so.protocol) {
                attachFilter(so, f);
            }
        }
    }

    /**
     * sflt_attach: EINVAL for handle 0, ENOENT for a handle nobody registered, EEXIST if the
     * filter is already on the socket, or what sf_attach returned (the filter then stays off).
     */
    public static int attach(SocketCore so, int handle) {
        if (handle == 0) {
            return EINVAL;
        }
        Filter f = BY_HANDLE.get(handle);
        if (f == null) {
            return ENOENT;
        }
        return attachFilter(so, f);
    }

    private static int attachFilter(SocketCore so, Filter f) {
        if (find(so, f.handle) != null) {
            return EEXIST;
        }
        Entry e = new Entry(f, so);
        // The filter is held before sf_attach runs, so an unregister meanwhile cannot call
        // sf_unregistered while this attach still uses it.
        f.refs.incrementAndGet();
        Ref<Object> cookie = new Ref<>();
        int r;
        try {
            r = f.f.sf_attach.sf_attach(cookie, so.handle());
        } catch (Throwable t) {
            r = thrown(so, f, "sf_attach", t);
        }
        if (r != 0) {
            releaseFilter(f);
            return r;
        }
        e.cookie = cookie.get();
        boolean added;
        synchronized (LOCK) {
            added = BY_HANDLE.get(f.handle) == f && find(so, f.handle) == null && !so.isClosed();
            if (added) {
                Entry[] old = so.filters;
                Entry[] now = new Entry[old == null ? 1 : old.length + 1];
                now[0] = e;
                if (old != null) {
                    System.arraycopy(old, 0, now, 1, old.length);
                }
                so.filters = now;
                f.entries.add(e);
            }
        }
        if (!added) {
            // Unregistered, closed or attached twice while sf_attach ran: the attach is undone,
            // and the filter hears of it as a detach (its attach did succeed).
            e.attached.set(false);
            release(e);
            return so.isClosed() ? EBADF : EEXIST;
        }
        return 0;
    }

    /** sflt_detach: ENOENT if the filter is not attached to the socket, EINVAL for handle 0. */
    public static int detach(SocketCore so, int handle) {
        if (handle == 0) {
            return EINVAL;
        }
        Entry e = find(so, handle);
        if (e == null) {
            return ENOENT;
        }
        detachEntry(e);
        return 0;
    }

    private static Entry find(SocketCore so, int handle) {
        Entry[] list = so.filters;
        if (list != null) {
            for (Entry e : list) {
                if (e.filter.handle == handle && e.attached.get()) {
                    return e;
                }
            }
        }
        return null;
    }

    /** Takes the entry off its socket and filter; sf_detach follows when no callback holds it. */
    private static void detachEntry(Entry e) {
        if (!e.attached.compareAndSet(true, false)) {
            return;
        }
        unlink(e);
        release(e);
    }

    private static void unlink(Entry e) {
        synchronized (LOCK) {
            Entry[] old = e.so.filters;
            if (old != null) {
                int n = 0;
                Entry[] now = new Entry[old.length];
                for (Entry x : old) {
                    if (x != e) {
                        now[n++] = x;
                    }
                }
                e.so.filters = n == 0 ? null : java.util.Arrays.copyOf(now, n);
            }
            e.filter.entries.remove(e);
        }
    }

    private static void release(Entry e) {
        if (e.refs.decrementAndGet() == 0) {
            callDetach(e);
            releaseFilter(e.filter);
        }
    }

    private static void callDetach(Entry e) {
        if (e.detachDone.compareAndSet(false, true)) {
            try {
                e.filter.f.sf_detach.sf_detach(e.cookie, e.so.handle());
            } catch (Throwable t) {
                thrown(e.so, e.filter, "sf_detach", t);
            }
        }
    }

    private static void releaseFilter(Filter f) {
        if (f.refs.decrementAndGet() == 0 && f.f.sf_unregistered != null) {
            try {
                f.f.sf_unregistered.sf_unregistered(f.handle);
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "sf_unregistered of filter " + f.f.sf_name + " threw", t);
            }
        }
    }

    /**
     * sflt_termsock, when the socket closes: every filter comes off and its sf_detach is called
     * now (not after callbacks still in flight on other threads, as XNU does too).
     */
    static void termsock(SocketCore so) {
        if (so.filters == null) {
            return;
        }
        Entry[] list;
        synchronized (LOCK) {
            list = so.filters;
            so.filters = null;
        }
        if (list == null) {
            return;
        }
        for (Entry e : list) {
            if (e.attached.compareAndSet(true, false)) {
                synchronized (LOCK) {
                    e.filter.entries.remove(e);
                }
                callDetach(e);
                release(e);
            }
        }
    }

    /** The names of the filters attached to the socket, in calling order. */
    public static List<String> names(SocketCore so) {
        Entry[] list = so.filters;
        if (list == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>(list.length);
        for (Entry e : list) {
            names.add(e.name());
        }
        return names;
    }

    // ------------------------------------------------------------------------- calls

    /** One filter callback; returns 0 to go on to the next filter. */
    @FunctionalInterface
    private interface Call {
        int call(SflFilter f, Object cookie, Socket so) throws Throwable;
    }

    /**
     * Calls every attached filter after {@code after} (null: from the first) in order until one
     * returns non-zero, and returns that (0 if all let it pass). A throw counts as EINVAL.
     */
    private static int each(SocketCore so, Entry after, String what, Call call) {
        Entry[] list = so.filters;
        if (list == null) {
            return 0;
        }
        int i = 0;
        if (after != null) {
            while (i < list.length && list[i] != after) {
                i++;
            }
            i++; // past the injector; an injector no longer listed has nothing after it
        }
        for (; i < list.length; i++) {
            Entry e = list[i];
            if (!e.attached.get() || !e.retain()) {
                continue;
            }
            Entry outer = CURRENT.get();
            CURRENT.set(e);
            int r;
            try {
                r = call.call(e.filter.f, e.cookie, so.handle());
            } catch (Throwable t) {
                r = thrown(so, e.filter, what, t);
            } finally {
                CURRENT.set(outer);
                release(e);
            }
            if (r != 0) {
                return r;
            }
        }
        return 0;
    }

    private static int thrown(SocketCore so, Filter f, String what, Throwable t) {
        LOG.log(System.Logger.Level.WARNING, what + " of filter " + f.f.sf_name + " threw on " + so.describe()
                + "; treated as EINVAL", t);
        return EINVAL;
    }

    /** sflt_notify: every attached filter's sf_notify (results are not asked for). */
    static void notify(SocketCore so, int event, Object param) {
        each(so, null, "sf_notify", (f, c, s) -> {
            if (f.sf_notify != null) {
                f.sf_notify.sf_notify(c, s, event, param);
            }
            return 0;
        });
    }

    /** sock_evt_closing, once per socket, before the close takes effect. */
    static void notifyClosing(SocketCore so) {
        if (so.markClosingNotified()) {
            notify(so, SysKpiSocketFilter.sock_evt_closing, null);
        }
    }

    public static int bind(SocketCore so, SockAddr to) {
        return each(so, null, "sf_bind", (f, c, s) -> f.sf_bind == null ? 0 : f.sf_bind.sf_bind(c, s, to));
    }

    public static int listen(SocketCore so) {
        return each(so, null, "sf_listen", (f, c, s) -> f.sf_listen == null ? 0 : f.sf_listen.sf_listen(c, s));
    }

    public static int connectOut(SocketCore so, SockAddr to) {
        return each(so, null, "sf_connect_out",
                (f, c, s) -> f.sf_connect_out == null ? 0 : f.sf_connect_out.sf_connect_out(c, s, to));
    }

    public static int connectIn(SocketCore so, SockAddr from) {
        return each(so, null, "sf_connect_in",
                (f, c, s) -> f.sf_connect_in == null ? 0 : f.sf_connect_in.sf_connect_in(c, s, from));
    }

    public static int accept(SocketCore head, SocketCore so, SockAddr local, SockAddr remote) {
        Socket listener = head.handle();
        return each(so, null, "sf_accept",
                (f, c, s) -> f.sf_accept == null ? 0 : f.sf_accept.sf_accept(c, listener, s, local, remote));
    }

    public static int setoption(SocketCore so, SockOpt opt) {
        return each(so, null, "sf_setoption",
                (f, c, s) -> f.sf_setoption == null ? 0 : f.sf_setoption.sf_setoption(c, s, opt));
    }

    public static int getoption(SocketCore so, SockOpt opt) {
        return each(so, null, "sf_getoption",
                (f, c, s) -> f.sf_getoption == null ? 0 : f.sf_getoption.sf_getoption(c, s, opt));
    }

    public static int ioctl(SocketCore so, long request, MemorySegment argp) {
        return each(so, null, "sf_ioctl",
                (f, c, s) -> f.sf_ioctl == null ? 0 : f.sf_ioctl.sf_ioctl(c, s, request, argp));
    }

    /** sf_getpeername ({@code peer}) or sf_getsockname over the address in {@code sa}. */
    public static int getaddr(SocketCore so, boolean peer, Ref<SockAddr> sa) {
        if (peer) {
            return each(so, null, "sf_getpeername",
                    (f, c, s) -> f.sf_getpeername == null ? 0 : f.sf_getpeername.sf_getpeername(c, s, sa));
        }
        return each(so, null, "sf_getsockname",
                (f, c, s) -> f.sf_getsockname == null ? 0 : f.sf_getsockname.sf_getsockname(c, s, sa));
    }

    /** True if an attached filter has the data callback for that direction. */
    public static boolean hasData(SocketCore so, boolean in) {
        Entry[] list = so.filters;
        if (list == null) {
            return false;
        }
        for (Entry e : list) {
            if (in ? e.filter.f.sf_data_in != null : e.filter.f.sf_data_out != null) {
                return true;
            }
        }
        return false;
    }

    /** Where an injection enters the chain: after the injecting filter, or past every filter. */
    static Entry injector(SocketCore so) {
        Entry e = CURRENT.get();
        if (e != null && e.so == so) {
            return e;
        }
        Entry[] list = so.filters;
        return list == null || list.length == 0 ? null : list[list.length - 1];
    }

    /**
     * sflt_data_in / sflt_data_out over the chain in {@code data} (which a filter may replace)
     * and the control mbuf in {@code control}, starting after {@code after}. Returns 0 (pass the
     * chain on), EJUSTRETURN (a filter took the mbufs) or an errno — in which case the mbufs left
     * in {@code data} and {@code control} have been freed here.
     */
    static int data(SocketCore so, boolean in, Entry after, SockAddr addr, Ref<Mbuf> data, Ref<Mbuf> control,
                    int flags) {
        int r = each(so, after, in ? "sf_data_in" : "sf_data_out", (f, c, s) -> {
            if (in) {
                return f.sf_data_in == null ? 0 : f.sf_data_in.sf_data_in(c, s, addr, data, control, flags);
            }
            return f.sf_data_out == null ? 0 : f.sf_data_out.sf_data_out(c, s, addr, data, control, flags);
        });
        if (r != 0 && r != EJUSTRETURN) {
            freeBoth(data, control);
        } else if (r == 0 && data.get() == null) {
            // A filter that cleared the chain without saying EJUSTRETURN has still taken it.
            freeBoth(data, control);
            return EJUSTRETURN;
        }
        return r;
    }

    /** sock_inject_data_in, for the KPI: see {@link FilteredIo#injectIn}. */
    public static int injectIn(SocketCore so, SockAddr from, Mbuf data, Mbuf control) {
        return FilteredIo.injectIn(so, from, data, control);
    }

    /** sock_inject_data_out, for the KPI: see {@link FilteredIo#injectOut}. */
    public static int injectOut(SocketCore so, SockAddr to, Mbuf data, Mbuf control, int flags) {
        return FilteredIo.injectOut(so, to, data, control, flags);
    }

    static void freeBoth(Ref<Mbuf> data, Ref<Mbuf> control) {
        if (data.get() != null) {
            MbufChains.freem(data.get());
            data.set(null);
        }
        if (control != null && control.get() != null) {
            MbufChains.freem(control.get());
            control.set(null);
        }
    }
}
