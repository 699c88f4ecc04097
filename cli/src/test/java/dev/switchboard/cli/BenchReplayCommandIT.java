package dev.switchboard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The offline replay and frontier on the 200-row slice of the 9-model set: one command, reproducible figures. */
class BenchReplayCommandIT {

    private static final Path SLICE = Path.of("src/test/resources/routing/llmrouter-9models-first200.jsonl");
    /** The built-in prior's mean over seeds 1 to 3 on the slice: quality and cost as shares of the best model's. */
    private static final double PRIOR_QUALITY = 0.9713;
    private static final double PRIOR_COST = 0.6032;

    @Test
    void replaysSeveralSeedsAndPrintsTheirMeanBesideTheOfflineFrontier(@TempDir Path cache) throws Exception {
        CliStack.Run run = CliStack.run(Map.of(), "bench", "replay", "--dataset", SLICE.toString(), "--seeds", "3",
                "--prior", "none", "--cache-dir", cache.toString());
        // A second run reads the embeddings from the cache, and gives the same figures.
        CliStack.Run again = CliStack.run(Map.of(), "bench", "replay", "--dataset", SLICE.toString(), "--seeds", "3",
                "--prior", "none", "--cache-dir", cache.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(again.out()).isEqualTo(run.out());
        assertThat(cache.resolve("emb-llmrouter-9models-first200.jsonl.bin")).isRegularFile();
        List<String> lines = run.out().strip().lines().toList();
        JsonNode summary = new ObjectMapper().readTree(lines.getLast());
        assertThat(summary.path("rows").asInt()).isEqualTo(200);
        assertThat(summary.path("seeds").asInt()).isEqualTo(3);
        assertThat(summary.path("bestModel").asText()).isEqualTo("llama-3.1-nemotron-51b-instruct");
        // Seeds 1, 2 and 3 reach 96.8, 90.4 and 88.9 % of the best model's quality at 56.5, 66.3 and 36.5 % of its cost.
        assertThat(run.out()).containsPattern("\n1\\s+0\\.6341\\s+96\\.8%\\s+1\\.129e-04\\s+56\\.5%")
                .containsPattern("\n2\\s+0\\.5922\\s+90\\.4%\\s+1\\.326e-04\\s+66\\.3%")
                .containsPattern("\n3\\s+0\\.5820\\s+88\\.9%\\s+7\\.304e-05\\s+36\\.5%");
        assertThat(summary.path("qualityVsBest").asDouble()).isCloseTo((0.6341 + 0.5922 + 0.5820) / 3 / 0.6550, within(2e-4));
        assertThat(run.out()).contains("mean ± standard error over 3 seeds: quality 92.0% ± 2.4 of the best model's (88.9% to 96.8%)");
        // The frontier: one point per cost weight, and with no weight on cost it spends more than at 0.14.
        JsonNode frontier = summary.path("frontier");
        assertThat(frontier.size()).isEqualTo(13);
        assertThat(frontier.get(0).path("costVsBest").asDouble()).isCloseTo(0.7136, within(1e-4));
        assertThat(frontier.get(6).path("costWeight").asDouble()).isEqualTo(0.14);
        assertThat(frontier.get(6).path("qualityVsBest").asDouble()).isCloseTo(0.9827, within(1e-4));
    }

    @Test
    void aQualityTargetIsKeptOnTheEstimatedShareAndReported(@TempDir Path cache) throws Exception {
        CliStack.Run run = CliStack.run(Map.of(), "bench", "replay", "--dataset", SLICE.toString(), "--seeds", "2",
                "--no-frontier", "--target-quality", "0.9", "--prior", "none", "--cache-dir", cache.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode summary = new ObjectMapper().readTree(run.out().strip().lines().toList().getLast());
        assertThat(summary.path("targetQuality").asDouble()).isEqualTo(0.9);
        assertThat(summary.path("estimatedShareKept").asDouble()).isCloseTo(0.8918, within(1e-4));
        assertThat(summary.path("qualityVsBest").asDouble()).isCloseTo(0.9020, within(1e-4));
        assertThat(summary.path("costVsBest").asDouble()).isCloseTo(0.6092, within(1e-4));
        // Against each row's best-estimated candidate's recorded score, which a cold learner's estimates pick poorly here.
        assertThat(summary.path("realisedShareKept").asDouble()).isCloseTo(0.9419, within(1e-4));
        assertThat(summary.path("referenceQualityVsBest").asDouble()).isCloseTo(0.9600, within(1e-4));
        assertThat(summary.path("frontier").size()).isZero();
        assertThat(run.out()).contains("quality target 0.900: the choices kept 89.2% ± 0.2 of the best candidate's calibrated estimated quality, "
                + "and 94.2% ± 4.1 of its realised quality (+4.2 points from the target; the best candidates realised 96.0% ± 5.3 of "
                + "the best model's quality)");
    }

    @Test
    void theBuiltInPriorStartsTheLearnerInformed(@TempDir Path cache) throws Exception {
        CliStack.Run cold = CliStack.run(Map.of(), "bench", "replay", "--dataset", SLICE.toString(), "--seeds", "3",
                "--prior", "none", "--cache-dir", cache.toString());
        CliStack.Run informed = CliStack.run(Map.of(), "bench", "replay", "--dataset", SLICE.toString(), "--seeds", "3",
                "--cache-dir", cache.toString());

        assertThat(informed.exitCode()).as(informed.err()).isZero();
        JsonNode coldSummary = new ObjectMapper().readTree(cold.out().strip().lines().toList().getLast());
        JsonNode summary = new ObjectMapper().readTree(informed.out().strip().lines().toList().getLast());
        assertThat(summary.path("qualityVsBest").asDouble()).isCloseTo(PRIOR_QUALITY, within(1e-4));
        assertThat(summary.path("costVsBest").asDouble()).isCloseTo(PRIOR_COST, within(1e-4));
        assertThat(summary.path("earlyRegretPoints").asDouble()).isLessThan(coldSummary.path("earlyRegretPoints").asDouble());
        assertThat(informed.out()).containsPattern("first 200 rows: quality \\d+\\.\\d% ± \\d+\\.\\d of the best model's at "
                + "\\d+\\.\\d% ± \\d+\\.\\d of its cost; regret -?\\d+\\.\\d ± \\d+\\.\\d points");
    }

    @Test
    void aPriorTrainedOnRowsOfTheDatasetIsNeverJudgedOnThem(@TempDir Path dir) throws Exception {
        Path prior = dir.resolve("prior.json");
        CliStack.Run train = CliStack.run(Map.of(), "bench", "prior", "--train", SLICE + ":150", "--out", prior.toString(),
                "--cache-dir", dir.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();
        assertThat(train.out()).containsPattern("llmrouter-9models-first200.jsonl\\s+150\\s+50\\s+9\n")
                .contains("wrote " + prior + ": 9 models, 385 weights each");

        CliStack.Run overlapping = CliStack.run(Map.of(), "bench", "replay", "--dataset", SLICE.toString(), "--prior", prior.toString(),
                "--cache-dir", dir.toString());
        assertThat(overlapping.exitCode()).isEqualTo(2);
        assertThat(overlapping.err()).contains("rows 151 to 200 of llmrouter-9models-first200.jsonl trained the prior (--prior "
                + prior + "): judge it on the rows before them (--limit 150) or pass --prior none");
        CliStack.Run before = CliStack.run(Map.of(), "bench", "replay", "--dataset", SLICE.toString(), "--limit", "150", "--seeds", "2",
                "--no-frontier", "--prior", prior.toString(), "--cache-dir", dir.toString());
        assertThat(before.exitCode()).as(before.err()).isZero();
        assertThat(new ObjectMapper().readTree(before.out().strip().lines().toList().getLast()).path("rows").asInt()).isEqualTo(150);

        CliStack.Run badTrain = CliStack.run(Map.of(), "bench", "prior", "--train", SLICE.toString(), "--out", prior.toString());
        assertThat(badTrain.exitCode()).isEqualTo(2);
        assertThat(badTrain.err()).contains("--train '" + SLICE + "' is not FILE.jsonl:FROM");
        CliStack.Run pastTheEnd = CliStack.run(Map.of(), "bench", "prior", "--train", SLICE + ":200", "--out", prior.toString());
        assertThat(pastTheEnd.err()).contains("the file has 200 rows, none from row 200");
        CliStack.Run notAPrior = CliStack.run(Map.of(), "bench", "replay", "--dataset", SLICE.toString(), "--prior", SLICE.toString());
        assertThat(notAPrior.exitCode()).isEqualTo(2);
        assertThat(notAPrior.err()).contains("--prior: " + SLICE + ": not a quality prior (version 1)");
    }

    @Test
    void badSettingsAreRefusedNamingTheOption(@TempDir Path dir) {
        CliStack.Run seeds = CliStack.run(Map.of(), "bench", "replay", "--dataset", SLICE.toString(), "--seeds", "0");
        CliStack.Run missing = CliStack.run(Map.of(), "bench", "replay", "--dataset", dir.resolve("nope.jsonl").toString());

        assertThat(seeds.exitCode()).isEqualTo(2);
        assertThat(seeds.err()).contains("--seeds must be at least 1");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("no such dataset file: " + dir.resolve("nope.jsonl"));
        CliStack.Run target = CliStack.run(Map.of(), "bench", "replay", "--dataset", SLICE.toString(), "--target-quality", "1.5");
        assertThat(target.exitCode()).isEqualTo(2);
        assertThat(target.err()).contains("--target-quality: quality target must be in (0, 1], got 1.5");
    }
}
