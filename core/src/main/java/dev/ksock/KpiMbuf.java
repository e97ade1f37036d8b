package dev.ksock;

/** STUB — to be written by the mbuf work. The functions of {@code kpi_mbuf.h}. */
public final class KpiMbuf {
    private KpiMbuf() {
    }

    public static final int MBUF_WAITOK = 0;
    public static final int MBUF_DONTWAIT = 1;
}
