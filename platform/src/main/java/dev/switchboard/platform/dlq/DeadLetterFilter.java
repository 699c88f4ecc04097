package dev.switchboard.platform.dlq;

import java.time.Instant;
import java.util.function.Predicate;

/** Which dead letters an operator means; null fields match everything. */
public record DeadLetterFilter(String stage, String errorClass, String provider, String tenant, Instant since,
                               Instant until) implements Predicate<DeadLetterEntry> {

    public static final DeadLetterFilter ALL = new DeadLetterFilter(null, null, null, null, null, null);

    @Override
    public boolean test(DeadLetterEntry entry) {
        return (stage == null || stage.equalsIgnoreCase(entry.letter().getStage()))
                && (errorClass == null || errorClass.equalsIgnoreCase(entry.letter().getErrorClass()))
                && (provider == null || provider.equals(entry.provider()))
                && (tenant == null || tenant.equals(entry.tenantId()))
                && (since == null || entry.letter().getFailedAtMs() >= since.toEpochMilli())
                && (until == null || entry.letter().getFailedAtMs() < until.toEpochMilli());
    }
}
