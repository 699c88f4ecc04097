package dev.switchboard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BenchRestartCommandIT {

    @Test
    void aPlannerStartedFromTheCheckpointReadsLessAndEstimatesAsTheOneThatLearntTheHistory() throws Exception {
        CliStack.Run run = CliStack.run(Map.of(), "bench", "restart", "--requests", "30000", "--score-share", "0.5");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.out().strip().lines().toList();
        JsonNode summary = new ObjectMapper().readTree(lines.getLast());
        long scores = summary.path("scores").asLong();
        assertThat(summary.path("requests").asInt()).isEqualTo(30_000);
        assertThat(scores).isBetween(14_000L, 16_000L);
        assertThat(summary.path("records").asLong()).isEqualTo(60_000 + scores);
        JsonNode checkpoint = summary.path("restarts").get(0);
        JsonNode replay = summary.path("restarts").get(1);
        assertThat(checkpoint.path("how").asText()).isEqualTo("from the latest checkpoint");
        assertThat(checkpoint.path("maxEstimateDifference").asDouble()).isLessThan(1e-9);
        // $0.0001 an attempt, each counted once whichever way the spend was rebuilt.
        assertThat(summary.path("spentUsd").asDouble()).isCloseTo(3.0, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(checkpoint.path("spentUsd").asDouble()).isCloseTo(3.0, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(replay.path("spentUsd").asDouble()).isCloseTo(3.0, org.assertj.core.api.Assertions.within(1e-6));
        // At most the 20,000 plans a planner remembers, their attempts, and the scores after the checkpoint.
        assertThat(checkpoint.path("recordsRead").asLong()).isLessThan(40_000 + scores);
        assertThat(replay.path("how").asText()).isEqualTo("replaying 24 h of the log (no checkpoint)");
        assertThat(replay.path("recordsRead").asLong()).isEqualTo(60_000 + scores);
        assertThat(run.out()).contains("planner started").contains("from the latest checkpoint");
    }
}
