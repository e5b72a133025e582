package io.streamtrain.bench;

import io.streamtrain.cli.Main;

/**
 * The {@code streamtrain} command line with the {@code bench} subcommand added: what
 * {@code bin/streamtrain bench} runs, on the bench module's class path (which holds the peers'
 * libraries that the job's class path must not).
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        System.exit(Main.commandLine().addSubcommand(new BenchCommand()).execute(args));
    }
}
