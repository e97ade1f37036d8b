/*
 * echo_client: the shared load client of ksock's echo benchmarks. Opens N TCP connections to
 * HOST:PORT, keeps one MSG-byte message in flight on each (send, wait for the full echo, send
 * again) for SECONDS after a WARMUP, with one epoll thread, and prints one line:
 *   msgs_per_sec=<n> p50_us=<n> p99_us=<n> conns=<n> errors=<n>
 * It is the same client for every server, and no server controls it.
 * Usage: echo_client HOST PORT CONNS MSGBYTES WARMUP_S SECONDS
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

#define MAX_CONNS 4096
#define HIST_US 100000 /* latency histogram: 1 us buckets up to 100 ms */

struct conn {
    int fd;
    size_t got;
    uint64_t sent_at_ns;
};

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t hist[HIST_US + 1];

static int send_msg(struct conn *c, const char *msg, size_t len) {
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(c->fd, msg + off, len - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        off += (size_t)n;
    }
    c->got = 0;
    c->sent_at_ns = now_ns();
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s HOST PORT CONNS MSGBYTES WARMUP_S SECONDS\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]), nconns = atoi(argv[3]);
    size_t msglen = (size_t)atoi(argv[4]);
    double warmup = atof(argv[5]), seconds = atof(argv[6]);
    if (nconns < 1 || nconns > MAX_CONNS || msglen < 1 || msglen > 65536) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    struct sockaddr_storage ss;
    socklen_t sslen;
    memset(&ss, 0, sizeof ss);
    if (strchr(host, ':')) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        inet_pton(AF_INET6, host, &a->sin6_addr);
        sslen = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        inet_pton(AF_INET, host, &a->sin_addr);
        sslen = sizeof *a;
    }
    char *msg = malloc(msglen), *buf = malloc(65536);
    memset(msg, 'k', msglen);
    static struct conn conns[MAX_CONNS];
    int ep = epoll_create1(0);
    for (int i = 0; i < nconns; i++) {
        int fd = socket(ss.ss_family, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&ss, sslen) != 0) {
            perror("connect");
            return 1;
        }
        conns[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    for (int i = 0; i < nconns; i++) send_msg(&conns[i], msg, msglen);

    uint64_t start = now_ns(), measure_from = start + (uint64_t)(warmup * 1e9),
             end = measure_from + (uint64_t)(seconds * 1e9);
    uint64_t count = 0, errors = 0;
    struct epoll_event evs[256];
    for (;;) {
        uint64_t t = now_ns();
        if (t >= end) break;
        int n = epoll_wait(ep, evs, 256, 100);
        for (int k = 0; k < n; k++) {
            struct conn *c = &conns[evs[k].data.u32];
            ssize_t r = recv(c->fd, buf, msglen - c->got, MSG_DONTWAIT);
            if (r <= 0) {
                if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                errors++;
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                continue;
            }
            c->got += (size_t)r;
            if (c->got < msglen) continue;
            uint64_t done = now_ns();
            if (done >= measure_from) {
                count++;
                uint64_t us = (done - c->sent_at_ns) / 1000;
                hist[us > HIST_US ? HIST_US : us]++;
            }
            if (send_msg(c, msg, msglen) != 0) errors++;
        }
    }
    uint64_t p50 = 0, p99 = 0, acc = 0;
    for (uint64_t us = 0; us <= HIST_US; us++) {
        acc += hist[us];
        if (!p50 && acc * 100 >= count * 50) p50 = us ? us : 1;
        if (!p99 && acc * 100 >= count * 99) { p99 = us ? us : 1; break; }
    }
    printf("msgs_per_sec=%.0f p50_us=%llu p99_us=%llu conns=%d errors=%llu\n", count / seconds,
           (unsigned long long)p50, (unsigned long long)p99, nconns, (unsigned long long)errors);
    return 0;
}
