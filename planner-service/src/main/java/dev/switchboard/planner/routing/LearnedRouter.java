package dev.switchboard.planner.routing;

import org.apache.commons.rng.simple.RandomSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The learning half of the planner: ranks candidates with the quality model and closes the loop
 * from feedback. A planned request's embedding is remembered until its feedback arrives; the
 * feedback is credited to the model whose attempt SUCCEEDED (the one that answered, after any
 * failover), whichever of the two records comes first. Memory is bounded: past
 * {@link #REMEMBERED} requests the oldest are forgotten, and feedback for them is counted as unmatched.
 */
public final class LearnedRouter {

    /** Planned requests remembered for their feedback (each holds a 384-float embedding). */
    public static final int REMEMBERED = 20_000;

    private record Planned(float[] embedding, String taskType) {
    }

    private final PromptEmbedder embedder;
    private final QualityModel model;
    private final Ranker ranker;
    private final Map<String, Planned> planned = lru();
    private final Map<String, String> answeredBy = lru();
    private final Map<String, Double> waitingFeedback = lru();
    private long learned;
    private long unmatched;

    public LearnedRouter(PromptEmbedder embedder, QualityModel model, long seed) {
        this.embedder = embedder;
        this.model = model;
        this.ranker = new Ranker(model, RandomSource.XO_RO_SHI_RO_128_PP.create(seed));
    }

    private static <V> Map<String, V> lru() {
        return new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > REMEMBERED;
            }
        };
    }

    /** Ranks the candidates for this request and remembers it for its feedback. */
    public List<Ranker.Ranked> rank(String requestId, PromptAnalysis analysis, List<Ranker.Candidate> candidates,
                                    Strategy strategy) {
        float[] embedding = embedder.embed(analysis.prompt());
        List<Ranker.Ranked> ranked;
        synchronized (this) {
            planned.put(requestId, new Planned(embedding, analysis.taskType()));
            ranked = ranker.rank(candidates, embedding, analysis.taskType(), strategy);
        }
        return ranked;
    }

    /** An attempt succeeded: {@code model} answered the request. */
    public synchronized void answered(String requestId, String model) {
        answeredBy.put(requestId, model);
        Double score = waitingFeedback.remove(requestId);
        if (score != null) {
            learn(requestId, model, score);
        }
    }

    /** Quality feedback (ACCURACY or USER_SATISFACTION, 0..1) on a request. */
    public synchronized void feedback(String requestId, double score) {
        String model = answeredBy.get(requestId);
        if (model == null) {
            waitingFeedback.put(requestId, score);
        } else {
            learn(requestId, model, score);
        }
    }

    private void learn(String requestId, String answeringModel, double score) {
        Planned p = planned.get(requestId);
        if (p == null) {
            unmatched++;
            return;
        }
        model.observe(answeringModel, p.embedding(), p.taskType(), Math.max(0, Math.min(1, score)));
        learned++;
    }

    /** Feedback scores the model has learnt from. */
    public synchronized long learned() {
        return learned;
    }

    /** Feedback for requests this planner did not plan or has forgotten. */
    public synchronized long unmatched() {
        return unmatched;
    }

    public QualityModel model() {
        return model;
    }
}
