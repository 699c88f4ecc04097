package dev.switchboard.cli.backup;

import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.platform.Sha256;
import dev.switchboard.platform.kafka.DeadLetters;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import dev.switchboard.schemas.serde.ConfluentWireFormat;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;

/**
 * Backs up Switchboard's durable state into a folder and restores it into an empty stack.
 *
 * <p>A backup holds every {@code llm.*} topic but the ephemeral {@code llm.chunks}: per partition an
 * Avro container file of {@link #RECORD} (offset, timestamp, key, value, headers, bytes as they
 * were), the topic's settings, the value schemas the records name by id (from the Schema Registry),
 * and the committed offsets of every consumer group and the start offsets of every share group on
 * those topics. Records are copied as bytes, as they were. The analytics app's own topics (its
 * stores' changelogs and repartition topics, {@code switchboard-analytics-*}) are backed up with them,
 * so that its windows go on from where they were rather than start again empty. When the stack writes
 * analytics to ClickHouse, the backup also holds its tables ({@link ClickHouseTables}), whole.
 * An incremental backup reads each partition from where its base ended.
 *
 * <p>A restore needs topics that are empty or missing (the embedded stack restores before anything
 * else starts, {@code dev --restore}; any other cluster before Switchboard's services run): it
 * creates what is missing with the backed-up partition counts and settings, registers the schemas (the new registry may give other ids: each
 * value's id is rewritten, its Avro body untouched), writes the records to the same partitions in
 * order, and moves every group to the restored offset of the record it had read to, so that no
 * service reads anything twice. Offsets themselves are not kept: transaction markers and compacted
 * records leave gaps in the old ones, the new ones have none; so the records that name offsets (the
 * replay ledger, planner checkpoints) and the schema ids inside dead letters are moved with them.
 */
public final class Backups {

    /** One backed-up record. */
    static final Schema RECORD = SchemaBuilder.record("BackupRecord").namespace("dev.switchboard.backup")
            .doc("A Kafka record as it was: offset and timestamp in its partition, key, value and headers as bytes.")
            .fields()
            .requiredLong("offset")
            .requiredLong("timestamp")
            .optionalBytes("key")
            .optionalBytes("value")
            .name("headers").type().array().items(SchemaBuilder.record("Header").fields()
                    .requiredString("key").optionalBytes("value").endRecord()).noDefault()
            .endRecord();

    private static final Duration POLL = Duration.ofMillis(200);
    private static final int MAX_RECORD_BYTES = 64 * 1024 * 1024;
    private static final Set<String> SKIPPED = Set.of(Topics.CHUNKS.name());
    /** Topics whose records name offsets of other topics: restored after them, with the offsets moved. */
    private static final Set<String> NAMES_OFFSETS = Set.of(Topics.DLQ_REPLAYS, Topics.PLANNER_STATE.name());
    /** The fields of a planner checkpoint's manifest that hold offsets, with the topic whose offsets they are. */
    private static final Map<String, String> CHECKPOINT_OFFSETS = Map.of("feedbackOffsets", Topics.FEEDBACK.name(),
            "planOffsets", Topics.PLANS.name(), "attemptOffsets", Topics.ATTEMPTS.name());

    /** Progress of a long step: records done of a total. */
    public interface Progress {
        void update(long done, long total);

        Progress NONE = (done, total) -> {
        };
    }

    private final KafkaClients clients;
    private final SchemaRegistryClient registry;
    private final ClickHouseTables clickhouse;

    /** Backups of the topics only. */
    public Backups(KafkaClients clients, SchemaRegistryClient registry) {
        this(clients, registry, null);
    }

    /** Backups of the topics and, when {@code clickhouse} is not null, of the analytics tables in it. */
    public Backups(KafkaClients clients, SchemaRegistryClient registry, dev.switchboard.analytics.clickhouse.ClickHouseConnection clickhouse) {
        this.clients = clients;
        this.registry = registry;
        this.clickhouse = clickhouse == null ? null : new ClickHouseTables(clickhouse);
    }

    /** Whether a topic is backed up: Switchboard's but the ephemeral llm.chunks, and the analytics app's internal ones. */
    static boolean backedUp(String topic) {
        return (topic.startsWith("llm.") && !SKIPPED.contains(topic))
                || topic.startsWith(dev.switchboard.analytics.AnalyticsService.APPLICATION_ID + "-");
    }

    /**
     * Writes a backup of the stack into {@code dir} (created; must not hold a backup already).
     *
     * @param base a backup to continue from (incremental), or null for a full backup
     * @param tables progress of the ClickHouse tables' rows (when they are backed up)
     * @param progress progress of the topics' records
     */
    public Manifest create(Path dir, Path base, Progress tables, Progress progress) throws IOException, InterruptedException {
        if (Files.exists(dir.resolve(Manifest.FILE))) {
            throw new BackupException(dir + " holds a backup already: choose a new folder");
        }
        Manifest previous = base == null ? null : Manifest.read(base);
        Files.createDirectories(dir.resolve("topics"));
        Files.createDirectories(dir.resolve("schemas"));
        try (Admin admin = clients.admin("switchboard-backup")) {
            List<String> names = admin.listTopics().names().get().stream()
                    .filter(Backups::backedUp).sorted().toList();
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
            Map<String, Map<String, String>> configs = configs(admin, names);
            // Groups first: what they had read is then all in the backup, whatever they read meanwhile.
            List<Manifest.GroupOffset> groups = new ArrayList<>();
            List<Manifest.GroupOffset> shareGroups = new ArrayList<>();
            groupOffsets(admin, Set.copyOf(names), groups, shareGroups);
            // Then the tables, before the topics' ends are read: every row's record is in the backup, and the sink,
            // moved back to where it had read to, may write a row again, never miss one.
            Manifest.ClickHouseEntry tablesEntry = clickhouse == null ? null : clickhouse.dump(dir, tables);
            try (KafkaConsumer<byte[], byte[]> reader = clients.reader("switchboard-backup")) {
                List<TopicPartition> partitions = new ArrayList<>();
                for (String name : names) {
                    described.get(name).partitions().forEach(p -> partitions.add(new TopicPartition(name, p.partition())));
                }
                Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
                Map<TopicPartition, Long> starts = reader.beginningOffsets(partitions);
                Map<TopicPartition, Long> from = new LinkedHashMap<>();
                long total = 0;
                for (TopicPartition tp : partitions) {
                    long start = starts.get(tp);
                    if (previous != null) {
                        long ended = previousEnd(previous, tp);
                        if (ended < start) {
                            throw new BackupException(tp + " starts at offset " + start + " but " + base + " ended at " + ended
                                    + ": records in between were deleted (retention); make a full backup");
                        }
                        start = Math.max(start, ended);
                    }
                    from.put(tp, start);
                    total += Math.max(0, ends.get(tp) - start);
                }
                Map<Integer, String> schemaSubjects = new TreeMap<>();
                Map<String, List<Manifest.Part>> parts = copy(reader, partitions, from, ends, dir, schemaSubjects, total, progress);
                progress.update(total, total);
                List<Manifest.SchemaEntry> schemas = new ArrayList<>();
                for (Map.Entry<Integer, String> e : schemaSubjects.entrySet()) {
                    String file = "schemas/" + e.getKey() + ".avsc";
                    Files.writeString(dir.resolve(file), registry.schemaById(e.getKey()).toString(true));
                    schemas.add(new Manifest.SchemaEntry(e.getKey(), e.getValue(), file));
                }
                List<Manifest.TopicEntry> topics = names.stream().map(n -> new Manifest.TopicEntry(n,
                        described.get(n).partitions().size(), configs.get(n), parts.getOrDefault(n, List.of()))).toList();
                Manifest manifest = new Manifest(Manifest.FORMAT, System.currentTimeMillis(), clients.bootstrapServers(),
                        base == null ? null : dir.toAbsolutePath().relativize(base.toAbsolutePath()).toString(), topics, schemas,
                        groups, shareGroups, tablesEntry);
                manifest.write(dir);
                return manifest;
            }
        } catch (ExecutionException e) {
            throw new BackupException("Kafka refused a request of the backup: " + e.getCause().getMessage());
        }
    }

    private static long previousEnd(Manifest previous, TopicPartition tp) {
        return previous.topics().stream().filter(t -> t.name().equals(tp.topic())).flatMap(t -> t.parts().stream())
                .filter(p -> p.partition() == tp.partition()).mapToLong(Manifest.Part::to).findFirst().orElse(0L);
    }

    /** The topic settings set on each topic (not the broker's defaults): compaction, retention, message size. */
    private static Map<String, Map<String, String>> configs(Admin admin, List<String> names) throws ExecutionException, InterruptedException {
        List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
        Map<ConfigResource, Config> all = admin.describeConfigs(resources).all().get();
        Map<String, Map<String, String>> out = new TreeMap<>();
        all.forEach((resource, config) -> {
            Map<String, String> set = new TreeMap<>();
            for (ConfigEntry entry : config.entries()) {
                if (entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG && entry.value() != null) {
                    set.put(entry.name(), entry.value());
                }
            }
            out.put(resource.name(), set);
        });
        return out;
    }

    private static void groupOffsets(Admin admin, Set<String> topics, List<Manifest.GroupOffset> groups,
                                     List<Manifest.GroupOffset> shareGroups) throws ExecutionException, InterruptedException {
        for (GroupListing group : admin.listGroups().all().get()) {
            GroupType type = group.type().orElse(GroupType.CLASSIC);
            if (type == GroupType.SHARE) {
                Map<TopicPartition, SharePartitionOffsetInfo> offsets = admin.listShareGroupOffsets(
                        Map.of(group.groupId(), new ListShareGroupOffsetsSpec())).partitionsToOffsetInfo(group.groupId()).get();
                offsets.forEach((tp, info) -> {
                    if (info != null && topics.contains(tp.topic())) {
                        shareGroups.add(new Manifest.GroupOffset(group.groupId(), tp.topic(), tp.partition(), info.startOffset(), null));
                    }
                });
            } else if (type == GroupType.CLASSIC || type == GroupType.CONSUMER) {
                Map<TopicPartition, OffsetAndMetadata> offsets =
                        admin.listConsumerGroupOffsets(group.groupId()).partitionsToOffsetAndMetadata().get();
                offsets.forEach((tp, offset) -> {
                    if (offset != null && topics.contains(tp.topic())) {
                        groups.add(new Manifest.GroupOffset(group.groupId(), tp.topic(), tp.partition(), offset.offset(),
                                offset.metadata() == null || offset.metadata().isEmpty() ? null : offset.metadata()));
                    }
                });
            }
            // A Kafka Streams app on the classic protocol (analytics) is a classic group here. Groups of the streams
            // protocol (group.protocol=streams) are not read: Switchboard runs none.
        }
        java.util.Comparator<Manifest.GroupOffset> order = java.util.Comparator.comparing(Manifest.GroupOffset::group)
                .thenComparing(Manifest.GroupOffset::topic).thenComparingInt(Manifest.GroupOffset::partition);
        groups.sort(order);
        shareGroups.sort(order);
    }

    /**
     * Copies every partition from its {@code from} to its end into its container file, reading them all
     * at once; returns the parts per topic, in the order of {@code partitions}.
     */
    private Map<String, List<Manifest.Part>> copy(KafkaConsumer<byte[], byte[]> reader, List<TopicPartition> partitions,
                                                  Map<TopicPartition, Long> from, Map<TopicPartition, Long> ends, Path dir,
                                                  Map<Integer, String> schemaSubjects, long total, Progress progress)
            throws IOException {
        Map<TopicPartition, DataFileWriter<GenericRecord>> writers = new LinkedHashMap<>();
        Map<TopicPartition, long[]> counts = new LinkedHashMap<>();
        try {
            for (TopicPartition tp : partitions) {
                Path path = dir.resolve(file(tp));
                Files.createDirectories(path.getParent());
                DataFileWriter<GenericRecord> writer = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(RECORD));
                writer.setCodec(CodecFactory.deflateCodec(6));
                writer.setMeta("topic", tp.topic());
                writer.setMeta("partition", Integer.toString(tp.partition()));
                writers.put(tp, writer.create(RECORD, path.toFile()));
                counts.put(tp, new long[1]);
            }
            Set<TopicPartition> open = new java.util.HashSet<>();
            partitions.stream().filter(tp -> from.get(tp) < ends.get(tp)).forEach(open::add);
            reader.assign(open);
            open.forEach(tp -> reader.seek(tp, from.get(tp)));
            long done = 0;
            while (!open.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : reader.poll(POLL)) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() >= ends.get(tp)) {
                        continue;
                    }
                    writers.get(tp).append(toAvro(r));
                    Integer id = ConfluentWireFormat.schemaIdOrNull(r.value());
                    if (id != null) {
                        schemaSubjects.putIfAbsent(id, r.topic() + "-value");
                    }
                    counts.get(tp)[0]++;
                    progress.update(++done, total);
                }
                // With read_committed, aborted records and transaction markers are skipped: the position passes them.
                List<TopicPartition> finished = open.stream().filter(tp -> reader.position(tp) >= ends.get(tp)).toList();
                if (!finished.isEmpty()) {
                    finished.forEach(open::remove);
                    reader.assign(open);
                }
            }
        } finally {
            for (DataFileWriter<GenericRecord> writer : writers.values()) {
                writer.close();
            }
        }
        Map<String, List<Manifest.Part>> parts = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            parts.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(new Manifest.Part(tp.partition(), from.get(tp), ends.get(tp),
                    counts.get(tp)[0], file(tp), Sha256.hex(dir.resolve(file(tp)))));
        }
        return parts;
    }

    private static String file(TopicPartition tp) {
        return "topics/" + tp.topic() + "/" + tp.partition() + ".avro";
    }

    private static GenericRecord toAvro(ConsumerRecord<byte[], byte[]> r) {
        GenericRecord out = new GenericData.Record(RECORD);
        out.put("offset", r.offset());
        out.put("timestamp", r.timestamp());
        out.put("key", r.key() == null ? null : ByteBuffer.wrap(r.key()));
        out.put("value", r.value() == null ? null : ByteBuffer.wrap(r.value()));
        Schema headerSchema = RECORD.getField("headers").schema().getElementType();
        List<GenericRecord> headers = new ArrayList<>();
        for (Header h : r.headers()) {
            GenericRecord header = new GenericData.Record(headerSchema);
            header.put("key", h.key());
            header.put("value", h.value() == null ? null : ByteBuffer.wrap(h.value()));
            headers.add(header);
        }
        out.put("headers", headers);
        return out;
    }

    /**
     * What {@link #verify} found of one part of {@code records} records (as its manifest says): a
     * topic's partition, or a ClickHouse table's rows (partition -1).
     */
    public record Checked(String topic, int partition, long records, boolean intact, String problem) {
    }

    /**
     * Checks every part of the backup in {@code dir} (and of the backups it continues): its checksum,
     * its record count, and that every schema a record names is in the backup.
     */
    public static List<Checked> verify(Path dir, Progress progress) throws IOException {
        return verify(chain(dir), progress);
    }

    private static List<Checked> verify(List<Link> chain, Progress progress) throws IOException {
        List<Checked> out = verifyTopics(chain, progress);
        // A restore takes the tables of the newest backup alone: each backup holds them whole.
        Link last = chain.getLast();
        if (last.manifest().clickhouse() != null) {
            out.addAll(ClickHouseTables.verify(last.dir(), last.manifest().clickhouse()));
        }
        return out;
    }

    private static List<Checked> verifyTopics(List<Link> chain, Progress progress) throws IOException {
        List<Checked> out = new ArrayList<>();
        long total = records(chain);
        long done = 0;
        Set<Integer> schemas = new java.util.HashSet<>();
        chain.forEach(l -> l.manifest().schemas().forEach(s -> schemas.add(s.id())));
        for (Link link : chain) {
            Path d = link.dir();
            for (Manifest.TopicEntry topic : link.manifest().topics()) {
                for (Manifest.Part part : topic.parts()) {
                    Path file = d.resolve(part.file());
                    String problem = null;
                    long records = 0;
                    if (!Files.isRegularFile(file)) {
                        problem = "missing: " + file;
                    } else if (!Sha256.hex(file).equals(part.sha256())) {
                        problem = "checksum differs from the manifest's";
                    } else {
                        try (DataFileReader<GenericRecord> reader = new DataFileReader<>(file.toFile(), new GenericDatumReader<>(RECORD))) {
                            for (GenericRecord r : reader) {
                                records++;
                                Integer id = ConfluentWireFormat.schemaIdOrNull(bytes(r.get("value")));
                                if (id != null && !schemas.contains(id) && problem == null) {
                                    problem = "a record at offset " + r.get("offset") + " names schema " + id + ", which is not in the backup";
                                }
                            }
                        }
                        if (problem == null && records != part.records()) {
                            problem = records + " records, the manifest says " + part.records();
                        }
                    }
                    done += part.records();
                    progress.update(done, total);
                    out.add(new Checked(topic.name(), part.partition(), part.records(), problem == null, problem));
                }
            }
        }
        return out;
    }

    /** One backup of a chain: its folder and its manifest. */
    record Link(Path dir, Manifest manifest) {
    }

    /** The backups to restore, oldest first: {@code dir}'s bases, then {@code dir}, each manifest read once. */
    static List<Link> chain(Path dir) {
        List<Link> chain = new ArrayList<>();
        Path d = dir;
        while (d != null) {
            Path at = d.toAbsolutePath().normalize();
            if (chain.stream().anyMatch(l -> l.dir().equals(at))) {
                throw new BackupException(dir + ": its bases lead back to " + d);
            }
            Manifest m = Manifest.read(d);
            chain.addFirst(new Link(at, m));
            d = m.base() == null ? null : d.resolve(m.base()).normalize();
        }
        return chain;
    }

    private static long records(List<Link> chain) {
        return chain.stream().mapToLong(l -> l.manifest().records()).sum();
    }

    /** What a restore wrote into one topic. */
    public record Restored(String topic, int partitions, long records, int groupsMoved) {
    }

    /** What a restore wrote: per topic, and per ClickHouse table (none when the backup has none or they were skipped). */
    public record Restoration(List<Restored> topics, List<Manifest.TableEntry> tables) {
    }

    /**
     * Restores the backup in {@code dir} (with the backups it continues) into this stack, whose topics
     * (and analytics tables) must be empty or missing; refuses, before writing anything, a backup that
     * does not verify, and one with ClickHouse tables when this has no ClickHouse, unless {@code skipTables}.
     */
    public Restoration restore(Path dir, boolean skipTables, Progress verifying, Progress progress, Progress tablesProgress)
            throws IOException, InterruptedException {
        List<Link> chain = chain(dir);
        List<Checked> broken = verify(chain, verifying).stream().filter(c -> !c.intact()).toList();
        if (!broken.isEmpty()) {
            Checked first = broken.getFirst();
            throw new BackupException(dir + " does not verify (" + broken.size() + " parts): " + first.topic()
                    + (first.partition() < 0 ? "" : "-" + first.partition()) + " " + first.problem());
        }
        Manifest last = chain.getLast().manifest();
        Manifest.ClickHouseEntry tables = skipTables ? null : last.clickhouse();
        if (tables != null && clickhouse == null) {
            throw new BackupException("The backup holds " + tables.rows() + " rows of ClickHouse tables, but no ClickHouse is "
                    + "configured here (analytics.clickhouse.enabled, analytics.clickhouse.url; the dev stack runs one unless "
                    + "--infra-only or clickhouse-server is not installed): configure it, or restore the topics alone with --skip-clickhouse "
                    + "(backup restore and dev --restore take it)");
        }
        try (Admin admin = clients.admin("switchboard-restore")) {
            prepareTopics(admin, last);
            if (tables != null) {
                clickhouse.prepare(tables);
            }
            Map<Integer, Schema> schemas = new java.util.HashMap<>();
            Map<Integer, Integer> ids = registerSchemas(chain, schemas);
            // Per partition, the old offset of every restored record in order: a record's index is its new offset.
            Map<TopicPartition, long[]> oldOffsets = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
            long total = records(chain);
            long done = 0;
            java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
            // Records as large as any topic allows: each was written once already, so its topic takes it.
            try (KafkaProducer<byte[], byte[]> producer = clients.producer("switchboard-restore", MAX_RECORD_BYTES)) {
                for (Link link : chain) {
                    Path d = link.dir();
                    for (Manifest.TopicEntry topic : restoreOrder(link.manifest().topics())) {
                        for (Manifest.Part part : topic.parts()) {
                            TopicPartition tp = new TopicPartition(topic.name(), part.partition());
                            long[] offsets = oldOffsets.getOrDefault(tp, new long[0]);
                            int at = offsets.length;
                            offsets = java.util.Arrays.copyOf(offsets, at + (int) part.records());
                            try (DataFileReader<GenericRecord> reader = new DataFileReader<>(d.resolve(part.file()).toFile(),
                                    new GenericDatumReader<>(RECORD))) {
                                for (GenericRecord r : reader) {
                                    if (failed.get() != null) {
                                        break;
                                    }
                                    producer.send(toKafka(tp, r, ids, schemas, oldOffsets), (metadata, e) -> {
                                        if (e != null) {
                                            failed.compareAndSet(null, e);
                                        }
                                    });
                                    offsets[at++] = (Long) r.get("offset");
                                    progress.update(++done, total);
                                }
                            }
                            oldOffsets.put(tp, offsets);
                        }
                    }
                }
                producer.flush();
            }
            if (failed.get() != null) {
                throw new BackupException("Kafka refused a restored record (the restore stopped; delete the topics it wrote to "
                        + "before trying again): " + failed.get().getMessage());
            }
            progress.update(total, total);
            moveGroups(admin, last, oldOffsets);
            List<Manifest.TableEntry> restoredTables = new ArrayList<>();
            if (tables != null) {
                Path at = chain.getLast().dir();
                Map<TopicPartition, long[]> dlq = new java.util.HashMap<>();
                oldOffsets.forEach((tp, offsets) -> {
                    if (tp.topic().equals(Topics.DLQ.name())) {
                        dlq.put(tp, offsets);
                    }
                });
                try {
                    List<Long> rows = clickhouse.restore(at, tables, dlq, tablesProgress);
                    for (int i = 0; i < rows.size(); i++) {
                        Manifest.TableEntry t = tables.tables().get(i);
                        restoredTables.add(new Manifest.TableEntry(t.name(), rows.get(i), t.file(), t.sha256()));
                    }
                } catch (dev.switchboard.analytics.clickhouse.ClickHouseConnection.ClickHouseException e) {
                    throw new BackupException("The topics are restored, but ClickHouse at " + clickhouse.url() + " refused the "
                            + "analytics rows (empty its switchboard tables before trying again): " + e.getMessage());
                }
            }
            List<Restored> out = new ArrayList<>();
            for (Manifest.TopicEntry topic : last.topics()) {
                long records = oldOffsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic.name()))
                        .mapToLong(e -> e.getValue().length).sum();
                out.add(new Restored(topic.name(), topic.partitions(), records, last.groupsReading(topic.name())));
            }
            return new Restoration(out, restoredTables);
        } catch (ExecutionException e) {
            throw new BackupException("Kafka refused a request of the restore: " + e.getCause().getMessage());
        }
    }

    /** Creates the topics that are missing; refuses a topic that holds records or has fewer partitions than backed up. */
    private static void prepareTopics(Admin admin, Manifest manifest) throws ExecutionException, InterruptedException {
        Set<String> existing = admin.listTopics().names().get();
        List<String> present = manifest.topics().stream().map(Manifest.TopicEntry::name).filter(existing::contains).toList();
        Map<String, TopicDescription> described = present.isEmpty() ? Map.of() : admin.describeTopics(present).allTopicNames().get();
        Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new LinkedHashMap<>();
        described.values().forEach(d -> d.partitions().forEach(p ->
                latest.put(new TopicPartition(d.name(), p.partition()), org.apache.kafka.clients.admin.OffsetSpec.latest())));
        Map<TopicPartition, org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo> ends =
                latest.isEmpty() ? Map.of() : admin.listOffsets(latest).all().get();
        List<NewTopic> missing = new ArrayList<>();
        for (Manifest.TopicEntry topic : manifest.topics()) {
            TopicDescription d = described.get(topic.name());
            if (d == null) {
                missing.add(new NewTopic(topic.name(), topic.partitions(), (short) -1).configs(topic.configs()));
                continue;
            }
            if (d.partitions().size() < topic.partitions()) {
                throw new BackupException(topic.name() + " has " + d.partitions().size() + " partitions here and "
                        + topic.partitions() + " in the backup: delete it, or add partitions, before restoring");
            }
            long records = ends.entrySet().stream().filter(e -> e.getKey().topic().equals(topic.name()))
                    .mapToLong(e -> e.getValue().offset()).sum();
            if (records > 0) {
                throw new BackupException("A restore needs an empty stack, but " + topic.name() + " already has " + records
                        + " records (offsets written). Restore before anything writes to the cluster; for the embedded stack, "
                        + "into a new data folder: switchboard dev --restore BACKUP --data-dir NEW");
            }
        }
        if (!missing.isEmpty()) {
            admin.createTopics(missing).all().get();
        }
    }

    /** Registers every backed-up schema under its subject; returns old id to new id, and puts each schema by old id into {@code schemas}. */
    private Map<Integer, Integer> registerSchemas(List<Link> chain, Map<Integer, Schema> schemas) throws IOException {
        Map<Integer, Integer> ids = new java.util.HashMap<>();
        for (Link link : chain) {
            for (Manifest.SchemaEntry s : link.manifest().schemas()) {
                if (!ids.containsKey(s.id())) {
                    Schema schema = new Schema.Parser().parse(Files.readString(link.dir().resolve(s.file())));
                    schemas.put(s.id(), schema);
                    ids.put(s.id(), registry.register(s.subject(), schema));
                }
            }
        }
        return ids;
    }

    /**
     * The record to write for a backed-up one: its value's schema id rewritten to the new registry's;
     * for a dead letter, also the id in the original bytes it carries (else its replay could not be
     * read); for an entry of the replay ledger, the restored offset of the dead letter it names (else
     * a dead letter could be replayed twice, or not at all). {@code oldOffsets} holds what was
     * restored so far ({@link #restoreOrder} puts the topics named before those that name them); for
     * a planner checkpoint, the offsets of llm.plans, llm.attempts and llm.feedback it covers.
     */
    private static ProducerRecord<byte[], byte[]> toKafka(TopicPartition tp, GenericRecord r, Map<Integer, Integer> ids,
                                                          Map<Integer, Schema> schemas, Map<TopicPartition, long[]> oldOffsets) {
        byte[] key = bytes(r.get("key"));
        byte[] value = withNewId(bytes(r.get("value")), ids);
        if ((tp.topic().equals(Topics.DLQ.name()) || tp.topic().equals(Topics.DLQ_PARKED.name())) && value != null) {
            value = deadLetterWithNewIds(value, schemas.get(ConfluentWireFormat.schemaIdOrNull(bytes(r.get("value")))), ids);
        } else if (tp.topic().equals(Topics.PLANNER_STATE.name()) && value != null) {
            value = checkpointAtRestoredOffsets(value, schemas.get(ConfluentWireFormat.schemaIdOrNull(bytes(r.get("value")))), oldOffsets);
        } else if (tp.topic().equals(Topics.DLQ_REPLAYS) && key != null) {
            key = ledgerKey(new String(key, java.nio.charset.StandardCharsets.UTF_8), oldOffsets)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        List<Header> headers = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<GenericRecord> saved = (List<GenericRecord>) r.get("headers");
        for (GenericRecord h : saved) {
            headers.add(new RecordHeader(h.get("key").toString(), bytes(h.get("value"))));
        }
        return new ProducerRecord<>(tp.topic(), tp.partition(), (Long) r.get("timestamp"), key, value, headers);
    }

    /** The Avro body of a wire-format value, read with the schema it was written with. */
    private static GenericRecord decode(byte[] value, Schema writer) throws IOException {
        return new GenericDatumReader<GenericRecord>(writer).read(null,
                org.apache.avro.io.DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
    }

    /** {@code record} in the wire format, behind the magic byte and schema id of {@code value}. */
    private static byte[] encode(byte[] value, GenericRecord record, Schema writer) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(value.length);
        out.write(value, 0, 5);
        org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(writer).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /** The topics that name offsets of others (the replay ledger, planner checkpoints) come after those others. */
    static List<Manifest.TopicEntry> restoreOrder(List<Manifest.TopicEntry> topics) {
        List<Manifest.TopicEntry> out = new ArrayList<>(topics.stream().filter(t -> !NAMES_OFFSETS.contains(t.name())).toList());
        out.addAll(topics.stream().filter(t -> NAMES_OFFSETS.contains(t.name())).toList());
        return out;
    }

    /** A planner checkpoint's manifest (wire format, new id already) with the offsets it names moved to the restored ones. */
    static byte[] checkpointAtRestoredOffsets(byte[] value, Schema writer, Map<TopicPartition, long[]> oldOffsets) {
        if (writer == null) {
            return value;
        }
        try {
            GenericRecord state = decode(value, writer);
            boolean moved = false;
            for (Map.Entry<String, String> field : CHECKPOINT_OFFSETS.entrySet()) {
                if (writer.getField(field.getKey()) == null) {
                    continue;
                }
                @SuppressWarnings("unchecked")
                Map<Object, Object> offsets = (Map<Object, Object>) state.get(field.getKey());
                Map<String, Long> restored = new TreeMap<>();
                for (Map.Entry<Object, Object> e : offsets.entrySet()) {
                    long[] old = oldOffsets.get(new TopicPartition(field.getValue(), Integer.parseInt(e.getKey().toString())));
                    restored.put(e.getKey().toString(), restoredOffset(old, (Long) e.getValue()));
                    moved = true;
                }
                state.put(field.getKey(), restored);
            }
            if (!moved) {
                return value;
            }
            return encode(value, state, writer);
        } catch (IOException | RuntimeException e) {
            throw new BackupException("a planner checkpoint in the backup cannot be read with its own schema: " + e.getMessage());
        }
    }

    /** {@code value} with its wire-format schema id rewritten by {@code ids}; the same array when it has none or keeps its id. */
    static byte[] withNewId(byte[] value, Map<Integer, Integer> ids) {
        Integer old = ConfluentWireFormat.schemaIdOrNull(value);
        if (old == null || !ids.containsKey(old) || ids.get(old).equals(old)) {
            return value;
        }
        byte[] out = value.clone();
        ByteBuffer.wrap(out, 1, 4).putInt(ids.get(old));
        return out;
    }

    /** A dead letter (wire format, new id already) whose original value's schema id is rewritten too. */
    static byte[] deadLetterWithNewIds(byte[] value, Schema writer, Map<Integer, Integer> ids) {
        if (writer == null || writer.getField("value") == null) {
            return value;
        }
        try {
            GenericRecord letter = decode(value, writer);
            byte[] original = bytes(letter.get("value"));
            byte[] rewritten = withNewId(original, ids);
            if (rewritten == original) {
                return value;
            }
            letter.put("value", ByteBuffer.wrap(rewritten));
            return encode(value, letter, writer);
        } catch (IOException | RuntimeException e) {
            throw new BackupException("a dead letter in the backup cannot be read with its own schema: " + e.getMessage());
        }
    }

    /**
     * A ledger key ({@code partition/offset} of a dead letter on llm.dlq) naming the dead letter's
     * restored offset: a partition's restored records start at offset 0, wherever retention had moved
     * its start to.
     */
    static String ledgerKey(String key, Map<TopicPartition, long[]> oldOffsets) {
        int slash = key.indexOf('/');
        if (slash < 0) {
            return key;
        }
        try {
            int partition = Integer.parseInt(key.substring(0, slash));
            long offset = Long.parseLong(key.substring(slash + 1));
            long[] old = oldOffsets.get(new TopicPartition(Topics.DLQ.name(), partition));
            if (old == null || java.util.Arrays.binarySearch(old, offset) < 0) {
                // Its dead letter was not backed up (retention had taken it): a name no restored dead letter has.
                return key + "-expired";
            }
            return partition + "/" + restoredOffset(old, offset);
        } catch (NumberFormatException e) {
            return key;
        }
    }

    /** Moves every group to the restored offset of the record it had read to. */
    private void moveGroups(Admin admin, Manifest manifest, Map<TopicPartition, long[]> oldOffsets)
            throws ExecutionException, InterruptedException {
        Map<String, Map<TopicPartition, OffsetAndMetadata>> consumer = new TreeMap<>();
        for (Manifest.GroupOffset g : manifest.groupOffsets()) {
            TopicPartition tp = new TopicPartition(g.topic(), g.partition());
            consumer.computeIfAbsent(g.group(), k -> new LinkedHashMap<>())
                    .put(tp, new OffsetAndMetadata(restoredOffset(oldOffsets.get(tp), g.offset()), g.metadata()));
        }
        for (Map.Entry<String, Map<TopicPartition, OffsetAndMetadata>> e : consumer.entrySet()) {
            admin.alterConsumerGroupOffsets(e.getKey(), e.getValue()).all().get();
        }
        Map<String, Map<TopicPartition, Long>> share = new TreeMap<>();
        for (Manifest.GroupOffset g : manifest.shareGroupOffsets()) {
            TopicPartition tp = new TopicPartition(g.topic(), g.partition());
            share.computeIfAbsent(g.group(), k -> new LinkedHashMap<>()).put(tp, restoredOffset(oldOffsets.get(tp), g.offset()));
        }
        for (Map.Entry<String, Map<TopicPartition, Long>> e : share.entrySet()) {
            admin.alterShareGroupOffsets(e.getKey(), e.getValue()).all().get();
        }
    }

    /** The new offset of the first restored record at or after old offset {@code old}: how many restored records came before it. */
    static long restoredOffset(long[] oldOffsets, long old) {
        if (oldOffsets == null) {
            return 0;
        }
        int i = java.util.Arrays.binarySearch(oldOffsets, old);
        return i >= 0 ? i : -i - 1;
    }

    /** An Avro {@code bytes} field's value as an array, null as null. */
    private static byte[] bytes(Object avro) {
        return avro == null ? null : DeadLetters.bytes((ByteBuffer) avro);
    }
}
