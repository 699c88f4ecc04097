package dev.switchboard.platform.kafka;

import dev.switchboard.avro.Header;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Headers that follow a replayed record through every stage, so that a record replayed, failed and
 * dead-lettered again still knows how often it has been replayed.
 */
public final class ReplayHeaders {

    /** How many times this request has been replayed from the dead-letter topic. */
    public static final String COUNT = "switchboard.replay.count";
    /** The llm.dlq coordinates (partition/offset) of the dead letter last replayed. */
    public static final String FROM = "switchboard.replay.from";

    private ReplayHeaders() {
    }

    /** Copies the replay headers of {@code from} onto {@code to}; dead letters carry them inside instead. */
    public static void carry(ConsumerRecord<?, ?> from, ProducerRecord<?, ?> to) {
        if (to.topic().equals(Topics.DLQ.name())) {
            return;
        }
        for (String name : List.of(COUNT, FROM)) {
            org.apache.kafka.common.header.Header header = from.headers().lastHeader(name);
            if (header != null && to.headers().lastHeader(name) == null) {
                to.headers().add(name, header.value());
            }
        }
    }

    /** The replay count among a dead letter's saved headers; 0 when never replayed. */
    public static int count(List<Header> headers) {
        int count = 0;
        for (Header header : headers) {
            if (COUNT.equals(header.getKey()) && header.getValue() != null) {
                try {
                    ByteBuffer value = header.getValue().duplicate();
                    byte[] bytes = new byte[value.remaining()];
                    value.get(bytes);
                    count = Integer.parseInt(new String(bytes, StandardCharsets.UTF_8).trim());
                } catch (NumberFormatException e) {
                    count = 0;
                }
            }
        }
        return count;
    }
}
