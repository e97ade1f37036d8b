/*
 * conn_client: the connection-handling load of ksock's benchmarks, two modes.
 *
 *   conn_client churn HOST PORT INFLIGHT WARMUP_S SECONDS
 *     Keeps INFLIGHT non-blocking connects going; a connection counts once the server has
 *     accepted and closed it (we read EOF). We then close with SO_LINGER 0 (RST), which
 *     removes the server's FIN_WAIT2 socket too, so neither side piles up TIME_WAIT and the
 *     ephemeral ports never run out. Prints: conns_per_sec=<n> errors=<n>
 *
 *   conn_client hold HOST PORT N MAX_S
 *     Opens N connections (paced, 64 at a time) and keeps them idle; prints "held N" once all are connected, then
 *     waits until standard input closes (or MAX_S seconds pass) and exits, closing them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in addr;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Starts a non-blocking connect and registers it; -1 if the host refuses a descriptor. */
static int start_connect(int ep) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = fd};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    return fd;
}

static void abort_close(int fd) {
    struct linger l = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

static int churn(int inflight, double warmup, double seconds) {
    int ep = epoll_create1(0);
    uint64_t count = 0, errors = 0;
    for (int i = 0; i < inflight; i++) {
        if (start_connect(ep) < 0) errors++;
    }
    double from = now_s() + warmup, end = from + seconds;
    struct epoll_event evs[256];
    char b[64];
    for (;;) {
        double t = now_s();
        if (t >= end) break;
        int n = epoll_wait(ep, evs, 256, 100);
        for (int k = 0; k < n; k++) {
            int fd = evs[k].data.fd;
            ssize_t r = recv(fd, b, sizeof b, MSG_DONTWAIT);
            if (r < 0 && errno == EAGAIN) continue;
            if (r == 0) {
                if (t >= from) count++;
            } else {
                errors++; /* refused, reset, or the server sent data: not what we measure */
            }
            epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
            abort_close(fd);
            if (start_connect(ep) < 0) errors++;
        }
    }
    printf("conns_per_sec=%.0f errors=%llu\n", count / seconds, (unsigned long long)errors);
    return 0;
}

static int hold(int n, double max_s) {
    int *fds = calloc((size_t)n, sizeof *fds);
    for (int i = 0; i < n; i++) {
        /* Pace: a connect completes before the server accepts, so a tight loop overflows a
           128-connection listen queue and the dropped SYNs cost 1 s retransmits each. Pausing
           after every 64 lets a single-threaded server keep up without timing it. */
        if (i % 64 == 63) usleep(3000);
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&addr, sizeof addr) != 0) {
            fprintf(stderr, "conn_client: connection %d of %d: %s\n", i + 1, n, strerror(errno));
            return 1;
        }
    }
    printf("held %d\n", n);
    fflush(stdout);
    struct pollfd p = {.fd = 0, .events = POLLIN};
    double end = now_s() + max_s;
    char b[256];
    while (now_s() < end) {
        if (poll(&p, 1, 200) > 0 && read(0, b, sizeof b) <= 0) break;
    }
    for (int i = 0; i < n; i++) abort_close(fds[i]);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 6 || (strcmp(argv[1], "churn") == 0 && argc != 7)) {
        fprintf(stderr, "usage: %s churn HOST PORT INFLIGHT WARMUP_S SECONDS\n"
                        "       %s hold HOST PORT N MAX_S\n", argv[0], argv[0]);
        return 2;
    }
    addr.sin_family = AF_INET;
    addr.sin_port = htons(atoi(argv[3]));
    if (inet_pton(AF_INET, argv[2], &addr.sin_addr) != 1) {
        fprintf(stderr, "bad IPv4 address %s\n", argv[2]);
        return 2;
    }
    if (strcmp(argv[1], "churn") == 0) return churn(atoi(argv[4]), atof(argv[5]), atof(argv[6]));
    if (strcmp(argv[1], "hold") == 0) return hold(atoi(argv[4]), atof(argv[5]));
    fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
}
