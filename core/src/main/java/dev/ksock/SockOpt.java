package dev.ksock;

import java.lang.foreign.MemorySegment;

/**
 * {@code sockopt_t}: the option a {@code sock_setsockopt} or {@code sock_getsockopt} call is
 * about, as a socket filter's {@code sf_setoption}/{@code sf_getoption} sees it. Opaque: read it
 * with {@link KpiSocketFilter#sockopt_direction}, {@code sockopt_level}, {@code sockopt_name},
 * {@code sockopt_valsize}, and move the value with {@code sockopt_copyin}/{@code sockopt_copyout}.
 * Valid only during the callback it is given to.
 */
public final class SockOpt {
    final int dir;
    final int level;
    final int name;
    /** The caller's value buffer (sopt_val). */
    final MemorySegment val;
    /** sopt_valsize: the value's size for a set; the buffer's size, then the answer's, for a get. */
    long valsize;

    SockOpt(int dir, int level, int name, MemorySegment val, long valsize) {
        this.dir = dir;
        this.level = level;
        this.name = name;
        this.val = val;
        this.valsize = valsize;
    }

    @Override
    public String toString() {
        return "SockOpt[" + (dir == SysKpiSocketFilter.sockopt_get ? "get" : "set") + " level=0x"
                + Integer.toHexString(level) + " name=0x" + Integer.toHexString(name) + " valsize=" + valsize + "]";
    }
}
