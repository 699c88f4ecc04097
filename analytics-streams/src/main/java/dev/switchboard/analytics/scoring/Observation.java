package dev.switchboard.analytics.scoring;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.ReplyStatus;

/**
 * What the scoring aggregates: one attempt, or one feedback score joined to the provider and model
 * that answered its request. Internal to the topology (JSON in its stores and repartition topics).
 *
 * @param feedbackKind null for an attempt; USER_SATISFACTION or ACCURACY for feedback
 */
public record Observation(String provider, String model, String taskType, boolean success, String errorClass,
                          long latencyMs, long inputTokens, long outputTokens, double costUsd,
                          String feedbackKind, double score) {

    static Observation of(AttemptOutcome a) {
        return new Observation(a.getProvider(), a.getModel(), a.getTaskHint() == null ? "" : a.getTaskHint(),
                a.getStatus() == ReplyStatus.SUCCEEDED, a.getError() == null ? null : a.getError().getErrorClass(),
                a.getLatencyMs(), a.getInputTokens(), a.getOutputTokens(), a.getCostUsd(), null, 0);
    }

    static Observation of(Feedback f, Answer answer) {
        return new Observation(answer.provider(), answer.model(), answer.taskType(), true, null, 0, 0, 0, 0,
                f.getKind().name(), f.getScore());
    }

    boolean isFeedback() {
        return feedbackKind != null;
    }

    /** Key of the provider and model: {@code provider|model}. */
    String providerModel() {
        return provider + "|" + model;
    }

    /** Which provider and model answered a request (from its successful attempt). */
    public record Answer(String provider, String model, String taskType) {
    }
}
