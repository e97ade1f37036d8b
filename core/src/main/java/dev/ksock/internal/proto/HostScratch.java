package dev.ksock.internal.proto;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Per-thread native scratch memory for building the host's structs (sockaddr, msghdr, iovec
 * arrays, option values) without allocating per call. A KPI call uses its thread's scratch
 * from entry to return and never hands it to another thread.
 *
 * <p>Virtual threads each get their own (a ThreadLocal); the large bounce buffer that heap
 * segments need is allocated only on first use.
 */
final class HostScratch {
    /** IOV_MAX on Linux: the most iovecs one sendmsg/recvmsg takes. */
    static final int IOV_MAX = 1024;
    static final int IOVEC_SIZE = 16;
    /** Bytes of heap data one syscall moves through the bounce buffer. */
    static final int BOUNCE_SIZE = 128 * 1024;

    // Linux x86_64 struct msghdr (56 bytes): the only offsets of it in this package.
    static final long MSG_NAME = 0, MSG_NAMELEN = 8, MSG_IOV = 16, MSG_IOVLEN = 24,
            MSG_CONTROL = 32, MSG_CONTROLLEN = 40, MSG_FLAGS = 48, MSGHDR_SIZE = 56;

    private static final ThreadLocal<HostScratch> PER_THREAD = ThreadLocal.withInitial(HostScratch::new);

    private final Arena arena = Arena.ofAuto();
    /** A Linux sockaddr_storage. */
    final MemorySegment addr = arena.allocate(128, 8);
    /** A second one (accept's peer while addr holds something else). */
    final MemorySegment addr2 = arena.allocate(128, 8);
    /** socklen_t / int in-out slot. */
    final MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
    /** Option values: the largest Linux option we pass is well under 256 bytes. */
    final MemorySegment opt = arena.allocate(256, 8);
    /** A Darwin struct built for copy-out while {@link #opt} holds the host's (TCP_CONNECTION_INFO). */
    final MemorySegment darwinOpt = arena.allocate(128, 8);
    final MemorySegment msghdr = arena.allocate(MSGHDR_SIZE, 8);
    final MemorySegment iov = arena.allocate((long) IOV_MAX * IOVEC_SIZE, 8);
    private MemorySegment bounce;
    /** Out-parameter for the chain a receive allocates (reused: no Ref per receive). */
    final dev.ksock.Ref<dev.ksock.Mbuf> chain = new dev.ksock.Ref<>();

    static HostScratch get() {
        return PER_THREAD.get();
    }

    MemorySegment bounce() {
        MemorySegment b = bounce;
        if (b == null) {
            b = bounce = arena.allocate(BOUNCE_SIZE, 16);
        }
        return b;
    }

    /** Fills the msghdr: name (NULL if nameLen is 0), iov[0..iovCount), no control. */
    void msghdr(MemorySegment name, int nameLen, int iovCount) {
        MemorySegment m = msghdr;
        m.set(ValueLayout.JAVA_LONG, MSG_NAME, nameLen == 0 ? 0L : name.address());
        m.set(ValueLayout.JAVA_INT, MSG_NAMELEN, nameLen);
        m.set(ValueLayout.JAVA_LONG, MSG_IOV, iov.address());
        m.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, iovCount);
        m.set(ValueLayout.JAVA_LONG, MSG_CONTROL, 0L);
        m.set(ValueLayout.JAVA_LONG, MSG_CONTROLLEN, 0L);
        m.set(ValueLayout.JAVA_INT, MSG_FLAGS, 0);
    }

    /** Set by {@link #iovecs}: some of the iovecs point into the bounce buffer. */
    boolean usedBounce;

    /**
     * Builds the host iovec array for {@code iov[0..iovlen)} starting {@code skip} bytes in:
     * native segments are pointed at directly; heap segments get a stretch of the bounce buffer
     * (their bytes copied in when {@code copyIn}, for a send). Stops at IOV_MAX entries or when
     * the bounce buffer is full. Returns the number of iovecs; {@link #usedBounce} tells whether
     * the bounce buffer is involved.
     */
    int iovecs(MemorySegment[] iov, int iovlen, long skip, boolean copyIn) {
        int count = 0;
        long bounceUsed = 0;
        long toSkip = skip;
        usedBounce = false;
        for (int i = 0; i < iovlen && count < IOV_MAX; i++) {
            MemorySegment seg = iov[i];
            long size = seg.byteSize();
            if (toSkip >= size) {
                toSkip -= size;
                continue;
            }
            long off = toSkip;
            toSkip = 0;
            long len = size - off;
            if (seg.isNative()) {
                iovec(count++, seg.address() + off, len);
                continue;
            }
            MemorySegment b = bounce();
            usedBounce = true;
            long take = Math.min(BOUNCE_SIZE - bounceUsed, len);
            if (take == 0) {
                break;
            }
            if (copyIn) {
                MemorySegment.copy(seg, off, b, bounceUsed, take);
            }
            iovec(count++, b.address() + bounceUsed, take);
            bounceUsed += take;
            if (take < len) {
                break;
            }
        }
        return count;
    }

    /**
     * After a receive through {@link #iovecs} (with {@code copyIn} false) moved {@code received}
     * bytes: copies what landed in the bounce buffer into the heap segments it stands for.
     */
    void copyBounceOut(MemorySegment[] iov, int iovlen, long skip, int count, long received) {
        MemorySegment b = bounce();
        long left = received;
        long toSkip = skip;
        long bounceOff = 0;
        int used = 0;
        for (int i = 0; i < iovlen && used < count && left > 0; i++) {
            MemorySegment seg = iov[i];
            long size = seg.byteSize();
            if (toSkip >= size) {
                toSkip -= size;
                continue;
            }
            long off = toSkip;
            toSkip = 0;
            long iovLen = this.iov.get(ValueLayout.JAVA_LONG, (long) used * IOVEC_SIZE + 8);
            long take = Math.min(iovLen, left);
            if (!seg.isNative()) {
                MemorySegment.copy(b, bounceOff, seg, off, take);
                bounceOff += iovLen;
            }
            left -= take;
            used++;
        }
    }

    void iovec(int i, long base, long length) {
        iov.set(ValueLayout.JAVA_LONG, (long) i * IOVEC_SIZE, base);
        iov.set(ValueLayout.JAVA_LONG, (long) i * IOVEC_SIZE + 8, length);
    }

    int msgNameLen() {
        return msghdr.get(ValueLayout.JAVA_INT, MSG_NAMELEN);
    }

    int msgFlags() {
        return msghdr.get(ValueLayout.JAVA_INT, MSG_FLAGS);
    }
}
