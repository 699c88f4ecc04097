package dev.switchboard.platform.audit;

import dev.switchboard.avro.AuditEvent;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.UUID;
import java.util.concurrent.Future;

/**
 * One chain of audit records: a writer per process and service ({@code <service>-<random id>}),
 * keying each record by its chain so that the chain stays in one partition, in the order written.
 * {@link #publish} links and sends under one lock, so concurrent callers cannot put the chain out
 * of order.
 */
public final class AuditWriter {

    private final Codec codec;
    private final String writer;
    private long seq;
    private String prevHash = "";

    public AuditWriter(Codec codec, String service) {
        this.codec = codec;
        this.writer = service + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public String writer() {
        return writer;
    }

    /** Links {@code event} into this chain and sends it to {@code llm.audit} with {@code producer}. */
    public synchronized Future<?> publish(Producer<byte[], byte[]> producer, AuditEvent event, Callback callback) {
        AuditEvent linked = AuditChain.link(event, writer, seq + 1, prevHash);
        ProducerRecord<byte[], byte[]> record = codec.record(Topics.AUDIT, writer, linked);
        Future<?> sent = producer.send(record, callback);
        seq++;
        prevHash = linked.getDetails().get(AuditChain.HASH);
        return sent;
    }
}
