package dev.ksock.internal.socket;

import dev.ksock.Mbuf;
import dev.ksock.MsgHdr;
import dev.ksock.SockAddr;

/**
 * The protocol switch: what the generic socket layer asks of a protocol (BSD's
 * {@code struct protosw} with its {@code pr_usrreqs}). The socket layer never knows how a
 * protocol moves bytes; a protocol never blocks, never sleeps and never calls upcalls — it
 * answers at once with a result or {@code EWOULDBLOCK}, and the socket layer decides whether to
 * wait. Results are Darwin errno values; counts are returned as non-negative longs and errors as
 * negated errno values.
 */
public interface ProtoSw {
    /** PR_CONNREQUIRED: a stream protocol that must be connected to send (TCP, local stream). */
    boolean connRequired();

    /** pru_attach: create the protocol endpoint for a new socket; 0 or errno. */
    int attach(SocketCore so);

    /** pru_attach for an endpoint the host already created (accept, received descriptor). */
    int attachAccepted(SocketCore so, int hostHandle);

    int bind(SocketCore so, SockAddr nam);

    int listen(SocketCore so, int backlog);

    /** pru_connect: 0 (connected now), EINPROGRESS (completion comes as a send edge), or errno. */
    int connect(SocketCore so, SockAddr nam);

    /** The outcome of an in-progress connect once the host says it finished: 0 or errno. */
    int connectResult(SocketCore so);

    /**
     * Gives up a connect in progress whose time ran out (the layer's connect timer): the
     * endpoint stops trying and keeps no error of its own from it, so that the layer's
     * ETIMEDOUT is what the owner sees. Called on the socket's event loop.
     */
    default void abortConnect(SocketCore so) {
    }

    /**
     * pru_accept: takes one completed connection off the listen queue. Returns the host handle
     * for the new endpoint (≥ 0), or a negated errno ({@code -EWOULDBLOCK} if none is ready).
     * The peer's address goes to {@code from} (at most {@code fromlen} bytes, BSD truncation).
     */
    int accept(SocketCore so, SockAddr from, int fromlen);

    /** pru_send from {@code msg}'s iovecs, skipping {@code skip} bytes already sent; count or -errno. */
    long send(SocketCore so, MsgHdr msg, long skip, int flags);

    /** pru_send of an mbuf chain (not consumed); count or -errno. */
    long sendChain(SocketCore so, Mbuf chain, SockAddr to, int flags);

    /**
     * pru_send of an mbuf chain with {@code msg}'s destination and control data (the first
     * piece of a {@code sock_sendmbuf} whose msghdr has {@code msg_control}); count or -errno.
     * A protocol that carries no control data keeps this default.
     */
    default long sendChain(SocketCore so, Mbuf chain, MsgHdr msg, int flags) {
        return sendChain(so, chain, msg == null ? null : msg.msg_name, flags);
    }

    /**
     * pru_soreceive into {@code msg}'s iovecs starting at byte {@code skip}; count or -errno.
     * Sets {@code msg.msg_flags} and fills {@code msg.msg_name} when given.
     */
    long receive(SocketCore so, MsgHdr msg, long skip, int flags);

    /** Receive up to {@code max} bytes into a new chain stored in {@code out}; count or -errno. */
    long receiveChain(SocketCore so, MsgHdr msg, long max, int flags, dev.ksock.Ref<Mbuf> out);

    int shutdown(SocketCore so, int how);

    int sockaddr(SocketCore so, SockAddr nam, int namlen);

    int peeraddr(SocketCore so, SockAddr nam, int namlen);

    /** pr_ctloutput (get): options the socket level did not handle; 0 or errno. */
    int getopt(SocketCore so, int level, int name, java.lang.foreign.MemorySegment val, dev.ksock.IntRef len);

    /** pr_ctloutput (set). */
    int setopt(SocketCore so, int level, int name, java.lang.foreign.MemorySegment val, int len);

    /**
     * pru_control: ioctls the socket level did not handle; 0 or errno. Also asked by the socket
     * level for the two answers only the host has: {@code FIONREAD} (sb_cc: the bytes queued to
     * receive, with a datagram's address record) and {@code SIOCATMARK} (SS_RCVATMARK). The
     * socket level has checked that {@code arg} holds the request's IOCPARM_LEN bytes for these.
     */
    int ioctl(SocketCore so, long request, java.lang.foreign.MemorySegment arg);

    /** Bytes readable now (FIONREAD-like, host view); -errno on failure. */
    long readable(SocketCore so);

    /** Bytes sent but not yet acknowledged/drained (SO_NWRITE); -errno on failure. */
    long unsent(SocketCore so);

    /** Starts delivering readiness edges to {@link SocketCore#onIoEvents}; 0 or errno. */
    int register(SocketCore so);

    /** pru_detach: stop readiness delivery (no new edge after return). */
    void deregister(SocketCore so);

    /**
     * After close, keeps delivering send edges so the socket's queued bytes go out: calls
     * {@link SocketCore#drainStep} on each, and {@link SocketCore#finishDrain} at the latest
     * after {@code limitNanos}. The endpoint stays registered until then.
     */
    void drainAfterClose(SocketCore so, long limitNanos);

    /** Releases the host endpoint; called once, when no operation uses the socket any more. */
    void release(SocketCore so);
}
