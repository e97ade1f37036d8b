package dev.ksock.cli;

/** A command line that parsed but cannot be carried out as given (exit code 2). */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
