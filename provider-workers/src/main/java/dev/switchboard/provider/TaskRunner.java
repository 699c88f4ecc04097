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
import dev.switchboard.platform.telemetry.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

import java.util.List;

/**
 * Runs one task to its outputs: decode, check the deadline, call the provider through its
 * {@link ProviderGuard}, and give what {@link TaskOutcomes} decides; the pool's loop publishes them.
 * Blocking: it runs on a virtual thread of its own, never on a poll thread.
 */
final class TaskRunner {

    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);
    /** The service of the workers' spans, as the pool's loop names it. */
    static final String SERVICE = "switchboard-" + TaskOutcomes.STAGE;
    private static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");

    private final ProviderClient client;
    private final Topic<ProviderTask> taskTopic;
    private final Codec codec;
    private final ProviderGuard guard;
    private final TaskOutcomes outcomes;
    private final ChunkPublisher chunks;
    /** The provider's host, as the GenAI client spans name it. */
    private final String serverAddress;

    TaskRunner(ProviderClient client, Topic<ProviderTask> taskTopic, Codec codec, ProviderGuard guard, TaskOutcomes outcomes,
               ChunkPublisher chunks) {
        this.chunks = chunks;
        this.client = client;
        this.serverAddress = java.net.URI.create(client.spec().baseUrl()).getHost();
        this.taskTopic = taskTopic;
        this.codec = codec;
        this.guard = guard;
        this.outcomes = outcomes;
    }

    /**
     * The provider call as an OpenTelemetry GenAI client span: {@code chat <model>} with
     * {@code gen_ai.*} attributes (system, request and response model, tokens, finish reason) or the
     * failure's class as {@code error.type}.
     */
    private CallResult traced(Tracer tracer, String model, java.util.function.Supplier<CallResult> call) {
        Span span = tracer.spanBuilder("chat " + model).setSpanKind(SpanKind.CLIENT)
                .setAttribute("gen_ai.operation.name", "chat")
                .setAttribute("gen_ai.system", client.spec().name())
                .setAttribute("gen_ai.request.model", model)
                .setAttribute("server.address", serverAddress)
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            CallResult result = call.get();
            switch (result) {
                case CallResult.Success s -> span.setAttribute("gen_ai.response.model", s.model())
                        .setAttribute("gen_ai.usage.input_tokens", s.inputTokens())
                        .setAttribute("gen_ai.usage.output_tokens", s.outputTokens())
                        .setAttribute(FINISH_REASONS, s.finishReason() == null ? List.of() : List.of(s.finishReason()));
                case CallResult.Failure f -> span.setStatus(StatusCode.ERROR, f.errorClass().name())
                        .setAttribute("error.type", f.errorClass().name());
            }
            return result;
        } finally {
            span.end();
        }
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
            Span.current().setAttribute(Tracing.REQUEST_ID, requestId)
                    .setAttribute("switchboard.attempt", task.getAttempt())
                    .setAttribute("switchboard.queue_ms", Math.max(0, System.currentTimeMillis() - task.getDispatchedAtMs()));
            if (Replies.expired(task.getRequest(), System.currentTimeMillis())) {
                return outcomes.expired(task, System.currentTimeMillis());
            }
            String id = requestId;
            String model = task.getSteps().get(task.getStepIndex()).getModel();
            java.util.function.Consumer<String> partials = ChunkPublisher.wanted(task)
                    ? chunks.forTask(task, client.spec().name(), model) : null;
            // Waiting for a slot under the provider's concurrency limit, then the call: two spans.
            Tracer tracer = Tracing.tracer(SERVICE);
            Span slot = tracer.spanBuilder("wait for slot").startSpan();
            CallResult result = guard.call(Tokens.estimate(task.getRequest().getMessages()), () -> {
                slot.end();
                return traced(tracer, model, () -> client.complete(id, model, task.getRequest().getMessages(),
                        task.getRequest().getParameters(), partials));
            });
            if (slot.isRecording()) {
                // Refused without a call: circuit open, or no slot in time.
                slot.setStatus(StatusCode.ERROR, result instanceof CallResult.Failure f ? f.errorClass().name() : "refused");
                slot.end();
            }
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
            return List.of(DeadLetters.record(codec, DeadLetters.of(record, TaskOutcomes.STAGE, RejectedRecordException.Reason.PROCESSING_ERROR.name(),
                    e.getClass().getName() + ": " + e.getMessage(), requestId, 0)));
        } finally {
            MDC.remove("requestId");
        }
    }
}
