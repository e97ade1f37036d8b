package dev.ksock.internal.host.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One platform thread owning one epoll set (edge-triggered registrations), an eventfd that wakes
 * it for queued tasks, and a timer heap.
 *
 * <h2>What a socket layer may rely on</h2>
 * <ul>
 * <li><b>One thread.</b> Every {@link IoHandler#onIoEvents} call, every task given to
 * {@link #execute} and every timer task runs on this loop's thread, one at a time; so anything
 * touched only from those callbacks needs no lock.</li>
 * <li><b>Task order.</b> Tasks one thread submits with {@link #execute} run in submission order
 * (FIFO per producer; no order between different producers). A task submitted from the loop
 * thread itself runs after the current callback returns, never re-entrantly.</li>
 * <li><b>Timer order.</b> A timer never fires before its deadline; timers fire in deadline order,
 * equal deadlines in the order they reached the loop. {@link #cancel} returning true means the task
 * will not run; false means it has run, is running, or the id is unknown.</li>
 * <li><b>Registrations.</b> Edge-triggered: after an event, the handler must drain (read/write
 * until EAGAIN) or it may hear nothing more. An event is delivered only to the registration whose
 * key it was registered with; after a registration is removed its key is dead for good, even if
 * the slot and the descriptor number are reused.</li>
 * <li><b>Deregistering.</b> On the loop thread, {@link #deregister} is exact: no further call for
 * the key, not even for events already fetched in the current batch. From another thread, no call
 * <em>begins</em> after it returns, but one that the loop had already begun may still be running
 * (it can't be waited for without risking a deadlock on the layer's own locks). So to close the
 * descriptor safely (no handler still reading a number that may be reused), use
 * {@link #deregisterAndClose}, which closes on the loop thread after any such call.</li>
 * <li><b>Handlers must not block.</b> A throwing handler or task is logged and the loop goes on.</li>
 * <li><b>Per-event cost.</b> Dispatching an IO event allocates nothing; {@link #execute} allocates
 * nothing unless the 4096-slot task ring is full; register and schedule allocate a little.</li>
 * </ul>
 */
public final class EventLoop {
    /** Linux epoll bits the socket layer asks for. */
    public static final int EPOLLIN = 0x001, EPOLLPRI = 0x002, EPOLLOUT = 0x004, EPOLLERR = 0x008,
            EPOLLHUP = 0x010, EPOLLRDHUP = 0x2000, EPOLLET = 1 << 31;

    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());
    /** Events fetched per epoll_wait. */
    static final int MAX_EVENTS = 256;
    /** Tasks run per loop iteration before IO is polled again, so a task flood can't starve IO. */
    private static final int TASK_BUDGET = 1024;
    /** The eventfd's epoll_data: never a {@link SlotTable} key (keys are > 0). */
    private static final long WAKEUP_DATA = 0;
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();

    private static final int RUNNING = 0, SHUTTING_DOWN = 1, TERMINATED = 2;
    private static final VarHandle WAKEUP_NEEDED;

    static {
        try {
            WAKEUP_NEEDED = MethodHandles.lookup().findVarHandle(EventLoop.class, "wakeupNeeded", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private record Registration(int fd, IoHandler handler) {
    }

    /** A scheduled task. Reaches the heap on the loop thread; its {@link #run} applies add/remove there. */
    private final class Timer extends TimerHeap.Entry implements Runnable {
        static final int PENDING = 0, CANCELLED = 1, FIRED = 2;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Timer.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Runnable task;
        /** Written before the timer is published to the loop (through the task queue). */
        long id;
        /** PENDING → CANCELLED (any thread, {@link #cancel}) or PENDING → FIRED (the loop). */
        volatile int state;

        Timer(Runnable task, long deadline) {
            this.task = task;
            this.deadline = deadline;
        }

        boolean transition(int to) {
            return STATE.compareAndSet(this, PENDING, to);
        }

        /** Queued to the loop by schedule (to insert) and by cancel (to remove). Loop thread. */
        @Override
        public void run() {
            if (state == PENDING && heapIndex < 0) {
                timerHeap.add(this);
            } else if (state == CANCELLED) {
                timerHeap.remove(this);
            }
        }
    }

    private final LoopThread thread;
    private final int epfd;
    private final int wakeFd;
    private final SlotTable<Registration> registrations = new SlotTable<>();
    private final SlotTable<Timer> timers = new SlotTable<>();
    /** Loop thread only. */
    private final TimerHeap timerHeap = new TimerHeap();
    private final TaskQueue tasks = new TaskQueue(4096);
    /**
     * True while the loop is (about to be) blocked in epoll_wait. Set by the loop before it
     * sleeps; the first producer that sees it true clears it (CAS) and writes the eventfd, so a
     * loop that is awake costs producers no syscall and a sleeping loop is woken once.
     */
    private volatile boolean wakeupNeeded;
    private volatile int state = RUNNING;

    /**
     * Creates the loop's epoll set and eventfd and starts its thread. Throws
     * {@link IllegalStateException} if the host refuses the descriptors (EMFILE, ...).
     */
    EventLoop() {
        epfd = LinuxSyscalls.epollCreate();
        if (epfd < 0) {
            throw new IllegalStateException("epoll_create1 failed: errno " + -epfd);
        }
        wakeFd = LinuxSyscalls.eventfd(0, 0);
        if (wakeFd < 0) {
            LinuxSyscalls.close(epfd);
            throw new IllegalStateException("eventfd failed: errno " + -wakeFd);
        }
        int r = LinuxSyscalls.epollCtl(epfd, LinuxNative.EPOLL_CTL_ADD, wakeFd, EPOLLIN | EPOLLET, WAKEUP_DATA);
        if (r < 0) {
            LinuxSyscalls.close(wakeFd);
            LinuxSyscalls.close(epfd);
            throw new IllegalStateException("epoll_ctl(eventfd) failed: errno " + -r);
        }
        thread = new LoopThread(this, "ksock-loop-" + THREAD_IDS.getAndIncrement());
        thread.start();
    }

    // ------------------------------------------------------------------ registrations

    /**
     * Registers {@code fd} (edge-triggered; EPOLLET is added). Thread-safe. Returns a key > 0,
     * or a negated Linux errno. Events for a key that has been deregistered are never delivered,
     * even if the descriptor number is reused.
     */
    public long register(int fd, int events, IoHandler handler) {
        if (handler == null) {
            throw new NullPointerException("handler");
        }
        long key = registrations.add(new Registration(fd, handler));
        int r = LinuxSyscalls.epollCtl(epfd, LinuxNative.EPOLL_CTL_ADD, fd, events | EPOLLET, key);
        if (r < 0) {
            registrations.remove(key);
            return r;
        }
        return key;
    }

    /** Changes the events of a registration; 0 or a negated Linux errno (-ENOENT for a dead key). Thread-safe. */
    public int modify(long key, int events) {
        // Under the table's monitor so that the slot can't be removed and reused for another
        // descriptor between the look-up and epoll_ctl.
        synchronized (registrations) {
            Registration reg = registrations.get(key);
            if (reg == null) {
                return -LinuxNative.ENOENT;
            }
            return LinuxSyscalls.epollCtl(epfd, LinuxNative.EPOLL_CTL_MOD, reg.fd, events | EPOLLET, key);
        }
    }

    /**
     * Removes the registration (before the descriptor is closed). After it returns, no new
     * {@link IoHandler#onIoEvents} call for the key starts; called off the loop thread, one already
     * begun may still be running (see the class comment). Thread-safe; a dead key is ignored.
     */
    public void deregister(long key) {
        synchronized (registrations) {
            Registration reg = registrations.remove(key);
            if (reg != null) {
                // EBADF/ENOENT here mean the caller closed first; the kernel then already dropped it.
                LinuxSyscalls.epollCtl(epfd, LinuxNative.EPOLL_CTL_DEL, reg.fd, MemorySegment.NULL);
            }
        }
    }

    /**
     * Removes the registration without {@code EPOLL_CTL_DEL}, for a descriptor that its owner
     * is about to close and that no other descriptor refers to: the kernel drops an open file
     * from every epoll set when its last descriptor closes, so the explicit removal would be a
     * wasted syscall. Until the close, events the host still queues for the key are ignored, as
     * for any dead key. For a descriptor that may be shared (passed in SCM_RIGHTS, dup'd) use
     * {@link #deregister}: the epoll entry would otherwise outlive our close.
     */
    public void forget(long key) {
        synchronized (registrations) {
            registrations.remove(key);
        }
    }

    /**
     * Deregisters {@code key} and closes {@code fd} once no handler call for it can be running:
     * at once on the loop thread, otherwise from a task on the loop (or at once if the loop has
     * stopped). This is the safe way to release a registered descriptor: a handler still using
     * the number can't meet a new descriptor that reuses it.
     */
    public void deregisterAndClose(long key, int fd) {
        deregister(key);
        if (inEventLoop() || state != RUNNING) {
            LinuxSyscalls.close(fd);
            return;
        }
        try {
            execute(() -> LinuxSyscalls.close(fd));
        } catch (RejectedExecutionException shutDown) {
            LinuxSyscalls.close(fd);
        }
    }

    // ------------------------------------------------------------------ tasks and timers

    /**
     * Runs {@code task} on this loop's thread, soon (after the current callback, if called from
     * the loop). Thread-safe; FIFO per submitting thread. Throws {@link RejectedExecutionException}
     * after the loop has been shut down.
     */
    public void execute(Runnable task) {
        if (task == null) {
            throw new NullPointerException("task");
        }
        if (state != RUNNING) {
            throw new RejectedExecutionException("event loop " + thread.getName() + " is shut down");
        }
        tasks.offer(task);
        wakeUpIfSleeping();
    }

    private void wakeUpIfSleeping() {
        // Dekker pairing with the loop: it sets wakeupNeeded, then checks the queue; we enqueued,
        // then check wakeupNeeded. Volatile accesses can't both miss each other.
        if (wakeupNeeded && !inEventLoop() && WAKEUP_NEEDED.compareAndSet(this, true, false)) {
            LinuxSyscalls.eventfdWrite(wakeFd, 1);
        }
    }

    /** Runs {@code task} on this loop's thread after {@code delayNanos}; returns an id (> 0) for {@link #cancel}. */
    public long schedule(Runnable task, long delayNanos) {
        if (task == null) {
            throw new NullPointerException("task");
        }
        if (state != RUNNING) {
            throw new RejectedExecutionException("event loop " + thread.getName() + " is shut down");
        }
        // Clamp so that deadline arithmetic can't overflow into the past (~146 years max).
        long delay = Math.clamp(delayNanos, 0L, Long.MAX_VALUE >> 1);
        Timer t = new Timer(task, System.nanoTime() + delay);
        t.id = timers.add(t);
        if (inEventLoop()) {
            timerHeap.add(t);
        } else {
            tasks.offer(t);
            wakeUpIfSleeping();
        }
        return t.id;
    }

    /** Cancels a scheduled task if it has not started; true if it will not run. Thread-safe. */
    public boolean cancel(long timerId) {
        Timer t = timers.get(timerId);
        if (t == null || !t.transition(Timer.CANCELLED)) {
            return false;
        }
        timers.remove(timerId);
        if (inEventLoop()) {
            timerHeap.remove(t);
        } else if (state == RUNNING) {
            // Take it out of the heap now rather than at its (maybe distant) deadline.
            tasks.offer(t);
            wakeUpIfSleeping();
        }
        return true;
    }

    /** True when called on this loop's own thread. */
    public boolean inEventLoop() {
        return Thread.currentThread() == thread;
    }

    /** True when called on any ksock event-loop thread. */
    public static boolean onAnyEventLoop() {
        return Thread.currentThread() instanceof LoopThread;
    }

    /** The loop thread's name ({@code ksock-loop-N}). */
    public String name() {
        return thread.getName();
    }

    // ------------------------------------------------------------------ shutdown

    /** Asks the loop to stop; tasks already queued still run. Idempotent. */
    void shutdown() {
        if (state == RUNNING) {
            state = SHUTTING_DOWN;
            LinuxSyscalls.eventfdWrite(wakeFd, 1);
        }
    }

    /** Waits for the loop thread to finish; true if it did. */
    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        thread.join(Math.max(1, unit.toMillis(timeout)));
        return !thread.isAlive();
    }

    boolean isTerminated() {
        return state == TERMINATED;
    }

    // ------------------------------------------------------------------ the loop

    private void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment events = arena.allocate(LinuxStructs.EPOLL_EVENT, MAX_EVENTS);
            while (state == RUNNING) {
                int timeout = nextTimeoutMillis();
                if (timeout != 0) {
                    wakeupNeeded = true;
                    if (!tasks.isEmpty()) {
                        timeout = 0;
                    }
                }
                int n = LinuxSyscalls.epollWait(epfd, events, MAX_EVENTS, timeout);
                wakeupNeeded = false;
                if (n > 0) {
                    dispatch(events, n);
                } else if (n < 0) {
                    // Only EBADF/EFAULT/EINVAL are possible: the epoll set itself is broken.
                    LOG.log(System.Logger.Level.ERROR, "{0}: epoll_wait failed, errno {1}; loop stops",
                            thread.getName(), -n);
                    break;
                }
                runExpiredTimers();
                runTasks(TASK_BUDGET);
            }
        } finally {
            state = TERMINATED;
            // Queued tasks may be closes of descriptors: run what is left rather than leak it.
            runTasks(Integer.MAX_VALUE);
            LinuxSyscalls.close(wakeFd);
            LinuxSyscalls.close(epfd);
        }
    }

    /** epoll_wait timeout: 0 if work is queued, -1 if nothing is scheduled, else until the next deadline. */
    private int nextTimeoutMillis() {
        if (!tasks.isEmpty()) {
            return 0;
        }
        TimerHeap.Entry next = timerHeap.peek();
        if (next == null) {
            return -1;
        }
        long left = next.deadline() - System.nanoTime();
        if (left <= 0) {
            return 0;
        }
        // Round up: waking before the deadline would only spin.
        return (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
    }

    /** Allocation-free: reads the reused native event array, looks keys up lock-free. */
    private void dispatch(MemorySegment events, int n) {
        for (int i = 0; i < n; i++) {
            long data = LinuxStructs.epollData(events, i);
            if (data == WAKEUP_DATA) {
                LinuxSyscalls.eventfdRead(wakeFd);
                continue;
            }
            // Null for a key deregistered since the event was queued, even earlier in this batch.
            Registration reg = registrations.get(data);
            if (reg == null) {
                continue;
            }
            try {
                reg.handler.onIoEvents(LinuxStructs.epollEvents(events, i));
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, thread.getName() + ": IoHandler threw; loop continues", t);
            }
        }
    }

    private void runExpiredTimers() {
        long now = System.nanoTime();
        TimerHeap.Entry e;
        while ((e = timerHeap.peek()) != null && e.deadline() - now <= 0) {
            timerHeap.poll();
            Timer t = (Timer) e;
            if (t.transition(Timer.FIRED)) {
                timers.remove(t.id);
                try {
                    t.task.run();
                } catch (Throwable ex) {
                    LOG.log(System.Logger.Level.WARNING, thread.getName() + ": timer task threw; loop continues", ex);
                }
            }
        }
    }

    private void runTasks(int budget) {
        for (int i = 0; i < budget; i++) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            try {
                task.run();
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, thread.getName() + ": task threw; loop continues", t);
            }
        }
    }

    /** The loop's thread; its type is how {@link #onAnyEventLoop} recognises loop threads. */
    private static final class LoopThread extends Thread {
        LoopThread(EventLoop loop, String name) {
            super(null, loop::run, name, 0, false);
            setDaemon(true);
        }
    }
}
