package dev.switchboard.planner;

import dev.switchboard.avro.SessionRoute;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.platform.Bounded;
import dev.switchboard.platform.health.SessionRouteView;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;

/**
 * Sessions' routes on the compacted {@code llm.sessions}: read from the topic (so they survive a
 * restart of the planner), and each move published there and kept locally at once, so the next
 * request of the session sees it without waiting for the read-back.
 */
final class TopicSessionStore implements LearnedRouter.SessionStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TopicSessionStore.class);

    private final SessionRouteView view;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Codec codec;
    /** Moves not yet read back from the topic, newest kept; older ones are in the view by then. */
    static final int RECENT = 10_000;
    private final Map<String, Route> recent = java.util.Collections.synchronizedMap(Bounded.map(RECENT));

    TopicSessionStore(KafkaClients clients, Codec codec) {
        this.view = new SessionRouteView(clients, codec);
        this.producer = clients.producer("switchboard-planner-sessions");
        this.codec = codec;
    }

    @Override
    public Optional<Route> route(String sessionId) {
        Route local = recent.get(sessionId);
        if (local != null) {
            return Optional.of(local);
        }
        return view.route(sessionId).map(r -> new Route(r.getProvider(), r.getModel(), r.getMovedFromModel(), r.getRequestId()));
    }

    @Override
    public void moved(String sessionId, String tenantId, String provider, String model, String fromModel, String requestId) {
        recent.put(sessionId, new Route(provider, model, fromModel, requestId));
        SessionRoute route = SessionRoute.newBuilder().setSessionId(sessionId).setTenantId(tenantId).setProvider(provider)
                .setModel(model).setMovedFromModel(fromModel).setRequestId(requestId)
                .setUpdatedAtMs(System.currentTimeMillis()).build();
        producer.send(codec.record(Topics.SESSIONS, sessionId, route), (metadata, e) -> {
            if (e != null) {
                log.warn("Session {} moved to {} but the route could not be written to {}: {}", sessionId, model,
                        Topics.SESSIONS.name(), e.toString());
            }
        });
        if (fromModel != null) {
            log.info("Session {} moved from {} to {} at request {}", sessionId, fromModel, model, requestId);
        }
    }

    @Override
    public void close() {
        producer.close();
        view.close();
    }
}
