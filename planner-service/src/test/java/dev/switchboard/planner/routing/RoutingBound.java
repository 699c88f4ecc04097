package dev.switchboard.planner.routing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * What a router on these prompt embeddings could reach at best: the quality model is trained
 * offline, with full information (every model's outcome for every training prompt, which an online
 * router never sees), and judged by five-fold cross-validation; each held-out prompt goes to the
 * model of highest predicted quality minus {@code wc} times its relative cost. Prints, for a range of
 * cost weights, the quality and cost per query as shares of the best single model's. A target above
 * this frontier is out of reach for the online learner, which learns from its own choices only.
 * Its main takes {@code FILE.jsonl ROWS}; system property {@code ridge} sets the prior precision.
 * Shares {@link RoutingReplay}'s embedding cache.
 */
public final class RoutingBound {

    private static final int FOLDS = 5;
    private static final double[] COST_WEIGHTS = {0, 0.02, 0.05, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.3, 0.5, 1};

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        List<RoutingReplay.Row> rows = RoutingReplay.read(file, Integer.parseInt(args[1]));
        float[][] emb = RoutingReplay.embeddings(rows,
                Path.of(System.getProperty("java.io.tmpdir"), "emb-" + file.getFileName() + ".bin"));
        List<String> models = new ArrayList<>(rows.get(0).outcomes().keySet());
        int n = rows.size();
        int k = models.size();

        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(0));
        double[][] predicted = new double[n][k];
        double ridge = Double.parseDouble(System.getProperty("ridge", "3"));
        for (int fold = 0; fold < FOLDS; fold++) {
            LinearQualityModel learner = new LinearQualityModel(new LinearQualityModel.Settings(ridge, 0.2, 0.5));
            for (int j = 0; j < n; j++) {
                if (j % FOLDS != fold) {
                    int i = order.get(j);
                    for (String m : models) {
                        learner.observe(m, emb[i], null, rows.get(i).outcomes().get(m)[0]);
                    }
                }
            }
            for (int j = fold; j < n; j += FOLDS) {
                int i = order.get(j);
                for (int m = 0; m < k; m++) {
                    predicted[i][m] = learner.estimate(models.get(m), emb[i], null).mean();
                }
            }
        }

        int best = 0;
        double[] quality = new double[k];
        double[] cost = new double[k];
        for (RoutingReplay.Row r : rows) {
            for (int m = 0; m < k; m++) {
                quality[m] += r.outcomes().get(models.get(m))[0] / n;
                cost[m] += r.outcomes().get(models.get(m))[1] / n;
            }
        }
        for (int m = 1; m < k; m++) {
            if (quality[m] > quality[best]) {
                best = m;
            }
        }
        System.out.printf("best single model %s: quality %.4f, cost per query $%.3e%n",
                models.get(best), quality[best], cost[best]);
        System.out.println("cost weight  quality  (of best)  cost per query  (of best)");
        for (double wc : COST_WEIGHTS) {
            double q = 0;
            double c = 0;
            for (int i = 0; i < n; i++) {
                double[] o = null;
                double dearest = 0;
                for (String m : models) {
                    dearest = Math.max(dearest, rows.get(i).outcomes().get(m)[1]);
                }
                double top = Double.NEGATIVE_INFINITY;
                for (int m = 0; m < k; m++) {
                    double[] outcome = rows.get(i).outcomes().get(models.get(m));
                    double utility = predicted[i][m] - wc * outcome[1] / dearest;
                    if (utility > top) {
                        top = utility;
                        o = outcome;
                    }
                }
                q += o[0] / n;
                c += o[1] / n;
            }
            System.out.printf("%11.2f  %7.4f  %8.1f%%  %14.3e  %8.1f%%%n",
                    wc, q, 100 * q / quality[best], c, 100 * c / cost[best]);
        }
    }
}
