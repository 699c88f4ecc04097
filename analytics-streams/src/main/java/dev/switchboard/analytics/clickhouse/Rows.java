package dev.switchboard.analytics.clickhouse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.avro.AgentStep;
import dev.switchboard.avro.AgentStepKind;
import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.AuditEvent;
import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.PlanAnalysis;
import dev.switchboard.avro.ProviderStats;

/** Events as ClickHouse rows ({@code JSONEachRow}), one mapping per table of V001. */
final class Rows {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Rows() {
    }

    static String attempt(AttemptOutcome a) {
        ObjectNode row = JSON.createObjectNode()
                .put("request_id", a.getRequestId())
                .put("attempt", a.getAttempt())
                .put("tenant_id", a.getTenantId())
                .put("provider", a.getProvider())
                .put("model", a.getModel())
                .put("status", a.getStatus().name())
                .put("error_class", a.getError() == null ? "" : a.getError().getErrorClass())
                .put("retryable", a.getRetryable() ? 1 : 0)
                .put("input_tokens", a.getInputTokens())
                .put("output_tokens", a.getOutputTokens())
                .put("cost_usd", a.getCostUsd())
                .put("latency_ms", a.getLatencyMs())
                .put("task_type", a.getTaskHint() == null ? "" : a.getTaskHint())
                .put("prompt_variant", a.getPromptVariant() == null ? "" : a.getPromptVariant());
        return time(row, a.getCompletedAtMs()).toString();
    }

    static String plan(ExecutionPlan p) {
        ObjectNode row = JSON.createObjectNode()
                .put("request_id", p.getRequestId())
                .put("tenant_id", p.getTenantId())
                .put("strategy", p.getStrategy())
                .put("task_type", p.getTaskType() == null ? "" : p.getTaskType())
                .put("analysis_source", p.getAnalysis() == null ? "" : p.getAnalysis().getSource())
                .put("prompt_variant", p.getPromptVariant() == null ? "" : p.getPromptVariant())
                .put("first_provider", p.getSteps().isEmpty() ? "" : p.getSteps().getFirst().getProvider())
                .put("steps", p.getSteps().size());
        var gaps = row.putArray("tool_gaps");
        PlanAnalysis a = p.getAnalysis();
        if (a != null) {
            a.getToolGaps().forEach(gaps::add);
            row.put("code", a.getCode() ? 1 : 0).put("math", a.getMath() ? 1 : 0).put("script", a.getScript())
                    .put("input_tokens", a.getInputTokens());
        }
        return time(row, p.getPlannedAtMs()).toString();
    }

    static String feedback(Feedback f) {
        ObjectNode row = JSON.createObjectNode()
                .put("request_id", f.getRequestId())
                .put("tenant_id", f.getTenantId())
                .put("kind", f.getKind().name())
                .put("score", f.getScore())
                .put("comment", f.getComment() == null ? "" : f.getComment());
        return time(row, f.getCreatedAtMs()).toString();
    }

    static String deadLetter(int partition, long offset, DeadLetter d) {
        ObjectNode row = JSON.createObjectNode()
                .put("dlq_partition", partition)
                .put("dlq_offset", offset)
                .put("original_topic", d.getOriginalTopic())
                .put("original_partition", d.getOriginalPartition())
                .put("original_offset", d.getOriginalOffset())
                .put("stage", d.getStage())
                .put("error_class", d.getErrorClass())
                .put("error_message", d.getErrorMessage())
                .put("request_id", d.getRequestId() == null ? "" : d.getRequestId())
                .put("attempts", d.getAttempts());
        return time(row, d.getFailedAtMs()).toString();
    }

    static String audit(AuditEvent e) {
        ObjectNode row = JSON.createObjectNode()
                .put("event_id", e.getEventId())
                .put("actor", e.getActor())
                .put("action", e.getAction())
                .put("target", e.getTarget())
                .put("outcome", e.getOutcome())
                .put("details", JSON.valueToTree(e.getDetails()).toString());
        return time(row, e.getAtMs()).toString();
    }

    /** An agent's tool call as its outcome step records it; null for any other step (a thought, an action, an answer). */
    static String toolCall(AgentStep s) {
        if (s.getKind() != AgentStepKind.OBSERVATION || s.getTool() == null) {
            return null;
        }
        ObjectNode row = JSON.createObjectNode()
                .put("request_id", s.getRequestId())
                .put("step", s.getStep())
                .put("tenant_id", s.getTenantId())
                .put("tool", s.getTool())
                .put("status", s.getStatus() == null ? "" : s.getStatus())
                .put("latency_ms", s.getLatencyMs())
                .put("idempotency_key", s.getIdempotencyKey() == null ? "" : s.getIdempotencyKey())
                .put("worker", s.getWorker() == null ? "" : s.getWorker());
        return time(row, s.getCreatedAtMs()).toString();
    }

    static String providerStats(ProviderStats s) {
        return JSON.createObjectNode()
                .put("provider", s.getProvider())
                .put("model", s.getModel())
                .put("window_start", s.getWindowStartMs() / 1000)
                .put("window_end", s.getWindowEndMs() / 1000)
                .put("attempts", s.getAttempts())
                .put("successes", s.getSuccesses())
                .put("failures", s.getFailures())
                .put("failures_by_class", JSON.valueToTree(s.getFailuresByClass()).toString())
                .put("p50_ms", s.getLatencyP50Ms())
                .put("p95_ms", s.getLatencyP95Ms())
                .put("p99_ms", s.getLatencyP99Ms())
                .put("input_tokens", s.getInputTokens())
                .put("output_tokens", s.getOutputTokens())
                .put("cost_usd", s.getCostUsd())
                .put("cost_per_success_usd", s.getCostPerSuccessUsd())
                .put("satisfaction_mean", s.getSatisfactionMean())
                .put("satisfaction_count", s.getSatisfactionCount())
                .put("accuracy_mean", s.getAccuracyMean())
                .put("accuracy_count", s.getAccuracyCount())
                .put("version", s.getUpdatedAtMs())
                .toString();
    }

    private static ObjectNode time(ObjectNode row, long epochMs) {
        return row.put("ts", epochMs / 1000).put("ts_ms", epochMs);
    }
}
