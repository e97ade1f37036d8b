package dev.ksock.cli;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The responses {@code serve http} can give, as ready-made bytes: a reply is
 * {@code head + Date + tail}, where the tail ends the header block (with {@code Connection: close}
 * when the connection ends) and carries the body unless the request was {@code HEAD}. Only the
 * date changes, once a second ({@link HttpDate}); writing a reply allocates nothing.
 */
enum HttpReply {
    OK("200 OK", "", "Hello, World!"),
    BAD_REQUEST("400 Bad Request", "", ""),
    METHOD_NOT_ALLOWED("405 Method Not Allowed", "Allow: GET, HEAD\r\n", ""),
    HEADERS_TOO_LARGE("431 Request Header Fields Too Large", "", ""),
    NOT_IMPLEMENTED("501 Not Implemented", "", ""),
    VERSION_NOT_SUPPORTED("505 HTTP Version Not Supported", "", "");

    private final MemorySegment head;
    private final MemorySegment keepAliveTail;
    private final MemorySegment closeTail;
    private final MemorySegment keepAliveTailNoBody;
    private final MemorySegment closeTailNoBody;

    HttpReply(String status, String extraHeaders, String body) {
        head = ascii("HTTP/1.1 " + status + "\r\nServer: ksock\r\nContent-Type: text/plain\r\nContent-Length: "
                + body.length() + "\r\n" + extraHeaders + "Date: ");
        keepAliveTail = ascii("\r\n\r\n" + body);
        closeTail = ascii("\r\nConnection: close\r\n\r\n" + body);
        keepAliveTailNoBody = ascii("\r\n\r\n");
        closeTailNoBody = ascii("\r\nConnection: close\r\n\r\n");
    }

    private static MemorySegment ascii(String s) {
        return MemorySegment.ofArray(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Size in bytes of this reply. */
    long size(boolean close, boolean headOnly) {
        return head.byteSize() + HttpDate.LENGTH + tail(close, headOnly).byteSize();
    }

    /** Appends this reply; false if {@code out} ran out of room. */
    boolean write(MbufWriter out, MemorySegment date, boolean close, boolean headOnly) {
        return out.put(head) && out.put(date) && out.put(tail(close, headOnly));
    }

    private MemorySegment tail(boolean close, boolean headOnly) {
        if (headOnly) {
            return close ? closeTailNoBody : keepAliveTailNoBody;
        }
        return close ? closeTail : keepAliveTail;
    }
}
