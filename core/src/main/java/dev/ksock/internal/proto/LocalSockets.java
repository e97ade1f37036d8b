package dev.ksock.internal.proto;

import static dev.ksock.SysErrno.*;

import dev.ksock.IntRef;
import dev.ksock.SockAddr;
import dev.ksock.internal.host.linux.LinuxStructs;
import dev.ksock.internal.host.linux.LinuxSyscalls;
import dev.ksock.internal.socket.SoState;
import dev.ksock.internal.socket.SocketCore;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What makes {@code PF_LOCAL} on ksock answer as XNU's {@code uipc_usrreq.c} does, where Linux's
 * AF_UNIX differs: connect errors, datagram errors, and the {@code SOL_LOCAL} options
 * ({@code uipc_ctloutput}). Only error and option paths come here.
 */
final class LocalSockets {
    private LocalSockets() {
    }

    private static final int LOCAL_PEERCRED = 1, LOCAL_PEERPID = 2, LOCAL_PEEREPID = 3;
    private static final int D_SOCK_STREAM = 1;
    private static final int XUCRED_SIZE = 76, NGROUPS = 16;
    private static final int L_SOL_SOCKET = 1, L_SO_PEERCRED = 17;

    /**
     * {@code unp_connect}: a path that exists but is not a socket is ENOTSOCK (XNU checks the
     * vnode type); Linux says ECONNREFUSED for it, as it does (like XNU) for a socket file nobody
     * is bound to or listening on.
     */
    static int connectError(SockAddr nam, int err) {
        if (err != ECONNREFUSED || nam == null) {
            return err;
        }
        String path = nam.path();
        if (path == null || path.isEmpty()) {
            return err;
        }
        try {
            BasicFileAttributes a = Files.readAttributes(Path.of(path), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isRegularFile() || a.isDirectory()) {
                return ENOTSOCK;
            }
        } catch (IOException | RuntimeException e) {
            // Gone or unreadable: keep the host's answer.
        }
        return err;
    }

    /**
     * A datagram send on a connected local socket whose peer went away. XNU's
     * {@code unp_detach} drops every socket connected to the closing one with ECONNRESET
     * ({@code unp_drop}) and disconnects it, so the next send without an address is
     * EDESTADDRREQ. Linux answers ECONNREFUSED, then ENOTCONN.
     */
    static int dgramSendError(SocketCore so, int err, boolean named) {
        if (named) {
            return err;
        }
        if (err == ECONNREFUSED) {
            return ECONNRESET;
        }
        if (err == ENOTCONN) {
            return EDESTADDRREQ;
        }
        return err;
    }

    /** Two bytes of a Linux sockaddr_un with no path: what an unnamed socket is on Linux. */
    private static final MemorySegment LINUX_UNNAMED = MemorySegment.ofArray(new byte[] {1, 0});

    /**
     * A datagram from an unbound local socket: Linux reports no address at all; XNU's
     * {@code uipc_send} passes {@code sun_noname} (3 bytes, AF_LOCAL) as the source.
     */
    static void unnamedSender(SockAddr out, int maxlen) {
        dev.ksock.internal.host.linux.LinuxSockaddr.fromLinux(LINUX_UNNAMED, 2, out, maxlen);
    }

    /** {@code uipc_ctloutput}, get: every level but SOL_SOCKET comes here on a local socket. */
    static int getopt(SocketCore so, int name, MemorySegment val, IntRef len) {
        switch (name) {
            case LOCAL_PEERCRED -> {
                // XNU keeps peer credentials only for connected streams (UNP_HAVEPC).
                if (so.type != D_SOCK_STREAM) {
                    return EINVAL;
                }
                // They outlive the connection (XNU keeps unp_peercred), so only a stream that
                // never connected is ENOTCONN.
                if (!so.is(SoState.SS_ISCONNECTED | SoState.SS_ISDISCONNECTED | SoState.SS_CANTRCVMORE)) {
                    return ENOTCONN;
                }
                MemorySegment ucred = Arena.ofAuto().allocate(LinuxStructs.UCRED);
                int r = peerCred(so, ucred);
                if (r != 0) {
                    return r;
                }
                MemorySegment x = xucred(ucred);
                int n = Math.min(XUCRED_SIZE, len.value);
                MemorySegment.copy(x, 0, val, 0, n);
                len.value = n;
                return 0;
            }
            case LOCAL_PEERPID, LOCAL_PEEREPID -> {
                if (!so.is(SoState.SS_ISCONNECTED)) {
                    return ENOTCONN;
                }
                MemorySegment ucred = Arena.ofAuto().allocate(LinuxStructs.UCRED);
                int r = peerCred(so, ucred);
                if (r != 0) {
                    return r;
                }
                int pid = (int) LinuxStructs.UCRED_PID.get(ucred, 0L);
                int n = Math.min(4, len.value);
                MemorySegment.copy(MemorySegment.ofArray(new int[] {pid}), 0, val, 0, n);
                len.value = n;
                return 0;
            }
            default -> {
                // LOCAL_PEERUUID, LOCAL_PEEREUUID, LOCAL_PEERTOKEN: Linux has no process UUID or
                // audit token. Unknown names are EOPNOTSUPP in uipc_ctloutput.
                return EOPNOTSUPP;
            }
        }
    }

    /** {@code uipc_ctloutput}, set: nothing is settable. */
    static int setopt() {
        return EOPNOTSUPP;
    }

    private static int peerCred(SocketCore so, MemorySegment ucred) {
        MemorySegment len = Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
        len.set(ValueLayout.JAVA_INT, 0, (int) LinuxStructs.UCRED.byteSize());
        int r = LinuxSyscalls.getsockopt(so.hostHandle, L_SOL_SOCKET, L_SO_PEERCRED, ucred, len);
        return r < 0 ? dev.ksock.internal.host.linux.LinuxErrno.toDarwin(-r) : 0;
    }

    /**
     * Darwin {@code struct xucred} (76 bytes): version 0, uid, ngroups (i16), pad, groups[16]
     * with groups[0] the effective gid, then the peer's supplementary groups from
     * {@code /proc/<pid>/status} as far as they fit (XNU's {@code cru2x} copies the credential's
     * group list, whose first entry is the egid).
     */
    private static MemorySegment xucred(MemorySegment ucred) {
        int pid = (int) LinuxStructs.UCRED_PID.get(ucred, 0L);
        int uid = (int) LinuxStructs.UCRED_UID.get(ucred, 0L);
        int gid = (int) LinuxStructs.UCRED_GID.get(ucred, 0L);
        int[] groups = new int[NGROUPS];
        int n = 0;
        groups[n++] = gid;
        for (int g : supplementaryGroups(pid)) {
            if (n == NGROUPS) {
                break;
            }
            if (g != gid) {
                groups[n++] = g;
            }
        }
        MemorySegment x = MemorySegment.ofArray(new byte[XUCRED_SIZE]);
        x.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0); // XUCRED_VERSION
        x.set(ValueLayout.JAVA_INT_UNALIGNED, 4, uid);
        x.set(ValueLayout.JAVA_SHORT_UNALIGNED, 8, (short) n);
        for (int i = 0; i < NGROUPS; i++) {
            x.set(ValueLayout.JAVA_INT_UNALIGNED, 12 + 4L * i, groups[i]);
        }
        return x;
    }

    private static int[] supplementaryGroups(int pid) {
        if (pid <= 0) {
            return new int[0];
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("Groups:")) {
                    String rest = line.substring(7).trim();
                    if (rest.isEmpty()) {
                        return new int[0];
                    }
                    String[] parts = rest.split("\\s+");
                    int[] g = new int[parts.length];
                    for (int i = 0; i < parts.length; i++) {
                        g[i] = Integer.parseInt(parts[i]);
                    }
                    return g;
                }
            }
        } catch (IOException | RuntimeException e) {
            // The peer may have exited: its primary group is still known.
        }
        return new int[0];
    }
}
