package dev.switchboard.platform.health;

import dev.switchboard.avro.SessionRoute;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;

import java.util.Optional;

/** The latest route of every session, read from the compacted {@code llm.sessions} (written by the planner). */
public final class SessionRouteView implements AutoCloseable {

    private final CompactedTopicView<SessionRoute> view;

    public SessionRouteView(KafkaClients clients, Codec codec) {
        this.view = new CompactedTopicView<>(clients, codec, Topics.SESSIONS, SessionRoute::getSessionId,
                (old, now) -> now.getUpdatedAtMs() >= old.getUpdatedAtMs() ? now : old);
    }

    public Optional<SessionRoute> route(String sessionId) {
        return Optional.ofNullable(view.get(sessionId));
    }

    @Override
    public void close() {
        view.close();
    }
}
