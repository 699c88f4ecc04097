package dev.switchboard.provider;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.ProviderHealth;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.platform.Service;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.dlq.DeadLetterEntry;
import dev.switchboard.platform.dlq.ReplayPlan;
import dev.switchboard.platform.dlq.Replayer;
import dev.switchboard.platform.health.Health;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.health.ProviderHealthView;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.LogFollower;
import dev.switchboard.platform.kafka.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Replays, without an operator, the dead letters whose cause has cleared: a task that failed on its
 * provider for a reason that passes (timeouts, connection and server errors, rate limits, an open
 * circuit, a full bulkhead: {@link ErrorClass}'s retryable classes but a context window too small,
 * which a retry does not change), once that provider has answered a call successfully after the
 * dead letter was written and its circuit is not open. Each round (every
 * {@code dlq.auto.replay.interval.ms}) replays at most {@code dlq.auto.replay.max.per.round} of them
 * at {@code dlq.auto.replay.rate} a second through the {@link Replayer}: once each (the replay
 * ledger), parked after {@code dlq.max.replays}, and audited on {@code llm.audit} with actor
 * {@value #ACTOR}. Successes are read from {@code llm.attempts} from the moment it starts.
 *
 * <p>Run one per cluster: replays share the replayer's transactional id, so a second instance (or an
 * operator's {@code dlq replay}) fences a round in flight, and a fenced round replays nothing twice.
 */
public final class AutoReplay implements Service {

    public static final String ACTOR = "dlq-auto-replay";
    /** The error classes a dead letter may have to be replayed automatically. */
    static final Set<String> PASSING = Arrays.stream(ErrorClass.values())
            .filter(c -> c.retryable() && c != ErrorClass.CONTEXT_LENGTH_EXCEEDED).map(Enum::name).collect(Collectors.toUnmodifiableSet());
    private static final Logger log = LoggerFactory.getLogger(AutoReplay.class);

    private final SwitchboardConfig.AutoReplaySettings settings;
    private final Replayer replayer;
    private final ProviderHealthView health;
    private final LogFollower attempts;
    /** Per provider, the completion time of its latest successful call seen. */
    private final Map<String, Long> answeredAtMs = new ConcurrentHashMap<>();
    private final ScheduledExecutorService rounds;
    private final AtomicLong roundsDone = new AtomicLong();
    private final AtomicLong replayed = new AtomicLong();
    private volatile String lastError;

    public AutoReplay(SwitchboardConfig config, KafkaClients clients, Codec codec) {
        this.settings = config.autoReplay();
        this.replayer = new Replayer(clients, codec, config.dlqMaxReplays());
        this.health = new ProviderHealthView(clients, codec);
        this.attempts = new LogFollower("switchboard-auto-replay-attempts",
                LogFollower.fromEnd(clients.reader("switchboard-auto-replay"), List.of(Topics.ATTEMPTS.name())), record -> {
                    if (record.value() == null) {
                        return;
                    }
                    try {
                        AttemptOutcome a = codec.decode(Topics.ATTEMPTS, record.value());
                        if (a.getStatus() == ReplyStatus.SUCCEEDED) {
                            answeredAtMs.merge(a.getProvider(), a.getCompletedAtMs(), Math::max);
                        }
                    } catch (RuntimeException e) {
                        log.debug("Auto replay skips an unreadable attempt at {}-{}@{}", record.topic(), record.partition(), record.offset());
                    }
                });
        this.rounds = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "switchboard-auto-replay"));
    }

    public AutoReplay start() {
        long every = settings.interval().toMillis();
        rounds.scheduleWithFixedDelay(this::round, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /** One round: the dead letters whose cause has cleared, replayed. */
    void round() {
        try {
            ReplayPlan plan = replayer.plan(this::causeCleared, settings.maxPerRound());
            if (plan.total() > 0) {
                Replayer.Result result = replayer.run(plan, null, settings.ratePerSecond(), ACTOR, (done, total) -> {
                });
                replayed.addAndGet(result.replayed());
                log.info("Auto replay: replayed {}, parked {} dead letter(s) whose provider answers again", result.replayed(),
                        result.parked());
            }
            lastError = null;
        } catch (RuntimeException e) {
            // Fenced by another replay, Kafka unavailable: the next round tries again; nothing was replayed twice.
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            log.warn("Auto replay round failed, next in {} ms: {}", settings.interval().toMillis(), lastError);
        } finally {
            roundsDone.incrementAndGet();
        }
    }

    /** Whether a dead letter failed on a provider for a passing reason, and that provider has answered since. */
    boolean causeCleared(DeadLetterEntry entry) {
        DeadLetter letter = entry.letter();
        if (entry.provider() == null || !TaskOutcomes.STAGE.equals(letter.getStage()) || !PASSING.contains(letter.getErrorClass())) {
            return false;
        }
        ProviderHealth circuit = health.latest(entry.provider());
        if (circuit != null && !"CLOSED".equals(circuit.getState())) {
            return false;
        }
        Long answered = answeredAtMs.get(entry.provider());
        return answered != null && answered > letter.getFailedAtMs();
    }

    /** Rounds run so far. */
    public long rounds() {
        return roundsDone.get();
    }

    /** Dead letters replayed so far. */
    public long replayed() {
        return replayed.get();
    }

    @Override
    public List<HealthCheck> healthChecks() {
        return List.of(new HealthCheck() {
            @Override
            public String name() {
                return ACTOR;
            }

            @Override
            public Health check() {
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("rounds", roundsDone.get());
                details.put("replayed", replayed.get());
                if (lastError != null) {
                    details.put("lastError", lastError);
                }
                return new Health(!rounds.isShutdown(), details);
            }
        });
    }

    @Override
    public void close() {
        replayer.cancel();
        rounds.shutdownNow();
        try {
            rounds.awaitTermination(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        attempts.close();
        health.close();
    }
}
