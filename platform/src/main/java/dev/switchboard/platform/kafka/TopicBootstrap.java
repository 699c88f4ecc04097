package dev.switchboard.platform.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * Creates the catalogue's topics when they are missing. Idempotent: every service runs it at start-up.
 */
public final class TopicBootstrap {

    private static final Logger log = LoggerFactory.getLogger(TopicBootstrap.class);

    private TopicBootstrap() {
    }

    /** Largest record of {@code llm.planner-state}: one model's part of a checkpoint. */
    public static final int PLANNER_STATE_MAX_BYTES = 8 * 1024 * 1024;

    /** Ensures the fixed topics and {@code llm.tasks.<p>} for each provider exist. */
    public static void ensureTopics(Admin admin, Collection<String> providers, int partitions, short replication) {
        List<NewTopic> wanted = new ArrayList<>();
        // The broker stamps each request when it appends it: the planner judges a request's token as of
        // that time, which no producer can set.
        wanted.add(new NewTopic(Topics.REQUESTS.name(), partitions, replication)
                .configs(Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime")));
        for (Topic<?> topic : List.of(Topics.PLANS, Topics.REPLIES, Topics.ATTEMPTS,
                Topics.DLQ, Topics.FEEDBACK, Topics.AUDIT, Topics.DLQ_PARKED, Topics.PROVIDER_STATS)) {
            wanted.add(new NewTopic(topic.name(), partitions, replication));
        }
        for (String provider : providers) {
            wanted.add(new NewTopic(Topics.tasks(provider).name(), partitions, replication));
        }
        wanted.add(new NewTopic(Topics.CHUNKS.name(), partitions, replication)
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(java.time.Duration.ofHours(1).toMillis()))));
        wanted.add(new NewTopic(Topics.DLQ_REPLAYS, partitions, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        wanted.add(new NewTopic(Topics.PROVIDER_SCORES.name(), partitions, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        wanted.add(new NewTopic(Topics.SESSIONS.name(), partitions, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        wanted.add(new NewTopic(Topics.PROMPT_VARIANTS.name(), 1, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        wanted.add(new NewTopic(Topics.TOOLS.name(), 1, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        wanted.add(new NewTopic(Topics.tasks(Topics.AGENT_PROVIDER).name(), partitions, replication));
        wanted.add(new NewTopic(Topics.AGENT_STEPS.name(), partitions, replication)
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(java.time.Duration.ofDays(7).toMillis()))));
        wanted.add(new NewTopic(Topics.AGENT_REPLIES.name(), partitions, replication)
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(java.time.Duration.ofDays(1).toMillis()))));
        wanted.add(new NewTopic(Topics.KNOWLEDGE.name(), 1, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        wanted.add(new NewTopic(Topics.PROVIDER_HEALTH.name(), 1, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        // One model's part is about 600 kB (all-MiniLM-L6-v2's 385 dimensions): room for larger embeddings. Only closed
        // segments are compacted, and a starting planner reads the whole topic: small segments, rolled every 10 minutes.
        wanted.add(new NewTopic(Topics.PLANNER_STATE.name(), 1, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(PLANNER_STATE_MAX_BYTES),
                        TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(64 * 1024 * 1024),
                        TopicConfig.SEGMENT_MS_CONFIG, Long.toString(java.time.Duration.ofMinutes(10).toMillis()),
                        TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.1")));
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get();
                log.info("Created topics {}", missing.stream().map(NewTopic::name).toList());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot create Switchboard's topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        }
    }

    /** Creates a compacted topic (for state such as {@code _schemas}) when missing. */
    public static void ensureCompactedTopic(Admin admin, String name, short replication) {
        ensureTopic(admin, new NewTopic(name, 1, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
    }

    /** Creates {@code topic} when no topic of its name exists; one that exists is left as it is. */
    public static void ensureTopic(Admin admin, NewTopic topic) {
        String name = topic.name();
        try {
            if (!admin.listTopics().names().get().contains(name)) {
                admin.createTopics(List.of(topic)).all().get();
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Cannot create topic " + name + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic " + name, e);
        }
    }
}
