package dev.switchboard.cli.bench;

import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class HopsTest {

    private static ConsumerRecord<byte[], byte[]> record(String topic, String requestId, long timestampMs) {
        return new ConsumerRecord<>(topic, 0, 0, timestampMs, TimestampType.CREATE_TIME, 0, 0,
                requestId.getBytes(StandardCharsets.UTF_8), new byte[0], new RecordHeaders(), Optional.empty());
    }

    @Test
    void unansweredRequestsAreListedWithTheLastHopTheyReachedInSendOrder() {
        Hops hops = new Hops(null); // no attempt record is read, so nothing is decoded
        hops.sent("warm-up", 1, 1_000, false);
        hops.sent("planned", 2, 2_000, true);
        hops.sent("tasked", 3, 3_000, true);
        hops.sent("answered", 4, 4_000, true);
        hops.observe(record(Topics.PLANS.name(), "planned", 2_010));
        hops.observe(record(Topics.PLANS.name(), "tasked", 3_010));
        hops.observe(record(Topics.tasks("sim-fast").name(), "tasked", 3_020));

        assertThat(hops.answered("answered")).isNotNull();
        assertThat(hops.answered("warm-up")).as("a warm-up reply is counted, not measured").isNull();
        assertThat(hops.answered("unknown")).isNull();

        assertThat(hops.unanswered(5)).containsExactly(
                "planned: a plan published at 1970-01-01T00:00:02.010Z, no task",
                "tasked: a task published at 1970-01-01T00:00:03.020Z, no attempt");
        assertThat(hops.unanswered(1)).hasSize(1);
    }

    @Test
    void aRequestWithoutAPlanIsReportedAsSent() {
        Hops hops = new Hops(null);
        hops.sent("lost", 1, 5_000, false);

        assertThat(hops.unanswered(5)).containsExactly("lost: sent at 1970-01-01T00:00:05Z, no plan");
    }
}
