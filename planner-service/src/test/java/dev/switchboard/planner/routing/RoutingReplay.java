package dev.switchboard.planner.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.rng.simple.RandomSource;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays a routing dataset through the learner and ranker alone, without Kafka: for tuning. Its
 * main takes {@code FILE.jsonl ROWS}; system properties {@code ridge}, {@code noise}, {@code wc}
 * (the cost weight), {@code hint} (use the row's task) and {@code seeds} vary the run. Prompt
 * embeddings are cached in the temporary directory.
 */
public final class RoutingReplay {

    record Row(String prompt, String task, Map<String, double[]> outcomes) {
    }

    static List<Row> read(Path file, int limit) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Row> rows = new ArrayList<>();
        try (var lines = Files.lines(file)) {
            Iterator<String> it = lines.iterator();
            while (it.hasNext() && rows.size() < limit) {
                JsonNode n = json.readTree(it.next());
                Map<String, double[]> outcomes = new LinkedHashMap<>();
                n.get("outcomes").properties().forEach(e -> outcomes.put(e.getKey(),
                        new double[] {e.getValue().get("score").asDouble(), e.getValue().get("costUsd").asDouble()}));
                rows.add(new Row(n.get("prompt").asText(), n.get("task").asText(), outcomes));
            }
        }
        return rows;
    }

    static float[][] embeddings(List<Row> rows, Path cache) throws IOException {
        if (Files.exists(cache)) {
            try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(cache)))) {
                int n = in.readInt();
                int d = in.readInt();
                if (n >= rows.size()) {
                    float[][] out = new float[rows.size()][d];
                    for (int i = 0; i < rows.size(); i++) {
                        for (int j = 0; j < d; j++) {
                            out[i][j] = in.readFloat();
                        }
                    }
                    return out;
                }
            }
        }
        MiniLmEmbedder embedder = new MiniLmEmbedder();
        float[][] out = new float[rows.size()][];
        long t0 = System.nanoTime();
        for (int i = 0; i < rows.size(); i++) {
            out[i] = embedder.embed(rows.get(i).prompt());
        }
        System.out.printf("embedded %d prompts in %.1f s%n", rows.size(), (System.nanoTime() - t0) / 1e9);
        try (DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(cache)))) {
            o.writeInt(out.length);
            o.writeInt(out[0].length);
            for (float[] v : out) {
                for (float x : v) {
                    o.writeFloat(x);
                }
            }
        }
        return out;
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        int limit = Integer.parseInt(args[1]);
        List<Row> rows = read(file, limit);
        float[][] emb = embeddings(rows, Path.of(System.getProperty("java.io.tmpdir"), "emb-" + file.getFileName() + ".bin"));
        List<String> models = new ArrayList<>(rows.get(0).outcomes().keySet());
        Map<String, Double> price = new LinkedHashMap<>();
        for (String m : models) {
            double c = 0, t = 0;
            for (Row r : rows.subList(0, Math.min(200, rows.size()))) {
                c += r.outcomes().get(m)[1];
                t += Math.ceil(r.prompt().length() / 4.0) + 150;
            }
            price.put(m, c / t);
        }
        Strategy strategy = new Strategy("t", 1, dbl("wc", 0.05), 0);
        boolean hint = Boolean.getBoolean("hint");
        int seeds = Integer.getInteger("seeds", 3);
        for (int seed = 1; seed <= seeds; seed++) {
            QualityModel learner = new LinearQualityModel(
                    new LinearQualityModel.Settings(dbl("ridge", 3), dbl("noise", 0.2), dbl("prior", 0.5)));
            Ranker ranker = new Ranker(learner, RandomSource.XO_RO_SHI_RO_128_PP.create((long) seed));
            double q = 0, cost = 0, qLate = 0, cLate = 0;
            Map<String, Integer> picks = new LinkedHashMap<>();
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                List<Ranker.Candidate> cands = new ArrayList<>();
                for (String m : models) {
                    cands.add(new Ranker.Candidate(m, m, price.get(m) * (Math.ceil(r.prompt().length() / 4.0) + 150), 0));
                }
                String task = hint ? r.task() : null;
                Ranker.Ranked first = ranker.rank(cands, emb[i], task, strategy).get(0);
                String m = first.candidate().model();
                double[] o = r.outcomes().get(m);
                q += o[0];
                cost += o[1];
                learner.observe(m, emb[i], task, o[0]);
                if (i >= rows.size() / 2) {
                    qLate += o[0];
                    cLate += o[1];
                }
                picks.merge(m, 1, Integer::sum);
            }
            int n = rows.size();
            String best = models.stream().max(java.util.Comparator.comparingDouble(
                    m -> rows.stream().mapToDouble(r -> r.outcomes().get(m)[0]).sum())).orElseThrow();
            double bq = rows.stream().mapToDouble(r -> r.outcomes().get(best)[0]).sum() / n;
            double bc = rows.stream().mapToDouble(r -> r.outcomes().get(best)[1]).sum() / n;
            System.out.printf("  second half: quality %.4f cost %.2fe-6%n", qLate / (n - n / 2), cLate / (n - n / 2) * 1e6);
            System.out.printf("seed %d quality %.4f (%.1f%% of best %.4f) cost %.2fe-6 (%.1f%% of best) picks %s%n",
                    seed, q / n, 100 * q / n / bq, bq, cost / n * 1e6, 100 * cost / n / bc, picks);
        }
    }

    private static double dbl(String key, double def) {
        String v = System.getProperty(key);
        return v == null ? def : Double.parseDouble(v);
    }
}
