package dev.ksock;

import dev.ksock.internal.mbuf.MbufAccess;
import dev.ksock.internal.mbuf.MbufCell;

/**
 * {@code mbuf_t}: one buffer of an mbuf chain, over pooled native memory. Opaque: use the
 * functions of {@link KpiMbuf}.
 *
 * <p>As in the kernel, an mbuf belongs to whoever holds it and is not thread-safe; hand it to
 * another thread only through something that orders memory (a lock, a queue). After
 * {@code mbuf_free} the handle must not be used: the pool recycles handles, so a stale handle may
 * later name somebody else's mbuf. Run with {@code -Dksock.mbuf.debug=true} to make every such
 * use fail with {@code EINVAL} instead.
 */
public final class Mbuf {
    static {
        MbufAccess.register(new MbufAccess() {
            @Override
            public Mbuf newHandle(MbufCell cell) {
                return new Mbuf(cell);
            }

            @Override
            public MbufCell cell(Mbuf m) {
                return m.cell;
            }
        });
    }

    /** Immutable: the state behind this handle. */
    private final MbufCell cell;

    private Mbuf(MbufCell cell) {
        this.cell = cell;
    }

    /** The cell, for {@link KpiMbuf}. */
    MbufCell cell() {
        return cell;
    }

    @Override
    public String toString() {
        return cell.toString();
    }
}
