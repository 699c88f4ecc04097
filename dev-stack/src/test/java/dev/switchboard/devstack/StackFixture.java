package dev.switchboard.devstack;

import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.devstack.simulator.ProviderSimulator;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topic;
import dev.switchboard.platform.kafka.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;


/**
 * A whole stack for an integration test class: started with the test's settings, a producer,
 * collectors of the topics the test reads (opened on first use), and stopped with all of them.
 */
final class StackFixture implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);

    final DevStack stack;
    final SwitchboardConfig config;
    final Codec codec;
    final KafkaClients clients;
    final KafkaProducer<byte[], byte[]> producer;
    private final Map<String, TopicCollector<?>> collectors = new LinkedHashMap<>();

    StackFixture(Path dataDir, Map<String, String> settings) {
        this(dataDir, settings, ProviderSimulator.Responder.DEFAULT);
    }

    StackFixture(Path dataDir, Map<String, String> settings, ProviderSimulator.Responder responder) {
        this(TestStack.config(dataDir, settings), responder);
    }

    StackFixture(SwitchboardConfig config, ProviderSimulator.Responder responder) {
        this(config, responder, Map.of());
    }

    /** A stack whose broker takes {@code brokerSettings} over its own (a secured cluster). */
    StackFixture(SwitchboardConfig config, ProviderSimulator.Responder responder, Map<String, String> brokerSettings) {
        this.config = config;
        this.stack = DevStack.start(config, false, responder, brokerSettings);
        this.codec = TestStack.codec(config);
        this.clients = TestStack.clients(config);
        this.producer = clients.producer("it-" + getClass().getSimpleName());
    }

    /** Every simulated provider back to the test stack's quick, faultless behaviour. */
    void healProviders() {
        for (String p : List.of("sim-fast", "sim-strong", "sim-flaky")) {
            stack.simulator().setFaults(p, new dev.switchboard.devstack.simulator.Faults(0, 0, 2, 10, Map.of(500, 1.0)));
        }
    }

    @SuppressWarnings("unchecked")
    synchronized <V extends SpecificRecord> TopicCollector<V> collector(Topic<V> topic) {
        return (TopicCollector<V>) collectors.computeIfAbsent(topic.name(), n -> new TopicCollector<>(topic, clients, codec));
    }

    void send(LlmRequest request) throws Exception {
        producer.send(TestStack.requestRecord(stack.config(), codec,
                request.getSessionId() != null ? request.getSessionId() : request.getRequestId(), request)).get();
    }

    /** The first record of {@code topic} that matches, waiting for it. */
    <V extends SpecificRecord> V await(Topic<V> topic, Predicate<V> filter) {
        TopicCollector<V> collector = collector(topic);
        return org.awaitility.Awaitility.await().atMost(WAIT).until(() -> collector.values(filter), list -> !list.isEmpty()).getFirst();
    }

    LlmReply reply(String requestId) {
        return await(Topics.REPLIES, r -> r.getRequestId().equals(requestId));
    }

    @Override
    public void close() throws Exception {
        List<AutoCloseable> all = new ArrayList<>(collectors.values());
        all.add(producer);
        all.add(stack);
        for (AutoCloseable c : all) {
            c.close();
        }
    }
}
