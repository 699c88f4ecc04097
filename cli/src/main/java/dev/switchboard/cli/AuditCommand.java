package dev.switchboard.cli;

import dev.switchboard.avro.AuditEvent;
import dev.switchboard.platform.audit.AuditChain;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "The audit trail on llm.audit: who was refused, what operators did.",
        subcommands = AuditCommand.Verify.class)
final class AuditCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check that no record of llm.audit was changed, removed or put out of order.",
                    "Every writer (a process's edge, planner, replayer) chains its records: each carries its sequence number, "
                            + "the hash of the writer's previous record and its own. Prints each chain, and exits 1 naming the "
                            + "first break of any chain. The removed end of a chain, or a whole chain removed, cannot be found "
                            + "from the records alone: --clickhouse also compares the trail with ClickHouse's copy (audit_log), "
                            + "which keeps what was removed from the topic."})
    static final class Verify implements Callable<Integer> {

        @picocli.CommandLine.Option(names = "--clickhouse",
                description = "Also check ClickHouse's copy (switchboard.audit_log) and compare it with llm.audit: a chain or a "
                        + "chain's end in the copy but not in the topic was removed from the topic.")
        boolean clickhouse;

        @Mixin
        OutputOptions output;

        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() {
            boolean json = output.json();
            StackConnection c = new StackConnection(config);
            List<AuditChain.Entry> entries = new ArrayList<>();
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(TopicReader.readToEnd(c.clients,
                    List.of(Topics.AUDIT.name()), r -> r.value() != null));
            records.sort(Comparator.comparingInt((ConsumerRecord<byte[], byte[]> r) -> r.partition()).thenComparingLong(ConsumerRecord::offset));
            for (ConsumerRecord<byte[], byte[]> record : records) {
                AuditEvent event;
                try {
                    event = c.codec.decode(Topics.AUDIT, record.value());
                } catch (RuntimeException e) {
                    throw new CliException("llm.audit partition " + record.partition() + " offset " + record.offset()
                            + " is not an AuditEvent (" + e.getMessage() + "): the trail was written to by something else", 1);
                }
                entries.add(new AuditChain.Entry(record.partition(), record.offset(), event));
            }
            AuditChain.Report report = AuditChain.verify(entries);
            AuditChain.Report copyReport = null;
            AuditChain.Comparison comparison = null;
            if (clickhouse) {
                List<AuditChain.Entry> copy = clickhouseCopy(c);
                copyReport = AuditChain.verify(copy);
                comparison = AuditChain.compare(entries, copy);
            }
            List<List<String>> rows = new ArrayList<>();
            for (AuditChain.ChainReport chain : report.chains()) {
                rows.add(List.of(chain.writer(), Integer.toString(chain.records()), Instant.ofEpochMilli(chain.firstAtMs()).toString(),
                        Instant.ofEpochMilli(chain.lastAtMs()).toString(), chain.intact() ? "intact" : "BROKEN: " + chain.broken()));
            }
            List<String> columns = List.of("CHAIN", "RECORDS", "FIRST", "LAST", "STATUS");
            if (json) {
                if (comparison == null) {
                    OutputOptions.print(OutputOptions.rows(columns, rows));
                } else {
                    com.fasterxml.jackson.databind.node.ObjectNode document = OutputOptions.newObject();
                    document.set("chains", OutputOptions.rows(columns, rows));
                    document.put("clickhouseIntact", copyReport.intact());
                    comparison.missing().forEach(document.putArray("removed")::add);
                    comparison.behind().forEach(document.putArray("notCopiedYet")::add);
                    OutputOptions.print(document);
                }
            } else {
                System.out.print(output.table(columns, rows, "STATUS"));
                long broken = report.chains().stream().filter(ch -> !ch.intact()).count();
                System.out.println(report.chains().size() + " chain(s), " + (entries.size() - report.unchained()) + " chained record(s)"
                        + (report.unchained() > 0 ? ", " + report.unchained() + " written before chaining (not checked)" : "")
                        + ": " + (broken == 0 ? "intact." : broken + " broken."));
                if (comparison != null) {
                    printComparison(copyReport, comparison);
                }
            }
            boolean copyIntact = copyReport == null || copyReport.intact() && comparison.agree();
            return report.intact() && copyIntact ? 0 : 1;
        }

        private static void printComparison(AuditChain.Report copyReport, AuditChain.Comparison comparison) {
            System.out.println();
            for (AuditChain.ChainReport chain : copyReport.chains()) {
                if (!chain.intact()) {
                    System.out.println("ClickHouse copy of " + chain.writer() + " BROKEN: " + chain.broken());
                }
            }
            comparison.missing().forEach(line -> System.out.println("REMOVED from llm.audit: " + line));
            comparison.behind().forEach(line -> System.out.println("not in ClickHouse yet: " + line));
            System.out.println("ClickHouse copy: " + copyReport.chains().size() + " chain(s), "
                    + (copyReport.intact() ? "intact" : "broken") + "; "
                    + (comparison.agree() ? "nothing it holds is missing from llm.audit." : comparison.missing().size()
                    + " difference(s) with llm.audit."));
        }

        /** ClickHouse's copy of the trail, as entries to verify (partition -1: not from Kafka). */
        private static List<AuditChain.Entry> clickhouseCopy(StackConnection stack) {
            com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            List<AuditChain.Entry> copy = new ArrayList<>();
            try (dev.switchboard.analytics.clickhouse.ClickHouseConnection ch = stack.clickhouse()) {
                long row = 0;
                for (com.fasterxml.jackson.databind.JsonNode r : ch.query("SELECT event_id, actor, action, target, outcome, details, "
                        + "ts_ms FROM switchboard.audit_log FINAL ORDER BY ts_ms, event_id")) {
                    java.util.Map<String, String> details = new java.util.LinkedHashMap<>();
                    mapper.readTree(r.get("details").asText()).properties().forEach(e -> details.put(e.getKey(), e.getValue().asText()));
                    AuditEvent event = AuditEvent.newBuilder().setEventId(r.get("event_id").asText()).setActor(r.get("actor").asText())
                            .setAction(r.get("action").asText()).setTarget(r.get("target").asText()).setOutcome(r.get("outcome").asText())
                            .setDetails(details).setAtMs(Long.parseLong(r.get("ts_ms").asText())).build();
                    copy.add(new AuditChain.Entry(-1, row++, event));
                }
            } catch (dev.switchboard.analytics.clickhouse.ClickHouseConnection.ClickHouseException e) {
                throw new CliException(e.getMessage(), 3);
            } catch (java.io.IOException e) {
                throw new CliException("ClickHouse's audit_log holds details that are not JSON: " + e.getMessage(), 1);
            }
            // In chain order, as the topic holds them.
            copy.sort(Comparator.comparing((AuditChain.Entry e) -> e.event().getDetails().getOrDefault(AuditChain.WRITER, ""))
                    .thenComparingLong(e -> seqOf(e.event())));
            return copy;
        }

        private static long seqOf(AuditEvent event) {
            try {
                return Long.parseLong(event.getDetails().getOrDefault(AuditChain.SEQ, "0"));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }
}
