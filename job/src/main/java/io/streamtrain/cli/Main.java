package io.streamtrain.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code streamtrain} command line. */
@Command(name = "streamtrain", mixinStandardHelpOptions = true, version = "streamtrain 0.1.0",
        description = "Online neural-network training on Apache Flink, fed from Kafka.",
        subcommands = {LocalCommand.class, ProduceCommand.class, SqlScoreCommand.class, ReportCommand.class,
                BackendCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with its error handling: a config or data error prints one line, no stack trace. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println(cmd.getColorScheme().errorText("error: " + e.getMessage()));
                    if (!(e instanceof IllegalArgumentException || e instanceof java.io.FileNotFoundException)) {
                        e.printStackTrace(cmd.getErr());
                    }
                    return 1;
                });
    }
}
