package dev.switchboard.platform.kafka;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Checks that a Kafka cluster answers before a service or command starts using it. */
public final class KafkaProbe {

    private KafkaProbe() {
    }

    /** Throws {@link IllegalStateException} naming {@code bootstrapServers} when no broker answers within {@code timeout}. */
    public static void requireReachable(String bootstrapServers, Duration timeout) {
        requireReachable(bootstrapServers, Map.of(), timeout);
    }

    /** As {@link #requireReachable(String, Duration)}, connecting with {@code security}'s client settings. */
    public static void requireReachable(String bootstrapServers, Map<String, Object> security, Duration timeout) {
        Map<String, Object> props = new java.util.HashMap<>(security);
        props.putAll(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                CommonClientConfigs.CLIENT_ID_CONFIG, "switchboard-probe",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500));
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .clusterId().get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot reach Kafka at " + bootstrapServers + " within "
                    + timeout.toSeconds() + " s. Is the stack running? Start it with: bin/switchboard dev");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while connecting to Kafka at " + bootstrapServers, e);
        }
    }
}
