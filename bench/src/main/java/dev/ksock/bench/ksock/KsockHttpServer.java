package dev.ksock.bench.ksock;

import static dev.ksock.KpiSocket.*;

import dev.ksock.SockUpcall;
import dev.ksock.Socket;
import dev.ksock.bench.Http;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * HTTP plaintext written only against the KPI: reads into the loop's scratch, answers every
 * complete request of the read with one send (pipelining), keeps an unfinished request for the
 * next upcall (at most {@link Http#MAX_REQUEST} bytes). Parsing is as raw as the other peers':
 * find the blank line that ends a request, no header parsing.
 */
final class KsockHttpServer {
    /** Per connection: half a request between upcalls (allocated the first time it happens). */
    static final class Conn extends KsockConn {
        MemorySegment partial;
        int partialLength;
    }

    static final SockUpcall HTTP = (so, cookie, waitf) -> {
        Conn c = (Conn) cookie;
        LoopScratch s = LoopScratch.get();
        int r = c.hasPending() ? c.flushPending(so, s) : KsockConn.SENT;
        while (r == KsockConn.SENT) {
            int have = c.partialLength;
            if (have > 0) {
                // Keep the request contiguous: its start goes in front of the new bytes.
                MemorySegment.copy(c.partial, 0, s.in, 0, have);
                s.rx.msg_iov[0] = s.in.asSlice(have, LoopScratch.BUF);
            }
            int e = sock_receive(so, s.rx, KsockConn.MSG_DONTWAIT, s.len);
            if (have > 0) {
                s.rx.msg_iov[0] = s.inPrefix(LoopScratch.BUF);
            }
            if (e == KsockConn.EWOULDBLOCK) {
                return;
            }
            int n = (int) s.len.value;
            if (e != 0 || n == 0) {
                r = KsockConn.FAILED;
                break;
            }
            r = serve(so, c, s, have + n);
            if (n < LoopScratch.BUF) {
                break; // drained: the next data is a new edge
            }
        }
        if (r == KsockConn.FAILED) {
            sock_close(so);
        }
    };

    /** Answers the complete requests of {@code s.in[0, len)}, keeps the rest. */
    private static int serve(Socket so, Conn c, LoopScratch s, int len) {
        MemorySegment in = s.in;
        byte[] response = Http.response();
        int count = 0, start = 0;
        for (int i = 3; i < len; i++) {
            if (in.get(ValueLayout.JAVA_BYTE, i) == '\n' && in.get(ValueLayout.JAVA_BYTE, i - 1) == '\r'
                    && in.get(ValueLayout.JAVA_BYTE, i - 2) == '\n' && in.get(ValueLayout.JAVA_BYTE, i - 3) == '\r') {
                if (i + 1 - start < Http.MIN_REQUEST) {
                    return KsockConn.FAILED;
                }
                MemorySegment.copy(response, 0, s.out, ValueLayout.JAVA_BYTE, (long) count * response.length, response.length);
                count++;
                start = i + 1;
                i = start + 2; // a terminator never borrows bytes of the previous request
            }
        }
        int tail = len - start;
        if (tail > Http.MAX_REQUEST) {
            return KsockConn.FAILED;
        }
        if (tail > 0) {
            if (c.partial == null) {
                c.partial = Arena.ofAuto().allocate(Http.MAX_REQUEST);
            }
            MemorySegment.copy(in, start, c.partial, 0, tail);
        }
        c.partialLength = tail;
        return count == 0 ? KsockConn.SENT : c.send(so, s, s.outResponses(count));
    }

    static KsockListener listen() {
        return new KsockListener(KsockListener.acceptor(HTTP, Conn::new));
    }

    private KsockHttpServer() {
    }
}
