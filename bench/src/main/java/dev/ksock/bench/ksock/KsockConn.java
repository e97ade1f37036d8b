package dev.ksock.bench.ksock;

import static dev.ksock.KpiSocket.sock_send;

import dev.ksock.Socket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What a connection keeps between upcalls: output the socket did not take. It is copied out of
 * the loop's scratch only when a send would block (backpressure), the rare path.
 */
class KsockConn {
    static final int SENT = 0, BLOCKED = 1, FAILED = -1;
    static final int MSG_DONTWAIT = 0x80, EWOULDBLOCK = 35;

    /** Unsent output, or null; while set, the connection reads nothing (backpressure). */
    private MemorySegment pending;

    boolean hasPending() {
        return pending != null;
    }

    /** Sends {@code data} (scratch memory) whole, or keeps the rest; SENT, BLOCKED or FAILED. */
    final int send(Socket so, LoopScratch s, MemorySegment data) {
        for (;;) {
            s.tx.msg_iov[0] = data;
            int r = sock_send(so, s.tx, MSG_DONTWAIT, s.len);
            if (r == EWOULDBLOCK) {
                pending = Arena.ofAuto().allocate(data.byteSize()).copyFrom(data);
                return BLOCKED;
            }
            if (r != 0) {
                return FAILED;
            }
            if (s.len.value == data.byteSize()) {
                return SENT;
            }
            data = data.asSlice(s.len.value);
        }
    }

    /** Sends the kept output; the send upcall calls this first. SENT, BLOCKED or FAILED. */
    final int flushPending(Socket so, LoopScratch s) {
        while (pending != null) {
            s.tx.msg_iov[0] = pending;
            int r = sock_send(so, s.tx, MSG_DONTWAIT, s.len);
            if (r == EWOULDBLOCK) {
                return BLOCKED;
            }
            if (r != 0) {
                return FAILED;
            }
            pending = s.len.value == pending.byteSize() ? null : pending.asSlice(s.len.value);
        }
        return SENT;
    }
}
