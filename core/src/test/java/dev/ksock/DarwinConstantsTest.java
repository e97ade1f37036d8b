package dev.ksock;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every Darwin constant against the value DARWIN-CONSTANTS.md records from XNU's headers. The
 * expected values are written out here, independently of the interfaces.
 */
class DarwinConstantsTest {

    private record Row(Class<?> header, String name, long value) {
    }

    private static final List<Row> TABLE = new ArrayList<>();

    private static void c(Class<?> header, String name, long value) {
        TABLE.add(new Row(header, name, value));
    }

    static {
        // sys/errno.h (section 1 and the extra values it lists)
        Class<?> e = SysErrno.class;
        c(e, "EPERM", 1); c(e, "ENOENT", 2); c(e, "EINTR", 4); c(e, "EIO", 5); c(e, "EBADF", 9);
        c(e, "ENOMEM", 12); c(e, "EACCES", 13); c(e, "EFAULT", 14); c(e, "EBUSY", 16); c(e, "EEXIST", 17);
        c(e, "ENOTDIR", 20); c(e, "EINVAL", 22); c(e, "ENFILE", 23); c(e, "EMFILE", 24); c(e, "ENOSPC", 28);
        c(e, "EPIPE", 32); c(e, "EAGAIN", 35); c(e, "EWOULDBLOCK", 35); c(e, "EINPROGRESS", 36);
        c(e, "EALREADY", 37); c(e, "ENOTSOCK", 38); c(e, "EDESTADDRREQ", 39); c(e, "EMSGSIZE", 40);
        c(e, "EPROTOTYPE", 41); c(e, "ENOPROTOOPT", 42); c(e, "EPROTONOSUPPORT", 43);
        c(e, "ESOCKTNOSUPPORT", 44); c(e, "ENOTSUP", 45); c(e, "EOPNOTSUPP", 102); c(e, "EPFNOSUPPORT", 46);
        c(e, "EAFNOSUPPORT", 47); c(e, "EADDRINUSE", 48); c(e, "EADDRNOTAVAIL", 49); c(e, "ENETDOWN", 50);
        c(e, "ENETUNREACH", 51); c(e, "ENETRESET", 52); c(e, "ECONNABORTED", 53); c(e, "ECONNRESET", 54);
        c(e, "ENOBUFS", 55); c(e, "EISCONN", 56); c(e, "ENOTCONN", 57); c(e, "ESHUTDOWN", 58);
        c(e, "ETIMEDOUT", 60); c(e, "ECONNREFUSED", 61); c(e, "ELOOP", 62); c(e, "ENAMETOOLONG", 63);
        c(e, "EHOSTDOWN", 64); c(e, "EHOSTUNREACH", 65);
        c(e, "EDEADLK", 11); c(e, "EDOM", 33); c(e, "ERANGE", 34); c(e, "ETOOMANYREFS", 59);
        c(e, "ENOTEMPTY", 66); c(e, "ENOSYS", 78); c(e, "EOVERFLOW", 84); c(e, "ECANCELED", 89);
        c(e, "EPROTO", 100); c(e, "ETIME", 101); c(e, "EQFULL", 106); c(e, "ELAST", 106);

        // sys/socket.h
        Class<?> s = SysSocket.class;
        c(s, "AF_UNSPEC", 0); c(s, "AF_UNIX", 1); c(s, "AF_LOCAL", 1); c(s, "AF_INET", 2); c(s, "AF_ROUTE", 17);
        c(s, "AF_LINK", 18); c(s, "AF_NDRV", 27); c(s, "AF_INET6", 30); c(s, "AF_SYSTEM", 32);
        c(s, "AF_VSOCK", 40); c(s, "AF_MAX", 41);
        c(s, "PF_UNSPEC", 0); c(s, "PF_UNIX", 1); c(s, "PF_LOCAL", 1); c(s, "PF_INET", 2); c(s, "PF_ROUTE", 17);
        c(s, "PF_LINK", 18); c(s, "PF_NDRV", 27); c(s, "PF_INET6", 30); c(s, "PF_SYSTEM", 32);
        c(s, "PF_VSOCK", 40); c(s, "PF_MAX", 41);
        c(s, "SOCK_STREAM", 1); c(s, "SOCK_DGRAM", 2); c(s, "SOCK_RAW", 3); c(s, "SOCK_RDM", 4);
        c(s, "SOCK_SEQPACKET", 5);
        c(s, "SOL_SOCKET", 0xffff);
        c(s, "SO_DEBUG", 0x0001); c(s, "SO_ACCEPTCONN", 0x0002); c(s, "SO_REUSEADDR", 0x0004);
        c(s, "SO_KEEPALIVE", 0x0008); c(s, "SO_DONTROUTE", 0x0010); c(s, "SO_BROADCAST", 0x0020);
        c(s, "SO_USELOOPBACK", 0x0040); c(s, "SO_LINGER", 0x0080); c(s, "SO_LINGER_SEC", 0x1080);
        c(s, "SO_OOBINLINE", 0x0100); c(s, "SO_REUSEPORT", 0x0200); c(s, "SO_TIMESTAMP", 0x0400);
        c(s, "SO_TIMESTAMP_MONOTONIC", 0x0800); c(s, "SO_DONTTRUNC", 0x2000); c(s, "SO_WANTMORE", 0x4000);
        c(s, "SO_WANTOOBFLAG", 0x8000); c(s, "SO_NOWAKEFROMSLEEP", 0x10000); c(s, "SO_NOAPNFALLBK", 0x20000);
        c(s, "SO_TIMESTAMP_CONTINUOUS", 0x40000); c(s, "SO_SNDBUF", 0x1001); c(s, "SO_RCVBUF", 0x1002);
        c(s, "SO_SNDLOWAT", 0x1003); c(s, "SO_RCVLOWAT", 0x1004); c(s, "SO_SNDTIMEO", 0x1005);
        c(s, "SO_RCVTIMEO", 0x1006); c(s, "SO_ERROR", 0x1007); c(s, "SO_TYPE", 0x1008); c(s, "SO_LABEL", 0x1010);
        c(s, "SO_PEERLABEL", 0x1011); c(s, "SO_NREAD", 0x1020); c(s, "SO_NKE", 0x1021);
        c(s, "SO_NOSIGPIPE", 0x1022); c(s, "SO_NOADDRERR", 0x1023); c(s, "SO_NWRITE", 0x1024);
        c(s, "SO_REUSESHAREUID", 0x1025); c(s, "SO_NOTIFYCONFLICT", 0x1026); c(s, "SO_UPCALLCLOSEWAIT", 0x1027);
        c(s, "SO_RESTRICTIONS", 0x1081); c(s, "SO_RANDOMPORT", 0x1082); c(s, "SO_NP_EXTENSIONS", 0x1083);
        c(s, "SO_EXECPATH", 0x1085); c(s, "SO_TRAFFIC_CLASS", 0x1086); c(s, "SO_RECV_TRAFFIC_CLASS", 0x1087);
        c(s, "SO_DEFUNCTOK", 0x1100); c(s, "SO_ISDEFUNCT", 0x1101); c(s, "SO_FLUSH", 0x1103);
        c(s, "SO_NUMRCVPKT", 0x1112); c(s, "SO_NET_SERVICE_TYPE", 0x1116); c(s, "SO_NETSVC_MARKING_LEVEL", 0x1119);
        c(s, "SO_RESOLVER_SIGNATURE", 0x1131);
        c(s, "MSG_OOB", 0x1); c(s, "MSG_PEEK", 0x2); c(s, "MSG_DONTROUTE", 0x4); c(s, "MSG_EOR", 0x8);
        c(s, "MSG_TRUNC", 0x10); c(s, "MSG_CTRUNC", 0x20); c(s, "MSG_WAITALL", 0x40); c(s, "MSG_DONTWAIT", 0x80);
        c(s, "MSG_EOF", 0x100); c(s, "MSG_WAITSTREAM", 0x200); c(s, "MSG_FLUSH", 0x400); c(s, "MSG_HOLD", 0x800);
        c(s, "MSG_SEND", 0x1000); c(s, "MSG_HAVEMORE", 0x2000); c(s, "MSG_RCVMORE", 0x4000);
        c(s, "MSG_COMPAT", 0x8000); c(s, "MSG_NEEDSA", 0x10000); c(s, "MSG_NBIO", 0x20000);
        c(s, "MSG_SKIPCFIL", 0x40000); c(s, "MSG_NOSIGNAL", 0x80000); c(s, "MSG_USEUPCALL", (int) 0x80000000L);
        c(s, "SHUT_RD", 0); c(s, "SHUT_WR", 1); c(s, "SHUT_RDWR", 2);
        c(s, "SCM_RIGHTS", 0x01); c(s, "SCM_TIMESTAMP", 0x02); c(s, "SCM_CREDS", 0x03);
        c(s, "SCM_TIMESTAMP_MONOTONIC", 0x04); c(s, "SCM_TIMESTAMP_CONTINUOUS", 0x07);
        c(s, "SOMAXCONN", 128); c(s, "SOCK_MAXADDRLEN", 255);

        // netinet/in.h
        Class<?> in = NetinetIn.class;
        c(in, "IPPROTO_IP", 0); c(in, "IPPROTO_HOPOPTS", 0); c(in, "IPPROTO_ICMP", 1); c(in, "IPPROTO_TCP", 6);
        c(in, "IPPROTO_UDP", 17); c(in, "IPPROTO_IPV6", 41); c(in, "IPPROTO_ICMPV6", 58); c(in, "IPPROTO_RAW", 255);
        c(in, "IP_OPTIONS", 1); c(in, "IP_HDRINCL", 2); c(in, "IP_TOS", 3); c(in, "IP_TTL", 4);
        c(in, "IP_RECVOPTS", 5); c(in, "IP_RECVRETOPTS", 6); c(in, "IP_RECVDSTADDR", 7); c(in, "IP_RETOPTS", 8);
        c(in, "IP_MULTICAST_IF", 9); c(in, "IP_MULTICAST_TTL", 10); c(in, "IP_MULTICAST_LOOP", 11);
        c(in, "IP_ADD_MEMBERSHIP", 12); c(in, "IP_DROP_MEMBERSHIP", 13); c(in, "IP_PORTRANGE", 19);
        c(in, "IP_RECVIF", 20); c(in, "IP_RECVTTL", 24); c(in, "IP_BOUND_IF", 25); c(in, "IP_PKTINFO", 26);
        c(in, "IP_RECVPKTINFO", 26); c(in, "IP_RECVTOS", 27); c(in, "IP_DONTFRAG", 28);
        c(in, "INADDR_ANY", 0); c(in, "INADDR_LOOPBACK", 0x7f000001); c(in, "INADDR_BROADCAST", -1);
        c(in, "IPPORT_RESERVED", 1024); c(in, "IPPORT_USERRESERVED", 5000); c(in, "IPPORT_HIFIRSTAUTO", 49152);
        c(in, "IPPORT_HILASTAUTO", 65535); c(in, "INET_ADDRSTRLEN", 16); c(in, "INET6_ADDRSTRLEN", 46);

        // netinet6/in6.h
        Class<?> in6 = Netinet6In6.class;
        c(in6, "IPV6_UNICAST_HOPS", 4); c(in6, "IPV6_MULTICAST_IF", 9); c(in6, "IPV6_MULTICAST_HOPS", 10);
        c(in6, "IPV6_MULTICAST_LOOP", 11); c(in6, "IPV6_JOIN_GROUP", 12); c(in6, "IPV6_LEAVE_GROUP", 13);
        c(in6, "IPV6_PORTRANGE", 14); c(in6, "IPV6_2292PKTINFO", 19); c(in6, "IPV6_CHECKSUM", 26);
        c(in6, "IPV6_V6ONLY", 27); c(in6, "IPV6_RECVTCLASS", 35); c(in6, "IPV6_TCLASS", 36);
        c(in6, "IPV6_RECVHOPLIMIT", 37); c(in6, "IPV6_PKTINFO", 46); c(in6, "IPV6_RECVPKTINFO", 61);
        c(in6, "IPV6_DONTFRAG", 62); c(in6, "IPV6_BOUND_IF", 125);

        // netinet/tcp.h
        Class<?> t = NetinetTcp.class;
        c(t, "TCP_NODELAY", 0x01); c(t, "TCP_MAXSEG", 0x02); c(t, "TCP_NOPUSH", 0x04); c(t, "TCP_NOOPT", 0x08);
        c(t, "TCP_KEEPALIVE", 0x10); c(t, "TCP_CONNECTIONTIMEOUT", 0x20); c(t, "PERSIST_TIMEOUT", 0x40);
        c(t, "TCP_RXT_CONNDROPTIME", 0x80); c(t, "TCP_RXT_FINDROP", 0x100); c(t, "TCP_KEEPINTVL", 0x101);
        c(t, "TCP_KEEPCNT", 0x102); c(t, "TCP_SENDMOREACKS", 0x103); c(t, "TCP_ENABLE_ECN", 0x104);
        c(t, "TCP_FASTOPEN", 0x105); c(t, "TCP_CONNECTION_INFO", 0x106); c(t, "TCP_NOTSENT_LOWAT", 0x201);

        // sys/filio.h, sys/sockio.h (final numbers of section 4)
        Class<?> f = SysFilio.class;
        c(f, "FIONREAD", 0x4004667FL); c(f, "FIONBIO", 0x8004667EL); c(f, "FIOASYNC", 0x8004667DL);
        c(f, "FIOSETOWN", 0x8004667CL); c(f, "FIOGETOWN", 0x4004667BL); c(f, "FIODTYPE", 0x4004667AL);
        c(f, "FIOCLEX", 0x20006601L); c(f, "FIONCLEX", 0x20006602L);
        Class<?> io = SysSockio.class;
        c(io, "SIOCATMARK", 0x40047307L); c(io, "SIOCSPGRP", 0x80047308L); c(io, "SIOCGPGRP", 0x40047309L);
        c(io, "SIOCSHIWAT", 0x80047300L); c(io, "SIOCGHIWAT", 0x40047301L); c(io, "SIOCSLOWAT", 0x80047302L);
        c(io, "SIOCGLOWAT", 0x40047303L);

        // sys/un.h and the xucred facts
        Class<?> un = SysUn.class;
        c(un, "SOL_LOCAL", 0); c(un, "LOCAL_PEERCRED", 0x001); c(un, "LOCAL_PEERPID", 0x002);
        c(un, "LOCAL_PEEREPID", 0x003); c(un, "LOCAL_PEERUUID", 0x004); c(un, "LOCAL_PEEREUUID", 0x005);
        c(un, "LOCAL_PEERTOKEN", 0x006); c(un, "SIZEOF_SUN_PATH", 104); c(un, "SIZEOF_SOCKADDR_UN", 106);
        c(un, "XUCRED_VERSION", 0); c(un, "NGROUPS", 16); c(un, "SIZEOF_XUCRED", 76);

        // sys/errno.h's kernel-only pseudo-errors
        c(e, "ERESTART", -1); c(e, "EJUSTRETURN", -2);

        // sys/kpi_socket.h (SOCKEV_*) and sys/socketvar.h's SO_FILT_HINT_* bits
        Class<?> ks = SysKpiSocket.class;
        c(ks, "SO_FILT_HINT_LOCKED", 0x1); c(ks, "SO_FILT_HINT_CONNRESET", 0x2);
        c(ks, "SO_FILT_HINT_CANTRCVMORE", 0x4); c(ks, "SO_FILT_HINT_CANTSENDMORE", 0x8);
        c(ks, "SO_FILT_HINT_TIMEOUT", 0x10); c(ks, "SO_FILT_HINT_NOSRCADDR", 0x20);
        c(ks, "SO_FILT_HINT_IFDENIED", 0x40); c(ks, "SO_FILT_HINT_SUSPEND", 0x80);
        c(ks, "SO_FILT_HINT_RESUME", 0x100); c(ks, "SO_FILT_HINT_KEEPALIVE", 0x200);
        c(ks, "SO_FILT_HINT_ADAPTIVE_WTIMO", 0x400); c(ks, "SO_FILT_HINT_ADAPTIVE_RTIMO", 0x800);
        c(ks, "SO_FILT_HINT_CONNECTED", 0x1000); c(ks, "SO_FILT_HINT_DISCONNECTED", 0x2000);
        c(ks, "SO_FILT_HINT_CONNINFO_UPDATED", 0x4000); c(ks, "SO_FILT_HINT_MPFAILOVER", 0x8000);
        c(ks, "SO_FILT_HINT_MPSTATUS", 0x10000); c(ks, "SO_FILT_HINT_MUSTRST", 0x20000);
        c(ks, "SO_FILT_HINT_MPCANTRCVMORE", 0x40000); c(ks, "SO_FILT_HINT_NOTIFY_ACK", 0x80000);
        c(ks, "SO_FILT_HINT_MP_SUB_ERROR", 0x100000);
        c(ks, "SOCKEV_CONNECTED", 0x1000); c(ks, "SOCKEV_DISCONNECTED", 0x2000);

        // sys/kpi_socketfilter.h
        Class<?> sf = SysKpiSocketFilter.class;
        c(sf, "SFLT_GLOBAL", 0x1); c(sf, "SFLT_PROG", 0x2); c(sf, "SFLT_EXTENDED", 0x4);
        c(sf, "SFLT_EXTENDED_REGISTRY", 0x8);
        c(sf, "sock_evt_connecting", 1); c(sf, "sock_evt_connected", 2); c(sf, "sock_evt_disconnecting", 3);
        c(sf, "sock_evt_disconnected", 4); c(sf, "sock_evt_flush_read", 5); c(sf, "sock_evt_shutdown", 6);
        c(sf, "sock_evt_cantrecvmore", 7); c(sf, "sock_evt_cantsendmore", 8); c(sf, "sock_evt_closing", 9);
        c(sf, "sock_evt_bound", 10);
        c(sf, "sock_data_filt_flag_oob", 1); c(sf, "sock_data_filt_flag_record", 2);
        c(sf, "sockopt_get", 1); c(sf, "sockopt_set", 2);
    }

    private static final List<Class<?>> HEADERS = List.of(SysErrno.class, SysSocket.class, NetinetIn.class,
            Netinet6In6.class, NetinetTcp.class, SysFilio.class, SysSockio.class, SysUn.class,
            SysKpiSocket.class, SysKpiSocketFilter.class);

    @Test
    void everyConstantHasTheValueXnuDefines() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Row row : TABLE) {
            Field field = row.header().getDeclaredField(row.name());
            long actual = ((Number) field.get(null)).longValue();
            if (actual != row.value()) {
                wrong.add(row.header().getSimpleName() + "." + row.name() + " = " + actual
                        + ", XNU defines " + row.value());
            }
        }
        assertThat(wrong).as("constants whose value differs from XNU").isEmpty();
    }

    @Test
    void everyDeclaredConstantIsCheckedAgainstTheTable() {
        Set<String> tabled = new TreeSet<>();
        TABLE.forEach(r -> tabled.add(r.header().getSimpleName() + "." + r.name()));
        Set<String> declared = new TreeSet<>();
        for (Class<?> header : HEADERS) {
            for (Field field : header.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers())) {
                    declared.add(header.getSimpleName() + "." + field.getName());
                }
            }
        }
        Set<String> extra = new TreeSet<>(declared);
        extra.removeAll(tabled);
        // SysErrno predates this table and has errno names DARWIN-CONSTANTS.md does not list.
        extra.removeIf(n -> n.startsWith("SysErrno."));
        assertThat(extra).as("constants with no expected value in this test").isEmpty();
    }

    @Test
    void darwinExtendsEveryHeaderAndDeclaresNothingItself() {
        assertThat(Darwin.class.getInterfaces()).containsExactlyInAnyOrderElementsOf(HEADERS);
        assertThat(Darwin.class.getDeclaredFields()).isEmpty();
    }

    @Test
    void noNameIsDeclaredInTwoHeadersSoTheStaticImportIsUnambiguous() {
        Map<String, List<String>> owners = new HashMap<>();
        for (Class<?> header : HEADERS) {
            for (Field field : header.getDeclaredFields()) {
                owners.computeIfAbsent(field.getName(), k -> new ArrayList<>()).add(header.getSimpleName());
            }
        }
        Map<String, List<String>> duplicates = new LinkedHashMap<>();
        owners.forEach((name, in) -> {
            if (in.size() > 1) {
                duplicates.put(name, in);
            }
        });
        assertThat(duplicates).isEmpty();
    }

    @Test
    void everyProtocolFamilyEqualsItsAddressFamily() throws Exception {
        for (Field field : SysSocket.class.getDeclaredFields()) {
            if (field.getName().startsWith("PF_")) {
                Field af = SysSocket.class.getDeclaredField("AF_" + field.getName().substring(3));
                assertThat(field.getInt(null)).as(field.getName() + " == AF_x (BSD)").isEqualTo(af.getInt(null));
            }
        }
    }

    // <sys/ioccom.h>: the encoding the ioctl numbers must follow.
    private static final long IOC_VOID = 0x20000000L;
    private static final long IOC_OUT = 0x40000000L;
    private static final long IOC_IN = 0x80000000L;
    private static final long IOCPARM_MASK = 0x1fff;

    private static long ioc(long inout, char group, int num, int len) {
        return inout | (len & IOCPARM_MASK) << 16 | (long) group << 8 | num;
    }

    private static long io(char g, int n) {
        return ioc(IOC_VOID, g, n, 0);
    }

    private static long ior(char g, int n) {
        return ioc(IOC_OUT, g, n, Integer.BYTES);
    }

    private static long iow(char g, int n) {
        return ioc(IOC_IN, g, n, Integer.BYTES);
    }

    @Test
    void ioctlNumbersFollowTheIoccomEncoding() {
        assertThat(SysFilio.FIOCLEX).isEqualTo(io('f', 1));
        assertThat(SysFilio.FIONCLEX).isEqualTo(io('f', 2));
        assertThat(SysFilio.FIONREAD).isEqualTo(ior('f', 127));
        assertThat(SysFilio.FIONBIO).isEqualTo(iow('f', 126));
        assertThat(SysFilio.FIOASYNC).isEqualTo(iow('f', 125));
        assertThat(SysFilio.FIOSETOWN).isEqualTo(iow('f', 124));
        assertThat(SysFilio.FIOGETOWN).isEqualTo(ior('f', 123));
        assertThat(SysFilio.FIODTYPE).isEqualTo(ior('f', 122));
        assertThat(SysSockio.SIOCSHIWAT).isEqualTo(iow('s', 0));
        assertThat(SysSockio.SIOCGHIWAT).isEqualTo(ior('s', 1));
        assertThat(SysSockio.SIOCSLOWAT).isEqualTo(iow('s', 2));
        assertThat(SysSockio.SIOCGLOWAT).isEqualTo(ior('s', 3));
        assertThat(SysSockio.SIOCATMARK).isEqualTo(ior('s', 7));
        assertThat(SysSockio.SIOCSPGRP).isEqualTo(iow('s', 8));
        assertThat(SysSockio.SIOCGPGRP).isEqualTo(ior('s', 9));
    }

    @Test
    void xnuHasNoFionwriteOrFionspace() {
        assertThat(SysFilio.class.getDeclaredFields()).extracting(Field::getName)
                .doesNotContain("FIONWRITE", "FIONSPACE");
    }
}
