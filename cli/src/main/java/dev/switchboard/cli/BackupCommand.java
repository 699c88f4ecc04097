package dev.switchboard.cli;

import dev.switchboard.cli.backup.BackupException;
import dev.switchboard.cli.backup.Backups;
import dev.switchboard.cli.backup.Manifest;
import dev.switchboard.analytics.clickhouse.ClickHouseConnection;
import dev.switchboard.platform.config.SwitchboardConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "Back up Switchboard's topics (records, settings, schemas, group offsets) and analytics tables into a "
                + "folder, verify a backup, or restore one into an empty stack.",
        subcommands = {BackupCommand.CreateCommand.class, BackupCommand.VerifyCommand.class, BackupCommand.RestoreCommand.class})
final class BackupCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Write a backup of every llm.* topic (but llm.chunks) and the analytics app's own topics into DIR: per "
                    + "partition an Avro container file, the schemas its records name, topic settings and where every group had "
                    + "read to; and the ClickHouse analytics tables, whole, when analytics writes to ClickHouse.")
    static final class CreateCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "A new folder for the backup.")
        Path dir;
        @Option(names = "--since", paramLabel = "PREV",
                description = "An earlier backup to continue: only records written after it are copied (incremental).")
        Path since;
        @Option(names = "--skip-clickhouse", description = "Back up the topics alone, not the ClickHouse analytics tables.")
        boolean skipClickHouse;
        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() throws Exception {
            StackConnection c = new StackConnection(config);
            try (ClickHouseConnection clickhouse = skipClickHouse ? null : analyticsTables(c)) {
                Steps steps = new Steps();
                Manifest m = run(() -> new Backups(c.clients, c.codec.registry(), clickhouse).create(dir, since, steps.bar("tables"),
                        steps.bar("topics")));
                steps.finish();
                List<List<String>> rows = m.topics().stream().map(t -> List.of(t.name(), Integer.toString(t.partitions()),
                        Long.toString(t.records()), Integer.toString(m.groupsReading(t.name())))).toList();
                System.out.print(Table.of(List.of("TOPIC", "PARTITIONS", "RECORDS", "GROUPS"), rows));
                if (m.clickhouse() != null) {
                    System.out.print(tablesTable(m.clickhouse().tables()));
                }
                System.out.printf("%d records of %d topics and %d schemas%s in %s%s%n", m.records(), m.topics().size(), m.schemas().size(),
                        m.clickhouse() == null ? "" : ", " + m.clickhouse().rows() + " rows of " + m.clickhouse().tables().size()
                                + " ClickHouse tables", dir, m.base() == null ? "" : " (after " + since + ")");
                return 0;
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check a backup (and the backups it continues): every file's checksum and record count, "
                    + "and that every schema a record names is in it. Exit 1 when a part is damaged.")
    static final class VerifyCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "The backup's folder.")
        Path dir;

        @Override
        public Integer call() throws Exception {
            ProgressBar bar = new ProgressBar(System.err);
            List<Backups.Checked> checked = run(() -> Backups.verify(dir, bar::update));
            bar.finish();
            List<List<String>> rows = checked.stream().map(k -> List.of(k.topic(), k.partition() < 0 ? "-" : Integer.toString(k.partition()),
                    Long.toString(k.records()), k.intact() ? "ok" : k.problem())).toList();
            System.out.print(Table.of(List.of("TOPIC", "PARTITION", "RECORDS", "STATE"), rows));
            long damaged = checked.stream().filter(k -> !k.intact()).count();
            System.out.printf("%d parts, %d records, %s%n", checked.size(), checked.stream().mapToLong(Backups.Checked::records).sum(),
                    damaged == 0 ? "all intact" : damaged + " damaged");
            return damaged == 0 ? 0 : 1;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Restore the backup in DIR into a Kafka cluster whose llm.* topics are empty or missing, before "
                    + "Switchboard's services run (for the embedded stack: `switchboard dev --restore DIR --data-dir NEW`): verifies the backup, creates the "
                    + "topics, registers the schemas, writes the records to the same partitions in order and moves every group "
                    + "to where it had read to, so nothing is processed twice.")
    static final class RestoreCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "The backup's folder (an incremental one brings its bases).")
        Path dir;
        @Option(names = "--skip-clickhouse", description = "Restore the topics alone, not the backup's ClickHouse analytics tables.")
        boolean skipClickHouse;
        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() throws Exception {
            StackConnection c = new StackConnection(config);
            try (ClickHouseConnection clickhouse = skipClickHouse ? null : analyticsTables(c)) {
                restore(c, dir, clickhouse, skipClickHouse);
            }
            return 0;
        }
    }

    /**
     * Restores {@code dir} into the stack {@code config} names (which answers), drawing progress and the
     * summary; its analytics tables into the ClickHouse {@code config} names when {@code withClickHouse}
     * (refused when the backup holds tables and there is none, unless {@code skipTables}).
     */
    static void restore(SwitchboardConfig config, Path dir, boolean withClickHouse, boolean skipTables) {
        try {
            StackConnection c = new StackConnection(config);
            try (ClickHouseConnection clickhouse = withClickHouse && !skipTables ? c.clickhouse() : null) {
                restore(c, dir, clickhouse, skipTables);
            }
        } catch (CliException e) {
            throw e;
        } catch (Exception e) {
            throw new CliException("the restore failed: " + e.getMessage(), 1);
        }
    }

    private static void restore(StackConnection c, Path dir, ClickHouseConnection clickhouse, boolean skipTables) throws Exception {
        Steps steps = new Steps();
        Backups.Restoration restored = run(() -> new Backups(c.clients, c.codec.registry(), clickhouse).restore(dir, skipTables,
                steps.bar("verify"), steps.bar("topics"), steps.bar("tables")));
        steps.finish();
        List<List<String>> rows = restored.topics().stream().map(r -> List.of(r.topic(), Integer.toString(r.partitions()),
                Long.toString(r.records()), Integer.toString(r.groupsMoved()))).toList();
        System.out.print(Table.of(List.of("TOPIC", "PARTITIONS", "RECORDS", "GROUPS MOVED"), rows));
        if (!restored.tables().isEmpty()) {
            System.out.print(tablesTable(restored.tables()));
        }
        System.out.printf("%d records restored into %s%s%n", restored.topics().stream().mapToLong(Backups.Restored::records).sum(),
                c.config.bootstrapServers(), restored.tables().isEmpty() ? "" : ", " + restored.tables().stream()
                        .mapToLong(Manifest.TableEntry::rows).sum() + " rows into " + clickhouse.url());
    }

    /**
     * A progress bar per step of a command, on stderr, one line each: a step's first update ends the
     * line of the step drawn before it; a step that never reports draws nothing.
     */
    static final class Steps {
        private ProgressBar drawing;

        Backups.Progress bar(String label) {
            ProgressBar bar = new ProgressBar(System.err, label);
            return (done, total) -> {
                if (drawing != bar) {
                    finish();
                    drawing = bar;
                }
                bar.update(done, total);
            };
        }

        /** Ends the line of the step drawn last. */
        void finish() {
            if (drawing != null) {
                drawing.finish();
                drawing = null;
            }
        }
    }

    private static String tablesTable(List<Manifest.TableEntry> tables) {
        return Table.of(List.of("CLICKHOUSE TABLE", "ROWS"), tables.stream().map(t -> List.of(t.name(), Long.toString(t.rows()))).toList());
    }

    /** Whether the stack writes analytics to ClickHouse ({@code analytics.enabled}, {@code analytics.clickhouse.enabled}). */
    private static boolean analyticsConfigured(SwitchboardConfig config) {
        return config.analytics().enabled() && config.analytics().clickhouseEnabled();
    }

    /** The analytics ClickHouse to back up or restore into, which answers; null when the stack writes no analytics to ClickHouse. */
    private static ClickHouseConnection analyticsTables(StackConnection c) {
        if (!analyticsConfigured(c.config)) {
            return null;
        }
        try {
            return c.clickhouse();
        } catch (CliException e) {
            throw new CliException(e.getMessage() + " (--skip-clickhouse leaves the analytics tables out)", e.exitCode());
        }
    }

    interface Step<T> {
        T run() throws Exception;
    }

    /** Runs a step of the backup, turning what it refuses into an error naming the reason (exit 2). */
    static <T> T run(Step<T> step) throws Exception {
        try {
            return step.run();
        } catch (BackupException e) {
            throw new CliException(e.getMessage(), 2);
        }
    }
}
