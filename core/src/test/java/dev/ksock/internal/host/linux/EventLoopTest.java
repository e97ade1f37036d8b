package dev.ksock.internal.host.linux;

import static dev.ksock.internal.host.linux.LinuxSyscallsTest.Net.AF_UNIX;
import static dev.ksock.internal.host.linux.LinuxSyscallsTest.Net.SOCK_STREAM;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EventLoopTest {
    private final Arena arena = Arena.ofShared();
    private final List<Integer> fds = new ArrayList<>();
    private EventLoopGroup group;
    private EventLoop loop;

    @BeforeEach
    void start() {
        group = new EventLoopGroup(1);
        loop = group.next();
    }

    @AfterEach
    void stop() {
        group.close();
        for (int fd : fds) {
            LinuxSyscalls.close(fd);
        }
        arena.close();
    }

    /** A connected non-blocking AF_UNIX stream pair; closed after the test unless closed before. */
    private int[] pair() {
        MemorySegment sv = arena.allocate(JAVA_INT, 2);
        assertThat(LinuxSyscalls.socketpair(AF_UNIX, SOCK_STREAM, 0, sv)).isZero();
        int[] p = {sv.getAtIndex(JAVA_INT, 0), sv.getAtIndex(JAVA_INT, 1)};
        fds.add(p[0]);
        fds.add(p[1]);
        return p;
    }

    private void closeNow(int fd) {
        fds.remove(Integer.valueOf(fd));
        assertThat(LinuxSyscalls.close(fd)).isZero();
    }

    private void write1(int fd) {
        assertThat(LinuxSyscalls.send(fd, MemorySegment.ofArray(new byte[] {1}), LinuxNative.MSG_NOSIGNAL)).isEqualTo(1);
    }

    /** Runs {@code r} on the loop and waits for it. */
    private void onLoop(Runnable r) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> {
            try {
                r.run();
            } finally {
                done.countDown();
            }
        });
        assertThat(done.await(5, TimeUnit.SECONDS)).as("loop ran the task").isTrue();
    }

    @Test
    void readinessIsDeliveredEdgeTriggeredOnTheLoopThread() throws Exception {
        int[] p = pair();
        BlockingQueue<Integer> events = new LinkedBlockingQueue<>();
        AtomicReference<Thread> handlerThread = new AtomicReference<>();
        long key = loop.register(p[0], EventLoop.EPOLLIN | EventLoop.EPOLLRDHUP, ev -> {
            handlerThread.set(Thread.currentThread());
            events.add(ev); // deliberately does not read: edge-triggered means no repeat
        });
        assertThat(key).isPositive();

        write1(p[1]);
        Integer ev = events.poll(5, TimeUnit.SECONDS);
        assertThat(ev).as("EPOLLIN after the peer wrote").isNotNull();
        assertThat(ev & EventLoop.EPOLLIN).isNotZero();
        assertThat(handlerThread.get().getName()).startsWith("ksock-loop-");
        assertThat(events.poll(200, TimeUnit.MILLISECONDS))
                .as("edge-triggered: unread data does not raise the event again").isNull();

        write1(p[1]);
        assertThat(events.poll(5, TimeUnit.SECONDS)).as("new data is a new edge").isNotNull();

        assertThat(loop.modify(key, EventLoop.EPOLLIN | EventLoop.EPOLLOUT)).isZero();
        Integer out = events.poll(5, TimeUnit.SECONDS);
        assertThat(out).as("adding EPOLLOUT to a writable socket reports it").isNotNull();
        assertThat(out & EventLoop.EPOLLOUT).isNotZero();

        closeNow(p[1]);
        Integer hup = events.poll(5, TimeUnit.SECONDS);
        assertThat(hup).isNotNull();
        assertThat(hup & (EventLoop.EPOLLRDHUP | EventLoop.EPOLLHUP)).as("peer close is reported").isNotZero();

        loop.deregister(key);
        assertThat(loop.modify(key, EventLoop.EPOLLIN)).as("a dead key").isEqualTo(-LinuxNative.ENOENT);
    }

    @Test
    void registerReportsHostErrors() {
        int[] p = pair();
        long key = loop.register(p[0], EventLoop.EPOLLIN, ev -> { });
        assertThat(loop.register(p[0], EventLoop.EPOLLIN, ev -> { })).as("same fd twice").isEqualTo(-LinuxNative.EEXIST);
        assertThat(loop.register(-1, EventLoop.EPOLLIN, ev -> { })).isEqualTo(-LinuxNative.EBADF);
        loop.deregister(key);
    }

    @Test
    void deregisteredKeyNeverReachesTheHandlerOfAReusedDescriptorNumber() throws Exception {
        int[] p = pair();
        AtomicInteger oldCalls = new AtomicInteger();
        long oldKey = loop.register(p[0], EventLoop.EPOLLIN, ev -> oldCalls.incrementAndGet());
        loop.deregister(oldKey);
        closeNow(p[0]);
        closeNow(p[1]);

        int[] q = pair();
        assertThat(q[0]).as("Linux hands out the lowest free number: the old one is reused").isEqualTo(p[0]);
        BlockingQueue<Integer> newEvents = new LinkedBlockingQueue<>();
        long newKey = loop.register(q[0], EventLoop.EPOLLIN, newEvents::add);
        assertThat(newKey).as("same slot, new generation: a different key").isNotEqualTo(oldKey);
        write1(q[1]);
        assertThat(newEvents.poll(5, TimeUnit.SECONDS)).isNotNull();
        onLoop(() -> { });
        assertThat(oldCalls).as("the old handler never hears about the new descriptor").hasValue(0);
        loop.deregister(newKey);
    }

    /**
     * The hard case: events for two registrations arrive in one epoll_wait batch; the first
     * handler deregisters the second, closes its descriptor and registers a new descriptor (same
     * number, same slot). The second event of the batch still carries the old key: it must be
     * dropped, neither delivered to the old handler nor to the new one.
     */
    @Test
    void eventAlreadyInTheBatchIsDroppedAfterDeregistrationOnTheLoop() throws Exception {
        int[] x = pair(), y = pair();
        long[] keys = new long[2];
        int[][] pairs = {x, y};
        AtomicInteger firstCalls = new AtomicInteger(), staleCalls = new AtomicInteger(), newCalls = new AtomicInteger();
        AtomicInteger reusedNumber = new AtomicInteger(-1);
        for (int i = 0; i < 2; i++) {
            int other = 1 - i;
            keys[i] = loop.register(pairs[i][0], EventLoop.EPOLLIN, ev -> {
                if (firstCalls.getAndIncrement() > 0) {
                    staleCalls.incrementAndGet(); // the other handler ran after being deregistered
                    return;
                }
                loop.deregister(keys[other]);
                closeNow(pairs[other][0]);
                int[] fresh = pair();
                reusedNumber.set(fresh[0] == pairs[other][0] ? fresh[0] : -1);
                loop.register(fresh[0], EventLoop.EPOLLIN, e2 -> newCalls.incrementAndGet());
            });
        }
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
            try {
                release.await(); // hold the loop so both events land in one batch
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        write1(x[1]);
        write1(y[1]);
        release.countDown();
        onLoop(() -> { });
        onLoop(() -> { });
        assertThat(firstCalls).as("exactly one of the two handlers ran").hasValue(1);
        assertThat(staleCalls).as("the deregistered handler never ran").hasValue(0);
        assertThat(newCalls).as("an event for the old key never reaches the slot's new owner").hasValue(0);
        assertThat(reusedNumber.get()).as("the test really reused the descriptor number").isNotNegative();
    }

    @Test
    void throwingHandlerAndTaskDoNotKillTheLoop() throws Exception {
        int[] p = pair();
        CountDownLatch thrown = new CountDownLatch(1);
        long key = loop.register(p[0], EventLoop.EPOLLIN, ev -> {
            thrown.countDown();
            throw new IllegalStateException("handler failure (expected by the test)");
        });
        write1(p[1]);
        assertThat(thrown.await(5, TimeUnit.SECONDS)).isTrue();
        loop.execute(() -> {
            throw new IllegalStateException("task failure (expected by the test)");
        });
        AtomicReference<String> ranOn = new AtomicReference<>();
        onLoop(() -> ranOn.set(Thread.currentThread().getName()));
        assertThat(ranOn.get()).as("the same loop keeps running tasks").isEqualTo(loop.name());
        BlockingQueue<Integer> later = new LinkedBlockingQueue<>();
        loop.deregister(key);
        int[] q = pair();
        loop.register(q[0], EventLoop.EPOLLIN, later::add);
        write1(q[1]);
        assertThat(later.poll(5, TimeUnit.SECONDS)).as("and keeps dispatching IO").isNotNull();
    }

    @Test
    void tasksFromTwoThreadsAllRunInPerThreadOrderOnTheLoop() throws Exception {
        int perThread = 10_000;
        List<Long> seen = new ArrayList<>(); // loop thread only
        AtomicInteger offLoop = new AtomicInteger();
        Runnable[] producers = new Runnable[2];
        for (int t = 0; t < 2; t++) {
            long id = t;
            producers[t] = () -> {
                for (int i = 0; i < perThread; i++) {
                    long tag = id << 32 | i;
                    loop.execute(() -> {
                        if (!loop.inEventLoop() || !EventLoop.onAnyEventLoop()) {
                            offLoop.incrementAndGet();
                        }
                        seen.add(tag);
                    });
                }
            };
        }
        Thread a = Thread.ofPlatform().start(producers[0]);
        Thread b = Thread.ofVirtual().start(producers[1]);
        a.join();
        b.join();
        List<Long> copy = new ArrayList<>();
        onLoop(() -> copy.addAll(seen));
        assertThat(copy).as("every execute() ran exactly once").hasSize(2 * perThread);
        assertThat(offLoop).hasValue(0);
        int[] next = new int[2];
        for (long tag : copy) {
            int producer = (int) (tag >>> 32), seq = (int) tag;
            assertThat(seq).as("tasks of producer %d run in submission order", producer).isEqualTo(next[producer]);
            next[producer]++;
        }
        assertThat(loop.inEventLoop()).isFalse();
        assertThat(EventLoop.onAnyEventLoop()).isFalse();
    }

    @Test
    void tasksSubmittedFromTheLoopRunAfterTheCurrentOneInOrder() throws Exception {
        List<Integer> order = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> {
            for (int i = 0; i < 5000; i++) { // more than the ring holds: exercises the overflow path
                int n = i;
                loop.execute(() -> order.add(n));
            }
            order.add(-1);
            loop.execute(done::countDown);
        });
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        List<Integer> copy = new ArrayList<>();
        onLoop(() -> copy.addAll(order));
        assertThat(copy.getFirst()).as("not re-entrant: the submitting task finishes first").isEqualTo(-1);
        assertThat(copy.subList(1, copy.size())).isSorted().hasSize(5000);
    }

    @Test
    void timersFireInDeadlineOrderNotEarlyAndCancelWorks() throws Exception {
        List<Integer> fired = new ArrayList<>(); // loop thread only
        AtomicInteger early = new AtomicInteger();
        long ms = 1_000_000L;
        int[] delays = {50, 10, 30, 20, 40};
        long[] ids = new long[delays.length];
        long start = System.nanoTime();
        for (int i = 0; i < delays.length; i++) {
            int d = delays[i];
            ids[i] = loop.schedule(() -> {
                if (System.nanoTime() - start < d * ms) {
                    early.incrementAndGet();
                }
                fired.add(d);
            }, d * ms);
        }
        assertThat(loop.cancel(ids[2])).as("cancel a pending timer").isTrue();
        assertThat(loop.cancel(ids[2])).as("cancel twice").isFalse();
        CountDownLatch last = new CountDownLatch(1);
        loop.schedule(last::countDown, 80 * ms);
        assertThat(last.await(5, TimeUnit.SECONDS)).isTrue();
        List<Integer> copy = new ArrayList<>();
        onLoop(() -> copy.addAll(fired));
        assertThat(copy).as("deadline order, the cancelled 30 ms timer absent").containsExactly(10, 20, 40, 50);
        assertThat(early).as("no timer fires before its deadline").hasValue(0);
        assertThat(loop.cancel(ids[0])).as("cancel after it ran").isFalse();
    }

    @Test
    void timersWithEqualDeadlinesAndOnLoopCancel() throws Exception {
        List<Integer> fired = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger cancelResult = new AtomicInteger(-1);
        onLoop(() -> {
            long id = 0;
            for (int i = 0; i < 10; i++) {
                int n = i;
                long t = loop.schedule(() -> fired.add(n), 20_000_000L);
                if (i == 3) {
                    id = t;
                }
            }
            cancelResult.set(loop.cancel(id) ? 1 : 0);
            loop.schedule(done::countDown, 40_000_000L);
        });
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        List<Integer> copy = new ArrayList<>();
        onLoop(() -> copy.addAll(fired));
        assertThat(cancelResult).hasValue(1);
        assertThat(copy).containsExactly(0, 1, 2, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void farTimerCancelledFromAnotherThreadLeavesTheHeap() throws Exception {
        long id = loop.schedule(() -> { }, TimeUnit.HOURS.toNanos(1));
        assertThat(loop.cancel(id)).isTrue();
        AtomicReference<Boolean> ranLater = new AtomicReference<>(false);
        CountDownLatch fired = new CountDownLatch(1);
        loop.schedule(() -> {
            ranLater.set(true);
            fired.countDown();
        }, 10_000_000L);
        assertThat(fired.await(5, TimeUnit.SECONDS))
                .as("a cancelled far timer does not stop a nearer one from firing").isTrue();
        assertThat(ranLater.get()).isTrue();
    }

    @Test
    void deregisterAndCloseFromAnotherThreadClosesOnTheLoop() throws Exception {
        int[] p = pair();
        long key = loop.register(p[0], EventLoop.EPOLLIN, ev -> { });
        fds.remove(Integer.valueOf(p[0]));
        loop.deregisterAndClose(key, p[0]);
        onLoop(() -> { });
        MemorySegment buf = arena.allocate(1);
        assertThat(LinuxSyscalls.poll(p[1], LinuxNative.POLLIN, 5000) & LinuxNative.POLLIN).isNotZero();
        assertThat(LinuxSyscalls.recv(p[1], buf, 0)).as("peer sees EOF: the descriptor was closed").isZero();
    }

    @Test
    void groupIsRoundRobinAndSharedHonoursDefaults() {
        try (EventLoopGroup g = new EventLoopGroup(3)) {
            EventLoop a = g.next(), b = g.next(), c = g.next();
            assertThat(List.of(a, b, c)).doesNotHaveDuplicates();
            assertThat(g.next()).isSameAs(a);
        }
        EventLoopGroup shared = EventLoopGroup.shared();
        assertThat(shared).isSameAs(EventLoopGroup.shared());
        assertThat(shared.size()).isBetween(1, Math.max(2, Integer.getInteger("ksock.loops", 2)));
        String old = System.getProperty("ksock.loops");
        try {
            System.setProperty("ksock.loops", "5");
            assertThat(EventLoopGroup.configuredLoops()).isEqualTo(5);
            System.setProperty("ksock.loops", "zero");
            assertThat(EventLoopGroup.configuredLoops()).isEqualTo(Math.min(2, Runtime.getRuntime().availableProcessors()));
        } finally {
            if (old == null) {
                System.clearProperty("ksock.loops");
            } else {
                System.setProperty("ksock.loops", old);
            }
        }
    }

    @Test
    void closedGroupStopsItsThreadsAndRejectsWork() {
        EventLoopGroup g = new EventLoopGroup(1);
        EventLoop l = g.next();
        g.close();
        assertThat(l.isTerminated()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> l.execute(() -> { }))
                .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    }
}
