package dev.switchboard.cli.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.analytics.clickhouse.ClickHouseConnection;
import dev.switchboard.analytics.clickhouse.Migrations;
import dev.switchboard.platform.Sha256;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.common.TopicPartition;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The analytics tables in a backup: every table of the {@code switchboard} database but the views
 * (computed from the tables), the migration log, and the copies a migration kept of a table it
 * replaced ({@code attempts_v004}, {@code dead_letters_v007}, whose rows it copied over). Rows are read
 * merged ({@code FINAL}: one per natural key) as {@code JSONEachRow}, times as Unix seconds so that
 * no server's time zone shifts them, into one gzip file per table.
 *
 * <p>A restore applies the migrations, refuses tables that hold rows, and inserts the rows; a dead
 * letter's row is moved to the restored offset of its dead letter on {@code llm.dlq}, as the sink
 * would write it when reading that record. The backup reads the groups' positions before the tables
 * and the tables before the topics, so every row's record is in the backup and the sink, moved to
 * where it had read to, writes again only rows the tables may already hold, which their keys merge.
 */
final class ClickHouseTables {

    static final String DATABASE = "switchboard";
    static final String DEAD_LETTERS = DATABASE + ".dead_letters";
    private static final Set<String> VIEWS = Set.of("View", "MaterializedView", "LiveView");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 5_000;

    private final ClickHouseConnection clickhouse;

    ClickHouseTables(ClickHouseConnection clickhouse) {
        this.clickhouse = clickhouse;
    }

    String url() {
        return clickhouse.url();
    }

    /** The tables a backup holds, by name, with their engines. */
    private List<String[]> tables() {
        List<String[]> out = new ArrayList<>();
        for (JsonNode t : clickhouse.query("SELECT name, engine FROM system.tables WHERE database = '" + DATABASE + "' ORDER BY name")) {
            String name = t.get("name").asText();
            String engine = t.get("engine").asText();
            if (!VIEWS.contains(engine) && !name.equals("schema_migrations") && !name.matches(".*_v\\d{3}")) {
                out.add(new String[] {name, engine});
            }
        }
        return out;
    }

    /** The newest migration applied, 0 when none is. */
    private int schemaVersion() {
        boolean logged = !clickhouse.query("SELECT name FROM system.tables WHERE database = '" + DATABASE
                + "' AND name = 'schema_migrations'").isEmpty();
        if (!logged) {
            return 0;
        }
        return clickhouse.query("SELECT max(version) AS v FROM " + DATABASE + ".schema_migrations").getFirst().get("v").asInt();
    }

    /** Writes every table's rows into {@code dir}/clickhouse. */
    Manifest.ClickHouseEntry dump(Path dir, Backups.Progress progress) throws IOException {
        Files.createDirectories(dir.resolve("clickhouse"));
        List<String[]> tables = tables();
        long total = 0;
        for (String[] t : tables) {
            total += count(t[0], t[1]);
        }
        long[] done = {0};
        long all = total;
        List<Manifest.TableEntry> out = new ArrayList<>();
        for (String[] t : tables) {
            String file = "clickhouse/" + t[0] + ".jsonl.gz";
            Path path = dir.resolve(file);
            long rows;
            try (BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(path)),
                    StandardCharsets.UTF_8))) {
                rows = clickhouse.forEachRow(select(t[0], t[1]), line -> {
                    try {
                        writer.write(line);
                        writer.write('\n');
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    progress.update(++done[0], Math.max(all, done[0]));
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            out.add(new Manifest.TableEntry(DATABASE + "." + t[0], rows, file, Sha256.hex(path)));
        }
        progress.update(done[0], done[0]);
        return new Manifest.ClickHouseEntry(schemaVersion(), out);
    }

    private long count(String table, String engine) {
        return clickhouse.query("SELECT count() AS n FROM " + DATABASE + "." + table + final_(engine)).getFirst().get("n").asLong();
    }

    /** Merged rows (one per key) of the engines that merge; {@code DateTime} columns as Unix seconds. */
    private String select(String table, String engine) {
        List<String> columns = new ArrayList<>();
        for (JsonNode c : clickhouse.query("SELECT name, type FROM system.columns WHERE database = '" + DATABASE
                + "' AND table = '" + table + "'")) {
            String name = c.get("name").asText();
            String type = c.get("type").asText();
            columns.add(type.equals("DateTime") || type.startsWith("DateTime(") ? "toUInt32(" + name + ") AS " + name : name);
        }
        return "SELECT " + String.join(", ", columns) + " FROM " + DATABASE + "." + table + final_(engine);
    }

    private static String final_(String engine) {
        return engine.startsWith("Replacing") || engine.startsWith("Collapsing") || engine.startsWith("VersionedCollapsing")
                ? " FINAL" : "";
    }

    /** What {@link #verify} found of each table file: its checksum and row count against the manifest's. */
    static List<Backups.Checked> verify(Path dir, Manifest.ClickHouseEntry entry) throws IOException {
        List<Backups.Checked> out = new ArrayList<>();
        for (Manifest.TableEntry table : entry.tables()) {
            Path file = dir.resolve(table.file());
            String problem = null;
            if (!Files.isRegularFile(file)) {
                problem = "missing: " + file;
            } else if (!Sha256.hex(file).equals(table.sha256())) {
                problem = "checksum differs from the manifest's";
            } else {
                long rows = 0;
                try (BufferedReader reader = reader(file)) {
                    while (reader.readLine() != null) {
                        rows++;
                    }
                }
                if (rows != table.rows()) {
                    problem = rows + " rows, the manifest says " + table.rows();
                }
            }
            out.add(new Backups.Checked(table.name(), -1, table.rows(), problem == null, problem));
        }
        return out;
    }

    /**
     * Brings this ClickHouse's schema to the release's (the migrations) and checks that it can take the
     * backup's tables: each exists, and holds no rows. Writes nothing but the schema.
     */
    void prepare(Manifest.ClickHouseEntry entry) {
        Migrations.apply(clickhouse);
        int version = schemaVersion();
        if (entry.schemaVersion() > version) {
            throw new BackupException("The backup's ClickHouse tables are at migration V" + entry.schemaVersion()
                    + ", newer than this release's (V" + version + "): restore with the release that made it");
        }
        Set<String> present = new java.util.HashSet<>();
        tables().forEach(t -> present.add(DATABASE + "." + t[0]));
        for (Manifest.TableEntry table : entry.tables()) {
            if (!present.contains(table.name())) {
                throw new BackupException("The backup holds ClickHouse table " + table.name() + ", which " + clickhouse.url()
                        + " does not have after this release's migrations");
            }
            long rows = clickhouse.query("SELECT count() AS n FROM " + table.name()).getFirst().get("n").asLong();
            if (rows > 0) {
                throw new BackupException("A restore needs empty analytics tables, but " + table.name() + " at " + clickhouse.url()
                        + " already has " + rows + " rows. Restore into a new ClickHouse (for the embedded stack, a new data folder)");
            }
        }
    }

    /**
     * Inserts the backed-up rows ({@link #prepare} first); {@code dlqOffsets} is the old offset of each
     * restored record of {@code llm.dlq} by partition, in order (a record's index is its new offset).
     * Returns the rows restored per table, in the manifest's order.
     */
    List<Long> restore(Path dir, Manifest.ClickHouseEntry entry, Map<TopicPartition, long[]> dlqOffsets, Backups.Progress progress)
            throws IOException {
        long total = entry.rows();
        long done = 0;
        List<Long> out = new ArrayList<>();
        for (Manifest.TableEntry table : entry.tables()) {
            boolean deadLetters = table.name().equals(DEAD_LETTERS);
            List<String> batch = new ArrayList<>(BATCH);
            long rows = 0;
            try (BufferedReader reader = reader(dir.resolve(table.file()))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    batch.add(deadLetters ? atRestoredOffset(line, dlqOffsets) : line);
                    rows++;
                    if (batch.size() == BATCH) {
                        clickhouse.insert(table.name(), batch);
                        batch.clear();
                    }
                    progress.update(++done, total);
                }
            }
            clickhouse.insert(table.name(), batch);
            out.add(rows);
        }
        progress.update(total, total);
        return out;
    }

    /**
     * A dead letter's row at the restored offset of its dead letter; as it was when that dead letter
     * was not restored (retention had deleted it before the backup): the table's key also holds the
     * row's time, so a new dead letter at that offset is a row of its own.
     */
    static String atRestoredOffset(String row, Map<TopicPartition, long[]> dlqOffsets) {
        try {
            ObjectNode node = (ObjectNode) JSON.readTree(row);
            long[] old = dlqOffsets.get(new TopicPartition(Topics.DLQ.name(), node.get("dlq_partition").asInt()));
            int at = old == null ? -1 : Arrays.binarySearch(old, node.get("dlq_offset").asLong());
            if (at < 0) {
                return row;
            }
            return node.put("dlq_offset", (long) at).toString();
        } catch (IOException | RuntimeException e) {
            throw new BackupException("a row of " + DEAD_LETTERS + " in the backup cannot be read: " + e.getMessage());
        }
    }

    private static BufferedReader reader(Path file) throws IOException {
        return new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8));
    }
}
