package dev.ksock.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code ksock demo}: the README's main job. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Moves data through the KPI inside one process and prints what it measured.")
final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("ksock demo: (being built)");
        return 0;
    }
}
