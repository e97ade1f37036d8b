package dev.ksock.internal.mbuf;

import dev.ksock.KpiMbuf;

/**
 * The four kinds of native block the pool hands out, as in XNU's mbuf allocator: small mbufs
 * ({@code MSIZE}, data stored inside) and 2 KiB / 4 KiB / 16 KiB clusters.
 *
 * <p>Each class is carved from its own slabs ({@link #slabBytes}) so a block never straddles
 * two classes, and each thread caches at most {@link #cacheCapacity} free blocks of it: the
 * bound keeps the memory a thread can strand small (≈ 2 MiB over all classes).
 */
public enum SizeClass {
    MBUF(KpiMbuf.MSIZE, 64 * 1024, 512),
    CLUSTER(KpiMbuf.MCLBYTES, 256 * 1024, 256),
    BIGCLUSTER(KpiMbuf.MBIGCLBYTES, 256 * 1024, 128),
    JUMBO(KpiMbuf.M16KCLBYTES, 1024 * 1024, 64);

    /** Block size in bytes. */
    public final int size;
    /** Bytes of native memory reserved at once when the class runs dry. */
    final int slabBytes;
    /** Free blocks one thread may keep; half of it moves to or from the depot at once. */
    final int cacheCapacity;

    SizeClass(int size, int slabBytes, int cacheCapacity) {
        this.size = size;
        this.slabBytes = slabBytes;
        this.cacheCapacity = cacheCapacity;
    }

    /** The cluster class of exactly {@code bytes}, or null (what mbuf_getcluster accepts). */
    public static SizeClass clusterOfSize(long bytes) {
        if (bytes == KpiMbuf.MCLBYTES) {
            return CLUSTER;
        }
        if (bytes == KpiMbuf.MBIGCLBYTES) {
            return BIGCLUSTER;
        }
        if (bytes == KpiMbuf.M16KCLBYTES) {
            return JUMBO;
        }
        return null;
    }

    /** The smallest cluster class holding {@code bytes}, or null if none does. */
    public static SizeClass clusterFitting(long bytes) {
        if (bytes <= KpiMbuf.MCLBYTES) {
            return CLUSTER;
        }
        if (bytes <= KpiMbuf.MBIGCLBYTES) {
            return BIGCLUSTER;
        }
        if (bytes <= KpiMbuf.M16KCLBYTES) {
            return JUMBO;
        }
        return null;
    }
}
