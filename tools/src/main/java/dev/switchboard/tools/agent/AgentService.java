package dev.switchboard.tools.agent;

import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.platform.auth.TokenClient;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.health.Health;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.ConsumeTransformProduce;
import dev.switchboard.platform.kafka.DeadLetters;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.RejectedRecordException;
import dev.switchboard.platform.kafka.Replies;
import dev.switchboard.platform.kafka.Topic;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.serde.WireFormatException;
import dev.switchboard.tools.BuiltinTool;
import dev.switchboard.tools.ToolAccess;
import dev.switchboard.tools.ToolCaller;
import dev.switchboard.tools.ToolRegistry;
import dev.switchboard.tools.knowledge.Embeddings;
import dev.switchboard.tools.knowledge.KnowledgeBase;
import dev.switchboard.tools.knowledge.KnowledgeBaseTool;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The agent runtime of a workers process: takes agent runs from {@code llm.tasks.agent} (a plan's
 * step with provider {@value Topics#AGENT_PROVIDER}), runs each on a virtual thread of its own
 * ({@link AgentRunner}) and publishes its reply; the offset of a run is committed only once its
 * reply is published, so a run whose process died is taken over by another process of the group,
 * which resumes it from its steps. It registers the built-in tools ({@code knowledge_base},
 * {@code chat}) on {@code llm.tools} when the registry does not have them yet.
 */
public final class AgentService implements AutoCloseable, HealthCheck {

    private static final Logger log = LoggerFactory.getLogger(AgentService.class);
    public static final String STAGE = "agent";
    public static final String GROUP = "switchboard-agents";
    /** How long a tenant's token for the agent's own requests is used before a new one is fetched. */
    private static final Duration TOKEN_REUSE = Duration.ofMinutes(5);
    /** How long the runtime waits at start for the tool registry and the knowledge base to be read. */
    private static final Duration CATCH_UP = Duration.ofSeconds(60);

    private final Codec codec;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ToolRegistry registry;
    private final KnowledgeBase knowledge;
    private final PipelineCalls pipeline;
    private final ToolCaller caller;
    private final AgentRunner runner;
    private final ConsumeTransformProduce loop;
    private final ExecutorService runs = Executors.newVirtualThreadPerTaskExecutor();
    private final Topic<ProviderTask> topic = Topics.tasks(Topics.AGENT_PROVIDER);
    private final Map<String, Map.Entry<String, Long>> tokens = new java.util.concurrent.ConcurrentHashMap<>();

    public AgentService(SwitchboardConfig config, KafkaClients clients, Codec codec) {
        this.codec = codec;
        this.producer = clients.producer("switchboard-agent");
        String worker = "agent@" + ProcessHandle.current().pid();
        this.registry = ToolRegistry.follow(clients, codec, "switchboard-agent-tools");
        this.knowledge = KnowledgeBase.follow(clients, codec, "switchboard-agent-knowledge");
        this.pipeline = new PipelineCalls(clients, codec, producer, "switchboard-agent-replies",
                tenant -> config.security().enabled() ? token(config, tenant) : null);
        List<BuiltinTool> builtins = List.of(new KnowledgeBaseTool(knowledge, new Embeddings()),
                new ChatTool(pipeline, config.agent().modelTimeout()));
        ToolAccess access = new ToolAccess(config.planning().deniedTools(),
                new dev.switchboard.platform.auth.Authorizer(config.security().rbacPolicyFile()));
        this.caller = new ToolCaller(access, ToolCaller.Settings.DEFAULT, builtins);
        this.runner = new AgentRunner(codec, producer, pipeline, registry, access, caller,
                new AgentRunner.Settings(config.agent().maxSteps(), config.agent().modelTimeout(), worker,
                        config.security().enabled()),
                (runId, sinceMs) -> AgentSteps.read(clients, codec, runId, sinceMs));
        this.loop = new ConsumeTransformProduce(STAGE, "switchboard-agent", GROUP, topic.name(), clients, codec, this::start,
                () -> config.agent().maxRuns());
        registerBuiltins(clients, builtins);
    }

    /** A token for the agent's requests on behalf of {@code tenant}, as the CLI gets its own (client credentials). */
    private String token(SwitchboardConfig config, String tenant) {
        Map.Entry<String, Long> known = tokens.get(tenant);
        if (known != null && System.currentTimeMillis() - known.getValue() < TOKEN_REUSE.toMillis()) {
            return known.getKey();
        }
        String token = TokenClient.token(config.security(), Map.of("tenant", tenant, "subject", "switchboard-agent"));
        tokens.put(tenant, Map.entry(token, System.currentTimeMillis()));
        return token;
    }

    /** Publishes each built-in tool the registry on {@code llm.tools} does not have, as version 1. */
    private void registerBuiltins(KafkaClients clients, List<BuiltinTool> builtins) {
        ToolRegistry now = ToolRegistry.read(clients, codec);
        for (BuiltinTool builtin : builtins) {
            if (now.get(builtin.definition().getName()).isEmpty()) {
                ToolDefinition tool = ToolDefinition.newBuilder(builtin.definition()).setUpdatedAtMs(System.currentTimeMillis()).build();
                ToolRegistry.publish(producer, codec, tool);
                log.info("Registered the built-in tool {} on {}", tool.getName(), Topics.TOOLS.name());
            }
        }
        producer.flush();
    }

    private CompletableFuture<List<ProducerRecord<byte[], byte[]>>> start(ConsumerRecord<byte[], byte[]> record) {
        return CompletableFuture.supplyAsync(io.opentelemetry.context.Context.current().wrapSupplier(() -> run(record)), runs);
    }

    private List<ProducerRecord<byte[], byte[]>> run(ConsumerRecord<byte[], byte[]> record) {
        ProviderTask task;
        try {
            task = codec.decode(topic, record.value());
        } catch (WireFormatException e) {
            if (e.isTransient()) {
                throw e;
            }
            return List.of(DeadLetters.record(codec, DeadLetters.undecodable(record, STAGE, e)));
        }
        LlmReply reply;
        try {
            reply = runner.run(task.getRequest(), task.getDispatchedAtMs());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("agent run " + task.getRequestId() + " interrupted: the process is stopping", e);
        } catch (RuntimeException e) {
            log.error("Agent run {} failed", task.getRequestId(), e);
            return List.of(DeadLetters.record(codec, DeadLetters.of(record, STAGE, RejectedRecordException.Reason.PROCESSING_ERROR.name(),
                    e.getClass().getName() + ": " + e.getMessage(), task.getRequestId(), task.getAttempt())));
        }
        if (reply.getStatus() == ReplyStatus.FAILED) {
            log.info("Agent run {} failed: {}", task.getRequestId(), reply.getError().getMessage());
        }
        return List.of(Replies.record(codec, task.getRequest(), task.getRequest().getReplyTo(), reply));
    }

    /**
     * Starts taking runs once the registry and the knowledge base hold what their topics held at
     * start, so that a run's first step sees every tool and document published before it.
     */
    public AgentService start() {
        try {
            caughtUp(registry.awaitCaughtUp(CATCH_UP), Topics.TOOLS.name());
            caughtUp(knowledge.awaitCaughtUp(CATCH_UP), Topics.KNOWLEDGE.name());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + Topics.TOOLS.name() + " and " + Topics.KNOWLEDGE.name(), e);
        }
        loop.start();
        return this;
    }

    private static void caughtUp(boolean read, String topic) {
        if (!read) {
            throw new IllegalStateException("the agent runtime could not read " + topic + " to its end within " + CATCH_UP.toSeconds() + " s");
        }
    }

    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        return loop.awaitAssignment(timeout);
    }

    /** The knowledge base the {@code knowledge_base} tool reads, as this runtime follows it. */
    public KnowledgeBase knowledge() {
        return knowledge;
    }

    /** The tool registry as this runtime follows it. */
    public ToolRegistry registry() {
        return registry;
    }

    /** The caller of this runtime's tools: their circuits. */
    public ToolCaller caller() {
        return caller;
    }

    @Override
    public String name() {
        return "agent";
    }

    /** Up while the loop is; details add the model calls waiting and each tool's circuit. */
    @Override
    public Health check() {
        Health loopHealth = loop.check();
        Map<String, Object> details = new LinkedHashMap<>(loopHealth.details());
        details.put("modelCallsWaiting", pipeline.waiting());
        Map<String, String> circuits = new java.util.TreeMap<>();
        registry.all().forEach(t -> circuits.put(t.getName(), caller.circuit(t.getName()).name()));
        details.put("toolCircuits", circuits);
        return new Health(loopHealth.up(), details);
    }

    @Override
    public void close() {
        loop.close();
        runs.shutdownNow();
        pipeline.close();
        caller.close();
        knowledge.close();
        registry.close();
        producer.close(Duration.ofSeconds(5));
    }
}
