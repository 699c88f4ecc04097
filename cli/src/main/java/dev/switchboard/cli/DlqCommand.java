package dev.switchboard.cli;

import dev.switchboard.avro.AttemptSummary;
import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.Header;
import dev.switchboard.platform.dlq.DeadLetterEntry;
import dev.switchboard.platform.dlq.DeadLetterFilter;
import dev.switchboard.platform.dlq.DeadLetterLog;
import dev.switchboard.platform.dlq.ReplayPlan;
import dev.switchboard.platform.dlq.Replayer;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.DeadLetters;
import dev.switchboard.platform.kafka.Topic;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.serde.AvroDeserializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = "Inspect and replay dead letters (llm.dlq).",
        subcommands = {DlqCommand.ListCommand.class, DlqCommand.ShowCommand.class, DlqCommand.ReplayCommand.class})
final class DlqCommand implements Runnable {

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The filters shared by list and replay. */
    /** The error classes, for shell completion. */
    static final class ErrorClassCandidates implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Filters.ERROR_CLASSES.iterator();
        }
    }

    static final class Filters {
        /** The stages that dead-letter records, as {@code DeadLetter.stage} names them. */
        static final List<String> STAGES = List.of(dev.switchboard.planner.PlannerService.STAGE,
                dev.switchboard.router.RouterService.STAGE, dev.switchboard.provider.TaskOutcomes.STAGE,
                dev.switchboard.analytics.scoring.DeadLetterDeserializationHandler.STAGE);

        @Option(names = "--stage", paramLabel = "S", description = "One of: planner, router, provider-worker, analytics.")
        String stage;
        /** Every error class a dead letter can carry: the providers', the wire format's and the stages' own. */
        static final List<String> ERROR_CLASSES = java.util.stream.Stream.of(
                        java.util.Arrays.stream(dev.switchboard.provider.ErrorClass.values()).map(Enum::name),
                        java.util.Arrays.stream(dev.switchboard.schemas.serde.WireFormatException.Reason.values()).map(Enum::name),
                        dev.switchboard.platform.kafka.RejectedRecordException.CLASSES.stream(),
                        java.util.stream.Stream.of(dev.switchboard.analytics.scoring.DeadLetterDeserializationHandler.UNDECODABLE))
                .flatMap(s -> s).distinct().sorted().toList();

        @Option(names = "--error-class", paramLabel = "E", completionCandidates = ErrorClassCandidates.class,
                description = "One of the error classes (any case), e.g. UNKNOWN_MAGIC_BYTE, SERVER_ERROR, INVALID_REQUEST; "
                        + "a misspelt one is refused listing them all.")
        String errorClass;
        @Option(names = "--provider", paramLabel = "P", description = "Dead letters of llm.tasks.P.")
        String provider;
        @Option(names = "--tenant", paramLabel = "T", description = "Dead letters of tenant T.")
        String tenant;
        @Option(names = "--since", paramLabel = "TIME", converter = TimeConverter.class,
                description = "Failed at or after TIME: 2026-11-24T10:00:00Z, 2026-11-24 or an age such as 2h.")
        Instant since;
        @Option(names = "--until", paramLabel = "TIME", converter = TimeConverter.class, description = "Failed before TIME.")
        Instant until;

        DeadLetterFilter filter() {
            Choices.check("--stage", stage, STAGES);
            Choices.checkIgnoringCase("--error-class", errorClass, ERROR_CLASSES);
            return new DeadLetterFilter(stage, errorClass, provider, tenant, since, until);
        }
    }

    static String shorten(String s, int max) {
        String flat = flat(s);
        return flat.length() <= max ? flat : flat.substring(0, max - 1) + "…";
    }

    static String flat(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List dead letters, oldest first.")
    static final class ListCommand implements Callable<Integer> {
        @ArgGroup(exclusive = false)
        Filters filters = new Filters();
        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "Show at most the newest N (default: ${DEFAULT-VALUE}).")
        int limit;
        @Mixin
        OutputOptions output;
        @Mixin
        ConfigOptions config;

        static final List<String> COLUMNS = List.of("OFFSET", "FAILED AT (UTC)", "STAGE", "ERROR CLASS", "ORIGINAL", "REQUEST",
                "TENANT", "ATTEMPTS", "REPLAYED", "MESSAGE");

        @Override
        public Integer call() {
            DeadLetterFilter filter = filters.filter();
            boolean json = output.json();
            StackConnection c = new StackConnection(config);
            DeadLetterLog log = new DeadLetterLog(c.clients, c.codec);
            java.util.Set<String> replayed = log.replayed();
            List<DeadLetterEntry> all = log.entries();
            List<DeadLetterEntry> entries = all.stream().filter(filter).toList();
            List<DeadLetterEntry> shown = entries.subList(Math.max(0, entries.size() - limit), entries.size());
            List<List<String>> rows = new ArrayList<>();
            for (DeadLetterEntry e : shown) {
                DeadLetter l = e.letter();
                rows.add(List.of(e.id(), TIME.format(Instant.ofEpochMilli(l.getFailedAtMs())), l.getStage(), l.getErrorClass(),
                        l.getOriginalTopic() + "/" + l.getOriginalPartition() + "/" + l.getOriginalOffset(),
                        l.getRequestId() == null ? "-" : l.getRequestId(), e.tenantId() == null ? "-" : e.tenantId(),
                        Integer.toString(l.getAttempts()), replayed.contains(e.id()) ? "yes" : "no",
                        output.wide || json ? flat(l.getErrorMessage()) : shorten(l.getErrorMessage(), 60)));
            }
            if (json) {
                OutputOptions.print(OutputOptions.rows(COLUMNS, rows));
                return 0;
            }
            if (rows.isEmpty()) {
                System.out.println("No dead letters" + (all.isEmpty() ? "." : " match."));
                return 0;
            }
            if (output.wide) {
                System.out.print(output.table(COLUMNS, rows));
            } else {
                // The columns a person scans; --wide adds the stage, original record, tenant and attempts.
                List<Integer> narrow = List.of(0, 1, 3, 5, 8, 9);
                System.out.print(output.table(narrow.stream().map(COLUMNS::get).toList(),
                        rows.stream().map(r -> narrow.stream().map(r::get).toList()).toList(), "OFFSET", "REQUEST"));
            }
            System.out.println(shown.size() + " of " + entries.size() + " dead letters" + (shown.size() < entries.size()
                    ? " (the newest; --limit shows more)" : "") + ". Details: bin/switchboard dlq show OFFSET"
                    + (output.wide ? "" : "; every column: --wide"));
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one dead letter: why it failed, its attempts, headers and original record.")
    static final class ShowCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "OFFSET", description = "As 'dlq list' prints it: PARTITION/OFFSET (or OFFSET when it is unique).")
        String offset;
        @Option(names = "--content", description = "Also print message contents of the original record (they may hold personal data).")
        boolean content;
        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() {
            StackConnection c = new StackConnection(config);
            List<DeadLetterEntry> matches = new DeadLetterLog(c.clients, c.codec).entries().stream()
                    .filter(e -> e.id().equals(offset) || Long.toString(e.offset()).equals(offset)).toList();
            if (matches.isEmpty()) {
                throw new CliException("no dead letter at " + offset + " (see bin/switchboard dlq list)", 1);
            }
            if (matches.size() > 1) {
                throw new CliException("offset " + offset + " is on several partitions: "
                        + matches.stream().map(DeadLetterEntry::id).toList() + "; name one as PARTITION/OFFSET", 2);
            }
            DeadLetterEntry e = matches.getFirst();
            DeadLetter l = e.letter();
            Map<String, String> rows = new LinkedHashMap<>();
            rows.put("dead letter", Topics.DLQ.name() + " " + e.id());
            rows.put("failed at", TIME.format(Instant.ofEpochMilli(l.getFailedAtMs())) + " UTC");
            rows.put("stage", l.getStage());
            rows.put("error class", l.getErrorClass());
            rows.put("error", l.getErrorMessage());
            rows.put("original", l.getOriginalTopic() + " partition " + l.getOriginalPartition() + " offset " + l.getOriginalOffset());
            rows.put("request", String.valueOf(l.getRequestId()));
            rows.put("tenant", String.valueOf(e.tenantId()));
            rows.put("attempts", Integer.toString(l.getAttempts()));
            rows.put("replayed before", e.replayCount() + " time(s)");
            rows.put("key", l.getKey() == null ? "null" : printable(DeadLetters.bytes(l.getKey())));
            rows.put("value", l.getValue() == null ? "null" : DeadLetters.bytes(l.getValue()).length + " bytes");
            System.out.print(Table.of(rows));
            if (!e.history().isEmpty()) {
                System.out.println("\nAttempts before this one:");
                List<List<String>> history = new ArrayList<>();
                for (AttemptSummary a : e.history()) {
                    history.add(List.of(Integer.toString(a.getAttempt()), a.getProvider(), a.getModel(),
                            String.valueOf(a.getErrorClass()), a.getLatencyMs() + " ms"));
                }
                System.out.print(Table.of(List.of("ATTEMPT", "PROVIDER", "MODEL", "ERROR CLASS", "LATENCY"), history));
            }
            if (!l.getHeaders().isEmpty()) {
                System.out.println("\nHeaders:");
                List<List<String>> headers = new ArrayList<>();
                for (Header h : l.getHeaders()) {
                    headers.add(List.of(h.getKey(), h.getValue() == null ? "null" : printable(DeadLetters.bytes(h.getValue()))));
                }
                System.out.print(Table.of(List.of("KEY", "VALUE"), headers));
            }
            System.out.println("\nOriginal record:");
            System.out.println(original(c, l));
            return 0;
        }

        private String original(StackConnection c, DeadLetter l) {
            if (l.getValue() == null) {
                return "  (null)";
            }
            byte[] value = DeadLetters.bytes(l.getValue());
            try {
                Object record = AvroDeserializer.generic(c.codec.registry()).deserialize(l.getOriginalTopic(), value);
                String text = record.toString();
                if (!content) {
                    text = text.replaceAll("(\"content\": )\"(?:[^\"\\\\]|\\\\.)*\"", "$1\"…\"");
                }
                return "  " + text + (content ? "" : "\n  (message contents hidden; --content shows them)");
            } catch (RuntimeException ex) {
                return "  not decodable (" + ex.getMessage() + "); first bytes: "
                        + HexFormat.ofDelimiter(" ").formatHex(value, 0, Math.min(value.length, 32))
                        + (value.length > 32 ? " …" : "");
            }
        }

        private static String printable(byte[] bytes) {
            String s = new String(bytes, StandardCharsets.UTF_8);
            return s.chars().allMatch(ch -> ch >= 32 && ch < 0xFFFD) ? s : "0x" + HexFormat.of().formatHex(bytes);
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = {"Publish dead letters again, with their original key and headers, to their original topic (or --to).",
                    "Each dead letter is replayed once: a second run skips what the first replayed, also after an interruption.",
                    "Dead letters of requests replayed dlq.max.replays times already are parked on llm.dlq.parked instead."})
    static final class ReplayCommand implements Callable<Integer> {
        @ArgGroup(exclusive = false)
        Filters filters = new Filters();
        @Option(names = "--dry-run", description = "Show what would be replayed, with a histogram of reasons, and change nothing.")
        boolean dryRun;
        @Option(names = "--max", paramLabel = "N", defaultValue = "" + Integer.MAX_VALUE, description = "Replay at most N.")
        int max;
        @Option(names = "--rate", paramLabel = "N/s", converter = RateConverter.class, defaultValue = "0",
                description = "At most N records a second, e.g. 50/s (default: no limit).")
        double rate;
        @Option(names = "--to", paramLabel = "TOPIC", description = "Publish to TOPIC instead of each record's original topic.")
        String to;
        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() {
            DeadLetterFilter filter = filters.filter();
            StackConnection c = new StackConnection(config);
            // Replayed requests carry the operator's token: the planner lets an ops token act for the request's tenant.
            Replayer replayer = new Replayer(c.clients, c.codec, c.config.dlqMaxReplays(), c.operatorToken());
            ReplayPlan plan = replayer.plan(filter, max);
            printPlan(plan);
            if (dryRun || plan.total() == 0) {
                if (dryRun) {
                    System.out.println("Dry run: nothing was published.");
                }
                return 0;
            }
            ProgressBar bar = new ProgressBar(System.err);
            Thread replaying = Thread.currentThread();
            java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
            Thread onCtrlC = new Thread(() -> {
                if (!finished.get()) {
                    // Ctrl-C: stop after the record in hand and commit what was replayed, so a re-run resumes.
                    replayer.cancel();
                    try {
                        replaying.join(15_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }, "switchboard-replay-stop");
            Runtime.getRuntime().addShutdownHook(onCtrlC);
            Replayer.Result result;
            try {
                result = replayer.run(plan, to, rate, System.getProperty("user.name", "unknown"), bar::update);
            } finally {
                finished.set(true);
            }
            bar.finish();
            System.out.println("Replayed " + result.replayed() + ", parked " + result.parked()
                    + (result.interrupted() ? " (interrupted; run again to resume)" : "") + ". Audit record written to llm.audit.");
            return result.interrupted() ? 1 : 0;
        }

        private void printPlan(ReplayPlan plan) {
            System.out.println("Selected " + plan.total() + " dead letter(s): " + plan.replay().size() + " to replay"
                    + (to == null ? " to their original topics" : " to " + to) + ", " + plan.park().size()
                    + " to park; " + plan.alreadyReplayed() + " already replayed.");
            if (!plan.reasons().isEmpty()) {
                int width = plan.reasons().values().stream().max(Integer::compare).orElse(1);
                List<List<String>> rows = new ArrayList<>();
                plan.reasons().forEach((reason, count) -> rows.add(List.of(reason, Integer.toString(count),
                        "#".repeat(Math.max(1, (int) Math.round(30.0 * count / width))))));
                System.out.print(Table.of(List.of("ERROR CLASS", "COUNT", ""), rows));
            }
        }
    }

    /** Reads {@code 50/s} or {@code 50}. */
    static final class RateConverter implements picocli.CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            String v = value.trim().replaceAll("/s$", "");
            try {
                double rate = Double.parseDouble(v);
                if (rate < 0) {
                    throw new NumberFormatException();
                }
                return rate;
            } catch (NumberFormatException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a rate: use e.g. 50/s");
            }
        }
    }
}
