package dev.ksock;

/**
 * {@code struct timeval}: a time interval in seconds and microseconds, as {@code sock_connectwait}
 * takes it. Values are checked by the function that uses them (XNU answers EDOM for a negative
 * second count or a microsecond count outside [0, 1000000)), not here.
 */
public record Timeval(long tv_sec, long tv_usec) {
}
