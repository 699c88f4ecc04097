package dev.switchboard.planner;

import dev.switchboard.platform.Bounded;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Each budgeted tenant's spend on the current UTC day, summed from attempts (every provider call's
 * exact cost) and counted once per request and attempt number, so that a redelivered attempt record
 * is not charged twice. Attempts of an earlier day are ignored; the first record of a new day
 * starts the day afresh.
 *
 * <p>A request that is planned but has no attempt yet counts with its plan's estimated cost (a
 * reservation), so that a burst of requests cannot all pass the budget check before the first
 * one's cost arrives. Its first attempt replaces the estimate with exact costs; a reservation whose
 * request never runs (it expired, say) lapses after {@link #RESERVATION_TTL_MS}, and a plan older
 * than that (read again at start-up) reserves nothing.
 */
public final class SpendLedger implements Planner.Spend {

    /** How long a plan's estimate counts while no attempt of its request has been seen. */
    static final long RESERVATION_TTL_MS = 10 * 60_000L;
    /** Attempts and requests remembered to drop redelivered records: redeliveries come soon after. */
    static final int REMEMBERED = 200_000;

    private record Reservation(String tenantId, double usd, long atMs) {
    }

    private final Set<String> budgeted;
    private LocalDate day;
    /** The latest time the ledger has heard of, from a record, a plan or a check. */
    private long latestMs;
    private final Map<String, Double> spent = new HashMap<>();
    private final Set<String> counted = Bounded.set(REMEMBERED);
    private final Set<String> attempted = Bounded.set(REMEMBERED);
    /** In the order reserved (about the order planned), so that lapsed ones are taken from the front. */
    private final Map<String, Reservation> reserved = new LinkedHashMap<>();
    private final Map<String, Double> reservedUsd = new HashMap<>();

    /** A reservation as a checkpoint keeps it. */
    public record Held(String requestId, String tenantId, double usd, long atMs) {
    }

    /** The ledger as a checkpoint keeps it: its UTC day (null before the first record), each tenant's spend, the reservations. */
    public record Saved(LocalDate day, Map<String, Double> spent, java.util.List<Held> reservations) {
    }

    /** The day, the spend and the reservations as they are now. */
    public synchronized Saved snapshot() {
        java.util.List<Held> held = new java.util.ArrayList<>(reserved.size());
        reserved.forEach((id, r) -> held.add(new Held(id, r.tenantId(), r.usd(), r.atMs())));
        return new Saved(day, Map.copyOf(spent), held);
    }

    /**
     * Starts from a checkpoint: its day, spend and reservations. Attempts and plans the checkpoint
     * covers must not be recorded again (they would be counted twice).
     */
    public synchronized void restore(Saved saved) {
        if (saved.day() == null) {
            return;
        }
        current(saved.day().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli());
        if (!saved.day().equals(day)) {
            return; // the ledger is already of a later day
        }
        spent.putAll(saved.spent());
        for (Held h : saved.reservations()) {
            if (reserved.putIfAbsent(h.requestId(), new Reservation(h.tenantId(), h.usd(), h.atMs())) == null) {
                reservedUsd.merge(h.tenantId(), h.usd(), Double::sum);
            }
        }
    }

    /** @param budgeted the tenants with a daily budget: only their plans are reserved */
    public SpendLedger(Set<String> budgeted) {
        this.budgeted = Set.copyOf(budgeted);
    }

    /** Moves the ledger to the day of {@code atMs} when that is later; false when it is of an earlier day. */
    private boolean current(long atMs) {
        latestMs = Math.max(latestMs, atMs);
        LocalDate at = Instant.ofEpochMilli(atMs).atZone(ZoneOffset.UTC).toLocalDate();
        if (day == null || at.isAfter(day)) {
            day = at;
            spent.clear();
            counted.clear();
            attempted.clear();
            reserved.clear();
            reservedUsd.clear();
        }
        return !at.isBefore(day);
    }

    /** Records one attempt's cost; returns false when it was already counted or is of an earlier day. */
    public synchronized boolean record(String tenantId, String requestId, int attempt, double costUsd, long completedAtMs) {
        if (!current(completedAtMs)) {
            return false;
        }
        attempted.add(requestId);
        release(reserved.remove(requestId));
        if (!counted.add(requestId + "#" + attempt)) {
            return false;
        }
        spent.merge(tenantId, costUsd, Double::sum);
        return true;
    }

    /**
     * A planned request's estimated cost, counted until its first attempt is recorded; ignored for
     * a tenant without a budget, a request already attempted, and a plan of an earlier day.
     */
    @Override
    public synchronized void reserve(String tenantId, String requestId, double estimatedUsd, long plannedAtMs) {
        if (!budgeted.contains(tenantId) || !current(plannedAtMs) || attempted.contains(requestId)
                || plannedAtMs <= latestMs - RESERVATION_TTL_MS) {
            return;
        }
        Reservation r = new Reservation(tenantId, estimatedUsd, plannedAtMs);
        if (reserved.putIfAbsent(requestId, r) == null) {
            reservedUsd.merge(tenantId, estimatedUsd, Double::sum);
        }
    }

    private void release(Reservation r) {
        if (r != null) {
            // Dropped at zero rather than left as a rounding remainder.
            reservedUsd.computeIfPresent(r.tenantId(), (t, usd) -> usd - r.usd() > 1e-12 ? usd - r.usd() : null);
        }
    }

    /**
     * What the tenant spent on the UTC day of {@code nowMs}, with the estimates of its requests in
     * flight: 0 when the ledger is of an earlier day.
     */
    @Override
    public synchronized double spentUsd(String tenantId, long nowMs) {
        latestMs = Math.max(latestMs, nowMs);
        LocalDate today = Instant.ofEpochMilli(nowMs).atZone(ZoneOffset.UTC).toLocalDate();
        if (!today.equals(day)) {
            return 0.0;
        }
        for (Iterator<Reservation> it = reserved.values().iterator(); it.hasNext(); ) {
            Reservation r = it.next();
            if (r.atMs() > nowMs - RESERVATION_TTL_MS) {
                break;
            }
            it.remove();
            release(r);
        }
        return spent.getOrDefault(tenantId, 0.0) + reservedUsd.getOrDefault(tenantId, 0.0);
    }
}
