package dev.ksock.internal.socket;

import static dev.ksock.SysErrno.*;

/**
 * The domain and protocol tables ({@code struct domain} / {@code protosw} lookup of BSD's
 * {@code socreate}): which (family, type, protocol) triples exist and which protocol switch
 * serves them. Protocols register themselves at class-init time of the layer's entry point.
 */
public final class Domains {
    private Domains() {
    }

    /** One protosw entry: (domain, type, protocol number) and the switch that serves it. */
    public record Entry(int domain, int type, int protocol, ProtoSw proto) {
    }

    private static volatile Entry[] entries = new Entry[0];

    public static synchronized void add(Entry e) {
        Entry[] old = entries;
        Entry[] n = java.util.Arrays.copyOf(old, old.length + 1);
        n[old.length] = e;
        entries = n;
    }

    /**
     * socreate's lookup, with XNU's errors: an unknown domain is EAFNOSUPPORT; a protocol that
     * exists in the domain under another type is EPROTOTYPE; anything else unknown is
     * EPROTONOSUPPORT. {@code protocol == 0} picks the domain's default for the type.
     * Returns the entry, or null with the errno in {@code err[0]}.
     */
    public static Entry find(int domain, int type, int protocol, int[] err) {
        boolean domainKnown = false;
        boolean protoOtherType = false;
        for (Entry e : entries) {
            if (e.domain != domain) {
                continue;
            }
            domainKnown = true;
            if (e.type == type && (protocol == 0 || e.protocol == protocol)) {
                return e;
            }
            if (protocol != 0 && e.protocol == protocol) {
                protoOtherType = true;
            }
        }
        err[0] = !domainKnown ? EAFNOSUPPORT : protoOtherType ? EPROTOTYPE : EPROTONOSUPPORT;
        return null;
    }
}
