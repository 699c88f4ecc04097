package dev.switchboard.cli.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What fixed policies score on a dataset, computed from the file alone: the bars a router must clear. */
public record Baselines(Map<String, Point> singleModels, Point cheapest, Point random, Point oracle, String bestModel) {

    /** Mean quality and mean cost per query of one policy. */
    public record Point(String name, double quality, double costPerQuery) {
    }

    public Point best() {
        return singleModels.get(bestModel);
    }

    public static Baselines of(RoutingDataset data) {
        int n = data.rows().size();
        Map<String, Point> single = new LinkedHashMap<>();
        for (String model : data.models()) {
            double q = 0;
            double c = 0;
            for (RoutingDataset.Row row : data.rows()) {
                q += row.outcome(model).score();
                c += row.outcome(model).costUsd();
            }
            single.put(model, new Point(model, q / n, c / n));
        }
        List<Point> points = new ArrayList<>(single.values());
        Point best = points.stream().max(Comparator.comparingDouble(Point::quality)
                .thenComparing(Comparator.comparingDouble(Point::costPerQuery).reversed())).orElseThrow();
        Point cheapest = points.stream().min(Comparator.comparingDouble(Point::costPerQuery)).orElseThrow();
        Point random = new Point("random", points.stream().mapToDouble(Point::quality).average().orElseThrow(),
                points.stream().mapToDouble(Point::costPerQuery).average().orElseThrow());
        double oq = 0;
        double oc = 0;
        for (RoutingDataset.Row row : data.rows()) {
            RoutingDataset.Outcome o = row.outcomes().values().stream()
                    .max(Comparator.comparingDouble(RoutingDataset.Outcome::score)
                            .thenComparing(Comparator.comparingDouble(RoutingDataset.Outcome::costUsd).reversed()))
                    .orElseThrow();
            oq += o.score();
            oc += o.costUsd();
        }
        return new Baselines(single, new Point("cheapest (" + cheapest.name() + ")", cheapest.quality(), cheapest.costPerQuery()),
                random, new Point("oracle", oq / n, oc / n), best.name());
    }

    /**
     * The share of the quality gap between the best single model and the oracle that {@code quality}
     * closes: 0 at the best single model, 1 at the oracle, negative below the best single model.
     */
    public double gapClosed(double quality) {
        double gap = oracle.quality() - best().quality();
        return gap <= 0 ? 0 : (quality - best().quality()) / gap;
    }
}
