package dev.switchboard.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code switchboard} command. */
@Command(name = "switchboard",
        mixinStandardHelpOptions = true,
        versionProvider = SwitchboardCli.Version.class,
        description = "A durable, Kafka-native router for LLM requests.",
        subcommands = {DevCommand.class, SendCommand.class, DlqCommand.class, TraceCommand.class, FeedbackCommand.class, TokenCommand.class, AuditCommand.class, StatsCommand.class, TopicsCommand.class, ToolsCommand.class, KbCommand.class, BackupCommand.class, BenchCommand.class, RunCommand.class, CommandLine.HelpCommand.class})
public final class SwitchboardCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (args.length > 0 && (java.util.Set.of("send", "dlq", "trace", "feedback", "stats", "topics", "tools", "bench", "backup").contains(args[0]))) {
            // A one-shot command: only errors belong on the terminal.
            System.setProperty("switchboard.log.level", "WARN");
            System.setProperty("switchboard.kafka.log.level", "OFF");
        }
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new SwitchboardCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CliException cliException) {
                commandLine.getErr().println(commandLine.getColorScheme().errorText("error: " + e.getMessage()));
                return cliException.exitCode();
            }
            throw e;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = SwitchboardCli.class.getPackage().getImplementationVersion();
            return new String[] {"switchboard " + (version == null ? "development build" : version)};
        }
    }
}
