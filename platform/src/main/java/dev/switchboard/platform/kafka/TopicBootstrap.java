package dev.switchboard.platform.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
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
 * Creates the catalogue's topics when they are missing and sets the share groups of worker pools to
 * start at the earliest offset, so no task published before a pool first starts is skipped.
 * Idempotent: every service runs it at start-up.
 */
public final class TopicBootstrap {

    private static final Logger log = LoggerFactory.getLogger(TopicBootstrap.class);

    private TopicBootstrap() {
    }

    /** Ensures the fixed topics and {@code llm.tasks.<p>} for each provider exist. */
    public static void ensureTopics(Admin admin, Collection<String> providers, int partitions, short replication) {
        List<NewTopic> wanted = new ArrayList<>();
        for (Topic<?> topic : List.of(Topics.REQUESTS, Topics.PLANS, Topics.REPLIES, Topics.ATTEMPTS,
                Topics.DLQ, Topics.FEEDBACK, Topics.AUDIT, Topics.DLQ_PARKED, Topics.PROVIDER_STATS)) {
            wanted.add(new NewTopic(topic.name(), partitions, replication));
        }
        for (String provider : providers) {
            wanted.add(new NewTopic(Topics.tasks(provider).name(), partitions, replication));
        }
        wanted.add(new NewTopic(Topics.DLQ_REPLAYS, partitions, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        wanted.add(new NewTopic(Topics.PROVIDER_SCORES.name(), partitions, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        wanted.add(new NewTopic(Topics.SESSIONS.name(), partitions, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        wanted.add(new NewTopic(Topics.PROVIDER_HEALTH.name(), 1, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
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
        NewTopic topic = new NewTopic(name, 1, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
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

    /**
     * Sets a share group to start at the earliest offset ({@code share.auto.offset.reset}) and to
     * deliver only committed records ({@code share.isolation.level}), as the group consumers do.
     */
    public static void shareGroupFromEarliest(Admin admin, String groupId) {
        configureShareGroup(admin, groupId, null);
    }

    /** As {@link #shareGroupFromEarliest}, and sets the group's record lock duration when {@code lockMs} is not null. */
    public static void configureShareGroup(Admin admin, String groupId, Integer lockMs) {
        configureShareGroup(admin, groupId, lockMs, 0, 1);
    }

    /** The broker's default of {@code group.share.partition.max.record.locks}: records in flight per partition of a share group. */
    public static final int DEFAULT_PARTITION_RECORD_LOCKS = 2_000;

    /**
     * As {@link #configureShareGroup(Admin, String, Integer)}, and lets the group hold {@code inFlight}
     * records locked at once over {@code partitions} partitions (with a quarter to spare for uneven
     * keys): above the broker's default of 2,000 per partition it sets the group's
     * {@code share.partition.max.record.locks}. A broker whose {@code group.share.max.partition.max.record.locks}
     * is lower refuses; the group then keeps the default, and a warning names the broker setting.
     */
    public static void configureShareGroup(Admin admin, String groupId, Integer lockMs, int inFlight, int partitions) {
        ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, groupId);
        List<AlterConfigOp> ops = new ArrayList<>(List.of(
                new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("share.isolation.level", "read_committed"), AlterConfigOp.OpType.SET)));
        if (lockMs != null) {
            ops.add(new AlterConfigOp(new ConfigEntry("share.record.lock.duration.ms", lockMs.toString()), AlterConfigOp.OpType.SET));
        }
        alter(admin, groupId, group, ops);
        int locks = (int) Math.ceil(inFlight * 1.25 / Math.max(1, partitions));
        if (locks > DEFAULT_PARTITION_RECORD_LOCKS) {
            try {
                alter(admin, groupId, group, List.of(new AlterConfigOp(
                        new ConfigEntry("share.partition.max.record.locks", Integer.toString(locks)), AlterConfigOp.OpType.SET)));
            } catch (IllegalStateException e) {
                org.slf4j.LoggerFactory.getLogger(TopicBootstrap.class).warn("Share group {} keeps at most {} records in flight "
                        + "per partition: the broker refused {} ({}); raise its group.share.max.partition.max.record.locks",
                        groupId, DEFAULT_PARTITION_RECORD_LOCKS, locks, e.getMessage());
            }
        }
    }

    private static void alter(Admin admin, String groupId, ConfigResource group, List<AlterConfigOp> ops) {
        try {
            admin.incrementalAlterConfigs(Map.of(group, ops)).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot configure share group " + groupId + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while configuring share group " + groupId, e);
        }
    }
}
