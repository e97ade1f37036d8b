package dev.ksock.cli;

import dev.ksock.ErrnoException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ksock} command: picocli parses, the subcommands do the work, and this class turns
 * every failure into one line on stderr and an exit code — never a stack trace.
 */
@Command(name = "ksock", mixinStandardHelpOptions = true, version = "ksock 0.1.0",
        description = "The XNU kernel socket KPI on the JVM: demo, servers, netcat.",
        subcommands = {DemoCommand.class, ServeCommand.class, CatCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:a socket call failed (the message names the errno, e.g. EADDRINUSE)",
            "2:bad usage: unknown option, bad ADDR or value",
            "3:demo: data arrived corrupted",
            "130/143:a server stopped by SIGINT/SIGTERM"})
public final class Main {
    /** Success. */
    static final int EXIT_OK = 0;
    /** A KPI call returned an errno (or another I/O failure): the message says which. */
    static final int EXIT_FAILED = 1;
    /** Bad usage; picocli uses the same value for parse errors. */
    static final int EXIT_USAGE = 2;
    /** The demo found corrupted data. */
    static final int EXIT_CORRUPT = 3;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this in-process for --help). */
    static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            PrintWriter err = line.getErr();
            String who = line.getCommandSpec().qualifiedName();
            if (e instanceof ErrnoException) {
                err.println(who + ": " + e.getMessage());
                return EXIT_FAILED;
            }
            if (e instanceof UsageException) {
                err.println(who + ": " + e.getMessage());
                err.println("Try '" + who + " --help'.");
                return EXIT_USAGE;
            }
            // Anything else is a bug or an environment problem: say what, not where.
            err.println(who + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            return EXIT_FAILED;
        });
        return cl.execute(args);
    }
}
