/*
 * http_client: the HTTP pipelining load client of ksock's benchmarks, about half wrk's CPU per
 * request (as cheap as the C epoll server), so that the Java servers, not the client, are the
 * bound. One epoll thread, N keep-alive connections to HOST:PORT; each writes DEPTH requests in one write (the request wrk sends with
 * bench/src/main/lua/pipeline.lua: "GET / HTTP/1.1\r\nHost: HOST:PORT\r\n\r\n") and writes the
 * next batch once all DEPTH responses of the batch are in. A response ends after its header
 * block ("\r\n\r\n") and Content-Length body bytes; responses may be split across reads anywhere.
 * Errors: a non-200 status, a response without Content-Length (or with an unusable one), a
 * header block above HDR_MAX, a closed or failed connection (which is then dropped).
 * After WARMUP_S unmeasured seconds it counts SECONDS and prints one line:
 *   req_per_sec=<n> errors=<n> conns=<n> client_cpu_us_per_req=<x>
 * conns: connections still open at the end; client_cpu_us_per_req: this process's CPU time
 * (user + system, CLOCK_PROCESS_CPUTIME_ID) over the measured window per counted response.
 * It runs for WARMUP_S + SECONDS and stops by itself (a connect or send stuck for a second fails
 * and drops the connection). Loopback (127.0.0.0/8) IPv4 only.
 * Usage: http_client HOST PORT CONNS DEPTH WARMUP_S SECONDS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 4096
#define MAX_DEPTH 1024
#define HDR_MAX 4096    /* longest status line + headers accepted */
#define RBUF (256 * 1024)

struct conn {
    int fd;
    int outstanding;      /* responses of the current batch not yet complete */
    uint64_t body_left;   /* body bytes of the current response still to skip */
    size_t hdr_len;       /* bytes of an unfinished header block kept in hdr */
    char hdr[HDR_MAX];
};

static char *batch;       /* DEPTH requests back to back */
static size_t batch_len;
static int depth;
static int measuring;     /* responses count only inside the measured window */
static uint64_t count, errors;

/*
 * The last header block parsed and its result. A server sends the same header block again and
 * again (its Date changes once a second), so a response starting with exactly these bytes has
 * the same framing: the cached block's first "\r\n\r\n" is its end, so a byte-equal prefix
 * ends there too. One memcmp instead of a scan; anything else takes the full parse.
 */
static char last_hdr[HDR_MAX];
static size_t last_len;
static uint64_t last_body;
static int last_status;

static uint64_t clock_ns(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Blocking write of the whole batch (SO_SNDTIMEO bounds a wait): the previous batch is fully
 * answered and acknowledged, so it waits only when a batch is larger than the send buffer. */
static int send_batch(struct conn *c) {
    size_t off = 0;
    while (off < batch_len) {
        ssize_t n = send(c->fd, batch + off, batch_len - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        off += (size_t)n;
    }
    c->outstanding = depth;
    return 0;
}

/*
 * Checks one header block h[0, len) (it ends with "\r\n\r\n"); sets c->body_left.
 * Returns 0 for a 200, 1 for a well-framed other status, -1 when the framing is unknown.
 */
static int parse_header(struct conn *c, const char *h, size_t len) {
    /* Status line: "HTTP/1.x SSS ..." */
    if (len < 16 || memcmp(h, "HTTP/1.", 7) != 0 || h[8] != ' ') return -1;
    int status = memcmp(h + 9, "200", 3) == 0 && (h[12] == ' ' || h[12] == '\r') ? 0 : 1;
    /* Header lines: look for Content-Length (any case) at each line start. */
    const char *p = memchr(h, '\n', len), *end = h + len - 2; /* end: the final "\r\n" */
    while (p && p + 1 < end) {
        const char *line = p + 1;
        p = memchr(line, '\n', (size_t)(end - line));
        if ((line[0] | 0x20) != 'c' || end - line < 15 || strncasecmp(line, "content-length:", 15) != 0)
            continue;
        const char *v = line + 15;
        while (v < end && (*v == ' ' || *v == '\t')) v++;
        if (v == end || *v < '0' || *v > '9') return -1;
        uint64_t n = 0;
        while (v < end && *v >= '0' && *v <= '9' && n < (1ull << 40)) n = n * 10 + (uint64_t)(*v++ - '0');
        if (n >= (1ull << 40)) return -1;
        c->body_left = n;
        return status;
    }
    return -1; /* no Content-Length: cannot tell where the response ends */
}

/* One response complete: count it, and when the batch is done write the next one. */
static int response_done(struct conn *c) {
    if (measuring) count++;
    if (--c->outstanding == 0) return send_batch(c);
    return 0;
}

/* Consumes received bytes p[0, n) of connection c; -1 = drop the connection. */
static int consume(struct conn *c, const char *p, size_t n) {
    const char *end = p + n;
    while (p < end) {
        if (c->body_left) { /* inside a body: skip it */
            size_t k = (size_t)(end - p) < c->body_left ? (size_t)(end - p) : c->body_left;
            p += k;
            c->body_left -= k;
            if (c->body_left == 0 && response_done(c) != 0) return -1;
            continue;
        }
        if (c->outstanding == 0) return -1; /* bytes nobody asked for */
        const char *h;
        size_t hlen;
        if (c->hdr_len == 0) {
            if (last_len && (size_t)(end - p) >= last_len && memcmp(p, last_hdr, last_len) == 0) {
                p += last_len; /* the same header block as last time */
                c->body_left = last_body;
                if (last_status) errors++;
                if (c->body_left == 0 && response_done(c) != 0) return -1;
                continue;
            }
            const char *q = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
            if (!q) { /* header block split across reads: keep its start */
                if ((size_t)(end - p) > HDR_MAX) return -1;
                memcpy(c->hdr, p, (size_t)(end - p));
                c->hdr_len = (size_t)(end - p);
                return 0;
            }
            h = p;
            hlen = (size_t)(q + 4 - p);
            p = q + 4;
        } else { /* continue a kept header block: append, search across the seam */
            size_t old = c->hdr_len, add = (size_t)(end - p);
            if (add > HDR_MAX - old) add = HDR_MAX - old;
            memcpy(c->hdr + old, p, add);
            size_t from = old > 3 ? old - 3 : 0;
            const char *q = memmem(c->hdr + from, old + add - from, "\r\n\r\n", 4);
            if (!q) {
                if (p + add < end) return -1; /* longer than HDR_MAX */
                c->hdr_len = old + add;
                return 0;
            }
            h = c->hdr;
            hlen = (size_t)(q + 4 - c->hdr);
            p += hlen - old;
            c->hdr_len = 0;
        }
        int r = parse_header(c, h, hlen);
        if (r < 0) return -1;
        memcpy(last_hdr, h, hlen);
        last_len = hlen;
        last_body = c->body_left;
        last_status = r;
        if (r > 0) errors++; /* well framed but not 200: count it, keep going */
        if (c->body_left == 0 && response_done(c) != 0) return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s HOST PORT CONNS DEPTH WARMUP_S SECONDS\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]), nconns = atoi(argv[3]);
    depth = atoi(argv[4]);
    double warmup = atof(argv[5]), seconds = atof(argv[6]);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "HOST must be a loopback IPv4 address (127.x.y.z)\n");
        return 2;
    }
    if (port < 1 || port > 65535 || nconns < 1 || nconns > MAX_CONNS || depth < 1 || depth > MAX_DEPTH ||
        warmup < 0 || seconds <= 0 || warmup + seconds > 3600) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    /* The request wrk.format(nil, "/") builds for http://HOST:PORT/. */
    char req[128];
    int req_len = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s:%d\r\n\r\n", host, port);
    batch_len = (size_t)req_len * (size_t)depth;
    batch = malloc(batch_len);
    for (int i = 0; i < depth; i++) memcpy(batch + (size_t)i * req_len, req, (size_t)req_len);

    struct conn *conns = calloc((size_t)nconns, sizeof *conns);
    char *buf = malloc(RBUF);
    int ep = epoll_create1(0), open_conns = nconns;
    for (int i = 0; i < nconns; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        struct timeval limit = {.tv_sec = 1};
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit); /* connect and send */
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            perror("connect");
            return 1;
        }
        conns[i].fd = fd;
        /* Edge-triggered, read until a short read (as bench_server.c does): no re-poll per wait. */
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    for (int i = 0; i < nconns; i++)
        if (send_batch(&conns[i]) != 0) { perror("send"); return 1; }

    uint64_t start = clock_ns(CLOCK_MONOTONIC), measure_from = start + (uint64_t)(warmup * 1e9),
             end = measure_from + (uint64_t)(seconds * 1e9), cpu0 = 0;
    struct epoll_event evs[256];
    for (;;) {
        uint64_t t = clock_ns(CLOCK_MONOTONIC);
        if (t >= end) break;
        if (!measuring && t >= measure_from) {
            measuring = 1;
            cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
        }
        int n = epoll_wait(ep, evs, 256, 100);
        for (int k = 0; k < n; k++) {
            struct conn *c = &conns[evs[k].data.u32];
            for (;;) {
                ssize_t r = recv(c->fd, buf, RBUF, MSG_DONTWAIT);
                if (r < 0 && errno == EINTR) continue;
                if (r < 0 && errno == EAGAIN) break;
                if (r <= 0 || consume(c, buf, (size_t)r) != 0) { /* closed, failed, unparsable */
                    errors++;
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    close(c->fd);
                    open_conns--;
                    break;
                }
                if (r < RBUF) break; /* a short read drained the socket: more data is a new edge */
            }
        }
    }
    uint64_t cpu = measuring ? clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0 : 0;
    printf("req_per_sec=%.0f errors=%llu conns=%d client_cpu_us_per_req=%.3f\n", count / seconds,
           (unsigned long long)errors, open_conns, count ? cpu / 1e3 / count : 0.0);
    return 0;
}
