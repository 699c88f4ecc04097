package dev.switchboard.planner;

import dev.switchboard.avro.VariantProposal;
import dev.switchboard.planner.prompts.VariantSelector;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.LogFollower;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prompt variants planners add, on the compacted {@code llm.prompt-variants}: each one this
 * planner adds is written there, and the whole topic is read from its beginning into the selector,
 * so that a variant survives a restart and competes on every planner.
 */
final class TopicVariantLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TopicVariantLog.class);

    private final KafkaProducer<byte[], byte[]> producer;
    private final Codec codec;
    private LogFollower follower;

    TopicVariantLog(KafkaClients clients, Codec codec) {
        this.producer = clients.producer("switchboard-planner-variants");
        this.codec = codec;
    }

    /** Writes a variant this planner added. */
    void publish(VariantProposal proposal) {
        producer.send(codec.record(Topics.PROMPT_VARIANTS, proposal.getId(), proposal), (metadata, e) -> {
            if (e != null) {
                log.warn("Prompt variant {} was added here but could not be written to {}: other planners and a restart will not "
                        + "have it: {}", proposal.getId(), Topics.PROMPT_VARIANTS.name(), e.toString());
            }
        });
    }

    /** Reads every variant planners added, from the topic's beginning, into {@code selector}, and keeps reading. */
    void follow(KafkaClients clients, VariantSelector selector) {
        String name = "switchboard-planner-" + Topics.PROMPT_VARIANTS.name();
        this.follower = new LogFollower(name, LogFollower.fromBeginning(clients.reader(name), Topics.PROMPT_VARIANTS.name()),
                record -> {
                    if (record.value() != null) {
                        selector.proposed(codec.decode(Topics.PROMPT_VARIANTS, record.value()));
                    }
                });
    }

    @Override
    public void close() {
        if (follower != null) {
            follower.close();
        }
        producer.close();
    }
}
