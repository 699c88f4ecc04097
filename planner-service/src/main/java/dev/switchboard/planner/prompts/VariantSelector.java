package dev.switchboard.planner.prompts;

import dev.switchboard.avro.VariantOrigin;
import dev.switchboard.avro.VariantProposal;
import dev.switchboard.planner.analysis.PlanningModel;
import dev.switchboard.platform.Bounded;
import dev.switchboard.platform.config.SwitchboardConfig.Improvements;
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
import java.util.function.Consumer;

/**
 * Picks a system-prompt variant for each request of a task type by Thompson sampling over the
 * ACCURACY and USER_SATISFACTION feedback each variant has had: Beta(1 + Σ score, 1 + Σ (1 − score)).
 * A variant without feedback is tried; one that does worse fades out.
 *
 * <p>Variants come from configuration and from the planning model, which may add two kinds, each
 * off by default:
 * <ul>
 *   <li><b>refined</b>: after every {@value #REFINE_EVERY} feedback scores of a task type, when two
 *   of its variants have at least {@value #MIN_OBSERVATIONS} each, the planning model is asked, off
 *   the planning path, for a new prompt from the best and the worst;</li>
 *   <li><b>improved</b>: a prompt improvement the planning model suggested for
 *   {@link Improvements#minPrompts()} distinct prompts of a task type becomes a variant: the best
 *   variant so far with the improvement added as an instruction. A task type that had no variant
 *   gets a baseline beside it (the request as it came), so that the improvement has to beat it.</li>
 * </ul>
 * A task type gets at most {@link Improvements#maxVariantsPerTask()} variants this way. Each added
 * variant is published ({@code llm.prompt-variants}, compacted) and every planner reads that topic
 * from its beginning into {@link #proposed}: a variant outlives the planner that made it and competes
 * on every planner. Its id carries a hash of its text, so planners that make the same one agree.
 */
public final class VariantSelector {

    private static final Logger log = LoggerFactory.getLogger(VariantSelector.class);

    static final int REFINE_EVERY = 50;
    static final int MIN_OBSERVATIONS = 3;
    static final int REMEMBERED = 20_000;
    /** Longer suggestions are not made variants: an improvement is a short instruction, a long one likely quotes the prompt. */
    static final int MAX_IMPROVEMENT_CHARS = 200;

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
    /** Per task type and suggestion (normalised), the hashes of the distinct prompts it was suggested for. */
    private final Map<String, java.util.Set<Integer>> suggestions = Bounded.leastRecentlyUsed(REMEMBERED);
    /** The suggestions (keyed as above) made variants, here or by any planner. */
    private final java.util.Set<String> made = ConcurrentHashMap.newKeySet();
    private final UniformRandomProvider random;
    private final PlanningModel refiner;
    private final Improvements improvements;
    private final Consumer<VariantProposal> publisher;
    private final java.util.Set<String> configured;

    /** Configured variants and refinement only, added variants kept here: for tests. */
    public VariantSelector(List<PromptVariant> variants, UniformRandomProvider random, PlanningModel refiner) {
        this(variants, random, refiner, new Improvements(false, 1, Integer.MAX_VALUE), proposal -> {
        });
    }

    /**
     * @param refiner      the planning model that proposes refined variants; null: no refinement
     * @param improvements whether and when prompt improvements become variants
     * @param publisher    where each variant this planner adds is written, for every planner to read back into {@link #proposed}
     */
    public VariantSelector(List<PromptVariant> variants, UniformRandomProvider random, PlanningModel refiner, Improvements improvements,
                           Consumer<VariantProposal> publisher) {
        this.random = random;
        this.refiner = refiner;
        this.improvements = improvements;
        this.publisher = publisher;
        variants.forEach(this::add);
        this.configured = variants.stream().map(PromptVariant::id).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    private synchronized boolean add(PromptVariant v) {
        if (byId.putIfAbsent(v.id(), v) != null) {
            return false;
        }
        byTask.computeIfAbsent(v.taskType(), t -> new CopyOnWriteArrayList<>()).add(v);
        return true;
    }

    /** A variant a planner added, read from {@code llm.prompt-variants}: competes from now on (once, however often it is read). */
    public void proposed(VariantProposal proposal) {
        if (proposal.getImprovement() != null) {
            made.add(key(proposal.getTaskType(), proposal.getImprovement()));
        }
        add(new PromptVariant(proposal.getId(), proposal.getTaskType(), proposal.getSystemPrompt()));
    }

    /** A suggestion of a task type, as counted: case, spacing and closing punctuation aside. */
    private static String key(String taskType, String improvement) {
        return taskType + "\u0000" + improvement.toLowerCase(java.util.Locale.ROOT).replaceAll("[.!;:,]+$", "");
    }

    /**
     * Prompt improvements the planning model suggested for {@code prompt}, a request of {@code taskType}:
     * one suggested for enough distinct prompts becomes a variant, when improvements are enabled.
     */
    public void suggested(String taskType, String prompt, List<String> suggested) {
        if (!improvements.enabled() || suggested.isEmpty()) {
            return;
        }
        for (String improvement : suggested) {
            String text = improvement.strip().replaceAll("\\s+", " ");
            if (text.isEmpty() || text.length() > MAX_IMPROVEMENT_CHARS) {
                continue;
            }
            String key = key(taskType, text);
            int prompts;
            synchronized (this) {
                java.util.Set<Integer> seen = suggestions.computeIfAbsent(key, k -> new java.util.HashSet<>());
                if (made.contains(key) || seen.size() >= improvements.minPrompts()) {
                    continue; // made a variant already, or left out for want of room
                }
                seen.add(prompt.hashCode());
                prompts = seen.size();
            }
            if (prompts == improvements.minPrompts()) {
                improve(taskType, text, key, prompts);
            }
        }
    }

    private void improve(String taskType, String improvement, String key, int prompts) {
        VariantProposal baseline = null;
        VariantProposal improved;
        synchronized (this) {
            List<PromptVariant> candidates = candidates(taskType);
            int own = byTask.getOrDefault(taskType, List.of()).size();
            if (own + (candidates.isEmpty() ? 2 : 1) > improvements.maxVariantsPerTask()) {
                log.info("An improvement for task type {} was suggested for {} prompts but the task type has its {} variants",
                        taskType, prompts, improvements.maxVariantsPerTask());
                return;
            }
            long now = System.currentTimeMillis();
            if (candidates.isEmpty()) {
                baseline = proposal(taskType + "-baseline", taskType, "", VariantOrigin.BASELINE, List.of(), 0, now);
            }
            PromptVariant base = best(candidates);
            String text = (base == null || base.systemPrompt().isEmpty() ? "" : base.systemPrompt() + "\n\n")
                    + "A request of this kind is clearer when it does this: \"" + improvement
                    + "\" When the request does not, say what you assume, then answer.";
            improved = proposal(taskType + "-improved-" + hash(text), taskType, text, VariantOrigin.IMPROVEMENT,
                    base == null ? List.of() : List.of(base.id()), prompts, now);
            improved.setImprovement(improvement);
            made.add(key);
        }
        for (VariantProposal p : baseline == null ? List.of(improved) : List.of(baseline, improved)) {
            if (add(new PromptVariant(p.getId(), p.getTaskType(), p.getSystemPrompt()))) {
                publisher.accept(p);
                // Never the text: it comes from what users wrote.
                log.info("Prompt variant {} added ({}) for task type {}", p.getId(), p.getOrigin(), taskType);
            }
        }
    }

    /** The variants a request of {@code taskType} may get: its own and the wildcard's. */
    private List<PromptVariant> candidates(String taskType) {
        List<PromptVariant> candidates = new ArrayList<>(byTask.getOrDefault(taskType, List.of()));
        if (!taskType.equals("*")) {
            candidates.addAll(byTask.getOrDefault("*", List.of()));
        }
        return candidates;
    }

    /** The candidate with the best mean score so far (the first, among those without any); null for none. */
    private PromptVariant best(List<PromptVariant> candidates) {
        PromptVariant best = null;
        double bestMean = -1;
        for (PromptVariant v : candidates) {
            double[] f = feedback.getOrDefault(v.id(), new double[2]);
            double mean = f[1] == 0 ? 0 : f[0] / f[1];
            if (mean > bestMean) {
                bestMean = mean;
                best = v;
            }
        }
        return best;
    }

    private static VariantProposal proposal(String id, String taskType, String text, VariantOrigin origin, List<String> basedOn,
                                            int suggestedBy, long nowMs) {
        return VariantProposal.newBuilder().setId(id).setTaskType(taskType).setSystemPrompt(text).setOrigin(origin)
                .setBasedOn(basedOn).setSuggestedBy(suggestedBy).setCreatedAtMs(nowMs).build();
    }

    /** The first 8 hex digits of the text's SHA-256: the same text, the same id, on any planner. */
    static String hash(String text) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The variant for this request, when its task type (or {@code *}) has any; remembered for its feedback. */
    public synchronized Optional<PromptVariant> choose(String requestId, String taskType) {
        List<PromptVariant> candidates = candidates(taskType);
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
        if (id == null) {
            return;
        }
        // Counted even for a variant not known yet: a restarted planner can read a plan before the variant it names.
        feedback.compute(id, (k, f) -> {
            double[] sum = f == null ? new double[2] : f;
            sum[0] += Math.max(0, Math.min(1, score));
            sum[1]++;
            return sum;
        });
        PromptVariant v = byId.get(id);
        if (v != null && refiner != null && mayRefine && sinceRefinement.merge(v.taskType(), 1L, Long::sum) >= REFINE_EVERY) {
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
        if (rated.size() < 2 || byTask.getOrDefault(taskType, List.of()).size() >= improvements.maxVariantsPerTask()) {
            return;
        }
        Stats worst = rated.getFirst();
        Stats best = rated.getLast();
        CompletableFuture.runAsync(() -> {
            try {
                String text = refiner.refine(taskType, byId.get(best.variantId()).systemPrompt(), best.meanScore(),
                        byId.get(worst.variantId()).systemPrompt(), worst.meanScore());
                VariantProposal p = proposal(taskType + "-refined-" + hash(text), taskType, text, VariantOrigin.REFINED,
                        List.of(best.variantId(), worst.variantId()), 0, System.currentTimeMillis());
                if (add(new PromptVariant(p.getId(), taskType, text))) {
                    publisher.accept(p);
                    log.info("Prompt variant {} added from {} (mean {}) and {} (mean {})", p.getId(), best.variantId(),
                            String.format(java.util.Locale.ROOT, "%.3f", best.meanScore()), worst.variantId(),
                            String.format(java.util.Locale.ROOT, "%.3f", worst.meanScore()));
                }
            } catch (Exception e) {
                log.warn("Prompt refinement for {} failed: {}", taskType, e.toString());
            }
        });
    }
}
