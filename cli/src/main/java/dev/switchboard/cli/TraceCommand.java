package dev.switchboard.cli;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanAnalysis;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.platform.kafka.ReplayHeaders;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "trace", mixinStandardHelpOptions = true,
        description = {"Show everything the log holds about one request, in time order: the request, its plan, "
                + "each task and attempt, replies and dead letters, replays included; then its trace's spans as a "
                + "waterfall, when analytics writes them to ClickHouse.",
                "Reads the topics from the beginning: meant for development stacks and investigations."})
final class TraceCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REQUEST_ID")
    String requestId;

    @Option(names = "--spans", description = "Show only the span waterfall (from ClickHouse switchboard.spans); "
            + "with --output json, the spans instead of the log's records.")
    boolean spansOnly;

    @Mixin
    OutputOptions output;

    @Mixin
    ConfigOptions config;

    private static final List<String> COLUMNS = List.of("TIME (UTC)", "SINCE", "RECORD", "WHAT", "REPLAY");

    private record Event(long timestamp, String where, String what, String replay) {
    }

    @Override
    public Integer call() throws Exception {
        boolean json = output.json();
        StackConnection c = new StackConnection(config);
        List<String> topics;
        try (Admin admin = c.clients.admin("switchboard-trace")) {
            topics = admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith("llm.") && !t.equals(Topics.DLQ_REPLAYS) && !t.equals(Topics.AUDIT.name())
                            && !t.equals(Topics.FEEDBACK.name()))
                    .sorted().collect(Collectors.toCollection(ArrayList::new));
        }
        List<Event> events = new ArrayList<>();
        String replyTo = null;
        for (ConsumerRecord<byte[], byte[]> record : read(c, topics)) {
            Event event = describe(c, record);
            if (event != null) {
                events.add(event);
            }
            if (record.topic().equals(Topics.REQUESTS.name()) && event != null) {
                replyTo = c.codec.decode(Topics.REQUESTS, record.value()).getReplyTo();
            }
        }
        if (replyTo != null && !topics.contains(replyTo)) {
            for (ConsumerRecord<byte[], byte[]> record : read(c, List.of(replyTo))) {
                Event event = describe(c, record);
                if (event != null) {
                    events.add(event);
                }
            }
        }
        if (events.isEmpty()) {
            throw new CliException("nothing in the log for request " + requestId, 1);
        }
        events.sort(Comparator.comparingLong(Event::timestamp));
        List<List<String>> rows = new ArrayList<>();
        long first = events.getFirst().timestamp();
        for (Event e : events) {
            rows.add(List.of(DlqCommand.TIME.format(Instant.ofEpochMilli(e.timestamp())), "+" + (e.timestamp() - first) + " ms",
                    e.where(), e.what(), e.replay()));
        }
        List<List<String>> spans = spans(c);
        if (json) {
            OutputOptions.print(spansOnly ? OutputOptions.rows(SpanWaterfall.COLUMNS, spans) : OutputOptions.rows(COLUMNS, rows));
            return 0;
        }
        if (!spansOnly) {
            System.out.print(output.table(COLUMNS, rows, "RECORD"));
        }
        if (!spans.isEmpty()) {
            System.out.println();
            System.out.print(output.table(SpanWaterfall.COLUMNS, spans, "SPAN", "TIMELINE"));
        }
        return 0;
    }

    /**
     * The waterfall's rows from ClickHouse, or none (said on stderr) when ClickHouse is off or has no
     * span of the request yet: spans are exported within a few seconds of their end.
     */
    private List<List<String>> spans(StackConnection c) {
        if (!c.config.analytics().enabled() || !c.config.analytics().clickhouseEnabled()) {
            System.err.println("No spans: analytics does not write to ClickHouse here (analytics.enabled, analytics.clickhouse.enabled).");
            return List.of();
        }
        try (var clickhouse = c.clickhouse()) {
            List<List<String>> rows = SpanWaterfall.rows(SpanWaterfall.spans(clickhouse.query(SpanWaterfall.query(requestId))));
            if (rows.isEmpty()) {
                System.err.println("No spans of request " + requestId + " in ClickHouse switchboard.spans (yet).");
            }
            return rows;
        } catch (CliException | dev.switchboard.analytics.clickhouse.ClickHouseConnection.ClickHouseException e) {
            System.err.println("No spans: " + e.getMessage());
            return List.of();
        }
    }

    private List<ConsumerRecord<byte[], byte[]>> read(StackConnection c, List<String> topics) {
        return TopicReader.readToEnd(c.clients, topics,
                r -> r.key() != null && requestId.equals(new String(r.key(), StandardCharsets.UTF_8)));
    }

    /** An agent step, without the model's or the tool's text (they may carry the user's data): what ran, and how it ended. */
    static String agentStep(dev.switchboard.avro.AgentStep s) {
        String what = "agent step " + s.getStep() + " " + s.getKind();
        return what + switch (s.getKind()) {
            case THOUGHT -> ": model call " + s.getModelRequestId() + " answered by " + s.getProvider() + "/" + s.getModel()
                    + String.format(java.util.Locale.ROOT, " ($%.6f, %d ms)", s.getCostUsd(), s.getLatencyMs());
            case ACTION -> ": call " + s.getTool() + ", key " + s.getIdempotencyKey();
            case OBSERVATION -> s.getTool() == null ? ": " + s.getStatus() : ": " + s.getTool() + " " + s.getStatus() + " in " + s.getLatencyMs() + " ms";
            case ANSWER -> "";
            case FAILED -> ": " + s.getText();
        } + (s.getWorker() == null ? "" : " [" + s.getWorker() + "]");
    }

    private Event describe(StackConnection c, ConsumerRecord<byte[], byte[]> r) {
        String where = r.topic() + " " + r.partition() + "/" + r.offset();
        Header count = r.headers().lastHeader(ReplayHeaders.COUNT);
        String replay = count == null ? "" : "#" + new String(count.value(), StandardCharsets.UTF_8);
        String what;
        try {
            if (r.topic().equals(Topics.REQUESTS.name())) {
                LlmRequest q = c.codec.decode(Topics.REQUESTS, r.value());
                what = "request from tenant " + q.getTenantId() + ", " + q.getMessages().size() + " message(s)"
                        + (q.getPreferredProviders().isEmpty() ? "" : ", preferred " + q.getPreferredProviders());
            } else if (r.topic().equals(Topics.PLANS.name())) {
                ExecutionPlan p = c.codec.decode(Topics.PLANS, r.value());
                StringBuilder about = new StringBuilder(p.getStrategy());
                if (p.getTaskType() != null) {
                    about.append(", task ").append(p.getTaskType());
                }
                if (p.getAnalysis() != null) {
                    PlanAnalysis a = p.getAnalysis();
                    about.append(", analysis ").append(a.getSource());
                    if (a.getCode() || a.getMath()) {
                        about.append(a.getCode() && a.getMath() ? ", code and math" : a.getCode() ? ", code" : ", math");
                    }
                    if (!a.getScript().isEmpty()) {
                        about.append(", ").append(a.getScript()).append(" script, ~").append(a.getInputTokens()).append(" input tokens");
                    }
                    if (!a.getToolGaps().isEmpty()) {
                        about.append(", tool gaps ").append(a.getToolGaps());
                    }
                }
                if (p.getPromptVariant() != null) {
                    about.append(", prompt variant ").append(p.getPromptVariant());
                }
                what = "plan (" + about + "): " + p.getSteps().stream().map(PlanStep::getProvider).collect(Collectors.joining(" → "))
                        + (p.getSteps().isEmpty() ? "" : "; #1 because " + p.getSteps().getFirst().getReason());
            } else if (r.topic().startsWith("llm.tasks.")) {
                ProviderTask t = c.codec.decode(Topics.tasks(r.topic().substring("llm.tasks.".length())), r.value());
                what = "task: attempt " + t.getAttempt() + ", step " + (t.getStepIndex() + 1) + " of " + t.getSteps().size();
            } else if (r.topic().equals(Topics.ATTEMPTS.name())) {
                AttemptOutcome a = c.codec.decode(Topics.ATTEMPTS, r.value());
                what = "attempt " + a.getAttempt() + " on " + a.getProvider() + ": " + a.getStatus()
                        + (a.getError() == null ? "" : " " + a.getError().getErrorClass()) + " in " + a.getLatencyMs() + " ms";
            } else if (r.topic().equals(Topics.DLQ.name())) {
                DeadLetter d = c.codec.decode(Topics.DLQ, r.value());
                what = "dead letter from " + d.getStage() + ": " + d.getErrorClass();
            } else if (r.topic().equals(Topics.AGENT_STEPS.name())) {
                what = agentStep(c.codec.decode(Topics.AGENT_STEPS, r.value()));
            } else if (r.topic().equals(Topics.KNOWLEDGE.name()) || r.topic().equals(Topics.TOOLS.name())) {
                return null;
            } else if (r.topic().equals(Topics.DLQ_PARKED.name())) {
                what = "parked dead letter";
            } else {
                LlmReply reply = c.codec.decode(Topics.replies(r.topic()), r.value());
                what = "reply " + reply.getStatus() + (reply.getProvider() == null ? "" : " from " + reply.getProvider())
                        + ", attempts " + reply.getAttempts()
                        + (reply.getError() == null ? "" : ", " + reply.getError().getErrorClass());
            }
        } catch (RuntimeException e) {
            what = "undecodable record (" + e.getClass().getSimpleName() + ")";
        }
        return new Event(r.timestamp(), where, what, replay);
    }
}
