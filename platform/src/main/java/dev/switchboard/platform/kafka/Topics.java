package dev.switchboard.platform.kafka;

import dev.switchboard.avro.AgentStep;
import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.AuditEvent;
import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.LlmChunk;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlannerState;
import dev.switchboard.avro.ProviderHealth;
import dev.switchboard.avro.ProviderScore;
import dev.switchboard.avro.ProviderStats;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.avro.SessionRoute;
import dev.switchboard.avro.KnowledgeChunk;
import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.avro.VariantProposal;

/** The topic catalogue: every topic Switchboard reads or writes, named once. */
public final class Topics {

    public static final Topic<LlmRequest> REQUESTS = new Topic<>("llm.requests", LlmRequest.class);
    public static final Topic<ExecutionPlan> PLANS = new Topic<>("llm.plans", ExecutionPlan.class);
    public static final Topic<LlmReply> REPLIES = new Topic<>("llm.replies", LlmReply.class);
    /** Streamed pieces of answers, for requests with {@code stream=true}; ephemeral (one hour's retention). */
    public static final Topic<LlmChunk> CHUNKS = new Topic<>("llm.chunks", LlmChunk.class);
    /** The request attribute that asks workers to stream the answer to {@link #CHUNKS}. */
    public static final String STREAM_ATTRIBUTE = "stream";
    public static final Topic<AttemptOutcome> ATTEMPTS = new Topic<>("llm.attempts", AttemptOutcome.class);
    public static final Topic<DeadLetter> DLQ = new Topic<>("llm.dlq", DeadLetter.class);
    public static final Topic<Feedback> FEEDBACK = new Topic<>("llm.feedback", Feedback.class);
    /** Compacted: the latest circuit state of each provider, keyed by provider. */
    public static final Topic<ProviderHealth> PROVIDER_HEALTH = new Topic<>("llm.provider-health", ProviderHealth.class);
    /** Per provider and model, 1-minute windows of attempts, latency, cost and feedback (analytics-streams). */
    public static final Topic<ProviderStats> PROVIDER_STATS = new Topic<>("llm.provider-stats", ProviderStats.class);
    /** Compacted: the rolling score of each provider, model and task type (analytics-streams). */
    public static final Topic<ProviderScore> PROVIDER_SCORES = new Topic<>("llm.provider-scores", ProviderScore.class);
    /** Compacted: the model each session sticks to, keyed by sessionId (planner). */
    public static final Topic<SessionRoute> SESSIONS = new Topic<>("llm.sessions", SessionRoute.class);
    /** Compacted, one partition: the planners' learned-state checkpoints (planner). */
    public static final Topic<PlannerState> PLANNER_STATE = new Topic<>("llm.planner-state", PlannerState.class);
    /** Compacted: the prompt variants planners added while running (refined, or built from prompt improvements), keyed by id. */
    public static final Topic<VariantProposal> PROMPT_VARIANTS = new Topic<>("llm.prompt-variants", VariantProposal.class);
    /** Compacted, one partition: the tool registry, each tool's latest version keyed by its name. */
    public static final Topic<ToolDefinition> TOOLS = new Topic<>("llm.tools", ToolDefinition.class);
    /** Compacted, one partition: the knowledge base's document chunks with their embeddings, keyed by documentId#chunk. */
    public static final Topic<KnowledgeChunk> KNOWLEDGE = new Topic<>("llm.knowledge", KnowledgeChunk.class);
    /** The replies to the requests agents and built-in tools make through the pipeline (their replyTo); kept a day. */
    public static final Topic<LlmReply> AGENT_REPLIES = new Topic<>("llm.replies.agents", LlmReply.class);
    /** Each step of each agent run (model call, tool call, observation, answer), keyed by the run's requestId. */
    public static final Topic<AgentStep> AGENT_STEPS = new Topic<>("llm.agent-steps", AgentStep.class);
    /** The provider name of the agent runtime in a plan step: its tasks are on llm.tasks.agent. */
    /**
     * The attribute the planner sets on an agent run's request: the roles of its maker's token,
     * comma-separated, by which the agent runtime applies the access policy's {@code use tool:NAME}
     * rules; absent when requests are not checked (security off). A value the request came with is
     * replaced.
     */
    public static final String AGENT_ROLES_ATTRIBUTE = "agent.roles";
    public static final String AGENT_PROVIDER = "agent";
    public static final Topic<AuditEvent> AUDIT = new Topic<>("llm.audit", AuditEvent.class);
    /** Dead letters refused for replay because they were replayed too often. */
    public static final Topic<DeadLetter> DLQ_PARKED = new Topic<>("llm.dlq.parked", DeadLetter.class);
    /** Compacted: one record per dead letter replayed, keyed by its llm.dlq coordinates. */
    public static final String DLQ_REPLAYS = "llm.dlq.replays";

    private static final String TASKS_PREFIX = "llm.tasks.";

    private Topics() {
    }

    /** {@code llm.tasks.<provider>}: the queue of one provider's worker pool. */
    public static Topic<ProviderTask> tasks(String provider) {
        if (provider == null || !provider.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("Provider name '" + provider
                    + "' cannot name a topic: use letters, digits, '.', '_' and '-'");
        }
        return new Topic<>(TASKS_PREFIX + provider, ProviderTask.class);
    }

    /** The reply topic a request names, {@link #REPLIES} when it names none. */
    public static Topic<LlmReply> replies(String replyTo) {
        return replyTo == null || replyTo.isBlank() ? REPLIES : REPLIES.named(replyTo);
    }
}
