package dev.ksock.internal.mbuf;

import dev.ksock.Mbuf;

/**
 * The bridge between the public {@link Mbuf} handle and its internal {@link MbufCell}, in the
 * manner of the JDK's {@code SharedSecrets}: {@code Mbuf}'s static initializer registers the only
 * implementation, so {@code Mbuf} needs no public constructor or accessor and this package stays
 * unexported.
 */
public interface MbufAccess {
    /** A new handle for {@code cell}. */
    Mbuf newHandle(MbufCell cell);

    /** The cell behind {@code m} (never null for a non-null handle). */
    MbufCell cell(Mbuf m);

    /** Called once, by {@code Mbuf}'s static initializer. */
    static void register(MbufAccess access) {
        if (Holder.access != null) {
            throw new IllegalStateException("MbufAccess already registered");
        }
        Holder.access = access;
    }

    /** The registered bridge; initializes {@code Mbuf} if nobody has yet. */
    static MbufAccess get() {
        MbufAccess a = Holder.access;
        if (a == null) {
            try {
                Class.forName(Mbuf.class.getName(), true, Mbuf.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e);
            }
            a = Holder.access;
        }
        return a;
    }

    /** Written once during {@code Mbuf}'s class initialization, read by any thread after. */
    final class Holder {
        private static volatile MbufAccess access;

        private Holder() {
        }
    }
}
