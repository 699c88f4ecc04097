package dev.switchboard.analytics.scoring;

import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.DeadLetters;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import dev.switchboard.schemas.serde.AvroSerdeConfig;
import dev.switchboard.schemas.serde.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/** Sends a record the scoring app cannot read to {@code llm.dlq} with its original bytes and goes on. */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    public static final String STAGE = "analytics";
    /** The error class of a record that failed to decode for a reason other than the wire format's. */
    public static final String UNDECODABLE = "UNDECODABLE";
    private static final Logger log = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);
    private Codec codec;

    @Override
    public void configure(Map<String, ?> configs) {
        this.codec = new Codec(SchemaRegistryClient.fromConfigs(configs));
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof WireFormatException w && w.isTransient()) {
            log.error("Schema Registry unavailable while reading {}-{}@{}; stopping so the record is read again",
                    record.topic(), record.partition(), record.offset());
            return Response.fail();
        }
        log.warn("Dead-lettering unreadable {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                exception.getMessage());
        String errorClass = exception instanceof WireFormatException w ? w.reason().name() : UNDECODABLE;
        return Response.resume(List.of(DeadLetters.record(codec,
                DeadLetters.of(record, STAGE, errorClass, String.valueOf(exception.getMessage()), null, 0))));
    }
}
