package dev.switchboard.cli;

import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.platform.auth.Credentials;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topic;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.serde.WireFormatException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

@Command(name = "send", mixinStandardHelpOptions = true,
        description = {"Publish an LLM request to llm.requests, wait for its reply and print it.",
                "Exit status: 0 answered, 1 failed or timed out, 2 bad usage or configuration, 3 stack not reachable."})
final class SendCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "PROMPT", description = "The user message.")
    String prompt;

    @Option(names = "--tenant", paramLabel = "T", defaultValue = "default", description = "Tenant id (default: ${DEFAULT-VALUE}).")
    String tenant;

    @Option(names = "--session", paramLabel = "S", description = "Session id; requests of one session share a key.")
    String session;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message before the prompt.")
    String system;

    @Option(names = {"-p", "--provider"}, paramLabel = "P", split = ",",
            description = "Providers to use, in this order (default: the planner's ranking).")
    List<String> providers = new ArrayList<>();

    @Option(names = "--strategy", paramLabel = "S",
            description = "Routing strategy for this request: target, quality, cost, latency, balanced, weighted, static, score "
                    + "(default: the tenant's, else planner.strategy).")
    String strategy;

    @Option(names = "--quality-target", paramLabel = "Q",
            description = "Strategy target for this request, keeping Q (0 to 1] of the best eligible model's quality on "
                    + "average with the tenant's other requests that ask the same.")
    Double qualityTarget;

    @Option(names = "--cost-target", paramLabel = "USD",
            description = "Strategy target for this request, staying within USD a request on average.")
    Double costTarget;

    @Option(names = "--classification", paramLabel = "C",
            description = "The data's classification, one the access policy names (bundled: public, internal, pii); "
                    + "pii goes only to providers with attribute zdr=true.")
    String classification;

    @Option(names = "--task", paramLabel = "TYPE", completionCandidates = TaskTypeCandidates.class,
            description = "Task hint, one of: ${COMPLETION-CANDIDATES}; default: the planner's analysis.")
    String task;

    @Option(names = "--agent", description = "Run it as an agent: a zero-shot ReAct agent answers with the registered tools "
            + "(knowledge_base, chat, HTTP tools); each step is on llm.agent-steps, and trace shows them.")
    boolean agent;

    @Option(names = "--tool", paramLabel = "NAME", description = "A tool the request may use (repeatable; with --agent, "
            + "the only tools it is given; default: every tool it may call).")
    List<String> tools = new ArrayList<>();

    @Option(names = "--reply-to", paramLabel = "TOPIC", description = "Topic for the reply (default: llm.replies).")
    String replyTo;

    @Option(names = "--timeout", paramLabel = "D", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long to wait for the reply, e.g. 500ms, 30s, 2m (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    OutputOptions output;

    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        boolean json = output.json();
        Choices.check("--strategy", strategy, dev.switchboard.platform.config.RoutingStrategy.NAMES);
        Choices.check("--task", task, dev.switchboard.platform.TaskTypes.ALL);
        if (qualityTarget != null && costTarget != null) {
            throw new CliException("--quality-target and --cost-target exclude each other: a request holds one target", 2);
        }
        if (qualityTarget != null && !(qualityTarget > 0 && qualityTarget <= 1)) {
            throw new CliException("--quality-target must be in (0, 1], got " + qualityTarget, 2);
        }
        if (costTarget != null && !(costTarget > 0 && Double.isFinite(costTarget))) {
            throw new CliException("--cost-target must be USD > 0, got " + costTarget, 2);
        }
        if (prompt.isBlank()) {
            throw new CliException("PROMPT is empty", 2);
        }
        StackConnection stack = new StackConnection(config);
        SwitchboardConfig cfg = stack.config;
        KafkaClients clients = stack.clients;
        Codec codec = stack.codec;
        String token = stack.requestToken(tenant);

        List<ChatMessage> messages = new ArrayList<>();
        if (system != null) {
            messages.add(Messages.of(ChatRole.SYSTEM, system));
        }
        messages.add(Messages.of(ChatRole.USER, prompt));
        LlmRequest request = LlmRequest.newBuilder()
                .setRequestId(UUID.randomUUID().toString())
                .setTenantId(tenant)
                .setSessionId(session)
                .setMessages(messages)
                .setPreferredProviders(providers)
                .setTaskHint(task)
                .setAttributes(attributes())
                .setTools(tools)
                .setReplyTo(replyTo)
                .setCreatedAtMs(System.currentTimeMillis())
                .build();
        Topic<LlmReply> replies = Topics.replies(replyTo);
        if (replyTo != null) {
            ensureTopic(clients, replyTo, cfg);
        }

        long start = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.reader("switchboard-send");
             KafkaProducer<byte[], byte[]> producer = clients.producer("switchboard-send")) {
            TopicPartition partition = replyPartition(consumer, replies.name(), request.getRequestId());
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            String key = session != null ? session : request.getRequestId();
            producer.partitionsFor(Topics.REQUESTS.name());
            request.setCreatedAtMs(System.currentTimeMillis());
            try {
                producer.send(Credentials.withToken(codec.record(Topics.REQUESTS, key, request), token)).get(10, TimeUnit.SECONDS);
            } catch (WireFormatException e) {
                throw new CliException(e.isTransient()
                        ? "cannot reach the Schema Registry at " + cfg.schemaRegistryUrl() + ". Is the stack running? Start it with: bin/switchboard dev"
                        : "cannot encode the request: " + e.getMessage(), 3);
            } catch (Exception e) {
                throw new CliException("cannot publish the request: " + e.getMessage(), 3);
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (record.key() == null || !request.getRequestId().equals(new String(record.key(), StandardCharsets.UTF_8))) {
                        continue;
                    }
                    LlmReply reply = codec.decode(replies, record.value());
                    return json ? printJson(reply, (System.nanoTime() - start) / 1_000_000)
                            : print(reply, (System.nanoTime() - start) / 1_000_000);
                }
            }
        }
        throw new CliException("no reply to request " + request.getRequestId() + " within " + timeout.toMillis()
                + " ms. It is still in Kafka and will be answered; is a worker pool running for the plan's providers?", 1);
    }

    /** The partition of {@code topic} that the producer's default partitioner picks for {@code key}. */
    private static TopicPartition replyPartition(KafkaConsumer<byte[], byte[]> consumer, String topic, String key) {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10));
        if (partitions == null || partitions.isEmpty()) {
            throw new CliException("topic " + topic + " does not exist", 3);
        }
        int partition = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions.size();
        return new TopicPartition(topic, partition);
    }

    private static void ensureTopic(KafkaClients clients, String topic, SwitchboardConfig cfg) {
        try (Admin admin = clients.admin("switchboard-send")) {
            Set<String> names = admin.listTopics().names().get();
            if (!names.contains(topic)) {
                admin.createTopics(List.of(new NewTopic(topic, cfg.topicPartitions(), cfg.topicReplicationFactor()))).all().get();
            }
        } catch (Exception e) {
            throw new CliException("cannot create reply topic " + topic + ": " + e.getMessage(), 3);
        }
    }

    /** The reply as one JSON object, fields as the Avro reply names them (nulls kept: no provider was called). */
    private static int printJson(LlmReply reply, long waitedMs) {
        com.fasterxml.jackson.databind.node.ObjectNode json = OutputOptions.newObject()
                .put("request_id", reply.getRequestId()).put("status", reply.getStatus().name()).put("content", reply.getContent())
                .put("provider", reply.getProvider()).put("model", reply.getModel()).put("attempts", reply.getAttempts())
                .put("input_tokens", reply.getInputTokens()).put("output_tokens", reply.getOutputTokens())
                .put("cost_usd", reply.getCostUsd()).put("latency_ms", reply.getLatencyMs()).put("waited_ms", waitedMs);
        if (reply.getError() != null) {
            json.putObject("error").put("error_class", reply.getError().getErrorClass()).put("message", reply.getError().getMessage());
        }
        OutputOptions.print(json);
        return reply.getStatus() == ReplyStatus.SUCCEEDED ? 0 : 1;
    }

    private static int print(LlmReply reply, long waitedMs) {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("status", reply.getStatus().name());
        rows.put("provider", reply.getProvider() == null ? "none (no provider was called)" : reply.getProvider());
        rows.put("model", reply.getModel() == null ? "none" : reply.getModel());
        rows.put("attempts", Integer.toString(reply.getAttempts()));
        rows.put("tokens", reply.getInputTokens() + " in / " + reply.getOutputTokens() + " out");
        rows.put("cost", String.format(Locale.ROOT, "$%.8f", reply.getCostUsd()));
        rows.put("latency", reply.getLatencyMs() + " ms (reply received after " + waitedMs + " ms)");
        rows.put("request", reply.getRequestId());
        if (reply.getStatus() == ReplyStatus.SUCCEEDED) {
            System.out.println(reply.getContent());
            System.out.println();
            System.out.print(Table.of(rows));
            return 0;
        }
        rows.put("error", reply.getError() == null ? "?" : reply.getError().getErrorClass() + ": " + reply.getError().getMessage());
        System.out.print(Table.of(rows));
        return 1;
    }

    static final class TaskTypeCandidates implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return dev.switchboard.platform.TaskTypes.ALL.iterator();
        }
    }

    private java.util.Map<String, String> attributes() {
        java.util.Map<String, String> attributes = new java.util.HashMap<>();
        if (agent) {
            attributes.put("mode", "agent");
        }
        if (strategy != null) {
            attributes.put("strategy", strategy);
        }
        if (qualityTarget != null) {
            attributes.put("quality_target", Double.toString(qualityTarget));
        }
        if (costTarget != null) {
            attributes.put("cost_target", Double.toString(costTarget));
        }
        if (classification != null) {
            attributes.put(dev.switchboard.platform.auth.Authorizer.DATA_CLASSIFICATION_ATTRIBUTE, classification);
        }
        return attributes;
    }
}
