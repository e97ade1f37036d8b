package dev.ksock.cli;

import static dev.ksock.Darwin.*;
import static dev.ksock.KpiMbuf.*;
import static dev.ksock.KpiSocket.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.ksock.LongRef;
import dev.ksock.Mbuf;
import dev.ksock.MsgHdr;
import dev.ksock.Ref;
import dev.ksock.Socket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@code serve http}: HTTP/1.1 "plaintext" (every {@code GET}/{@code HEAD} is answered with
 * {@code Hello, World!}), with keep-alive and pipelining.
 *
 * <p>Requests are read with {@code sock_receive} into one fixed 8 KiB buffer per connection
 * (parsing wants contiguous bytes). Every complete request in it is answered, in order, and all
 * answers of one read leave in one {@code sock_sendmbuf}. A request whose header block does not
 * fit the buffer gets 431 and the connection ends, so a peer cannot make this process hold more
 * than 8 KiB of its requests; while the answers are not taken by the peer no further request is
 * read. Request bodies ({@code Content-Length}) are skipped without being stored.
 *
 * <p>Connection end: {@code Connection: close}, an HTTP/1.0 request (1.0 keep-alive is not
 * offered) or an error reply make this the last answer; after it is sent the connection shuts its
 * sending side down and reads until the peer closes, so the peer sees the whole answer rather
 * than a reset caused by unread requests.
 *
 * <p>Single-threaded: used only from its connection's upcall.
 */
final class HttpConnection implements Connection {
    /** Largest request header block (request line + headers + empty line). */
    static final int MAX_HEAD = 8 * 1024;
    /** The shortest request that keeps the connection open, "GET / HTTP/1.1\r\n\r\n", bounds the batch. */
    private static final int MAX_BATCH = MAX_HEAD / 18 + 2;

    private static final byte[] CONNECTION = lower("connection");
    private static final byte[] CONTENT_LENGTH = lower("content-length");
    private static final byte[] TRANSFER_ENCODING = lower("transfer-encoding");
    private static final byte[] CLOSE = lower("close");

    private final MemorySegment in = Arena.ofAuto().allocate(MAX_HEAD);
    private final MsgHdr rx = MsgHdr.of(in);
    private final LongRef len = new LongRef();
    private final Ref<Mbuf> chain = new Ref<>();
    private final MbufWriter writer = new MbufWriter();
    private final MbufOutbox outbox = new MbufOutbox();

    /** Bytes of {@link #in} holding request data not yet answered. */
    private int filled;
    /** Where the search for the end of the current header block resumes. */
    private int scanned;
    /** Body bytes of the last request still to be skipped. */
    private long bodyLeft;
    /** The last answer has been decided; after it, no request is read. */
    private boolean closing;
    /** The last answer is sent and the sending side shut down: waiting for the peer to close. */
    private boolean draining;

    /** Answers decided by one parse, in order: reply ordinal | CLOSE_BIT | HEAD_BIT. */
    private final int[] batch = new int[MAX_BATCH];
    private int batchSize;
    private static final int CLOSE_BIT = 0x100;
    private static final int HEAD_BIT = 0x200;
    private static final HttpReply[] REPLIES = HttpReply.values();

    @Override
    public void ready(Socket so) {
        for (;;) {
            int r = outbox.flush(so);
            if (r == EWOULDBLOCK) {
                return;
            }
            if (r != 0) {
                close(so);
                return;
            }
            if (closing && !draining) {
                sock_shutdown(so, SHUT_WR);
                draining = true;
            }
            if (draining) {
                filled = 0; // whatever arrives now is read only to be dropped
            }
            rx.msg_iov[0] = filled == 0 ? in : in.asSlice(filled);
            r = sock_receive(so, rx, MSG_DONTWAIT, len);
            if (r == EWOULDBLOCK) {
                return;
            }
            if (r != 0 || len.value == 0) { // the peer is gone; a half-received request goes too
                close(so);
                return;
            }
            if (draining) {
                continue;
            }
            filled += (int) len.value;
            parse();
            if (batchSize > 0 && !answer()) {
                close(so);
                return;
            }
        }
    }

    private void close(Socket so) {
        outbox.discard();
        sock_close(so);
    }

    /** Decides the answers to every complete request in the buffer, then keeps only the rest. */
    private void parse() {
        int pos = 0;
        batchSize = 0;
        while (!closing) {
            if (bodyLeft > 0) {
                int k = (int) Math.min(bodyLeft, filled - pos);
                pos += k;
                bodyLeft -= k;
                if (bodyLeft > 0) {
                    break;
                }
                scanned = pos;
            }
            // RFC 9112 section 2.2: ignore empty lines before a request line.
            while (pos < filled && (in.get(JAVA_BYTE, pos) == '\r' || in.get(JAVA_BYTE, pos) == '\n')) {
                pos++;
            }
            int end = headerEnd(Math.max(pos, scanned - 3));
            if (end < 0) {
                scanned = filled;
                if (filled - pos >= MAX_HEAD) {
                    add(HttpReply.HEADERS_TOO_LARGE, true, false);
                }
                break;
            }
            request(pos, end);
            pos = end;
            scanned = pos;
        }
        // Keep the unanswered tail at the front; nothing is kept once the last answer is decided.
        int rest = closing ? 0 : filled - pos;
        if (rest > 0 && pos > 0) {
            MemorySegment.copy(in, pos, in, 0, rest);
        }
        filled = rest;
        scanned = Math.max(0, scanned - pos);
    }

    /** Index just after the first CRLFCRLF at or after {@code from}, or -1. */
    private int headerEnd(int from) {
        for (int i = from; i + 3 < filled; i++) {
            if (in.get(JAVA_BYTE, i + 3) == '\n' && in.get(JAVA_BYTE, i) == '\r'
                    && in.get(JAVA_BYTE, i + 1) == '\n' && in.get(JAVA_BYTE, i + 2) == '\r') {
                return i + 4;
            }
        }
        return -1;
    }

    /** One complete header block in {@code [start, end)}: decides its answer. */
    private void request(int start, int end) {
        int eol = indexOf('\r', start, end);
        int sp1 = indexOf(' ', start, eol);
        int sp2 = lastIndexOf(' ', start, eol);
        if (sp1 <= start || sp2 <= sp1 + 1) {
            add(HttpReply.BAD_REQUEST, true, false);
            return;
        }
        // Version: exactly "HTTP/1.x"; 1.0 ends the connection, any later 1.x is treated as 1.1.
        int v = sp2 + 1;
        if (eol - v != 8 || !matches(v, "HTTP/1.") || !isDigit(in.get(JAVA_BYTE, v + 7))) {
            add(eol - v >= 5 && matches(v, "HTTP/") ? HttpReply.VERSION_NOT_SUPPORTED : HttpReply.BAD_REQUEST,
                    true, false);
            return;
        }
        boolean close = in.get(JAVA_BYTE, v + 7) == '0';
        boolean head = sp1 - start == 4 && matches(start, "HEAD");
        boolean get = sp1 - start == 3 && matches(start, "GET");

        long contentLength = 0;
        for (int line = eol + 2; line < end - 2; ) {
            int lineEnd = indexOf('\r', line, end);
            int colon = indexOf(':', line, lineEnd);
            if (colon == lineEnd || colon == line) {
                add(HttpReply.BAD_REQUEST, true, false);
                return;
            }
            int vs = skipSpaces(colon + 1, lineEnd);
            if (nameIs(line, colon, CONNECTION)) {
                close |= containsIgnoreCase(vs, lineEnd, CLOSE);
            } else if (nameIs(line, colon, CONTENT_LENGTH)) {
                contentLength = number(vs, lineEnd);
                if (contentLength < 0) {
                    add(HttpReply.BAD_REQUEST, true, false);
                    return;
                }
            } else if (nameIs(line, colon, TRANSFER_ENCODING)) {
                add(HttpReply.NOT_IMPLEMENTED, true, false); // chunked bodies are not decoded
                return;
            }
            line = lineEnd + 2;
        }
        if (!get && !head) {
            add(HttpReply.METHOD_NOT_ALLOWED, true, false);
            return;
        }
        bodyLeft = contentLength;
        add(HttpReply.OK, close, head);
    }

    private void add(HttpReply reply, boolean close, boolean head) {
        batch[batchSize++] = reply.ordinal() | (close ? CLOSE_BIT : 0) | (head ? HEAD_BIT : 0);
        closing |= close;
    }

    /** Writes the batch's answers into one packet and hands it to the outbox; false on ENOBUFS. */
    private boolean answer() {
        long total = 0;
        for (int i = 0; i < batchSize; i++) {
            int b = batch[i];
            total += REPLIES[b & 0xff].size((b & CLOSE_BIT) != 0, (b & HEAD_BIT) != 0);
        }
        if (mbuf_allocpacket(MBUF_DONTWAIT, total, null, chain) != 0) {
            return false;
        }
        Mbuf packet = chain.get();
        MemorySegment date = HttpDate.now();
        writer.start(packet);
        for (int i = 0; i < batchSize; i++) {
            int b = batch[i];
            REPLIES[b & 0xff].write(writer, date, (b & CLOSE_BIT) != 0, (b & HEAD_BIT) != 0);
        }
        batchSize = 0;
        outbox.offer(packet, writer.written());
        return true;
    }

    // ---------------------------------------------------------------- byte helpers

    private int indexOf(char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (in.get(JAVA_BYTE, i) == c) {
                return i;
            }
        }
        return to;
    }

    private int lastIndexOf(char c, int from, int before) {
        for (int i = before - 1; i >= from; i--) {
            if (in.get(JAVA_BYTE, i) == c) {
                return i;
            }
        }
        return -1;
    }

    private boolean matches(int at, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            if (in.get(JAVA_BYTE, at + i) != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private int skipSpaces(int from, int to) {
        while (from < to && (in.get(JAVA_BYTE, from) == ' ' || in.get(JAVA_BYTE, from) == '\t')) {
            from++;
        }
        return from;
    }

    /** Header names compare case-insensitively (RFC 9110 section 5.1). */
    private boolean nameIs(int from, int to, byte[] lowerName) {
        if (to - from != lowerName.length) {
            return false;
        }
        for (int i = 0; i < lowerName.length; i++) {
            if (toLower(in.get(JAVA_BYTE, from + i)) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }

    private boolean containsIgnoreCase(int from, int to, byte[] lowerWord) {
        for (int i = from; i + lowerWord.length <= to; i++) {
            if (nameIs(i, i + lowerWord.length, lowerWord)) {
                return true;
            }
        }
        return false;
    }

    /** A decimal of up to 18 digits followed only by spaces, else -1. */
    private long number(int from, int to) {
        long v = 0;
        int digits = 0;
        int i = from;
        for (; i < to && isDigit(in.get(JAVA_BYTE, i)); i++) {
            if (++digits > 18) {
                return -1;
            }
            v = v * 10 + in.get(JAVA_BYTE, i) - '0';
        }
        return digits > 0 && skipSpaces(i, to) == to ? v : -1;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static byte toLower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    private static byte[] lower(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
