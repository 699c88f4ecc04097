package dev.switchboard.provider;

import dev.switchboard.avro.ProviderTask;
import dev.switchboard.platform.Tokens;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.DeadLetters;
import dev.switchboard.platform.kafka.ReplayHeaders;
import dev.switchboard.platform.kafka.Replies;
import dev.switchboard.platform.kafka.Topic;
import dev.switchboard.schemas.serde.WireFormatException;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Runs one task to its outputs on the broker: decode, check the delivery count and the deadline,
 * call the provider through its {@link ProviderGuard}, publish what {@link TaskOutcomes} decides.
 * Its result is the acknowledgement the task's record gets once the outputs are on the broker.
 * Blocking: it runs on a virtual thread of its own, never on a poll thread.
 */
final class TaskRunner {

    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);
    /** How long a task waits before its release when the Schema Registry is unreachable, so redelivery does not spin. */
    private static final long REGISTRY_RETRY_DELAY_MS = 1_000;

    private final ProviderClient client;
    private final Topic<ProviderTask> taskTopic;
    private final Codec codec;
    private final ProviderGuard guard;
    private final TaskOutcomes outcomes;
    private final Producer<byte[], byte[]> producer;
    private final int deliveryLimit;

    TaskRunner(ProviderClient client, Topic<ProviderTask> taskTopic, Codec codec, ProviderGuard guard, TaskOutcomes outcomes,
               Producer<byte[], byte[]> producer, int deliveryLimit) {
        this.client = client;
        this.taskTopic = taskTopic;
        this.codec = codec;
        this.guard = guard;
        this.outcomes = outcomes;
        this.producer = producer;
        this.deliveryLimit = deliveryLimit;
    }

    /**
     * The acknowledgement for {@code record}: ACCEPT once its outputs are on the broker; RELEASE (for
     * redelivery) when they could not be published or the Schema Registry is unreachable.
     */
    AcknowledgeType run(ConsumerRecord<byte[], byte[]> record) {
        List<ProducerRecord<byte[], byte[]>> outputs;
        String requestId = null;
        try {
            int deliveries = record.deliveryCount().map(Short::intValue).orElse(1);
            if (deliveries >= deliveryLimit) {
                ProviderTask task = decodeOrNull(record);
                log.warn("Dead-lettering task {}-{}@{}: delivered {} times", record.topic(), record.partition(),
                        record.offset(), deliveries);
                outputs = outcomes.deliveryLimitReached(record, task, deliveries, System.currentTimeMillis());
            } else {
                ProviderTask task = codec.decode(taskTopic, record.value());
                requestId = task.getRequestId();
                MDC.put("requestId", requestId);
                if (Replies.expired(task.getRequest(), System.currentTimeMillis())) {
                    outputs = outcomes.expired(task, System.currentTimeMillis());
                } else {
                    String id = requestId;
                    String model = task.getSteps().get(task.getStepIndex()).getModel();
                    CallResult result = guard.call(Tokens.estimate(task.getRequest().getMessages()),
                            () -> client.complete(id, model, task.getRequest().getMessages()));
                    outputs = outcomes.outputs(record, task, client.spec(), result, System.currentTimeMillis());
                }
            }
        } catch (WireFormatException e) {
            if (e.isTransient()) {
                log.warn("Schema Registry unavailable; releasing {}-{}@{} for redelivery: {}", record.topic(),
                        record.partition(), record.offset(), e.getMessage());
                pause(REGISTRY_RETRY_DELAY_MS);
                return AcknowledgeType.RELEASE;
            }
            log.warn("Dead-lettering undecodable task {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            outputs = List.of(DeadLetters.record(codec, DeadLetters.undecodable(record, TaskOutcomes.STAGE, e)));
        } catch (RuntimeException e) {
            log.error("Dead-lettering task {}-{}@{} after an unexpected error", record.topic(), record.partition(),
                    record.offset(), e);
            outputs = List.of(DeadLetters.record(codec, DeadLetters.of(record, TaskOutcomes.STAGE, "PROCESSING_ERROR",
                    e.getClass().getName() + ": " + e.getMessage(), requestId, 0)));
        } finally {
            MDC.remove("requestId");
        }
        outputs.forEach(out -> ReplayHeaders.carry(record, out));
        return publish(outputs);
    }

    private ProviderTask decodeOrNull(ConsumerRecord<byte[], byte[]> record) {
        try {
            return codec.decode(taskTopic, record.value());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Sends every output and waits for the broker's acknowledgement of all of them (no flush: the producer's linger batches them). */
    private AcknowledgeType publish(List<ProducerRecord<byte[], byte[]>> outputs) {
        CompletableFuture<?>[] sends = new CompletableFuture<?>[outputs.size()];
        for (int i = 0; i < sends.length; i++) {
            CompletableFuture<Void> sent = new CompletableFuture<>();
            producer.send(outputs.get(i), (metadata, error) -> {
                if (error != null) {
                    sent.completeExceptionally(error);
                } else {
                    sent.complete(null);
                }
            });
            sends[i] = sent;
        }
        try {
            CompletableFuture.allOf(sends).join();
            return AcknowledgeType.ACCEPT;
        } catch (RuntimeException e) {
            log.error("Publishing the outputs of a task failed; releasing it for redelivery", e);
            return AcknowledgeType.RELEASE;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
