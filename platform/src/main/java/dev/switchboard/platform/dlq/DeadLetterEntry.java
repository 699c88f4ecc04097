package dev.switchboard.platform.dlq;

import dev.switchboard.avro.AttemptSummary;
import dev.switchboard.avro.DeadLetter;

import java.util.List;

/**
 * A dead letter with its place on {@code llm.dlq} and what could be read from its original value.
 *
 * @param provider     the provider of a task's dead letter ({@code llm.tasks.<provider>}), else null
 * @param tenantId     the tenant, when the original value could be decoded, else null
 * @param history      earlier attempts of a task's dead letter, else empty
 * @param replayCount  how often the record had been replayed before it failed this time
 */
public record DeadLetterEntry(int partition, long offset, long timestampMs, DeadLetter letter, String provider,
                              String tenantId, List<AttemptSummary> history, int replayCount) {

    /** {@code partition/offset}, how entries are named on the command line and in the ledger. */
    public String id() {
        return partition + "/" + offset;
    }
}
