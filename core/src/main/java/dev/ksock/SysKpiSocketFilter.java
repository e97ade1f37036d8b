package dev.ksock;

/**
 * The constants of {@code <sys/kpi_socketfilter.h>}, with XNU's values: filter flags, the events
 * {@code sf_notify} receives, the data-callback flags and the option directions.
 */
public interface SysKpiSocketFilter {
    // sflt_filter.sf_flags
    /** The filter attaches itself to every new socket of its domain, type and protocol. */
    int SFLT_GLOBAL = 0x01;
    /** The filter attaches only where {@code sflt_attach} asks for it. */
    int SFLT_PROG = 0x02;
    /** The filter uses the extended fields ({@code sf_accept}). */
    int SFLT_EXTENDED = 0x04;
    /** Attach to the sockets that already exist when the filter registers (with SFLT_GLOBAL). */
    int SFLT_EXTENDED_REGISTRY = 0x08;

    // sflt_event_t: what sf_notify is told
    int sock_evt_connecting = 1;
    int sock_evt_connected = 2;
    int sock_evt_disconnecting = 3;
    int sock_evt_disconnected = 4;
    int sock_evt_flush_read = 5;
    /** The {@code param} of sf_notify is the {@code how} of the shutdown, as an {@link Integer}. */
    int sock_evt_shutdown = 6;
    int sock_evt_cantrecvmore = 7;
    int sock_evt_cantsendmore = 8;
    int sock_evt_closing = 9;
    int sock_evt_bound = 10;

    // sflt_data_flag_t
    int sock_data_filt_flag_oob = 1;
    int sock_data_filt_flag_record = 2;

    // sockopt_dir
    int sockopt_get = 1;
    int sockopt_set = 2;
}
