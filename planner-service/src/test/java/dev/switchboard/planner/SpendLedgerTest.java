package dev.switchboard.planner;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SpendLedgerTest {

    private static final long NOON = Instant.parse("2026-11-24T12:00:00Z").toEpochMilli();
    private static final long NEXT_DAY = Instant.parse("2026-11-25T00:00:01Z").toEpochMilli();

    @Test
    void sumsEachTenantsAttemptsOnceEach() {
        SpendLedger ledger = new SpendLedger(Set.of("acme", "globex"));

        assertThat(ledger.record("acme", "r-1", 1, 0.25, NOON)).isTrue();
        assertThat(ledger.record("acme", "r-1", 2, 0.50, NOON)).isTrue();
        assertThat(ledger.record("acme", "r-1", 2, 0.50, NOON)).isFalse(); // a redelivered attempt record
        assertThat(ledger.record("globex", "r-2", 1, 1.00, NOON)).isTrue();

        assertThat(ledger.spentUsd("acme", NOON)).isCloseTo(0.75, within(1e-12));
        assertThat(ledger.spentUsd("globex", NOON)).isCloseTo(1.00, within(1e-12));
        assertThat(ledger.spentUsd("initech", NOON)).isZero();
    }

    @Test
    void aNewUtcDayStartsAfreshAndLateRecordsOfTheDayBeforeAreIgnored() {
        SpendLedger ledger = new SpendLedger(Set.of("acme", "globex"));
        ledger.record("acme", "r-1", 1, 0.25, NOON);

        assertThat(ledger.spentUsd("acme", NEXT_DAY)).isZero();
        assertThat(ledger.record("acme", "r-2", 1, 0.10, NEXT_DAY)).isTrue();
        assertThat(ledger.record("acme", "r-3", 1, 5.00, NOON)).isFalse();
        assertThat(ledger.spentUsd("acme", NEXT_DAY)).isCloseTo(0.10, within(1e-12));
    }

    @Test
    void aPlannedRequestCountsWithItsEstimateUntilItsFirstAttemptThenWithItsExactCost() {
        SpendLedger ledger = new SpendLedger(Set.of("acme"));
        ledger.record("acme", "r-0", 1, 0.50, NOON);

        ledger.reserve("acme", "r-1", 0.20, NOON);
        ledger.reserve("acme", "r-2", 0.30, NOON);
        ledger.reserve("acme", "r-2", 0.30, NOON);          // the same plan read again: one reservation
        ledger.reserve("initech", "r-9", 5.00, NOON);       // no budget: not reserved
        assertThat(ledger.spentUsd("acme", NOON)).isCloseTo(1.00, within(1e-12));
        assertThat(ledger.spentUsd("initech", NOON)).isZero();

        ledger.record("acme", "r-1", 1, 0.05, NOON + 1_000); // the failed first attempt of r-1 replaces its estimate
        ledger.record("acme", "r-1", 2, 0.15, NOON + 2_000);
        assertThat(ledger.spentUsd("acme", NOON + 2_000)).isCloseTo(0.50 + 0.20 + 0.30, within(1e-12));

        ledger.reserve("acme", "r-1", 0.20, NOON);          // a plan read after its attempts: not reserved again
        assertThat(ledger.spentUsd("acme", NOON + 2_000)).isCloseTo(1.00, within(1e-12));

        // r-2 never ran: its estimate lapses; a plan that old, read again at start-up, reserves nothing.
        assertThat(ledger.spentUsd("acme", NOON + SpendLedger.RESERVATION_TTL_MS)).isCloseTo(0.70, within(1e-12));
        ledger.reserve("acme", "r-3", 0.40, NOON);
        assertThat(ledger.spentUsd("acme", NOON + SpendLedger.RESERVATION_TTL_MS)).isCloseTo(0.70, within(1e-12));
    }

    @Test
    void aRestoredSnapshotHasTheDaysSpendAndReservationsAndALaterDayStartsAfresh() {
        long noon = java.time.Instant.parse("2026-12-03T12:00:00Z").toEpochMilli();
        SpendLedger ledger = new SpendLedger(java.util.Set.of("acme"));
        ledger.record("acme", "r-1", 1, 0.25, noon);
        ledger.reserve("acme", "r-2", 0.5, noon);
        SpendLedger.Saved saved = ledger.snapshot();

        SpendLedger restored = new SpendLedger(java.util.Set.of("acme"));
        restored.restore(saved);
        SpendLedger tomorrow = new SpendLedger(java.util.Set.of("acme"));
        tomorrow.record("acme", "r-9", 1, 0.1, noon + 86_400_000L);
        tomorrow.restore(saved);

        assertThat(saved.day()).isEqualTo(java.time.LocalDate.parse("2026-12-03"));
        assertThat(restored.spentUsd("acme", noon + 1)).isEqualTo(0.75);
        restored.record("acme", "r-2", 1, 0.125, noon + 2);
        assertThat(restored.spentUsd("acme", noon + 3)).isEqualTo(0.375);
        assertThat(tomorrow.spentUsd("acme", noon + 86_400_001L)).isEqualTo(0.1);
    }
}
