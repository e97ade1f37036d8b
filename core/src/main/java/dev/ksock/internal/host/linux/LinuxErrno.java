package dev.ksock.internal.host.linux;

/** STUB (owner: constants helper). Darwin ⇄ Linux errno translation. */
public final class LinuxErrno {
    private LinuxErrno() {
    }

    /** The Darwin errno for a Linux errno; EIO for one with no counterpart. */
    public static int toDarwin(int linuxErrno) {
        throw new UnsupportedOperationException("stub");
    }

    /** The Linux errno for a Darwin errno; -1 if none. */
    public static int toLinux(int darwinErrno) {
        throw new UnsupportedOperationException("stub");
    }
}
