package dev.switchboard.platform.kafka;

import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.Header;
import dev.switchboard.schemas.serde.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds {@code llm.dlq} records: the original key, value and headers, byte for byte, with where the
 * record came from and why it failed. Also copied into Kafka headers that other tools read
 * ({@code __connect.errors.*}, as Kafka Connect's dead letter queue writes them).
 */
public final class DeadLetters {

    public static final String HEADER_PREFIX = "__connect.errors.";

    private DeadLetters() {
    }

    public static DeadLetter of(ConsumerRecord<byte[], byte[]> record, String stage, String errorClass,
                                String errorMessage, String requestId, int attempts) {
        List<Header> headers = new ArrayList<>();
        record.headers().forEach(h -> headers.add(new Header(h.key(), h.value() == null ? null : ByteBuffer.wrap(h.value()))));
        return DeadLetter.newBuilder()
                .setOriginalTopic(record.topic())
                .setOriginalPartition(record.partition())
                .setOriginalOffset(record.offset())
                .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                .setValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
                .setHeaders(headers)
                .setStage(stage)
                .setErrorClass(errorClass)
                .setErrorMessage(errorMessage == null ? "" : errorMessage)
                .setRequestId(requestId)
                .setAttempts(attempts)
                .setFailedAtMs(System.currentTimeMillis())
                .build();
    }

    /** The dead letter for a record whose bytes could not be decoded. */
    public static DeadLetter undecodable(ConsumerRecord<byte[], byte[]> record, String stage, WireFormatException e) {
        return of(record, stage, e.reason().name(), e.getMessage(), null, 0);
    }

    /** The DLQ record for {@code letter}, keyed like the original and carrying Connect-style headers. */
    public static ProducerRecord<byte[], byte[]> record(Codec codec, DeadLetter letter) {
        byte[] key = letter.getKey() == null ? null : bytes(letter.getKey());
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(Topics.DLQ.name(), key, codec.encode(Topics.DLQ, letter));
        dev.switchboard.platform.metrics.SwitchboardMetrics.deadLetter(letter.getStage(), letter.getErrorClass());
        out.headers().add(HEADER_PREFIX + "topic", utf8(letter.getOriginalTopic()));
        out.headers().add(HEADER_PREFIX + "partition", utf8(Integer.toString(letter.getOriginalPartition())));
        out.headers().add(HEADER_PREFIX + "offset", utf8(Long.toString(letter.getOriginalOffset())));
        out.headers().add(HEADER_PREFIX + "stage", utf8(letter.getStage()));
        out.headers().add(HEADER_PREFIX + "exception.class.name", utf8(letter.getErrorClass()));
        out.headers().add(HEADER_PREFIX + "exception.message", utf8(letter.getErrorMessage()));
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The remaining bytes of {@code buffer}, copied; the buffer's position is left as it was. */
    public static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
