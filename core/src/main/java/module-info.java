/**
 * ksock: the XNU kernel socket KPI ({@code kpi_socket.h}) and its {@code mbuf_t} for the JVM.
 *
 * <p>Only {@code dev.ksock} is exported; the socket layer, the protocols, the mbuf pool and the
 * Linux host backend live in {@code dev.ksock.internal.*} and may change at any time.
 */
module dev.ksock {
    exports dev.ksock;
}
