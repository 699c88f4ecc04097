package dev.switchboard.planner.routing;

import org.apache.commons.rng.simple.RandomSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The learning half of the planner: ranks candidates with the quality model, keeps sessions on
 * their model, and closes the loop from feedback.
 *
 * <p>Sessions: a request with a sessionId goes first to the model that answered the session last,
 * while that model is eligible; the ranking orders the failover steps after it. When another model
 * answers (the sticky one failed and the plan failed over, or it was no longer eligible), the
 * session moves there, and the {@link SessionStore} records the move.
 *
 * <p>Feedback: A planned request's embedding is remembered until its feedback arrives; the
 * feedback is credited to the model whose attempt SUCCEEDED (the one that answered, after any
 * failover), whichever of the two records comes first. Memory is bounded: past
 * {@link #REMEMBERED} requests the oldest are forgotten, and feedback for them is counted as unmatched.
 */
public final class LearnedRouter {

    /** Planned requests remembered for their feedback (each holds a 384-float embedding). */
    public static final int REMEMBERED = 20_000;

    private record Planned(float[] embedding, String taskType, String sessionId, String tenantId) {
    }

    /** Where sessions' models are kept: read when planning, told when an answer moves a session. */
    public interface SessionStore {
        /** The model the session sticks to, and the model it moved from last (or null). */
        record Route(String provider, String model, String movedFromModel, String requestId) {
        }

        Optional<Route> route(String sessionId);

        void moved(String sessionId, String tenantId, String provider, String model, String fromModel, String requestId);

        /** Sessions kept in memory only: lost on restart. */
        static SessionStore inMemory() {
            Map<String, Route> routes = new java.util.concurrent.ConcurrentHashMap<>();
            return new SessionStore() {
                @Override
                public Optional<Route> route(String sessionId) {
                    return Optional.ofNullable(routes.get(sessionId));
                }

                @Override
                public void moved(String sessionId, String tenantId, String provider, String model, String fromModel,
                                  String requestId) {
                    routes.put(sessionId, new Route(provider, model, fromModel, requestId));
                }
            };
        }
    }

    private final PromptEmbedder embedder;
    private final QualityModel model;
    private final SessionStore sessions;
    private final Ranker ranker;
    private final Map<String, Planned> planned = lru();
    private final Map<String, String> answeredBy = lru();
    private final Map<String, Double> waitingFeedback = lru();
    private long learned;
    private long unmatched;

    public LearnedRouter(PromptEmbedder embedder, QualityModel model, long seed) {
        this(embedder, model, seed, SessionStore.inMemory());
    }

    public LearnedRouter(PromptEmbedder embedder, QualityModel model, long seed, SessionStore sessions) {
        this.embedder = embedder;
        this.model = model;
        this.sessions = sessions;
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

    /**
     * Ranks the candidates for this request, puts its session's model first when it has one and it
     * is among the candidates, and remembers the request for its feedback.
     *
     * @param excluded why each provider (or provider/model, for providers of several models) that is
     *                 not a candidate was left out
     */
    public List<Ranker.Ranked> rank(String requestId, String tenantId, String sessionId, PromptAnalysis analysis,
                                    List<Ranker.Candidate> candidates, Map<String, String> excluded, Strategy strategy) {
        float[] embedding = embedder.embed(analysis.prompt());
        List<Ranker.Ranked> ranked;
        synchronized (this) {
            planned.put(requestId, new Planned(embedding, analysis.taskType(), sessionId, tenantId));
            ranked = ranker.rank(candidates, embedding, analysis.taskType(), strategy);
        }
        Optional<SessionStore.Route> route = sessionId == null ? Optional.empty() : sessions.route(sessionId);
        if (route.isEmpty()) {
            return ranked;
        }
        SessionStore.Route r = route.get();
        List<Ranker.Ranked> order = new ArrayList<>(ranked);
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).candidate().model().equals(r.model())) {
                Ranker.Ranked sticky = order.remove(i);
                String note = "session " + sessionId + " stays on " + r.model()
                        + (r.movedFromModel() == null ? "" : " (moved there from " + r.movedFromModel() + " at request " + r.requestId() + ")");
                order.addFirst(sticky.withNote(note));
                return order;
            }
        }
        String why = excluded.getOrDefault(r.provider() + "/" + r.model(), excluded.getOrDefault(r.provider(), "not among the candidates"));
        order.set(0, order.getFirst().withNote("session " + sessionId + " leaves " + r.model() + ": " + why));
        return order;
    }

    /** An attempt succeeded: {@code model} of {@code provider} answered the request. */
    public void answered(String requestId, String provider, String model) {
        Planned p;
        synchronized (this) {
            p = planned.get(requestId);
        }
        if (p != null && p.sessionId() != null) {
            String current = sessions.route(p.sessionId()).map(SessionStore.Route::model).orElse(null);
            if (!model.equals(current)) {
                sessions.moved(p.sessionId(), p.tenantId(), provider, model, current, requestId);
            }
        }
        answered(requestId, model);
    }

    private synchronized void answered(String requestId, String model) {
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
