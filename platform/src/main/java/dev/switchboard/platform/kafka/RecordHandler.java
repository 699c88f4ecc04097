package dev.switchboard.platform.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.List;

/** Turns one input record into the records to publish for it. */
@FunctionalInterface
public interface RecordHandler {

    /**
     * @return the records to publish, in order
     * @throws RejectedRecordException when the record can never be processed (dead-lettered)
     * @throws dev.switchboard.schemas.serde.WireFormatException when its bytes cannot be decoded
     *         (dead-lettered, or retried when the registry was unavailable)
     */
    List<ProducerRecord<byte[], byte[]>> handle(ConsumerRecord<byte[], byte[]> record);
}
