/*
 * bench_server: the C peer of ksock's benchmarks. One thread, one epoll set, four services on
 * 127.0.0.1 (ephemeral ports unless given):
 *   echo   - writes back what it reads (TCP_NODELAY)
 *   http   - TechEmpower plaintext: answers every complete "GET ...\r\n\r\n" with
 *            "Hello, World!", pipelined requests of one read answered in one write
 *   sink   - reads and discards (bulk transfer)
 *   accept - accepts and closes at once (accept rate)
 * It prints "ready echo=P http=P sink=P accept=P" and runs until standard input closes.
 * Connections are edge-triggered and drained until EAGAIN; listeners are level-triggered.
 * Deliberately plain: what a careful C programmer writes in an afternoon, the floor the JVM
 * servers are compared to.
 * Usage: bench_server
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
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum kind { ECHO, HTTP, SINK, ACCEPT, NKINDS };
static const char *kind_names[NKINDS] = {"echo", "http", "sink", "accept"};

#define BUF (64 * 1024)
#define MAX_REQUEST 8192 /* a longer unfinished request closes the connection */
#define MIN_REQUEST 16   /* shorter "requests" are refused, so the output stays bounded */
#define RESP_MAX 256
#define STDIN_TAG ((void *)1)
/* Every peer asks for 1024; ksock's sock_listen clamps it to Darwin SOMAXCONN (128). */
#define BACKLOG 1024

struct conn {
    int fd;
    enum kind kind;
    size_t partial_len;     /* http: bytes of an unfinished request kept in partial */
    char *partial;          /* http: allocated on first need, MAX_REQUEST bytes */
    char *pending;          /* echo/http: output the socket did not take, sent on EPOLLOUT */
    size_t pending_off, pending_len;
};

struct listener {
    int fd;
    enum kind kind;
};

static char in_buf[BUF + MAX_REQUEST]; /* an unfinished request, then a full read */
static char out_buf[(BUF + MAX_REQUEST) / MIN_REQUEST * RESP_MAX + RESP_MAX];
static char response[RESP_MAX];
static size_t response_len;
static time_t response_second = -1;

/* The Date line changes once a second; rebuild the whole response then, not per request. */
static void refresh_response(void) {
    time_t now = time(NULL);
    if (now == response_second) return;
    response_second = now;
    char date[64];
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    response_len = (size_t)snprintf(response, sizeof response,
                                    "HTTP/1.1 200 OK\r\nServer: K\r\nDate: %s\r\n"
                                    "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!",
                                    date);
}

static void close_conn(struct conn *c) {
    close(c->fd);
    free(c->partial);
    free(c->pending);
    free(c);
}

/* Writes data; keeps what the socket refuses in c->pending. 0 = all sent, 1 = blocked, -1 = error. */
static int send_all(struct conn *c, const char *data, size_t len) {
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(c->fd, data + off, len - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) return -1;
            c->pending = malloc(len - off);
            memcpy(c->pending, data + off, len - off);
            c->pending_off = 0;
            c->pending_len = len - off;
            return 1;
        }
        off += (size_t)n;
    }
    return 0;
}

static int flush_pending(struct conn *c) {
    while (c->pending_off < c->pending_len) {
        ssize_t n = send(c->fd, c->pending + c->pending_off, c->pending_len - c->pending_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN ? 1 : -1;
        }
        c->pending_off += (size_t)n;
    }
    free(c->pending);
    c->pending = NULL;
    return 0;
}

/* Answers the complete requests in buf[0..len); keeps an unfinished tail. -1 closes. */
static int serve_http(struct conn *c, char *buf, size_t len) {
    refresh_response();
    size_t out = 0, start = 0;
    for (size_t i = 3; i < len; i++) {
        if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r' && i >= start + 3) {
            if (i + 1 - start < MIN_REQUEST) return -1;
            memcpy(out_buf + out, response, response_len);
            out += response_len;
            start = i + 1;
        }
    }
    size_t tail = len - start;
    if (tail > MAX_REQUEST) return -1;
    if (tail > 0) {
        if (!c->partial) c->partial = malloc(MAX_REQUEST);
        memmove(c->partial, buf + start, tail);
    }
    c->partial_len = tail;
    return out ? send_all(c, out_buf, out) : 0;
}

static void on_conn(struct conn *c) {
    if (c->pending) {
        int r = flush_pending(c);
        if (r < 0) { close_conn(c); return; }
        if (r > 0) return; /* still blocked: stop reading until the next EPOLLOUT */
    }
    for (;;) {
        char *buf = in_buf;
        size_t have = 0;
        if (c->kind == HTTP && c->partial_len) {
            memcpy(in_buf, c->partial, c->partial_len); /* keep requests contiguous */
            have = c->partial_len;
        }
        ssize_t n = recv(c->fd, buf + have, BUF, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return;
            close_conn(c);
            return;
        }
        if (n == 0) { close_conn(c); return; }
        int r = 0;
        if (c->kind == ECHO) r = send_all(c, buf, (size_t)n);
        else if (c->kind == HTTP) r = serve_http(c, buf, have + (size_t)n);
        if (r < 0) { close_conn(c); return; }
        if (r > 0) return;
        if (n < BUF) return; /* a short read drained the queue; the next data is a new edge */
    }
}

static int listen_on(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, BACKLOG) != 0) {
        perror("bind/listen");
        exit(1);
    }
    return fd;
}

static int port_of(int fd) {
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    return ntohs(a.sin_port);
}

int main(void) {
    int ep = epoll_create1(0);
    static struct listener ls[NKINDS];
    for (int k = 0; k < NKINDS; k++) {
        ls[k].fd = listen_on(0);
        ls[k].kind = (enum kind)k;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &ls[k]};
        epoll_ctl(ep, EPOLL_CTL_ADD, ls[k].fd, &ev);
    }
    struct epoll_event sev = {.events = EPOLLIN, .data.ptr = STDIN_TAG};
    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &sev);
    printf("ready");
    for (int k = 0; k < NKINDS; k++) printf(" %s=%d", kind_names[k], port_of(ls[k].fd));
    printf("\n");
    fflush(stdout);

    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0 && errno == EINTR) continue;
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == STDIN_TAG) {
                char b[256];
                if (read(0, b, sizeof b) <= 0) return 0;
                continue;
            }
            if (p >= (void *)ls && p < (void *)(ls + NKINDS)) {
                struct listener *l = p;
                for (;;) {
                    int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK);
                    if (fd < 0) break;
                    if (l->kind == ACCEPT) { close(fd); continue; }
                    int one = 1;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *c = calloc(1, sizeof *c);
                    c->fd = fd;
                    c->kind = l->kind;
                    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            on_conn(p);
        }
    }
}
