package dev.ksock.internal.socket;

import static dev.ksock.internal.socket.SoState.*;

import dev.ksock.KpiMbuf;
import dev.ksock.SockEvUpcall;
import dev.ksock.SockUpcall;
import dev.ksock.Socket;
import dev.ksock.SysErrno;
import dev.ksock.SysKpiSocket;
import dev.ksock.SysKpiSocketFilter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The socket layer's {@code struct socket}.
 *
 * <p>Locking key (who writes what):
 * <ul>
 *   <li>identity ({@link #domain}, {@link #type}, {@link #protocol}, {@link #proto}): final.</li>
 *   <li>{@link #hostHandle}: written once by the protocol's attach before the socket is
 *       published; released only by {@link #release()} when the use count reaches zero after
 *       close, so a host descriptor number can never be reused while an operation holds it.</li>
 *   <li>{@code state}: changed only by the transitions below, each a CAS loop; any thread.</li>
 *   <li>{@code error} (so_error), options, linger: volatile, last writer wins, as in BSD where
 *       they are set under the socket lock by one caller at a time.</li>
 *   <li>{@code upcalls}, {@code events}, {@code filters}: immutable values behind one volatile
 *       field each, replaced whole, so a callback is never seen with another one's context and
 *       replacing them while events are being delivered is safe (XNU's sock_setupcall does not
 *       wait for an upcall in progress either).</li>
 *   <li>{@code uses}: use count plus a CLOSED bit (the JDK's "close while in use" protocol).</li>
 *   <li>{@code upcallGate}: RUNNING while an upcall runs, CLOSED once closing has begun, so no
 *       upcall starts after {@code sock_close} and close waits for a running one.</li>
 *   <li>{@code connectTimer}: the pending connect timer; set by the thread arming it, taken
 *       (swapped to null) by whichever of cancel and expiry comes first, so only one acts.</li>
 * </ul>
 *
 * <p>Upcalls run only on the socket's event-loop thread: one at a time per socket, with
 * {@code waitf = MBUF_DONTWAIT}. A condition that arises while one runs arrives as another edge
 * from the host and is reported again after it returns.
 */
public final class SocketCore {
    /** Layer events a protocol reports from the host (edge-triggered). */
    public static final int EV_READ = 1, EV_WRITE = 2, EV_RDHUP = 4, EV_HUP = 8, EV_ERR = 16;

    public final int domain;
    public final int type;
    public final int protocol;
    public final ProtoSw proto;

    /** so_pcb: the protocol's host endpoint (a Linux descriptor for the host protocols). */
    public volatile int hostHandle = -1;
    /** The protocol's registration with its event loop, and the loop itself (protocol-owned). */
    public volatile Object hostRegistration;
    /**
     * The host endpoint may be referenced outside this socket (its descriptor was passed in
     * SCM_RIGHTS, either way), so closing our descriptor need not end the host's interest in it:
     * the protocol must then deregister it explicitly rather than rely on the close.
     */
    public volatile boolean hostShared;

    private volatile int state;
    /** so_options: SO_* boolean bits the layer itself keeps (SO_ACCEPTCONN, SO_NOSIGPIPE, ...). */
    private volatile int options;
    /** so_error: a pending asynchronous error, returned once and cleared. */
    private volatile int error;
    /** so_linger in seconds; -1 when SO_LINGER is off. */
    volatile int lingerSeconds = -1;
    /** so_linger as XNU keeps it, in ticks of 1/100 s (what SO_LINGER reads back). */
    volatile int lingerTicks;
    /** so_pgid: the owner SIOCSPGRP recorded (kept, never signalled; see SocketIoctls). */
    volatile int pgid;

    public final SockBuf rcv;
    public final SockBuf snd;

    /**
     * The read and write upcalls with their contexts (XNU's so_rcv/so_snd sb_upcall); null when
     * neither is set. {@code sock_socket}'s single callback serves both sides and then runs once
     * per edge.
     */
    public record Upcalls(SockUpcall read, Object readContext, SockUpcall write, Object writeContext) {
        /** One callback for both directions, called once per edge. */
        static Upcalls both(SockUpcall callback, Object context) {
            return callback == null ? null : new Upcalls(callback, context, callback, context);
        }

        boolean single() {
            return read == write && readContext == writeContext;
        }
    }

    /** sock_catchevents: the event callback, its context and the mask of SO_FILT_HINT_* bits. */
    record EventCatcher(SockEvUpcall callback, Object context, int mask) {
    }

    private volatile Upcalls upcalls;
    private volatile EventCatcher events;
    /** The attached socket filters (so_filt), most recently attached first; null when none. */
    volatile SocketFilters.Entry[] filters;
    /** The public object handed to the owner and to upcalls (set once at creation). */
    private volatile Socket handle;

    private volatile long uses;
    private volatile int upcallGate;
    private volatile Thread upcallThread;
    private volatile Thread closeWaiter;
    /** The sides ({@link #UPCALL_READ}, {@link #UPCALL_WRITE}) whose upcall has been requested. */
    private volatile int pendingUpcalls;
    /** sock_retain's count (so_retaincnt). */
    private volatile int retains;
    /** The filters have been told sock_evt_closing (once per socket). */
    private volatile boolean closingNotified;

    /** Which upcall a change concerns. */
    public static final int UPCALL_READ = 1, UPCALL_WRITE = 2, UPCALL_BOTH = 3;

    private static final long USES_CLOSED = 1L << 62;
    private static final int GATE_RUNNING = 1, GATE_CLOSED = 2;

    private static final VarHandle STATE, OPTIONS, USES, GATE, HOST_HANDLE, CONNECT_TIMER, PENDING, RETAINS, CLOSING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(SocketCore.class, "state", int.class);
            OPTIONS = l.findVarHandle(SocketCore.class, "options", int.class);
            USES = l.findVarHandle(SocketCore.class, "uses", long.class);
            GATE = l.findVarHandle(SocketCore.class, "upcallGate", int.class);
            HOST_HANDLE = l.findVarHandle(SocketCore.class, "hostHandle", int.class);
            CONNECT_TIMER = l.findVarHandle(SocketCore.class, "connectTimer", ConnectTimer.class);
            PENDING = l.findVarHandle(SocketCore.class, "pendingUpcalls", int.class);
            RETAINS = l.findVarHandle(SocketCore.class, "retains", int.class);
            CLOSING = l.findVarHandle(SocketCore.class, "closingNotified", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public SocketCore(int domain, int type, int protocol, ProtoSw proto, int sndHiwat, int rcvHiwat) {
        this.domain = domain;
        this.type = type;
        this.protocol = protocol;
        this.proto = proto;
        this.snd = new SockBuf(sndHiwat, 2048);
        this.rcv = new SockBuf(rcvHiwat, 1);
    }

    /**
     * Takes the host handle for closing, leaving -1: atomic, so however release is reached the
     * descriptor is closed once (a second close could hit a number the host has reused).
     */
    public int takeHostHandle() {
        return (int) HOST_HANDLE.getAndSet(this, -1);
    }

    // ---------------------------------------------------------------- identity and owner

    public Socket handle() {
        return handle;
    }

    public void setHandle(Socket s) {
        handle = s;
    }

    /** sock_socket / sock_setupcall: one callback for reads and writes (null clears both). */
    public void setUpcall(SockUpcall callback, Object cookie) {
        setUpcalls(Upcalls.both(callback, cookie));
    }

    /**
     * Installs the upcalls (null: none). A condition that already holds is reported to them, as
     * for an upcall installed at creation: an upcall is requested for both sides.
     */
    public void setUpcalls(Upcalls u) {
        upcalls = u;
        if (u != null) {
            requestUpcall();
        }
    }

    public Upcalls upcalls() {
        return upcalls;
    }

    /** sock_catchevents: {@code callback} null clears (XNU's sonullevent, mask 0). */
    public void setEvents(SockEvUpcall callback, Object context, int mask) {
        events = callback == null ? null : new EventCatcher(callback, context, mask);
    }

    /**
     * soevent: tells the sock_catchevents callback about {@code hint} (SO_FILT_HINT_* bits), the
     * bits it asked for only. Synchronous, on the thread of the transition, as XNU's soevupcall.
     */
    void soevent(int hint) {
        EventCatcher e = events;
        if (e == null || isClosed()) {
            return;
        }
        int h = hint & e.mask();
        if (h == 0) {
            return;
        }
        try {
            e.callback().upcall(handle, e.context(), h);
        } catch (Throwable t) {
            UpcallErrors.report(this, t);
        }
    }

    /** sflt_notify: the attached filters' sf_notify, when any are attached. */
    private void notifyFilters(int event) {
        if (filters != null) {
            SocketFilters.notify(this, event, null);
        }
    }

    /** True if any socket filter is attached (the one check a filter-free socket pays). */
    public boolean hasFilters() {
        return filters != null;
    }

    /** sock_nointerrupt: SB_NOINTR on both socket buffers. */
    public void setNoInterrupt(boolean on) {
        rcv.noIntr = on;
        snd.noIntr = on;
    }

    /** True the first time only: whoever gets it tells the filters sock_evt_closing. */
    boolean markClosingNotified() {
        return CLOSING.compareAndSet(this, false, true);
    }

    /** sock_retain. */
    public void retain() {
        RETAINS.getAndAdd(this, 1);
    }

    /**
     * sock_release: waits for an upcall running on another thread (XNU's soclose_wait_locked),
     * then drops one retain. False if there was none to drop (XNU panics; we refuse).
     */
    public boolean release() {
        waitForRunningUpcall();
        int r;
        do {
            r = retains;
            if (r <= 0) {
                return false;
            }
        } while (!RETAINS.compareAndSet(this, r, r - 1));
        return true;
    }

    // ---------------------------------------------------------------- state bits

    public int state() {
        return state;
    }

    public boolean is(int bits) {
        return (state & bits) != 0;
    }

    private void changeState(int set, int clear) {
        int s;
        do {
            s = state;
        } while (!STATE.compareAndSet(this, s, (s | set) & ~clear));
    }

    public int options() {
        return options;
    }

    public boolean hasOption(int bit) {
        return (options & bit) != 0;
    }

    public void setOption(int bit, boolean on) {
        int o;
        do {
            o = options;
        } while (!OPTIONS.compareAndSet(this, o, on ? o | bit : o & ~bit));
    }

    /** FIONBIO / SS_NBIO. */
    public void setNonBlocking(boolean on) {
        if (on) {
            changeState(SS_NBIO, 0);
        } else {
            changeState(0, SS_NBIO);
        }
    }

    public void setPrivileged(boolean on) {
        if (on) {
            changeState(SS_PRIV, 0);
        } else {
            changeState(0, SS_PRIV);
        }
    }

    // ---------------------------------------------------------------- named transitions

    /** soisconnecting: a connect was started and has not finished. */
    public void soisconnecting() {
        changeState(SS_ISCONNECTING, SS_ISCONNECTED | SS_ISDISCONNECTING | SS_ISDISCONNECTED);
        notifyFilters(SysKpiSocketFilter.sock_evt_connecting);
    }

    /** soisconnected: the connection is up; wakes both directions and the owner. */
    public void soisconnected() {
        changeState(SS_ISCONNECTED, SS_ISCONNECTING | SS_ISDISCONNECTING | SS_ISDISCONNECTED);
        cancelConnectTimer();
        soevent(SysKpiSocket.SO_FILT_HINT_CONNINFO_UPDATED | SysKpiSocket.SO_FILT_HINT_CONNECTED);
        notifyFilters(SysKpiSocketFilter.sock_evt_connected);
        snd.wakeup();
        rcv.wakeup();
        requestUpcall();
    }

    /** soisdisconnected: no more data either way; wakes everyone. */
    public void soisdisconnected() {
        changeState(SS_CANTRCVMORE | SS_CANTSENDMORE | SS_ISDISCONNECTED,
                SS_ISCONNECTING | SS_ISCONNECTED | SS_ISDISCONNECTING);
        cancelConnectTimer();
        soevent(SysKpiSocket.SO_FILT_HINT_CONNINFO_UPDATED | SysKpiSocket.SO_FILT_HINT_DISCONNECTED);
        notifyFilters(SysKpiSocketFilter.sock_evt_disconnected);
        snd.wakeup();
        rcv.wakeup();
        requestUpcall();
    }

    /** socantsendmore: SHUT_WR or the connection's send side is gone. */
    public void socantsendmore() {
        changeState(SS_CANTSENDMORE, 0);
        soevent(SysKpiSocket.SO_FILT_HINT_CANTSENDMORE);
        notifyFilters(SysKpiSocketFilter.sock_evt_cantsendmore);
        snd.wakeup();
        requestUpcall(UPCALL_WRITE);
    }

    /** socantrcvmore: SHUT_RD or the peer's FIN arrived. */
    public void socantrcvmore() {
        changeState(SS_CANTRCVMORE, 0);
        soevent(SysKpiSocket.SO_FILT_HINT_CANTRCVMORE);
        notifyFilters(SysKpiSocketFilter.sock_evt_cantrecvmore);
        rcv.wakeup();
        requestUpcall(UPCALL_READ);
    }

    /**
     * The protocol refused a connect at once (pru_connect returned an error): only the attempt
     * ends, as XNU's {@code soconnectlock} just clears SS_ISCONNECTING. so_error is left as it
     * was and the socket may try again.
     */
    public void soconnectfailed() {
        changeState(0, SS_ISCONNECTING);
        cancelConnectTimer();
        snd.wakeup();
        rcv.wakeup();
        requestUpcall();
    }

    /**
     * A connect that was under way failed (refused by a reset, timed out, given up on a host
     * error): XNU's {@code tcp_drop}, which sets so_error and calls {@code tcp_close}; that
     * marks the pcb dead and calls {@code soisdisconnected}. A stream socket therefore ends up
     * disconnected for good: no more sending (EPIPE) or receiving (end of stream), and no new
     * bind, listen or connect (see {@link #isDropped}). A datagram socket never gets here (its
     * connect does not go into progress); if one did, only its attempt would end.
     *
     * <p>Order, for callers on other threads: the dropped mark first, then so_error, then the
     * state. Whoever sees the state change also finds the error (a waiting {@code sock_connect}
     * returns it); whoever takes the error early (SO_ERROR) already finds the socket dropped.
     */
    public void soconnectdropped(int errno) {
        if (!proto.connRequired()) {
            error = errno;
            soconnectfailed();
            return;
        }
        dropped = true;
        error = errno;
        soisdisconnected();
    }

    /**
     * True once {@link #soconnectdropped} ran: XNU's {@code inp_state == INPCB_STATE_DEAD} after
     * {@code tcp_close}, for which {@code tcp_usr_connect} returns the pending so_error once and
     * then EINVAL, and {@code tcp_usr_bind}/{@code tcp_usr_listen} EINVAL. The Linux endpoint
     * could connect again, so the layer answers for it.
     */
    public boolean isDropped() {
        return dropped;
    }

    private volatile boolean dropped;

    /** Records an asynchronous error (so_error) and wakes both directions. */
    public void soseterror(int errno) {
        error = errno;
        snd.wakeup();
        rcv.wakeup();
    }

    /** Returns so_error and clears it, as getsockopt(SO_ERROR) and the I/O paths do. */
    public int takeError() {
        int e = error;
        if (e != 0) {
            error = 0;
        }
        return e;
    }

    public int peekError() {
        return error;
    }

    // ---------------------------------------------------------------- host edges

    /**
     * Called by the protocol, on the event-loop thread, with the {@code EV_*} edges the host
     * reported. Updates the state through the transitions, wakes waiters, then runs the upcall.
     */
    public void onEvents(int ev) {
        // Hold a use while handling the edge: a close racing with us cannot release the host
        // descriptor (which could then be reused by another socket) until we are done.
        if (enter() != 0) {
            if (draining) {
                drainStep();
            }
            return;
        }
        try {
            handleEvents(ev);
        } finally {
            leave();
        }
    }

    private void handleEvents(int ev) {
        applyHostEvents(ev);
        int sides = (int) PENDING.getAndSet(this, 0);
        if ((ev & (EV_READ | EV_RDHUP | EV_HUP | EV_ERR)) != 0) {
            sides |= UPCALL_READ;
        }
        if ((ev & (EV_WRITE | EV_HUP | EV_ERR)) != 0) {
            sides |= UPCALL_WRITE;
        }
        deliverUpcall(sides);
    }

    /**
     * For a blocking call waiting on this socket's own event-loop thread (made from an upcall):
     * that loop cannot deliver the host's edges while the call waits, so the waiter applies what
     * its poll saw, as the loop would (a connect's outcome, the send queue's flush, wakeups). The
     * upcall is only requested: it runs when the loop is free again, never nested in the caller's.
     */
    public void applyPolledEvents(int ev) {
        if (enter() != 0) {
            return;
        }
        try {
            applyHostEvents(ev);
            requestUpcall();
        } finally {
            leave();
        }
    }

    /** What the host's edges mean for the socket's state, buffers and waiters; the upcall aside. */
    private void applyHostEvents(int ev) {
        // A dropped connect's pcb is gone (tcp_close): nothing the host reports later is news.
        if ((ev & EV_ERR) != 0 && !is(SS_ISCONNECTING) && !dropped) {
            int e = proto.connectResult(this); // reads and clears the host's pending error
            if (e != 0) {
                soseterror(e);
                if (e == SysErrno.ECONNRESET) {
                    soevent(SysKpiSocket.SO_FILT_HINT_CONNRESET);
                }
            }
        }
        if (is(SS_ISCONNECTING) && (ev & (EV_WRITE | EV_ERR | EV_HUP)) != 0) {
            int e = proto.connectResult(this);
            if (e == 0) {
                soisconnected();
            } else {
                soconnectdropped(e);
            }
        }
        if ((ev & EV_HUP) != 0 && is(SS_ISCONNECTED)) {
            soisdisconnected();
        } else if ((ev & EV_RDHUP) != 0 && !is(SS_CANTRCVMORE) && is(SS_ISCONNECTED)) {
            socantrcvmore();
        }
        if ((ev & (EV_READ | EV_RDHUP | EV_HUP | EV_ERR)) != 0) {
            rcv.wakeup();
        }
        if ((ev & EV_WRITE) != 0 && snd.queued != null) {
            int e = SocketLayer.sbflush(this);
            if (e != 0) {
                soseterror(e);
            }
        }
        if ((ev & (EV_WRITE | EV_HUP | EV_ERR)) != 0) {
            snd.wakeup();
        }
    }

    /**
     * Asks for the upcall to run (on the event loop) because of a change a caller made. The
     * protocol runs {@link #runRequestedUpcall} on the loop; requests coalesce.
     */
    public void requestUpcall() {
        requestUpcall(UPCALL_BOTH);
    }

    /** Asks for the upcall of the given sides ({@link #UPCALL_READ}, {@link #UPCALL_WRITE}). */
    public void requestUpcall(int sides) {
        UpcallScheduler s = scheduler;
        // Not registered yet: registration itself reports the current state to the upcall.
        if (upcalls == null || s == null || is(SS_CLOSED)) {
            return;
        }
        // Requests coalesce: only the one that finds nothing pending schedules the loop task.
        if ((int) PENDING.getAndBitwiseOr(this, sides) == 0) {
            s.schedule(this);
        }
    }

    /** Where requested upcalls are sent (the protocol's event loop); set at registration. */
    public volatile UpcallScheduler scheduler;

    /** Runs the upcall for a request made by {@link #requestUpcall}, on the loop thread. */
    public void runRequestedUpcall() {
        if (pendingUpcalls == 0 || enter() != 0) {
            return;
        }
        try {
            deliverUpcall((int) PENDING.getAndSet(this, 0));
        } finally {
            leave();
        }
    }

    private void deliverUpcall(int sides) {
        Upcalls u = upcalls;
        if (u == null || sides == 0) {
            return;
        }
        int g;
        do {
            g = upcallGate;
            if ((g & GATE_CLOSED) != 0) {
                return;
            }
        } while (!GATE.compareAndSet(this, g, g | GATE_RUNNING));
        upcallThread = Thread.currentThread();
        try {
            if (u.single()) {
                callUpcall(u.read(), u.readContext());
            } else {
                if ((sides & UPCALL_READ) != 0 && u.read() != null) {
                    callUpcall(u.read(), u.readContext());
                }
                if ((sides & UPCALL_WRITE) != 0 && u.write() != null) {
                    callUpcall(u.write(), u.writeContext());
                }
            }
        } finally {
            upcallThread = null;
            GATE.getAndBitwiseAnd(this, ~GATE_RUNNING);
            Thread w = closeWaiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    private void callUpcall(SockUpcall u, Object context) {
        try {
            u.upcall(handle, context, KpiMbuf.MBUF_DONTWAIT);
        } catch (Throwable t) {
            // An owner's bug must not kill the event loop serving every other socket.
            UpcallErrors.report(this, t);
        }
    }

    /**
     * Waits for an upcall running on another thread to return (not for the caller's own, and
     * not on an event-loop thread: two upcalls waiting for each other's sockets would deadlock).
     */
    private void waitForRunningUpcall() {
        if ((upcallGate & GATE_RUNNING) == 0 || upcallThread == Thread.currentThread() || SocketLayer.onEventLoop()) {
            return;
        }
        closeWaiter = Thread.currentThread();
        while ((upcallGate & GATE_RUNNING) != 0 && upcallThread != Thread.currentThread()) {
            LockSupport.parkNanos(this, 100_000);
        }
        closeWaiter = null;
    }

    /** The socket's event loop as the layer uses it: requested upcalls and timers run there. */
    public interface UpcallScheduler {
        /** Tells the owner that a requested upcall should run on the loop. */
        void schedule(SocketCore so);

        /** Runs {@code task} on the loop after {@code delayNanos}; an id for {@link #cancelTimer}. */
        long scheduleTimer(Runnable task, long delayNanos);

        /** Cancels a timer that has not started; a fired or unknown id is ignored. */
        void cancelTimer(long id);
    }

    // ---------------------------------------------------------------- connect timer

    /**
     * The connect timer (TCP_CONNECTIONTIMEOUT), XNU's {@code TCPT_KEEP} while the connection is
     * not yet established: when it expires first, the connect fails with ETIMEDOUT. One object
     * per arming, so an expiry can tell whether it is still the current timer.
     */
    private static final class ConnectTimer implements Runnable {
        final SocketCore so;
        /** The loop's timer id; 0 until scheduled (then whoever arms it cancels it if it was taken). */
        volatile long id;

        ConnectTimer(SocketCore so) {
            this.so = so;
        }

        @Override
        public void run() {
            so.connectTimerExpired(this);
        }
    }

    private volatile ConnectTimer connectTimer;

    /**
     * Arms the connect timer, or re-arms it from now (XNU restarts the timer when the option is
     * set during a connect); {@code delayNanos <= 0} only disarms. Called by the protocol when its
     * connect is under way and when the timeout changes during one. Does nothing unless a
     * connect is in progress and the socket has its event loop.
     */
    public void setConnectTimer(long delayNanos) {
        cancelConnectTimer();
        UpcallScheduler s = scheduler;
        if (delayNanos <= 0 || s == null || !is(SS_ISCONNECTING)) {
            return;
        }
        ConnectTimer t = new ConnectTimer(this);
        ConnectTimer old = (ConnectTimer) CONNECT_TIMER.getAndSet(this, t);
        if (old != null) {
            cancelTimer(s, old);
        }
        long id;
        try {
            id = s.scheduleTimer(t, delayNanos);
        } catch (RuntimeException loopGone) {
            // The loop is shutting down: no timer; the host's own limit still ends the connect.
            CONNECT_TIMER.compareAndSet(this, t, null);
            return;
        }
        t.id = id;
        // Dekker pair with the transitions: they change the state, then take the timer; we
        // published the timer, then read the state, so a connect that finished meanwhile is
        // seen by them or by us. Whoever took the timer before its id was known could not
        // cancel it: that is done here (a second cancel of an id is harmless).
        if (!is(SS_ISCONNECTING)) {
            CONNECT_TIMER.compareAndSet(this, t, null);
        }
        if (connectTimer != t) {
            s.cancelTimer(id);
        }
    }

    private void cancelConnectTimer() {
        ConnectTimer t = (ConnectTimer) CONNECT_TIMER.getAndSet(this, null);
        UpcallScheduler s = scheduler;
        if (t != null && s != null) {
            cancelTimer(s, t);
        }
    }

    private static void cancelTimer(UpcallScheduler s, ConnectTimer t) {
        long id = t.id;
        if (id != 0) {
            s.cancelTimer(id);
        }
    }

    /**
     * On the event loop, when a connect timer expires. Only the current timer acts, only while
     * the connect is still in progress, and never on a closed socket (it holds a use, so the host
     * endpoint cannot be released or its number reused under it). The host stops trying first
     * (no more SYNs, and no error of its own to report over ours); then the connect fails as
     * XNU's TCPT_KEEP fails it, through {@code tcp_drop(ETIMEDOUT)}: so_error ETIMEDOUT, the
     * socket disconnected for good, waiters woken, the upcall told.
     */
    private void connectTimerExpired(ConnectTimer t) {
        if (!CONNECT_TIMER.compareAndSet(this, t, null) || enter() != 0) {
            return;
        }
        try {
            if (is(SS_ISCONNECTING)) {
                proto.abortConnect(this);
                soevent(SysKpiSocket.SO_FILT_HINT_TIMEOUT);
                soconnectdropped(SysErrno.ETIMEDOUT);
            }
        } finally {
            leave();
        }
    }

    // ---------------------------------------------------------------- use count and close

    /** Enters an operation: 0, or EBADF once the socket is closed. Pair with {@link #leave}. */
    public int enter() {
        for (;;) {
            long u = uses;
            if ((u & USES_CLOSED) != 0) {
                return SysErrno.EBADF;
            }
            if (USES.compareAndSet(this, u, u + 1)) {
                return 0;
            }
        }
    }

    /** Leaves an operation; the last one out after close releases the host endpoint. */
    public void leave() {
        long u = (long) USES.getAndAdd(this, -1L) - 1;
        if (u == USES_CLOSED) {
            proto.release(this);
        }
    }

    public boolean isClosed() {
        return (uses & USES_CLOSED) != 0;
    }

    /**
     * soclose: no new operation starts, blocked callers wake with an error, no upcall starts
     * after this returns (a running one is waited for unless it is the caller), and the host
     * endpoint is released as soon as the last operation in flight has left.
     */
    public void close() {
        // Bytes a non-blocking sock_sendmbuf left queued still go out after close, as BSD's
        // so_snd drains after soclose; the drain holds a use so the descriptor stays open for it.
        // A zero linger means reset: the queue is dropped.
        if (filters != null && !isClosed()) {
            // soclose_locked: the filters hear of the close while the socket still works.
            SocketFilters.notifyClosing(this);
        }
        boolean drain = snd.queued != null && lingerSeconds != 0 && enter() == 0;
        long u = (long) USES.getAndBitwiseOr(this, USES_CLOSED);
        if ((u & USES_CLOSED) != 0) {
            if (drain) {
                leave();
            }
            return;
        }
        changeState(SS_CLOSED, 0);
        cancelConnectTimer();
        int g = (int) GATE.getAndBitwiseOr(this, GATE_CLOSED);
        if (drain) {
            draining = true;
            long limit = lingerSeconds > 0 ? lingerSeconds * 1_000_000_000L : DRAIN_LIMIT_NANOS;
            proto.drainAfterClose(this, limit);
        } else {
            SocketLayer.sbdrop(this);
            proto.deregister(this);
        }
        snd.wakeup();
        rcv.wakeup();
        SocketFilters.termsock(this);
        SocketLayer.rcvdrop(this);
        // Wait for an upcall running on another thread, so the owner may free its cookie once
        // we return. Not from an event-loop thread: two upcalls closing each other's sockets on
        // two loops would wait for each other forever (no new upcall starts either way).
        if ((g & GATE_RUNNING) != 0) {
            waitForRunningUpcall();
        }
        if (u == 0) {
            proto.release(this);
        }
    }

    /** How long a closed socket keeps writing its queued bytes when SO_LINGER does not say. */
    static final long DRAIN_LIMIT_NANOS = 60_000_000_000L;
    private volatile boolean draining;
    private static final VarHandle DRAINING;

    static {
        try {
            DRAINING = MethodHandles.lookup().findVarHandle(SocketCore.class, "draining", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** On the event loop, after close: writes more of the queue; finishes when it is empty or fails. */
    public void drainStep() {
        if (!draining) {
            return;
        }
        int e = SocketLayer.sbflush(this);
        if (e != 0 || snd.queued == null) {
            finishDrain();
        }
    }

    /** Ends the drain (done, failed or timed out): drops what is left and lets the descriptor go. */
    public void finishDrain() {
        if (DRAINING.compareAndSet(this, true, false)) {
            SocketLayer.sbdrop(this);
            proto.deregister(this);
            leave();
        }
    }

    public String describe() {
        return "domain=" + domain + " type=" + type + " state=0x" + Integer.toHexString(state)
                + (isClosed() ? " closed" : " host=" + hostHandle);
    }
}
