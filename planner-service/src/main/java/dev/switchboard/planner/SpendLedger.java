package dev.switchboard.planner;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Each tenant's spend on the current UTC day, summed from attempts (every provider call's exact
 * cost) and counted once per request and attempt number, so that a redelivered attempt record is
 * not charged twice. Attempts of an earlier day are ignored; the first attempt of a new day
 * starts the day afresh.
 */
public final class SpendLedger {

    private LocalDate day;
    private final Map<String, Double> spent = new HashMap<>();
    private final Set<String> counted = new HashSet<>();

    /** Records one attempt's cost; returns false when it was already counted or is of an earlier day. */
    public synchronized boolean record(String tenantId, String requestId, int attempt, double costUsd, long completedAtMs) {
        LocalDate at = Instant.ofEpochMilli(completedAtMs).atZone(ZoneOffset.UTC).toLocalDate();
        if (day == null || at.isAfter(day)) {
            day = at;
            spent.clear();
            counted.clear();
        } else if (at.isBefore(day)) {
            return false;
        }
        if (!counted.add(requestId + "#" + attempt)) {
            return false;
        }
        spent.merge(tenantId, costUsd, Double::sum);
        return true;
    }

    /** What the tenant spent on the UTC day of {@code nowMs}: 0 when the ledger is of an earlier day. */
    public synchronized double spentUsd(String tenantId, long nowMs) {
        LocalDate today = Instant.ofEpochMilli(nowMs).atZone(ZoneOffset.UTC).toLocalDate();
        return today.equals(day) ? spent.getOrDefault(tenantId, 0.0) : 0.0;
    }
}
