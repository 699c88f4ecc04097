package dev.switchboard.platform.audit;

import dev.switchboard.avro.AuditEvent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A chain of audit records, and each way of tampering with it. */
class AuditChainTest {

    private static List<AuditChain.Entry> chain(String writer, int n) {
        List<AuditChain.Entry> entries = new ArrayList<>();
        String prev = "";
        for (int i = 1; i <= n; i++) {
            AuditEvent event = AuditEvent.newBuilder().setEventId("e" + i).setActor("alice").setAction("dlq.replay")
                    .setTarget("llm.requests").setOutcome("SUCCEEDED").setDetails(Map.of("replayed", Integer.toString(i)))
                    .setAtMs(1_000L * i).build();
            AuditEvent linked = AuditChain.link(event, writer, i, prev);
            prev = linked.getDetails().get(AuditChain.HASH);
            entries.add(new AuditChain.Entry(0, 10 + i, linked));
        }
        return entries;
    }

    @Test
    void anUntouchedChainIsIntact() {
        AuditChain.Report report = AuditChain.verify(chain("edge-1", 5));

        assertThat(report.intact()).isTrue();
        assertThat(report.chains()).singleElement().satisfies(c -> {
            assertThat(c.writer()).isEqualTo("edge-1");
            assertThat(c.records()).isEqualTo(5);
            assertThat(c.firstAtMs()).isEqualTo(1_000L);
            assertThat(c.lastAtMs()).isEqualTo(5_000L);
        });
    }

    @Test
    void aChangedRecordIsFound() {
        List<AuditChain.Entry> entries = chain("edge-1", 5);
        AuditChain.Entry third = entries.get(2);
        entries.set(2, new AuditChain.Entry(0, third.offset(), AuditEvent.newBuilder(third.event()).setActor("mallory").build()));

        assertThat(AuditChain.verify(entries).chains().getFirst().broken())
                .isEqualTo("record 3 at partition 0 offset 13 (event e3) was changed: its hash is not its content's");
    }

    @Test
    void aChangedDetailIsFoundToo() {
        List<AuditChain.Entry> entries = chain("edge-1", 3);
        AuditChain.Entry second = entries.get(1);
        Map<String, String> details = new java.util.HashMap<>(second.event().getDetails());
        details.put("replayed", "999");
        entries.set(1, new AuditChain.Entry(0, second.offset(), AuditEvent.newBuilder(second.event()).setDetails(details).build()));

        assertThat(AuditChain.verify(entries).intact()).isFalse();
    }

    @Test
    void aRemovedRecordIsFound() {
        List<AuditChain.Entry> entries = chain("edge-1", 5);
        entries.remove(2);

        assertThat(AuditChain.verify(entries).chains().getFirst().broken())
                .isEqualTo("record(s) 3 missing before record 4 at partition 0 offset 14 (event e4)");
    }

    @Test
    void aRemovedBeginningIsFound() {
        List<AuditChain.Entry> entries = chain("edge-1", 5);
        entries.subList(0, 2).clear();

        assertThat(AuditChain.verify(entries).chains().getFirst().broken())
                .isEqualTo("record(s) 1-2 missing before record 3 at partition 0 offset 13 (event e3)");
    }

    @Test
    void reorderedRecordsAreFound() {
        List<AuditChain.Entry> entries = chain("edge-1", 5);
        AuditChain.Entry second = entries.get(1);
        entries.set(1, entries.get(2));
        entries.set(2, second);

        assertThat(AuditChain.verify(entries).chains().getFirst().broken())
                .isEqualTo("record(s) 2 missing before record 3 at partition 0 offset 13 (event e3)");
    }

    @Test
    void aForgedRecordWithARecomputedHashDoesNotFollowItsPredecessor() {
        List<AuditChain.Entry> entries = chain("edge-1", 3);
        AuditEvent forged = AuditEvent.newBuilder(entries.get(1).event()).setActor("mallory").build();
        // The forger recomputes the hash of its record but cannot know the others'.
        entries.set(1, new AuditChain.Entry(0, 12, AuditChain.link(forged, "edge-1", 2, "0".repeat(64))));

        assertThat(AuditChain.verify(entries).chains().getFirst().broken())
                .isEqualTo("record 2 at partition 0 offset 12 (event e2) does not follow the record before it (previous hash differs)");
    }

    @Test
    void chainsAreCheckedApartAndUnchainedRecordsCounted() {
        List<AuditChain.Entry> entries = new ArrayList<>(chain("edge-1", 2));
        entries.addAll(chain("planner-2", 3));
        entries.add(new AuditChain.Entry(1, 0, AuditEvent.newBuilder().setEventId("old").setActor("ops").setAction("dlq.replay")
                .setTarget("llm.requests").setOutcome("SUCCEEDED").setAtMs(1L).build()));

        AuditChain.Report report = AuditChain.verify(entries);

        assertThat(report.intact()).isTrue();
        assertThat(report.chains()).extracting(AuditChain.ChainReport::writer).containsExactly("edge-1", "planner-2");
        assertThat(report.unchained()).isEqualTo(1);
    }

    @Test
    void aCopyShowsWhatWasRemovedFromTheTrailThatTheTrailCannot() {
        List<AuditChain.Entry> a = chain("edge-1", 5);
        List<AuditChain.Entry> b = chain("planner-1", 2);
        List<AuditChain.Entry> copy = new java.util.ArrayList<>(a);
        copy.addAll(b);
        // The trail lost edge-1's last two records and the whole of planner-1: intact by itself.
        List<AuditChain.Entry> trail = new java.util.ArrayList<>(a.subList(0, 3));
        assertThat(AuditChain.verify(trail).intact()).isTrue();

        AuditChain.Comparison comparison = AuditChain.compare(trail, copy);

        assertThat(comparison.agree()).isFalse();
        assertThat(comparison.missing()).containsExactly(
                "record(s) 4-5 of chain edge-1 are in the copy but not in the trail: removed",
                "chain planner-1 (2 record(s)) is in the copy but not in the trail: removed");
        assertThat(comparison.behind()).isEmpty();
    }

    @Test
    void aCopyThatIsOnlyBehindAgreesAndADifferingRecordDoesNot() {
        List<AuditChain.Entry> trail = chain("edge-1", 4);
        AuditChain.Comparison behind = AuditChain.compare(trail, trail.subList(0, 2));

        assertThat(behind.agree()).isTrue();
        assertThat(behind.behind()).containsExactly("chain edge-1: 2 record(s) not in the copy yet");
        List<AuditChain.Entry> changed = new java.util.ArrayList<>(trail);
        AuditEvent third = changed.get(2).event();
        java.util.Map<String, String> details = new java.util.HashMap<>(third.getDetails());
        details.put(AuditChain.HASH, "0".repeat(64));
        changed.set(2, new AuditChain.Entry(-1, 2, AuditEvent.newBuilder(third).setDetails(details).build()));
        assertThat(AuditChain.compare(trail, changed).missing()).containsExactly("record 3 of chain edge-1 differs between the trail and the copy");
    }
}
