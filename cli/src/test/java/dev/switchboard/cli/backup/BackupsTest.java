package dev.switchboard.cli.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackupsTest {

    @TempDir
    Path dir;

    @Test
    void aGroupMovesToTheRestoredOffsetOfTheRecordItHadReadTo() {
        // Old offsets with gaps (transaction markers at 1 and 4, a compacted record at 6): new offsets are 0..4.
        long[] old = {0, 2, 3, 5, 7};
        assertThat(Backups.restoredOffset(old, 0)).isZero();
        assertThat(Backups.restoredOffset(old, 1)).isEqualTo(1);
        assertThat(Backups.restoredOffset(old, 3)).isEqualTo(2);
        assertThat(Backups.restoredOffset(old, 4)).isEqualTo(3);
        assertThat(Backups.restoredOffset(old, 6)).isEqualTo(4);
        assertThat(Backups.restoredOffset(old, 8)).isEqualTo(5);
        assertThat(Backups.restoredOffset(null, 12)).isZero();
    }

    @Test
    void theSchemaIdIsReadOnlyFromTheWireFormat() {
        assertThat(dev.switchboard.schemas.serde.ConfluentWireFormat.schemaIdOrNull(new byte[] {0, 0, 0, 1, 7, 42})).isEqualTo(263);
        assertThat(dev.switchboard.schemas.serde.ConfluentWireFormat.schemaIdOrNull(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 1})).isNull();
        assertThat(dev.switchboard.schemas.serde.ConfluentWireFormat.schemaIdOrNull(new byte[] {0, 0, 0, 1})).isNull();
        assertThat(dev.switchboard.schemas.serde.ConfluentWireFormat.schemaIdOrNull(null)).isNull();
    }

    @Test
    void aDeadLettersOriginalBytesGetTheNewSchemaIdAndTheRestStaysAsItWas() throws Exception {
        dev.switchboard.avro.DeadLetter letter = dev.switchboard.avro.DeadLetter.newBuilder().setOriginalTopic("llm.tasks.sim-flaky")
                .setOriginalPartition(2).setOriginalOffset(41).setKey(java.nio.ByteBuffer.wrap(new byte[] {7}))
                .setValue(java.nio.ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 15, 2, 4, 6})).setStage("provider-worker")
                .setErrorClass("SERVER_ERROR").setErrorMessage("503").setRequestId("r-1").setAttempts(1).setFailedAtMs(5).build();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {0, 0, 0, 0, 9});
        org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<>(dev.switchboard.avro.DeadLetter.class).write(letter, encoder);
        encoder.flush();
        byte[] wire = out.toByteArray();

        java.util.Map<Integer, Integer> ids = java.util.Map.of(9, 3, 15, 6);
        byte[] restored = Backups.deadLetterWithNewIds(Backups.withNewId(wire, ids), dev.switchboard.avro.DeadLetter.getClassSchema(), ids);

        assertThat(dev.switchboard.schemas.serde.ConfluentWireFormat.schemaIdOrNull(restored)).isEqualTo(3);
        dev.switchboard.avro.DeadLetter read = new org.apache.avro.specific.SpecificDatumReader<>(dev.switchboard.avro.DeadLetter.class)
                .read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(restored, 5, restored.length - 5, null));
        assertThat(read.getValue().array()).containsExactly(0, 0, 0, 0, 6, 2, 4, 6);
        assertThat(read.getOriginalOffset()).isEqualTo(41);
        assertThat(read.getRequestId()).isEqualTo("r-1");
        assertThat(read.getKey().array()).containsExactly(7);
        // Ids the new registry kept: the same bytes.
        assertThat(Backups.deadLetterWithNewIds(wire, dev.switchboard.avro.DeadLetter.getClassSchema(), java.util.Map.of(9, 9, 15, 15)))
                .isSameAs(wire);
    }

    @Test
    void aLedgerEntryNamesTheRestoredOffsetOfItsDeadLetter() {
        java.util.Map<org.apache.kafka.common.TopicPartition, long[]> restored = java.util.Map.of(
                new org.apache.kafka.common.TopicPartition("llm.dlq", 1), new long[] {0, 2, 4, 9});
        assertThat(Backups.ledgerKey("1/9", restored)).isEqualTo("1/3");
        assertThat(Backups.ledgerKey("1/2", restored)).isEqualTo("1/1");
        // A dead letter the backup does not hold (retention took it) must not name a restored one.
        assertThat(Backups.ledgerKey("1/1", restored)).isEqualTo("1/1-expired");
        assertThat(Backups.ledgerKey("0/5", restored)).isEqualTo("0/5-expired");
        assertThat(Backups.ledgerKey("junk", restored)).isEqualTo("junk");
    }

    @Test
    void aPlannerCheckpointNamesTheRestoredOffsetsOfWhatItCovers() throws Exception {
        dev.switchboard.avro.PlannerState manifest = dev.switchboard.avro.PlannerState.newBuilder().setCheckpointId("c1")
                .setCreatedAtMs(5).setPart("manifest").setParts(List.of("c1/model/a"))
                .setPlanOffsets(java.util.Map.of("0", 5L)).setFeedbackOffsets(java.util.Map.of("1", 3L))
                .setAttemptOffsets(java.util.Map.of("2", 0L)).build();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {0, 0, 0, 0, 4});
        org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<>(dev.switchboard.avro.PlannerState.class).write(manifest, encoder);
        encoder.flush();
        java.util.Map<org.apache.kafka.common.TopicPartition, long[]> restored = java.util.Map.of(
                new org.apache.kafka.common.TopicPartition("llm.plans", 0), new long[] {0, 2, 4, 6},
                new org.apache.kafka.common.TopicPartition("llm.feedback", 1), new long[] {1, 2});

        byte[] moved = Backups.checkpointAtRestoredOffsets(out.toByteArray(), dev.switchboard.avro.PlannerState.getClassSchema(), restored);

        dev.switchboard.avro.PlannerState read = new org.apache.avro.specific.SpecificDatumReader<>(dev.switchboard.avro.PlannerState.class)
                .read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(moved, 5, moved.length - 5, null));
        assertThat(read.getPlanOffsets()).containsExactly(java.util.Map.entry("0", 3L));
        assertThat(read.getFeedbackOffsets()).containsExactly(java.util.Map.entry("1", 2L));
        assertThat(read.getAttemptOffsets()).containsExactly(java.util.Map.entry("2", 0L));
        assertThat(read.getParts()).containsExactly("c1/model/a");
        assertThat(dev.switchboard.schemas.serde.ConfluentWireFormat.schemaIdOrNull(moved)).isEqualTo(4);
    }

    @Test
    void aDeadLettersRowNamesItsRestoredOffsetAndOneWhoseRecordWasNotBackedUpKeepsItsOwn() {
        java.util.Map<org.apache.kafka.common.TopicPartition, long[]> restored = java.util.Map.of(
                new org.apache.kafka.common.TopicPartition("llm.dlq", 1), new long[] {4, 6, 9});
        String row = "{\"dlq_partition\":1,\"dlq_offset\":9,\"error_class\":\"TOO_SHORT\",\"ts\":1795546800,\"ts_ms\":1795546800123}";
        assertThat(ClickHouseTables.atRestoredOffset(row, restored))
                .isEqualTo(row.replace("\"dlq_offset\":9", "\"dlq_offset\":2"));
        // Retention had deleted offset 2 before the backup; partition 0 had no record backed up at all.
        String expired = row.replace("\"dlq_offset\":9", "\"dlq_offset\":2");
        assertThat(ClickHouseTables.atRestoredOffset(expired, restored)).isEqualTo(expired);
        String other = row.replace("\"dlq_partition\":1", "\"dlq_partition\":0");
        assertThat(ClickHouseTables.atRestoredOffset(other, restored)).isEqualTo(other);
        assertThatThrownBy(() -> ClickHouseTables.atRestoredOffset("{\"dlq_partition\":", restored))
                .isInstanceOf(BackupException.class).hasMessageContaining("switchboard.dead_letters");
    }

    @Test
    void analyticsAppTopicsAreBackedUpAndEphemeralOnesAreNot() {
        assertThat(Backups.backedUp("llm.requests")).isTrue();
        assertThat(Backups.backedUp("switchboard-analytics-provider-window-stats-changelog")).isTrue();
        assertThat(Backups.backedUp("llm.chunks")).isFalse();
        assertThat(Backups.backedUp("__consumer_offsets")).isFalse();
        assertThat(Backups.backedUp("other-app-changelog")).isFalse();
    }

    @Test
    void topicsThatNameOffsetsOfOthersAreRestoredAfterThem() {
        List<Manifest.TopicEntry> sorted = java.util.stream.Stream.of("llm.attempts", "llm.dlq", "llm.dlq.replays", "llm.planner-state",
                "llm.plans", "llm.requests").map(n -> new Manifest.TopicEntry(n, 1, java.util.Map.of(), List.of())).toList();
        assertThat(Backups.restoreOrder(sorted)).extracting(Manifest.TopicEntry::name).containsExactly("llm.attempts", "llm.dlq",
                "llm.plans", "llm.requests", "llm.dlq.replays", "llm.planner-state");
    }

    @Test
    void anIncrementalBackupBringsItsBasesOldestFirst() throws Exception {
        Path full = dir.resolve("full");
        Path second = dir.resolve("second");
        Path third = dir.resolve("third");
        manifest(full, null);
        manifest(second, "../full");
        manifest(third, "../second");
        assertThat(Backups.chain(third)).extracting(Backups.Link::dir).containsExactly(full, second, third);

        manifest(full.resolve("loop"), "../../third");
        java.nio.file.Files.delete(full.resolve(Manifest.FILE));
        manifest(full, "loop");
        assertThatThrownBy(() -> Backups.chain(third)).isInstanceOf(BackupException.class).hasMessageContaining("its bases lead back to");
        assertThatThrownBy(() -> Backups.chain(dir.resolve("none"))).isInstanceOf(BackupException.class)
                .hasMessageContaining("is not a backup: it has no manifest.json");
    }

    private static void manifest(Path dir, String base) throws Exception {
        java.nio.file.Files.createDirectories(dir);
        new Manifest(Manifest.FORMAT, 0, "localhost:9092", base, List.of(), List.of(), List.of(), List.of(), null).write(dir);
    }
}
