package dev.switchboard.analytics.scoring;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.tdunning.math.stats.MergingDigest;
import com.tdunning.math.stats.TDigest;
import dev.switchboard.avro.ProviderStats;

import java.nio.ByteBuffer;
import java.util.TreeMap;

/**
 * The running aggregate of one provider and model in one window. Latency quantiles come from a
 * t-digest (mergeable, a few KB whatever the count), stored in its compact byte form.
 */
public final class WindowStats {

    public String provider = "";
    public String model = "";
    public long attempts;
    public long successes;
    public long failures;
    public TreeMap<String, Long> failuresByClass = new TreeMap<>();
    public long inputTokens;
    public long outputTokens;
    public double costUsd;
    public double satisfactionSum;
    public long satisfactionCount;
    public double accuracySum;
    public long accuracyCount;
    public byte[] digest;

    @JsonIgnore
    private TDigest latency;

    public WindowStats add(Observation o) {
        provider = o.provider();
        model = o.model();
        if (o.isFeedback()) {
            if ("USER_SATISFACTION".equals(o.feedbackKind())) {
                satisfactionSum += o.score();
                satisfactionCount++;
            } else {
                accuracySum += o.score();
                accuracyCount++;
            }
            return this;
        }
        attempts++;
        if (o.success()) {
            successes++;
            latency().add(o.latencyMs());
            inputTokens += o.inputTokens();
            outputTokens += o.outputTokens();
            costUsd += o.costUsd();
        } else {
            failures++;
            failuresByClass.merge(o.errorClass() == null ? "UNKNOWN" : o.errorClass(), 1L, Long::sum);
        }
        return this;
    }

    private TDigest latency() {
        if (latency == null) {
            latency = digest == null ? new MergingDigest(100) : MergingDigest.fromBytes(ByteBuffer.wrap(digest));
        }
        return latency;
    }

    /** Writes the digest into its byte form; the serde calls it before serializing. */
    WindowStats pack() {
        if (latency != null) {
            latency.compress();
            ByteBuffer buffer = ByteBuffer.allocate(latency.smallByteSize());
            latency.asSmallBytes(buffer);
            digest = buffer.array();
        }
        return this;
    }

    /** Latency quantile of successful calls in ms; 0 without any. */
    public double quantile(double q) {
        return successes == 0 ? 0 : latency().quantile(q);
    }

    ProviderStats toAvro(long windowStartMs, long windowEndMs, long nowMs) {
        java.util.Map<String, Long> byClass = new java.util.HashMap<>(failuresByClass);
        return ProviderStats.newBuilder()
                .setProvider(provider).setModel(model)
                .setWindowStartMs(windowStartMs).setWindowEndMs(windowEndMs)
                .setAttempts(attempts).setSuccesses(successes).setFailures(failures).setFailuresByClass(byClass)
                .setLatencyP50Ms(quantile(0.50)).setLatencyP95Ms(quantile(0.95)).setLatencyP99Ms(quantile(0.99))
                .setInputTokens(inputTokens).setOutputTokens(outputTokens).setCostUsd(costUsd)
                .setCostPerSuccessUsd(successes == 0 ? 0 : costUsd / successes)
                .setSatisfactionMean(satisfactionCount == 0 ? 0 : satisfactionSum / satisfactionCount)
                .setSatisfactionCount(satisfactionCount)
                .setAccuracyMean(accuracyCount == 0 ? 0 : accuracySum / accuracyCount)
                .setAccuracyCount(accuracyCount)
                .setUpdatedAtMs(nowMs)
                .build();
    }
}
