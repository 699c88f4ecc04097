-- One row per dead letter, across restores. Until V008 a dead letter's row was keyed by its place in
-- llm.dlq (dlq_partition, dlq_offset). A restored llm.dlq starts again at offset 0 (switchboard backup
-- restore): its dead letters' rows are moved to their new offsets, but the rows of dead letters that
-- retention had deleted before the backup keep their old ones, and a new dead letter at such an offset
-- replaced that row. The key now also holds the time the dead letter was written (ts_ms) and the
-- record it holds (original topic, partition and offset): the same record inserted twice is still one
-- row, two dead letters are two rows. The table is swapped as in
-- V005: the old one is kept as dead_letters_v007 and its rows are copied over; each statement can run again.

RENAME TABLE switchboard.dead_letters TO switchboard.dead_letters_v007;

CREATE TABLE IF NOT EXISTS switchboard.dead_letters (
    dlq_partition UInt32,
    dlq_offset UInt64,
    original_topic String,
    original_partition UInt32,
    original_offset UInt64,
    stage String,
    error_class String,
    error_message String,
    request_id String,
    attempts UInt32,
    ts DateTime,
    ts_ms UInt64
) ENGINE = ReplacingMergeTree(ts_ms) PARTITION BY toYYYYMM(ts) ORDER BY (dlq_partition, dlq_offset, ts_ms, original_topic, original_partition, original_offset);

INSERT INTO switchboard.dead_letters (dlq_partition, dlq_offset, original_topic, original_partition, original_offset, stage,
    error_class, error_message, request_id, attempts, ts, ts_ms)
SELECT dlq_partition, dlq_offset, original_topic, original_partition, original_offset, stage,
    error_class, error_message, request_id, attempts, ts, ts_ms
FROM switchboard.dead_letters_v007;
