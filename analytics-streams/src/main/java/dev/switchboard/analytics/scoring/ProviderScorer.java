package dev.switchboard.analytics.scoring;

import dev.switchboard.avro.ProviderScore;

/**
 * The rolling score of a provider and model (overall, or for one task type), updated with every
 * attempt and feedback. Each input is an exponentially weighted moving average, so recent behaviour
 * counts most and a provider that recovers climbs back:
 *
 * <pre>
 *   successRate    EWMA of 1 (success) / 0 (failure) over attempts, α = 0.1, starting at 1
 *   latencyMs      EWMA of successful calls' latency, α = 0.1
 *   costPerSuccess EWMA of successful calls' cost in USD, α = 0.1
 *   quality        EWMA of ACCURACY and USER_SATISFACTION scores, α = 0.2, starting at 0.5
 *
 *   score = 0.40 · successRate
 *         + 0.30 · quality
 *         + 0.15 · 1 / (1 + latencyMs / 1000)          1 at 0 ms, 0.5 at 1 s
 *         + 0.15 · 1 / (1 + costPerSuccess · 1000)     1 when free, 0.5 at $0.001 a call
 * </pre>
 *
 * The score is in [0, 1]; higher is better.
 */
public final class ProviderScorer {

    static final double ATTEMPT_ALPHA = 0.1;
    static final double QUALITY_ALPHA = 0.2;

    public String provider = "";
    public String model = "";
    public String taskType = "*";
    public double successRate = 1.0;
    public double latencyMs;
    public double costPerSuccessUsd;
    public double quality = 0.5;
    public long attempts;
    public long successes;
    public long feedbackCount;

    public ProviderScorer add(Observation o, String taskTypeKey) {
        provider = o.provider();
        model = o.model();
        taskType = taskTypeKey;
        if (o.isFeedback()) {
            quality = feedbackCount == 0 ? blend(0.5, o.score(), QUALITY_ALPHA) : blend(quality, o.score(), QUALITY_ALPHA);
            feedbackCount++;
            return this;
        }
        successRate = blend(successRate, o.success() ? 1.0 : 0.0, ATTEMPT_ALPHA);
        attempts++;
        if (o.success()) {
            latencyMs = successes == 0 ? o.latencyMs() : blend(latencyMs, o.latencyMs(), ATTEMPT_ALPHA);
            costPerSuccessUsd = successes == 0 ? o.costUsd() : blend(costPerSuccessUsd, o.costUsd(), ATTEMPT_ALPHA);
            successes++;
        }
        return this;
    }

    public double score() {
        return 0.40 * successRate
                + 0.30 * quality
                + 0.15 / (1 + latencyMs / 1000.0)
                + 0.15 / (1 + costPerSuccessUsd * 1000.0);
    }

    private static double blend(double current, double sample, double alpha) {
        return current + alpha * (sample - current);
    }

    ProviderScore toAvro(long nowMs) {
        return ProviderScore.newBuilder()
                .setProvider(provider).setModel(model).setTaskType(taskType)
                .setScore(score()).setSuccessRate(successRate).setLatencyMs(latencyMs)
                .setCostPerSuccessUsd(costPerSuccessUsd).setQuality(quality)
                .setAttempts(attempts).setFeedbackCount(feedbackCount).setUpdatedAtMs(nowMs)
                .build();
    }
}
