package dev.switchboard.cli.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a backup folder holds ({@code manifest.json}, written last: a folder without one is not a
 * backup): per topic its partitions, settings and one Avro container file per partition with the
 * offsets it covers; the value schemas the records name by id; where every group had read to; and,
 * when the stack writes analytics to ClickHouse, every analytics table's rows.
 *
 * @param base the backup this one continues (incremental), relative to this one's folder, or null for a full one
 * @param clickhouse the analytics tables, whole in every backup (an incremental one too), or null when none were backed up
 */
public record Manifest(int format, long createdAtMs, String bootstrapServers, String base, List<TopicEntry> topics,
                       List<SchemaEntry> schemas, List<GroupOffset> groupOffsets, List<GroupOffset> shareGroupOffsets,
                       ClickHouseEntry clickhouse) {

    public static final String FILE = "manifest.json";
    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A topic: its partition count, the settings it was created with, and a part per partition. */
    public record TopicEntry(String name, int partitions, Map<String, String> configs, List<Part> parts) {
        public long records() {
            return parts.stream().mapToLong(Part::records).sum();
        }
    }

    /** One partition's records from offset {@code from} (inclusive) to {@code to} (exclusive), in {@code file}. */
    public record Part(int partition, long from, long to, long records, String file, String sha256) {
    }

    /** A value schema by the id records carry in the wire format, with the subject it was registered under. */
    public record SchemaEntry(int id, String subject, String file) {
    }

    /**
     * Where a group had read a partition to: a consumer group's committed offset (with the metadata it
     * was committed with), a share group's start offset (metadata null).
     */
    public record GroupOffset(String group, String topic, int partition, long offset, String metadata) {
    }

    /** The analytics tables: the migration version their schema was at, and each table's rows. */
    public record ClickHouseEntry(int schemaVersion, List<TableEntry> tables) {
        public long rows() {
            return tables.stream().mapToLong(TableEntry::rows).sum();
        }
    }

    /** One ClickHouse table's rows ({@code database.table}), one JSON object per line in a gzip file. */
    public record TableEntry(String name, long rows, String file, String sha256) {
    }

    public long records() {
        return topics.stream().mapToLong(TopicEntry::records).sum();
    }

    /** How many groups, consumer and share, had read {@code topic}. */
    public int groupsReading(String topic) {
        return (int) java.util.stream.Stream.concat(groupOffsets.stream(), shareGroupOffsets.stream())
                .filter(g -> g.topic().equals(topic)).map(GroupOffset::group).distinct().count();
    }

    void write(Path dir) throws IOException {
        Files.writeString(dir.resolve(FILE), JSON.writeValueAsString(this));
    }

    /** The manifest of the backup in {@code dir}; an error naming the folder when it has none or cannot be read. */
    public static Manifest read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new BackupException(dir + " is not a backup: it has no " + FILE);
        }
        try {
            Manifest m = JSON.readValue(file.toFile(), Manifest.class);
            if (m.format() != FORMAT) {
                throw new BackupException(file + " is of format " + m.format() + "; this version reads format " + FORMAT);
            }
            return m;
        } catch (IOException e) {
            throw new BackupException(file + " cannot be read: " + e.getMessage());
        }
    }
}
