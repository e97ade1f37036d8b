package dev.ksock.internal.host.linux;

/** STUB (owner: constants helper). Darwin ⇄ Linux tables for families, types, flags, options, ioctls. */
public final class LinuxConstants {
    private LinuxConstants() {
    }

    /** Linux address family for a Darwin one, -1 if the host has none. */
    public static int familyToLinux(int darwinFamily) {
        throw new UnsupportedOperationException("stub");
    }

    /** Darwin address family for a Linux one, -1 if none. */
    public static int familyToDarwin(int linuxFamily) {
        throw new UnsupportedOperationException("stub");
    }

    /** Linux socket type for a Darwin one, -1 if none. */
    public static int typeToLinux(int darwinType) {
        throw new UnsupportedOperationException("stub");
    }

    /** Darwin MSG_* bits translated to Linux; bits with no Linux counterpart are dropped. */
    public static int msgFlagsToLinux(int darwinFlags) {
        throw new UnsupportedOperationException("stub");
    }

    /** Linux MSG_* bits (as returned in msg_flags) translated to Darwin. */
    public static int msgFlagsFromLinux(int linuxFlags) {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * The host option for a Darwin (level, name) pair that Linux has a direct counterpart for:
     * {@code ((long) linuxLevel << 32) | linuxName}, or -1 when there is none.
     */
    public static long sockoptToLinux(int darwinLevel, int darwinName) {
        throw new UnsupportedOperationException("stub");
    }

    /** The Linux ioctl request for a Darwin one, -1 if none. */
    public static long ioctlToLinux(long darwinRequest) {
        throw new UnsupportedOperationException("stub");
    }
}
