package dev.ksock;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct msghdr}: what {@code sock_send}/{@code sock_receive} (and their mbuf forms)
 * send from or receive into. Fields are named and used as in C.
 *
 * <p>Each element of {@link #msg_iov} is one {@code iovec}: its address and byte size are the
 * segment's. {@link #msg_iovlen} says how many of them are used. {@link #msg_control} holds
 * ancillary data in Darwin's {@code cmsghdr} layout; {@link #msg_controllen} is its length (on
 * receive, the bytes filled in). {@link #msg_flags} receives {@code MSG_TRUNC}, {@code MSG_CTRUNC},
 * {@code MSG_OOB} and {@code MSG_EOR} on receive.
 */
public final class MsgHdr {
    /** Optional address: destination on send, source on receive. */
    public SockAddr msg_name;
    /** Size of {@link #msg_name}'s storage. As in XNU's {@code sock_receive}, not updated. */
    public int msg_namelen;
    /** Scatter/gather array. */
    public MemorySegment[] msg_iov;
    /** Number of elements of {@link #msg_iov} in use. */
    public int msg_iovlen;
    /** Ancillary data (Darwin {@code cmsghdr} layout), or null. */
    public MemorySegment msg_control;
    /** Ancillary data length. */
    public int msg_controllen;
    /** Flags on received message. */
    public int msg_flags;

    /** An empty header (all fields null or 0), as {@code struct msghdr msg = {0}}. */
    public MsgHdr() {
    }

    /** A header whose {@code msg_iov} is the given buffers. */
    public static MsgHdr of(MemorySegment... iov) {
        MsgHdr m = new MsgHdr();
        m.msg_iov = iov;
        m.msg_iovlen = iov == null ? 0 : iov.length;
        return m;
    }
}
