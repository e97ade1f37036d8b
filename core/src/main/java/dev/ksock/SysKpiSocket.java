package dev.ksock;

/**
 * The event values of {@code <sys/kpi_socket.h>} ({@code SOCKEV_*}) and the
 * {@code SO_FILT_HINT_*} bits of {@code <sys/socketvar.h>} they are defined as, with XNU's values.
 * {@link KpiSocket#sock_catchevents} takes a mask of these and its {@link SockEvUpcall} receives
 * them.
 */
public interface SysKpiSocket {
    int SO_FILT_HINT_LOCKED = 0x00000001;
    int SO_FILT_HINT_CONNRESET = 0x00000002;
    int SO_FILT_HINT_CANTRCVMORE = 0x00000004;
    int SO_FILT_HINT_CANTSENDMORE = 0x00000008;
    int SO_FILT_HINT_TIMEOUT = 0x00000010;
    int SO_FILT_HINT_NOSRCADDR = 0x00000020;
    int SO_FILT_HINT_IFDENIED = 0x00000040;
    int SO_FILT_HINT_SUSPEND = 0x00000080;
    int SO_FILT_HINT_RESUME = 0x00000100;
    int SO_FILT_HINT_KEEPALIVE = 0x00000200;
    int SO_FILT_HINT_ADAPTIVE_WTIMO = 0x00000400;
    int SO_FILT_HINT_ADAPTIVE_RTIMO = 0x00000800;
    int SO_FILT_HINT_CONNECTED = 0x00001000;
    int SO_FILT_HINT_DISCONNECTED = 0x00002000;
    int SO_FILT_HINT_CONNINFO_UPDATED = 0x00004000;
    int SO_FILT_HINT_MPFAILOVER = 0x00008000;
    int SO_FILT_HINT_MPSTATUS = 0x00010000;
    int SO_FILT_HINT_MUSTRST = 0x00020000;
    int SO_FILT_HINT_MPCANTRCVMORE = 0x00040000;
    int SO_FILT_HINT_NOTIFY_ACK = 0x00080000;
    int SO_FILT_HINT_MP_SUB_ERROR = 0x00100000;

    /** kpi_socket.h: the socket became connected. */
    int SOCKEV_CONNECTED = SO_FILT_HINT_CONNECTED;
    /** kpi_socket.h: the socket became disconnected. */
    int SOCKEV_DISCONNECTED = SO_FILT_HINT_DISCONNECTED;
}
