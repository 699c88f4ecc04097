package dev.switchboard.provider;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.AttemptSummary;
import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.ErrorInfo;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.health.StepSelector;
import dev.switchboard.platform.kafka.DeadLetters;
import dev.switchboard.platform.kafka.Replies;
import dev.switchboard.platform.metrics.SwitchboardMetrics;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Decides what one finished call publishes. Every call publishes an {@link AttemptOutcome}; then a
 * success publishes the SUCCEEDED reply; a retryable failure with a step left publishes the task for
 * the next step whose provider's circuit is not open (skipped steps are recorded in its history) to
 * that provider's topic; any other failure publishes a FAILED reply and a {@link DeadLetter} holding
 * the task's original bytes. Pure: it only builds records.
 */
public final class TaskOutcomes {

    public static final String STAGE = "provider-worker";

    private final Codec codec;
    private final Predicate<String> circuitOpen;
    private final boolean contentFilteredTriesNext;

    /**
     * @param circuitOpen              whether a provider's circuit is open: its steps are skipped
     * @param contentFilteredTriesNext whether a content-policy refusal tries the next step instead of failing
     */
    public TaskOutcomes(Codec codec, Predicate<String> circuitOpen, boolean contentFilteredTriesNext) {
        this.codec = codec;
        this.circuitOpen = circuitOpen;
        this.contentFilteredTriesNext = contentFilteredTriesNext;
    }

    public List<ProducerRecord<byte[], byte[]>> outputs(ConsumerRecord<byte[], byte[]> source, ProviderTask task,
                                                        ProviderSpec provider, CallResult result, long nowMs) {
        LlmRequest request = task.getRequest();
        PlanStep step = task.getSteps().get(task.getStepIndex());
        String requestId = task.getRequestId();
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(3);

        AttemptOutcome.Builder attempt = AttemptOutcome.newBuilder()
                .setRequestId(requestId)
                .setTenantId(task.getTenantId())
                .setAttempt(task.getAttempt())
                .setProvider(provider.name())
                .setTaskHint(request.getTaskHint())
                .setPromptVariant(task.getPromptVariant())
                .setLatencyMs(result.latencyMs())
                .setStartedAtMs(nowMs - result.latencyMs())
                .setCompletedAtMs(nowMs);

        SwitchboardMetrics.stage("queue", nowMs - result.latencyMs() - task.getDispatchedAtMs());
        switch (result) {
            case CallResult.Success s -> {
                // The prices of the model the step named; a model the catalogue does not list is charged at the default's.
                double cost = provider.modelSpec(step.getModel()).orElse(provider.defaultModel())
                        .costUsd(s.inputTokens(), s.outputTokens());
                SwitchboardMetrics.call(provider.name(), step.getModel(), null, s.latencyMs(), s.inputTokens(), s.outputTokens());
                SwitchboardMetrics.cost(task.getTenantId(), provider.name(), cost);
                out.add(codec.record(Topics.ATTEMPTS, requestId, attempt
                        .setModel(s.model()).setStatus(ReplyStatus.SUCCEEDED).setError(null).setRetryable(false)
                        .setInputTokens(s.inputTokens()).setOutputTokens(s.outputTokens()).setCostUsd(cost)
                        .build()));
                out.add(Replies.record(codec, request, request.getReplyTo(), reply(task, nowMs)
                        .setStatus(ReplyStatus.SUCCEEDED).setContent(s.content())
                        .setProvider(provider.name()).setModel(s.model())
                        .setInputTokens(s.inputTokens()).setOutputTokens(s.outputTokens()).setCostUsd(cost)
                        .setFinishReason(s.finishReason()).setToolCalls(s.toolCalls())
                        .build()));
            }
            case CallResult.Failure f -> {
                SwitchboardMetrics.call(provider.name(), step.getModel(), f.errorClass().name(), f.latencyMs(), 0, 0);
                ErrorInfo error = new ErrorInfo(f.errorClass().name(), f.message());
                out.add(codec.record(Topics.ATTEMPTS, requestId, attempt
                        .setModel(step.getModel()).setStatus(ReplyStatus.FAILED).setError(error)
                        .setRetryable(f.retryable()).setInputTokens(0).setOutputTokens(0).setCostUsd(0.0)
                        .build()));
                boolean tryNext = f.retryable() || (f.errorClass() == ErrorClass.CONTENT_FILTERED && contentFilteredTriesNext);
                StepSelector.Choice next = StepSelector.next(task.getSteps(), task.getStepIndex() + 1, circuitOpen);
                if (tryNext && next.found() && Replies.expired(request, nowMs)) {
                    out.add(Replies.deadlineExceeded(codec, request, "failing over from " + provider.name()
                            + " (" + f.errorClass() + ")", task.getAttempt(), nowMs));
                } else if (tryNext && next.found()) {
                    List<AttemptSummary> history = new ArrayList<>(task.getHistory());
                    history.add(new AttemptSummary(task.getAttempt(), provider.name(), step.getModel(),
                            f.errorClass().name(), f.latencyMs(), false));
                    history.addAll(next.skippedSummaries(task.getSteps()));
                    ProviderTask nextTask = ProviderTask.newBuilder(task)
                            .setStepIndex(next.index())
                            .setAttempt(task.getAttempt() + 1)
                            .setHistory(history)
                            .setDispatchedAtMs(nowMs)
                            .build();
                    out.add(codec.record(Topics.tasks(task.getSteps().get(next.index()).getProvider()), requestId, nextTask));
                } else {
                    String why;
                    if (!tryNext) {
                        why = provider.name() + " refused the request (not retryable): " + f.message();
                    } else if (!next.skipped().isEmpty()) {
                        why = "no step of the plan left to try: circuits open for "
                                + next.skipped().stream().map(i -> task.getSteps().get(i).getProvider()).toList()
                                + "; last: " + provider.name() + ": " + f.message();
                    } else {
                        why = "all " + task.getSteps().size() + " steps of the plan failed; last: " + provider.name() + ": " + f.message();
                    }
                    ErrorInfo finalError = new ErrorInfo(f.errorClass().name(), why);
                    out.add(Replies.record(codec, request, request.getReplyTo(), reply(task, nowMs)
                            .setStatus(ReplyStatus.FAILED).setContent(null).setProvider(provider.name())
                            .setModel(step.getModel()).setInputTokens(0).setOutputTokens(0).setCostUsd(0.0)
                            .setError(finalError)
                            .build()));
                    out.add(DeadLetters.record(codec, DeadLetters.of(source, STAGE, f.errorClass().name(), why,
                            requestId, task.getAttempt())));
                }
            }
        }
        return out;
    }

    /** What a task whose deadline passed before its call publishes: only the FAILED reply. */
    public List<ProducerRecord<byte[], byte[]>> expired(ProviderTask task, long nowMs) {
        return List.of(Replies.deadlineExceeded(codec, task.getRequest(), "calling " + task.getSteps().get(task.getStepIndex())
                .getProvider(), task.getAttempt() - 1, nowMs));
    }

    private static LlmReply.Builder reply(ProviderTask task, long nowMs) {
        LlmRequest request = task.getRequest();
        return LlmReply.newBuilder()
                .setRequestId(task.getRequestId())
                .setTenantId(task.getTenantId())
                .setSessionId(request.getSessionId())
                .setAttempts(task.getAttempt())
                .setLatencyMs(Math.max(0, nowMs - request.getCreatedAtMs()))
                .setError(null)
                .setCompletedAtMs(nowMs);
    }
}
