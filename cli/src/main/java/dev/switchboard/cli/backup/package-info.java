/**
 * Backup and restore of Switchboard's durable state: the topics that are its source of truth, the
 * value schemas they use, and where every consumer and share group had read to. Hand-written: Kafka
 * has no backup tool of its own (MirrorMaker 2 copies between live clusters, a standby rather than a
 * backup into files), and the files are
 * Avro container files, readable with avro-tools without Switchboard.
 */
package dev.switchboard.cli.backup;
