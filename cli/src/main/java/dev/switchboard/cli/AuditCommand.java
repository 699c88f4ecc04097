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
                            + "from the records alone."})
    static final class Verify implements Callable<Integer> {

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
            List<List<String>> rows = new ArrayList<>();
            for (AuditChain.ChainReport chain : report.chains()) {
                rows.add(List.of(chain.writer(), Integer.toString(chain.records()), Instant.ofEpochMilli(chain.firstAtMs()).toString(),
                        Instant.ofEpochMilli(chain.lastAtMs()).toString(), chain.intact() ? "intact" : "BROKEN: " + chain.broken()));
            }
            List<String> columns = List.of("CHAIN", "RECORDS", "FIRST", "LAST", "STATUS");
            if (json) {
                OutputOptions.print(OutputOptions.rows(columns, rows));
            } else {
                System.out.print(output.table(columns, rows, "STATUS"));
                long broken = report.chains().stream().filter(ch -> !ch.intact()).count();
                System.out.println(report.chains().size() + " chain(s), " + (entries.size() - report.unchained()) + " chained record(s)"
                        + (report.unchained() > 0 ? ", " + report.unchained() + " written before chaining (not checked)" : "")
                        + ": " + (broken == 0 ? "intact." : broken + " broken."));
            }
            return report.intact() ? 0 : 1;
        }
    }
}
