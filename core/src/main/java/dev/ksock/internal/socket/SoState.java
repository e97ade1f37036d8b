package dev.ksock.internal.socket;

/**
 * {@code so_state} bits, with XNU's values ({@code bsd/sys/socketvar.h}). They change only
 * through the named transitions of {@link SocketCore} ({@code soisconnecting},
 * {@code soisconnected}, {@code socantsendmore}, ...), never from scattered call sites.
 */
public final class SoState {
    private SoState() {
    }

    public static final int SS_NOFDREF = 0x0001;
    public static final int SS_ISCONNECTED = 0x0002;
    public static final int SS_ISCONNECTING = 0x0004;
    public static final int SS_ISDISCONNECTING = 0x0008;
    public static final int SS_CANTSENDMORE = 0x0010;
    public static final int SS_CANTRCVMORE = 0x0020;
    public static final int SS_RCVATMARK = 0x0040;
    public static final int SS_PRIV = 0x0080;
    public static final int SS_NBIO = 0x0100;
    public static final int SS_ISDISCONNECTED = 0x2000;

    /** Not an XNU bit: the socket has been given to {@code sock_close}. */
    public static final int SS_CLOSED = 0x4000_0000;
}
