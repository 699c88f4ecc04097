package dev.switchboard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The routing benchmark on a 200-row slice of the 9-model set, through the whole pipeline. */
class BenchRoutingCommandIT {

    private static final Path SLICE = Path.of("src/test/resources/routing/llmrouter-9models-first200.jsonl");

    @Test
    void learnsFromAColdStartAndReportsAgainstTheBaselines(@TempDir Path out) throws Exception {
        CliStack.Run run = CliStack.run(Map.of(), "bench", "routing", "--dataset", SLICE.toString(), "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.out().strip().lines().toList();
        JsonNode summary = new ObjectMapper().readTree(lines.getLast());
        Expected expected = expected();

        assertThat(summary.path("rows").asInt()).isEqualTo(200);
        assertThat(summary.path("failed").asInt()).isZero();
        // Every reply's ACCURACY feedback went through llm.feedback back to the planner.
        assertThat(summary.path("learned").asInt()).isEqualTo(200);
        assertThat(summary.path("bestModel").asText()).isEqualTo(expected.bestModel);
        assertThat(summary.path("bestQuality").asDouble()).isCloseTo(expected.bestQuality, within(1e-9));
        assertThat(summary.path("bestCostPerQuery").asDouble()).isCloseTo(expected.bestCost, within(1e-12));
        assertThat(summary.path("oracleQuality").asDouble()).isCloseTo(expected.oracleQuality, within(1e-9));
        assertThat(summary.path("oracleCostPerQuery").asDouble()).isCloseTo(expected.oracleCost, within(1e-12));
        double quality = summary.path("quality").asDouble();
        assertThat(summary.path("gapClosed").asDouble())
                .isCloseTo((quality - expected.bestQuality) / (expected.oracleQuality - expected.bestQuality), within(1e-9));
        // 200 rows is too few to beat the best model, but a learning router must beat picking at random,
        // and strategy target (the default, keeping 95 % of the best eligible model's estimated quality) must not
        // spend like the dearest model.
        assertThat(quality).isGreaterThan(expected.randomQuality);
        assertThat(summary.path("costPerQuery").asDouble()).isLessThan(expected.bestCost * 0.7);

        JsonNode detail = new ObjectMapper().readTree(out.resolve("routing.json").toFile());
        assertThat(detail.path("picks").size()).isGreaterThan(1);
        assertThat(detail.path("baselines").path("oracle").path("quality").asDouble()).isCloseTo(expected.oracleQuality, within(1e-9));
        BufferedImage plot = ImageIO.read(out.resolve("routing.png").toFile());
        assertThat(plot.getWidth()).isEqualTo(900);
        assertThat(plot.getHeight()).isEqualTo(600);
        assertThat(run.out()).contains("switchboard (target)").contains("oracle").contains("cheapest (gemma-2-9b-it)");
        assertThat(summary.path("strategy").asText()).isEqualTo("target");
        assertThat(summary.path("targetQuality").asDouble()).isEqualTo(0.95);
        // The share is judged against each plan's best-estimated candidate, which the plans on llm.plans name:
        // its recorded quality lies between the worst single model's and the oracle's.
        double reference = summary.path("referenceQuality").asDouble();
        assertThat(reference).isBetween(expected.worstQuality, expected.oracleQuality);
        // Every plan of the run held the target: the stack was ready before the first request.
        assertThat(summary.path("unreferenced").asLong()).isZero();
        assertThat(summary.path("qualityVsReference").asDouble()).isCloseTo(quality / reference, within(1e-9));
        assertThat(run.out()).contains(String.format(java.util.Locale.ROOT,
                "target quality 0.95 of the best eligible model's: achieved %.1f%% of the quality of each plan's best-estimated "
                        + "candidate (%+.1f points from the target), which realised %.1f%% of the best single model's; %.1f%% of the "
                        + "best single model's quality", 100 * quality / reference, 100 * (quality / reference - 0.95),
                100 * reference / expected.bestQuality, 100 * quality / expected.bestQuality));
    }

    @Test
    void aBadDatasetIsRefusedNamingTheLineAndField(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"id\":\"a\",\"prompt\":\"hi\",\"task\":\"t\",\"outcomes\":{\"m\":{\"score\":0.5,\"costUsd\":0.1}}}\n"
                + "{\"id\":\"b\",\"prompt\":\"hi\",\"task\":\"t\",\"outcomes\":{\"m\":{\"score\":2,\"costUsd\":0.1}}}\n");

        CliStack.Run run = CliStack.run(Map.of(), "bench", "routing", "--dataset", bad.toString());
        CliStack.Run missing = CliStack.run(Map.of(), "bench", "routing", "--dataset", dir.resolve("nope.jsonl").toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("bad.jsonl line 2: outcomes.m.score must be a number in [0, 1]");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("no such dataset file");
    }

    private record Expected(String bestModel, double bestQuality, double bestCost, double oracleQuality, double oracleCost,
                            double randomQuality, double worstQuality) {
    }

    /** The baselines computed here, independently of the command. */
    private static Expected expected() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, double[]> sums = new HashMap<>();
        double oq = 0, oc = 0;
        List<String> lines = Files.readAllLines(SLICE);
        for (String line : lines) {
            JsonNode outcomes = json.readTree(line).path("outcomes");
            double bestScore = -1, bestCost = 0;
            for (Map.Entry<String, JsonNode> e : outcomes.properties()) {
                double s = e.getValue().path("score").asDouble();
                double c = e.getValue().path("costUsd").asDouble();
                double[] sum = sums.computeIfAbsent(e.getKey(), k -> new double[2]);
                sum[0] += s;
                sum[1] += c;
                if (s > bestScore || (s == bestScore && c < bestCost)) {
                    bestScore = s;
                    bestCost = c;
                }
            }
            oq += bestScore;
            oc += bestCost;
        }
        int n = lines.size();
        Map.Entry<String, double[]> best = sums.entrySet().stream().max(Map.Entry.comparingByValue(
                java.util.Comparator.comparingDouble(v -> v[0]))).orElseThrow();
        double random = sums.values().stream().mapToDouble(v -> v[0] / n).average().orElseThrow();
        double worst = sums.values().stream().mapToDouble(v -> v[0] / n).min().orElseThrow();
        return new Expected(best.getKey(), best.getValue()[0] / n, best.getValue()[1] / n, oq / n, oc / n, random, worst);
    }
}
