package dev.switchboard.analytics.scoring;

import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Avro binary without the registry header, for TopologyTestDriver tests of the topology's logic
 * (the wire format and registry are tested against the real registry in dev-stack).
 */
final class PlainAvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final Class<T> type;

    PlainAvroSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            try {
                new SpecificDatumWriter<>(type).write(value, encoder);
                encoder.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            try {
                return new SpecificDatumReader<>(type).read(null, DecoderFactory.get().binaryDecoder(bytes, null));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
