package dev.switchboard.platform.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Turns one input record into the records to publish for it, finishing elsewhere than on the poll
 * thread: the planner's embedding and planning, for one. Called on the poll thread, so what it does
 * there must be quick (decode, validate) and the rest runs on the stage's own threads.
 */
@FunctionalInterface
public interface AsyncRecordHandler {

    /**
     * @return the records to publish, in order, once they are known; a stage that completes
     *         exceptionally with {@link RejectedRecordException} or an undecodable
     *         {@link dev.switchboard.schemas.serde.WireFormatException} has the record dead-lettered
     * @throws RejectedRecordException when the record can never be processed (dead-lettered)
     * @throws dev.switchboard.schemas.serde.WireFormatException when its bytes cannot be decoded
     *         (dead-lettered, or retried when the registry was unavailable)
     */
    CompletionStage<List<ProducerRecord<byte[], byte[]>>> handle(ConsumerRecord<byte[], byte[]> record);
}
