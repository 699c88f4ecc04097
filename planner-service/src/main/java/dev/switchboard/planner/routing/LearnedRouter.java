package dev.switchboard.planner.routing;

import dev.switchboard.platform.Bounded;
import org.apache.commons.rng.simple.RandomSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The learning half of the planner: ranks candidates with the quality model, keeps sessions on
 * their model, and closes the loop from feedback.
 *
 * <p>Sessions: a request with a sessionId goes first to the model that answered the session last,
 * while that model is eligible; the ranking orders the failover steps after it. When another model
 * answers (the sticky one failed and the plan failed over, or it was no longer eligible), the
 * session moves there, and the {@link SessionStore} records the move.
 *
 * <p>Feedback: a score is credited to the model whose attempt SUCCEEDED (the one that answered,
 * after any failover), for the prompt of the request's plan, in whatever order the plan, the
 * attempt and the feedback arrive. The plans are those this router ranked (their embedding is kept)
 * and those read from {@code llm.plans} ({@link #planned}: any planner's, any strategy's, also
 * those replayed at start-up, so that what was learnt survives a restart); a plan read from the log
 * keeps its prompt, embedded only when feedback for it comes. Memory is bounded: past
 * {@link #REMEMBERED} requests the oldest are forgotten, and feedback still waiting for them is
 * counted as unmatched.
 */
public final class LearnedRouter implements AutoCloseable {

    /** Planned requests remembered for their feedback (each holds a 384-float embedding, or a prompt of up to 2,000 characters). */
    public static final int REMEMBERED = 20_000;

    /** Lessons waiting for the learning thread at most; past that the caller learns them itself. */
    static final int LEARNING_QUEUE = 10_000;

    /**
     * A plan remembered for its feedback: its embedding when this router ranked it, else its prompt;
     * and each step's estimated quality by model (empty when it was not ranked by the quality model).
     */
    private record Planned(float[] embedding, String prompt, String taskType, String sessionId, String tenantId,
                           Map<String, Double> estimates) {

        Planned withEmbedding(float[] vector) {
            return new Planned(vector, null, taskType, sessionId, tenantId, estimates);
        }
    }

    /** Scores ready to be learnt: the plan, the model that answered it, and the feedback. */
    private record Lesson(String requestId, Planned plan, String model, List<Double> scores) {
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
    private final QualityCalibration calibration = new QualityCalibration();
    private final ThreadPoolExecutor learning = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(LEARNING_QUEUE), Thread.ofPlatform().daemon().name("planner-learning").factory(),
            new ThreadPoolExecutor.CallerRunsPolicy());
    private final AtomicLong learned = new AtomicLong();
    private final AtomicLong unmatched = new AtomicLong();
    private final Map<String, Planned> planned = Bounded.map(REMEMBERED);
    private final Map<String, String> answeredBy = Bounded.map(REMEMBERED);
    private final Map<String, List<Double>> waitingFeedback =
            Bounded.map(REMEMBERED, (requestId, scores) -> unmatched.addAndGet(scores.size()));

    public LearnedRouter(PromptEmbedder embedder, QualityModel model, long seed) {
        this(embedder, model, seed, SessionStore.inMemory());
    }

    public LearnedRouter(PromptEmbedder embedder, QualityModel model, long seed, SessionStore sessions) {
        this.embedder = embedder;
        this.model = model;
        this.sessions = sessions;
        this.ranker = new Ranker(model, RandomSource.XO_RO_SHI_RO_128_PP.create(seed));
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
            ranked = ranker.rank(candidates, embedding, analysis.taskType(), strategy);
            planned.put(requestId, new Planned(embedding, null, analysis.taskType(), sessionId, tenantId, estimates(ranked)));
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

    private static Map<String, Double> estimates(List<Ranker.Ranked> ranked) {
        Map<String, Double> out = new java.util.HashMap<>();
        ranked.forEach(r -> out.putIfAbsent(r.candidate().model(), r.estimate().mean()));
        return out;
    }

    /**
     * A plan read from the log (this planner's own or another's, live or replayed at start-up):
     * remembered for its feedback by its prompt ({@link PromptAnalysis#promptOf}), which is
     * embedded only if feedback comes, with its steps' estimated quality by model (empty for a plan
     * not ranked by the quality model). A plan this router ranked itself keeps its embedding.
     */
    public void planned(String requestId, String prompt, String taskType, Map<String, Double> estimates) {
        String cut = prompt.length() > MiniLmEmbedder.MAX_CHARS ? prompt.substring(0, MiniLmEmbedder.MAX_CHARS) : prompt;
        Lesson lesson;
        synchronized (this) {
            planned.putIfAbsent(requestId, new Planned(null, cut, taskType, null, null, Map.copyOf(estimates)));
            lesson = lesson(requestId);
        }
        learn(lesson);
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
        Lesson lesson;
        synchronized (this) {
            answeredBy.put(requestId, model);
            lesson = lesson(requestId);
        }
        learn(lesson);
    }

    /** Quality feedback (ACCURACY or USER_SATISFACTION, 0..1) on a request. */
    public void feedback(String requestId, double score) {
        Lesson lesson;
        synchronized (this) {
            waitingFeedback.computeIfAbsent(requestId, r -> new ArrayList<>(1)).add(Math.max(0, Math.min(1, score)));
            lesson = lesson(requestId);
        }
        learn(lesson);
    }

    /** The request's waiting scores, taken, once its plan and the model that answered are known too. */
    private Lesson lesson(String requestId) {
        Planned p = planned.get(requestId);
        String model = answeredBy.get(requestId);
        if (p == null || model == null || !waitingFeedback.containsKey(requestId)) {
            return null;
        }
        return new Lesson(requestId, p, model, waitingFeedback.remove(requestId));
    }

    /**
     * Outside the lock. A plan read from the log is embedded first, which takes milliseconds: on the
     * learning thread, so that the reader of the log keeps up (when that thread is
     * {@value #LEARNING_QUEUE} lessons behind, the caller embeds).
     */
    private void learn(Lesson lesson) {
        if (lesson == null) {
            return;
        }
        if (lesson.plan().embedding() != null) {
            observe(lesson, lesson.plan().embedding());
        } else {
            learning.execute(() -> {
                Planned known;
                synchronized (this) {
                    known = planned.get(lesson.requestId());
                }
                // An earlier lesson of this request (this same thread) may have embedded it already.
                float[] embedding = known != null && known.embedding() != null ? known.embedding()
                        : embedder.embed(lesson.plan().prompt());
                synchronized (this) {
                    // Later scores for this request reuse the embedding; the prompt is no longer needed.
                    planned.computeIfPresent(lesson.requestId(), (id, p) -> p.embedding() != null ? p : p.withEmbedding(embedding));
                }
                observe(lesson, embedding);
            });
        }
    }

    private void observe(Lesson lesson, float[] embedding) {
        Double estimated = lesson.plan().estimates().get(lesson.model());
        for (double score : lesson.scores()) {
            model.observe(lesson.model(), embedding, lesson.plan().taskType(), score);
            if (estimated != null) {
                calibration.observe(lesson.model(), estimated, score);
            }
            learned.incrementAndGet();
        }
    }

    /** How the estimates of the plans whose feedback was learnt have come true, model by model. */
    public QualityCalibration calibration() {
        return calibration;
    }

    /** What a checkpoint holds of this router: the quality model's regressions, and scores still waiting for their plan or answer. */
    public record State(List<LinearQualityModel.State> models, Map<String, List<Double>> waitingFeedback) {
    }

    /**
     * Waits until every lesson handed to the learning thread so far has been learnt, at most
     * {@code timeout}.
     *
     * @return false when the learning thread is still behind after {@code timeout}
     */
    public boolean awaitLearnt(java.time.Duration timeout) throws InterruptedException {
        java.util.concurrent.Future<?> marker = learning.submit(() -> { });
        try {
            marker.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** True when the learning thread has nothing queued and nothing in hand. */
    public boolean learningIdle() {
        return learning.getQueue().isEmpty() && learning.getActiveCount() == 0;
    }

    /** Lessons queued for the learning thread. */
    public int learningBacklog() {
        return learning.getQueue().size();
    }

    /** The quality model's regressions and the waiting scores, as they are now. */
    public State snapshot() {
        if (!(model instanceof LinearQualityModel linear)) {
            throw new IllegalStateException("only a LinearQualityModel can be checkpointed, not " + model.getClass().getSimpleName());
        }
        Map<String, List<Double>> waiting = new java.util.LinkedHashMap<>();
        synchronized (this) {
            waitingFeedback.forEach((id, scores) -> waiting.put(id, List.copyOf(scores)));
        }
        return new State(linear.snapshot(), waiting);
    }

    /** Starts from a checkpoint: its regressions replace the model's, its waiting scores wait again. */
    public void restore(State state) {
        if (!(model instanceof LinearQualityModel linear)) {
            throw new IllegalStateException("only a LinearQualityModel can be restored, not " + model.getClass().getSimpleName());
        }
        linear.restore(state.models());
        synchronized (this) {
            state.waitingFeedback().forEach((id, scores) -> waitingFeedback.merge(id, new ArrayList<>(scores), (a, b) -> {
                a.addAll(b);
                return a;
            }));
        }
    }

    private volatile boolean ready = true;

    /** The learned state is being read back (checkpoint, then the log): plans use the static ranking meanwhile. */
    public void loading() {
        ready = false;
    }

    /** The learned state is back. */
    public void loaded() {
        ready = true;
    }

    /** False while the learned state is read back after a start. */
    public boolean ready() {
        return ready;
    }

    /** Feedback scores the model has learnt from. */
    public long learned() {
        return learned.get();
    }

    /** Feedback scores forgotten while they waited for their plan or answer. */
    public long unmatched() {
        return unmatched.get();
    }

    public QualityModel model() {
        return model;
    }

    /** Stops the learning thread; lessons still queued are dropped with the planner's memory. */
    @Override
    public void close() {
        learning.shutdownNow();
    }
}
