package dev.ksock;

/**
 * {@code <sys/un.h>}: local (unix-domain) socket options and the {@code sockaddr_un} limits,
 * with their Darwin (XNU) values; plus the {@code struct xucred} facts ({@code <sys/ucred.h>},
 * {@code <sys/param.h>}) that {@link #LOCAL_PEERCRED} returns.
 *
 * <p>{@link #SOL_LOCAL} is 0, the same number as {@code IPPROTO_IP}: XNU tells them apart by the
 * socket's domain, and so does ksock.
 */
public interface SysUn {
    /** Option level of local sockets. */
    int SOL_LOCAL = 0;
    /** {@code struct xucred} of the peer (76 bytes; the host's credentials are translated). */
    int LOCAL_PEERCRED = 0x001;
    int LOCAL_PEERPID = 0x002;
    int LOCAL_PEEREPID = 0x003;
    int LOCAL_PEERUUID = 0x004;
    int LOCAL_PEEREUUID = 0x005;
    int LOCAL_PEERTOKEN = 0x006;

    /** {@code sizeof(((struct sockaddr_un *) 0)->sun_path)}: 103 path bytes and a NUL. */
    int SIZEOF_SUN_PATH = 104;
    /** {@code sizeof(struct sockaddr_un)}: {@code sun_len}, {@code sun_family}, {@code sun_path}. */
    int SIZEOF_SOCKADDR_UN = 106;

    /** {@code xucred.cr_version} of the layout below. */
    int XUCRED_VERSION = 0;
    /** Groups in {@code xucred.cr_groups} ({@code NGROUPS_MAX}). */
    int NGROUPS = 16;
    /** {@code sizeof(struct xucred)}: version u32, uid u32, ngroups i16 + pad, 16 gid_t at 12. */
    int SIZEOF_XUCRED = 76;
}
