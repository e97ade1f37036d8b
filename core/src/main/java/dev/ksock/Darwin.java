package dev.ksock;

/**
 * Every Darwin constant of the socket KPI in one place, for {@code import static
 * dev.ksock.Darwin.*}. Each name is declared in exactly one of the header interfaces, so the
 * static import is never ambiguous. The {@code MBUF_*} constants are in {@link KpiMbuf}.
 */
public interface Darwin extends SysErrno, SysSocket, NetinetIn, Netinet6In6, NetinetTcp,
        SysFilio, SysSockio, SysUn, SysKpiSocket, SysKpiSocketFilter {
}
