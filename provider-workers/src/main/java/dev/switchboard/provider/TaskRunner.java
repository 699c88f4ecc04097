package dev.switchboard.provider;

import dev.switchboard.avro.ProviderTask;
import dev.switchboard.platform.Tokens;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.DeadLetters;
import dev.switchboard.platform.kafka.RejectedRecordException;
import dev.switchboard.platform.kafka.Replies;
import dev.switchboard.platform.kafka.Topic;
import dev.switchboard.schemas.serde.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.List;

/**
 * Runs one task to its outputs: decode, check the deadline, call the provider through its
 * {@link ProviderGuard}, and give what {@link TaskOutcomes} decides; the pool's loop publishes them.
 * Blocking: it runs on a virtual thread of its own, never on a poll thread.
 */
final class TaskRunner {

    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);

    private final ProviderClient client;
    private final Topic<ProviderTask> taskTopic;
    private final Codec codec;
    private final ProviderGuard guard;
    private final TaskOutcomes outcomes;
    private final ChunkPublisher chunks;

    TaskRunner(ProviderClient client, Topic<ProviderTask> taskTopic, Codec codec, ProviderGuard guard, TaskOutcomes outcomes,
               ChunkPublisher chunks) {
        this.chunks = chunks;
        this.client = client;
        this.taskTopic = taskTopic;
        this.codec = codec;
        this.guard = guard;
        this.outcomes = outcomes;
    }

    /**
     * The records to publish for {@code record}: the call's outcome, or its dead letter when it
     * cannot be run.
     *
     * @throws WireFormatException when the Schema Registry is unreachable (transient): the loop reads
     *                             the task again, since its bytes may be fine
     */
    List<ProducerRecord<byte[], byte[]>> run(ConsumerRecord<byte[], byte[]> record) {
        String requestId = null;
        try {
            ProviderTask task = codec.decode(taskTopic, record.value());
            requestId = task.getRequestId();
            MDC.put("requestId", requestId);
            if (Replies.expired(task.getRequest(), System.currentTimeMillis())) {
                return outcomes.expired(task, System.currentTimeMillis());
            }
            String id = requestId;
            String model = task.getSteps().get(task.getStepIndex()).getModel();
            java.util.function.Consumer<String> partials = ChunkPublisher.wanted(task)
                    ? chunks.forTask(task, client.spec().name(), model) : null;
            CallResult result = guard.call(Tokens.estimate(task.getRequest().getMessages()),
                    () -> client.complete(id, model, task.getRequest().getMessages(), task.getRequest().getParameters(), partials));
            return outcomes.outputs(record, task, client.spec(), result, System.currentTimeMillis());
        } catch (WireFormatException e) {
            if (e.isTransient()) {
                throw e;
            }
            log.warn("Dead-lettering undecodable task {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return List.of(DeadLetters.record(codec, DeadLetters.undecodable(record, TaskOutcomes.STAGE, e)));
        } catch (RuntimeException e) {
            log.error("Dead-lettering task {}-{}@{} after an unexpected error", record.topic(), record.partition(),
                    record.offset(), e);
            return List.of(DeadLetters.record(codec, DeadLetters.of(record, TaskOutcomes.STAGE, RejectedRecordException.PROCESSING_ERROR,
                    e.getClass().getName() + ": " + e.getMessage(), requestId, 0)));
        } finally {
            MDC.remove("requestId");
        }
    }
}
