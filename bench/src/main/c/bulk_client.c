/*
 * bulk_client: the sender of ksock's bulk-transfer benchmark. One TCP connection to HOST:PORT,
 * blocking 64 KiB writes as fast as the server drains them: WARMUP_S seconds unmeasured, then
 * SECONDS measured. Prints one line:
 *   mb_per_sec=<n> bytes=<n> seconds=<n>
 * (MB = 10^6 bytes). The sender is the bound on 2 cores, so the server's CPU per MB is the
 * figure that separates servers; the script reads that from /proc.
 * Usage: bulk_client HOST PORT WARMUP_S SECONDS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s HOST PORT WARMUP_S SECONDS\n", argv[0]);
        return 2;
    }
    double warmup = atof(argv[3]), seconds = atof(argv[4]);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
        fprintf(stderr, "bad IPv4 address %s\n", argv[1]);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        return 1;
    }
    /* A send timeout bounds the run even if the server stops reading. */
    struct timeval tv = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    static char chunk[CHUNK];
    memset(chunk, 'b', sizeof chunk);
    double start = now_s(), from = start + warmup, end = from + seconds, t = start;
    uint64_t bytes = 0;
    while (t < end) {
        ssize_t n = send(fd, chunk, CHUNK, MSG_NOSIGNAL);
        t = now_s();
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("send");
            return 1;
        }
        if (t >= from) bytes += (uint64_t)n;
    }
    printf("mb_per_sec=%.0f bytes=%llu seconds=%.3f\n", bytes / 1e6 / seconds, (unsigned long long)bytes, seconds);
    close(fd);
    return 0;
}
