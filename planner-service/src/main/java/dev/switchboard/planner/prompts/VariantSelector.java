package dev.switchboard.planner.prompts;

import dev.switchboard.planner.analysis.PlanningModel;
import dev.switchboard.platform.Bounded;
import dev.switchboard.platform.config.SwitchboardConfig.PromptVariant;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ChengBetaSampler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Picks a system-prompt variant for each request of a task type by Thompson sampling over the
 * ACCURACY and USER_SATISFACTION feedback each variant has had: Beta(1 + Σ score, 1 + Σ (1 − score)).
 * A variant without feedback is tried; one that does worse fades out.
 *
 * <p>Refinement (off by default): after every {@value #REFINE_EVERY} feedback scores of a task
 * type, when two of its variants have at least {@value #MIN_OBSERVATIONS} each, the planning model
 * is asked, off the planning path, for a new prompt from the best and the worst; the new variant
 * ({@code <task>-refined-<n>}) then competes like the others.
 */
public final class VariantSelector {

    private static final Logger log = LoggerFactory.getLogger(VariantSelector.class);

    static final int REFINE_EVERY = 50;
    static final int MIN_OBSERVATIONS = 3;
    static final int REMEMBERED = 20_000;

    /** A variant's feedback so far. */
    public record Stats(String variantId, String taskType, long observations, double meanScore) {
    }

    private final Map<String, List<PromptVariant>> byTask = new ConcurrentHashMap<>();
    private final Map<String, double[]> feedback = new ConcurrentHashMap<>();
    private final Map<String, Long> sinceRefinement = new ConcurrentHashMap<>();
    private final Map<String, String> planned = Bounded.map(REMEMBERED);
    /** Scores for requests whose plan has not been read yet (feedback can overtake its plan in the log). */
    private final Map<String, List<Double>> waiting = Bounded.map(REMEMBERED);
    private final Map<String, PromptVariant> byId = new ConcurrentHashMap<>();
    private final UniformRandomProvider random;
    private final PlanningModel refiner;
    private final java.util.Set<String> configured;

    /** @param refiner the planning model that proposes new variants; null: no refinement */
    public VariantSelector(List<PromptVariant> variants, UniformRandomProvider random, PlanningModel refiner) {
        this.random = random;
        this.refiner = refiner;
        variants.forEach(this::add);
        this.configured = variants.stream().map(PromptVariant::id).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    private void add(PromptVariant v) {
        byTask.computeIfAbsent(v.taskType(), t -> new CopyOnWriteArrayList<>()).add(v);
        byId.put(v.id(), v);
    }

    /** The variant for this request, when its task type (or {@code *}) has any; remembered for its feedback. */
    public synchronized Optional<PromptVariant> choose(String requestId, String taskType) {
        List<PromptVariant> candidates = new ArrayList<>(byTask.getOrDefault(taskType, List.of()));
        candidates.addAll(byTask.getOrDefault("*", List.of()));
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        PromptVariant best = null;
        double bestDraw = -1;
        for (PromptVariant v : candidates) {
            double[] f = feedback.getOrDefault(v.id(), new double[2]);
            double draw = ChengBetaSampler.of(random, 1 + f[0], 1 + f[1] - f[0]).sample();
            if (draw > bestDraw) {
                bestDraw = draw;
                best = v;
            }
        }
        planned.put(requestId, best.id());
        return Optional.of(best);
    }

    /**
     * A plan read from the log (any planner's, live or replayed at start-up) that gave the request
     * variant {@code variantId}: remembered for its feedback, and credited with scores that came first.
     *
     * @param mayRefine false while the log is replayed: old scores count, but ask for no new variant
     */
    public void planned(String requestId, String variantId, boolean mayRefine) {
        String id;
        List<Double> early;
        synchronized (this) {
            String known = planned.putIfAbsent(requestId, variantId);
            id = known != null ? known : variantId;
            early = waiting.remove(requestId);
        }
        if (early != null) {
            early.forEach(score -> credit(id, score, mayRefine));
        }
    }

    /** A feedback score (0..1) for a request; credited to its variant once its plan is known to have had one. */
    public void feedback(String requestId, double score) {
        feedback(requestId, score, true);
    }

    /** @param mayRefine false while the log is replayed: old scores count, but ask for no new variant */
    public void feedback(String requestId, double score, boolean mayRefine) {
        String id;
        synchronized (this) {
            id = planned.get(requestId);
            if (id == null) {
                waiting.computeIfAbsent(requestId, r -> new ArrayList<>(1)).add(score);
                return;
            }
        }
        credit(id, score, mayRefine);
    }

    private void credit(String id, double score, boolean mayRefine) {
        PromptVariant v = id == null ? null : byId.get(id);
        if (v == null) {
            return;
        }
        feedback.compute(id, (k, f) -> {
            double[] sum = f == null ? new double[2] : f;
            sum[0] += Math.max(0, Math.min(1, score));
            sum[1]++;
            return sum;
        });
        if (refiner != null && mayRefine && sinceRefinement.merge(v.taskType(), 1L, Long::sum) >= REFINE_EVERY) {
            sinceRefinement.put(v.taskType(), 0L);
            refine(v.taskType());
        }
    }

    /** A variant's feedback as a checkpoint keeps it; {@code systemPrompt} only for a variant the planning model proposed. */
    public record Saved(String id, String taskType, String systemPrompt, double scoreSum, double observations) {
    }

    /** Every variant's feedback sums, and the text of the refined ones (configured ones come from configuration). */
    public List<Saved> snapshot() {
        List<Saved> out = new ArrayList<>();
        byId.values().stream().sorted(Comparator.comparing(PromptVariant::id)).forEach(v -> {
            double[] f = feedback.getOrDefault(v.id(), new double[2]);
            out.add(new Saved(v.id(), v.taskType(), configured.contains(v.id()) ? null : v.systemPrompt(), f[0], f[1]));
        });
        return out;
    }

    /**
     * Starts from a checkpoint: each saved variant's sums replace its own; a refined one is added
     * again with its text; a saved configured variant no longer configured is left out.
     */
    public void restore(List<Saved> saved) {
        for (Saved s : saved) {
            if (!byId.containsKey(s.id())) {
                if (s.systemPrompt() == null) {
                    continue;
                }
                add(new PromptVariant(s.id(), s.taskType(), s.systemPrompt()));
            }
            feedback.put(s.id(), new double[] {s.scoreSum(), s.observations()});
        }
    }

    public List<Stats> stats() {
        List<Stats> out = new ArrayList<>();
        byId.values().stream().sorted(Comparator.comparing(PromptVariant::id)).forEach(v -> {
            double[] f = feedback.getOrDefault(v.id(), new double[2]);
            out.add(new Stats(v.id(), v.taskType(), (long) f[1], f[1] == 0 ? 0 : f[0] / f[1]));
        });
        return out;
    }

    private void refine(String taskType) {
        List<Stats> rated = stats().stream().filter(s -> s.taskType().equals(taskType) && s.observations() >= MIN_OBSERVATIONS)
                .sorted(Comparator.comparingDouble(Stats::meanScore)).toList();
        if (rated.size() < 2) {
            return;
        }
        Stats worst = rated.getFirst();
        Stats best = rated.getLast();
        CompletableFuture.runAsync(() -> {
            try {
                String text = refiner.refine(taskType, byId.get(best.variantId()).systemPrompt(), best.meanScore(),
                        byId.get(worst.variantId()).systemPrompt(), worst.meanScore());
                String id = taskType + "-refined-" + (byTask.get(taskType).size() + 1);
                add(new PromptVariant(id, taskType, text));
                log.info("Prompt variant {} added from {} (mean {}) and {} (mean {})", id, best.variantId(),
                        String.format(java.util.Locale.ROOT, "%.3f", best.meanScore()), worst.variantId(),
                        String.format(java.util.Locale.ROOT, "%.3f", worst.meanScore()));
            } catch (Exception e) {
                log.warn("Prompt refinement for {} failed: {}", taskType, e.toString());
            }
        });
    }
}
