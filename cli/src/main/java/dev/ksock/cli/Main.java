package dev.ksock.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ksock} command. */
@Command(name = "ksock", mixinStandardHelpOptions = true, version = "ksock 0.1.0",
        description = "The XNU kernel socket KPI on the JVM: demo, servers, netcat.",
        subcommands = {DemoCommand.class})
public final class Main {
    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        System.exit(code);
    }
}
