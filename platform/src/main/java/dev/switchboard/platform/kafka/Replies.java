package dev.switchboard.platform.kafka;

import dev.switchboard.avro.ErrorInfo;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;

/** Terminal replies that every stage may have to give, and the deadline rule they share. */
public final class Replies {

    /** The error class of a request answered after its {@code deadlineMs}. */
    public static final String DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED";

    private Replies() {
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
                codec.record(Topics.replies(replyTo), request.getRequestId(), failed(request, e.errorClass(), e.getMessage(), 0, nowMs)));
    }

    /** The FAILED reply for a request past its deadline, as a record for its reply topic. */
    public static org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> deadlineExceeded(
            Codec codec, LlmRequest request, String where, int attempts, long nowMs) {
        String message = "deadline " + request.getDeadlineMs() + " passed " + (nowMs - request.getDeadlineMs())
                + " ms before " + where;
        return codec.record(Topics.replies(request.getReplyTo()), request.getRequestId(),
                failed(request, DEADLINE_EXCEEDED, message, attempts, nowMs));
    }
}
