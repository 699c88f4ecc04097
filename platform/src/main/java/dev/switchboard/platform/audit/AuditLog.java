package dev.switchboard.platform.audit;

import dev.switchboard.avro.AuditEvent;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Where a service records what it decided: each record is linked into the service's chain
 * ({@link AuditWriter}) and sent to {@code llm.audit} without waiting. A record that cannot be sent
 * is logged by its action and target (never its details) and not retried: an audit outage must not
 * stop the pipeline, and the gap it leaves shows in the chain's sequence.
 */
public final class AuditLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);

    private final AuditWriter writer;
    private final KafkaClients clients;
    private Producer<byte[], byte[]> producer;
    private final boolean ownsProducer;

    /** A log with a producer of its own, made on the first record. */
    public AuditLog(KafkaClients clients, Codec codec, String service) {
        this.writer = new AuditWriter(codec, service);
        this.clients = clients;
        this.ownsProducer = true;
    }

    /** A log sending with {@code producer}, which stays its owner's to close. */
    public AuditLog(Producer<byte[], byte[]> producer, Codec codec, String service) {
        this.writer = new AuditWriter(codec, service);
        this.clients = null;
        this.producer = producer;
        this.ownsProducer = false;
    }

    /** The chain this log writes. */
    public String chain() {
        return writer.writer();
    }

    /** The details of a refusal: decision DENIED, why, and the tenant when known. */
    public static Map<String, String> denial(String reason, String tenant) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("decision", "DENIED");
        details.put("reason", reason);
        if (tenant != null) {
            details.put("tenant", tenant);
        }
        return details;
    }

    /**
     * Records a policy put in force or refused: {@code policy.load} at start, {@code policy.reload}
     * when its file changed; outcome APPLIED or REJECTED, with the policy text's SHA-256.
     */
    public void policy(String actor, dev.switchboard.platform.auth.Authorizer.PolicyChange change) {
        String outcome = change.applied() ? "APPLIED" : "REJECTED";
        Map<String, String> details = new LinkedHashMap<>();
        details.put("decision", outcome);
        details.put("sha256", change.sha256());
        if (change.error() != null) {
            details.put("reason", change.error());
        }
        record(actor, change.reload() ? "policy.reload" : "policy.load", change.source(), outcome, details);
    }

    /** Records that {@code actor} did {@code action} on {@code target} with {@code outcome}. */
    public void record(String actor, String action, String target, String outcome, Map<String, String> details) {
        AuditEvent event = AuditEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setActor(actor)
                .setAction(action).setTarget(target).setOutcome(outcome).setDetails(details).setAtMs(System.currentTimeMillis()).build();
        try {
            writer.publish(producer(), event, (metadata, error) -> {
                if (error != null) {
                    log.error("{}: the audit record of {} on {} was not written: {}", writer.writer(), action, target, error.toString());
                }
            });
        } catch (RuntimeException e) {
            log.error("{}: the audit record of {} on {} was not written: {}", writer.writer(), action, target, e.toString());
        }
    }

    private synchronized Producer<byte[], byte[]> producer() {
        if (producer == null) {
            producer = clients.producer(writer.writer() + "-audit");
        }
        return producer;
    }

    @Override
    public synchronized void close() {
        if (ownsProducer && producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
