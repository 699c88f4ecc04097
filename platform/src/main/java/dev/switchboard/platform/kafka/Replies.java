package dev.switchboard.platform.kafka;

import dev.switchboard.avro.ErrorInfo;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;

/** Terminal replies that every stage may have to give, and the deadline rule they share. */
public final class Replies {

    /** The error class of a request answered after its {@code deadlineMs}. */
    public static final String DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED";
    /** Spring Kafka's request header naming the reply topic ({@code KafkaHeaders.REPLY_TOPIC}). */
    public static final String REPLY_TOPIC_HEADER = "kafka_replyTopic";
    /**
     * Spring Kafka's correlation header ({@code KafkaHeaders.CORRELATION_ID}): read from a request,
     * carried in its attributes (Base64) through plan and task, echoed on its reply.
     */
    public static final String CORRELATION_HEADER = "kafka_correlationId";

    private Replies() {
    }

    /**
     * The request as its record's headers complete it: Spring's {@code kafka_replyTopic} is its
     * replyTo when it names none, and {@code kafka_correlationId} is kept for the reply. So Spring's
     * {@code ReplyingKafkaTemplate} works unchanged.
     */
    public static LlmRequest withReplyHeaders(LlmRequest request, org.apache.kafka.common.header.Headers headers) {
        org.apache.kafka.common.header.Header replyTopic = headers.lastHeader(REPLY_TOPIC_HEADER);
        org.apache.kafka.common.header.Header correlation = headers.lastHeader(CORRELATION_HEADER);
        boolean topic = request.getReplyTo() == null && replyTopic != null && replyTopic.value() != null;
        boolean id = correlation != null && correlation.value() != null;
        if (!topic && !id) {
            return request;
        }
        LlmRequest.Builder completed = LlmRequest.newBuilder(request);
        if (topic) {
            completed.setReplyTo(new String(replyTopic.value(), java.nio.charset.StandardCharsets.UTF_8));
        }
        if (id) {
            java.util.Map<String, String> attributes = new java.util.HashMap<>(request.getAttributes());
            attributes.put(CORRELATION_HEADER, java.util.Base64.getEncoder().encodeToString(correlation.value()));
            completed.setAttributes(attributes);
        }
        return completed.build();
    }

    /** {@code reply} as a record for {@code replyTo} (null: {@code llm.replies}), with the request's correlation header when it had one. */
    public static org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> record(
            Codec codec, LlmRequest request, String replyTo, LlmReply reply) {
        org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> record =
                codec.record(Topics.replies(replyTo), request.getRequestId(), reply);
        dev.switchboard.platform.metrics.SwitchboardMetrics.reply(reply.getStatus().name(), reply.getProvider(), reply.getLatencyMs());
        String correlation = request.getAttributes().get(CORRELATION_HEADER);
        if (correlation != null) {
            try {
                record.headers().add(CORRELATION_HEADER, java.util.Base64.getDecoder().decode(correlation));
            } catch (IllegalArgumentException e) {
                // Set by a producer as an attribute rather than a header: echoed as it was given.
                record.headers().add(CORRELATION_HEADER, correlation.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return record;
    }

    /** True when the request names a deadline and {@code nowMs} is past it. */
    public static boolean expired(LlmRequest request, long nowMs) {
        return request.getDeadlineMs() != null && nowMs > request.getDeadlineMs();
    }

    /** A FAILED reply to {@code request} after {@code attempts} provider calls. */
    public static LlmReply failed(LlmRequest request, String errorClass, String message, int attempts, long nowMs) {
        return LlmReply.newBuilder()
                .setRequestId(request.getRequestId())
                .setTenantId(request.getTenantId())
                .setSessionId(request.getSessionId())
                .setStatus(ReplyStatus.FAILED)
                .setAttempts(attempts)
                .setInputTokens(0)
                .setOutputTokens(0)
                .setCostUsd(0.0)
                .setLatencyMs(Math.max(0, nowMs - request.getCreatedAtMs()))
                .setError(new ErrorInfo(errorClass, message))
                .setCompletedAtMs(nowMs)
                .build();
    }

    /**
     * What a stage publishes for a request it rejects: the dead letter with the record's original
     * bytes, and a FAILED reply so that the producer waiting for it hears why at once.
     */
    public static java.util.List<org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]>> rejected(
            Codec codec, String stage, org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record,
            LlmRequest request, String replyTo, RejectedRecordException e, long nowMs) {
        return java.util.List.of(
                DeadLetters.record(codec, DeadLetters.of(record, stage, e.errorClass(), e.getMessage(), e.requestId(), 0)),
                record(codec, request, replyTo, failed(request, e.errorClass(), e.getMessage(), 0, nowMs)));
    }

    /** The FAILED reply for a request past its deadline, as a record for its reply topic. */
    public static org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> deadlineExceeded(
            Codec codec, LlmRequest request, String where, int attempts, long nowMs) {
        String message = "deadline " + request.getDeadlineMs() + " passed " + (nowMs - request.getDeadlineMs())
                + " ms before " + where;
        return record(codec, request, request.getReplyTo(), failed(request, DEADLINE_EXCEEDED, message, attempts, nowMs));
    }
}
