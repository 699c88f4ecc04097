package dev.switchboard.tools.agent;

import dev.switchboard.avro.AgentStep;
import dev.switchboard.avro.AgentStepKind;
import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.tools.ToolAccess;
import dev.switchboard.tools.ToolCaller;
import dev.switchboard.tools.ToolRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Runs one agent request to its answer as a zero-shot ReAct loop, every step an event on
 * {@code llm.agent-steps} written (and acknowledged) before the next is taken:
 * <ol>
 *   <li>THOUGHT: the model's reply to the conversation so far, asked through the pipeline as a
 *       request of its own ({@code <runId>.m<step>}), so it is planned, budgeted and counted as any;</li>
 *   <li>ACTION: the tool call the reply asked for, with the idempotency key every try of it sends
 *       ({@code <runId>.t<step>}), written before the call is made;</li>
 *   <li>OBSERVATION: what the call returned, or why it failed, which the model reads next;</li>
 *   <li>ANSWER, or FAILED when {@code agent.max.steps} model calls gave no answer.</li>
 * </ol>
 * A run taken over after its worker died starts by reading its steps back ({@link AgentSteps}) and
 * continues after the last: a THOUGHT is not asked again (the reply topic holds it), and an ACTION
 * without its OBSERVATION is called again with the same key, so a tool that honours the key runs
 * the call once.
 */
public final class AgentRunner {

    private static final Logger log = LoggerFactory.getLogger(AgentRunner.class);
    /** How far before a task's dispatch its steps are looked for. */
    private static final long STEPS_LOOKBACK_MS = Duration.ofMinutes(5).toMillis();

    /**
     * @param maxSteps     model calls a run may make before it fails
     * @param modelTimeout how long one model call through the pipeline may take
     * @param rolesRequired  whether requests are checked (security on): a run whose maker's roles
     *                       were not recorded may then call no tool
     */
    public record Settings(int maxSteps, Duration modelTimeout, String worker, boolean rolesRequired) {
    }

    private final Codec codec;
    private final Producer<byte[], byte[]> producer;
    private final PipelineCalls pipeline;
    private final ToolRegistry registry;
    private final ToolAccess access;
    private final ToolCaller caller;
    private final Settings settings;
    private final java.util.function.BiFunction<String, Long, List<AgentStep>> stepsOf;

    public AgentRunner(Codec codec, Producer<byte[], byte[]> producer, PipelineCalls pipeline, ToolRegistry registry, ToolAccess access,
                       ToolCaller caller, Settings settings, java.util.function.BiFunction<String, Long, List<AgentStep>> stepsOf) {
        this.codec = codec;
        this.producer = producer;
        this.pipeline = pipeline;
        this.registry = registry;
        this.access = access;
        this.caller = caller;
        this.settings = settings;
        this.stepsOf = stepsOf;
    }

    /** The tools {@code request} may use now: those it names (all the registry has when none), enabled, permitted, circuit not open. */
    List<ToolDefinition> tools(LlmRequest request) {
        List<ToolDefinition> tools = new ArrayList<>();
        for (ToolDefinition tool : registry.all()) {
            if (!request.getTools().isEmpty() && !request.getTools().contains(tool.getName())) {
                continue;
            }
            if (refusal(tool, request) != null) {
                continue;
            }
            if (caller.circuit(tool.getName()) != CircuitBreaker.State.OPEN) {
                tools.add(tool);
            }
        }
        return tools;
    }

    /** Runs (or resumes) {@code request}'s run and gives its reply. */
    public LlmReply run(LlmRequest request, long dispatchedAtMs) throws InterruptedException {
        String runId = request.getRequestId();
        List<AgentStep> steps = new ArrayList<>(stepsOf.apply(runId, dispatchedAtMs - STEPS_LOOKBACK_MS));
        if (!steps.isEmpty()) {
            log.info("Agent run {} resumes after step {} ({})", runId, steps.getLast().getStep(), steps.getLast().getKind());
        }
        double cost = steps.stream().mapToDouble(AgentStep::getCostUsd).sum();
        List<ToolDefinition> tools = tools(request);
        while (true) {
            AgentStep last = steps.isEmpty() ? null : steps.getLast();
            int next = steps.size();
            AgentStep taken;
            if (last != null && last.getKind() == AgentStepKind.ANSWER) {
                return reply(request, ReplyStatus.SUCCEEDED, last.getText(), null, steps, cost);
            } else if (last != null && last.getKind() == AgentStepKind.FAILED) {
                return reply(request, ReplyStatus.FAILED, null, last.getText(), steps, cost);
            } else if (last != null && last.getKind() == AgentStepKind.ACTION) {
                taken = observe(request, last, next);
            } else if (last != null && last.getKind() == AgentStepKind.THOUGHT) {
                taken = switch (ReAct.read(last.getText())) {
                    case ReAct.Answer a -> step(request, next, AgentStepKind.ANSWER).setText(a.text()).build();
                    case ReAct.Call c -> step(request, next, AgentStepKind.ACTION).setTool(c.tool()).setArguments(c.arguments())
                            .setIdempotencyKey(runId + ".t" + next).build();
                    case ReAct.Unreadable u -> step(request, next, AgentStepKind.OBSERVATION).setStatus("UNREADABLE")
                            .setText("Your reply could not be read: " + u.why() + ". Follow the format.").build();
                };
            } else {
                long modelCalls = steps.stream().filter(s -> s.getKind() == AgentStepKind.THOUGHT).count();
                if (modelCalls >= settings.maxSteps()) {
                    taken = step(request, next, AgentStepKind.FAILED)
                            .setText("no answer after " + modelCalls + " model calls (agent.max.steps)").build();
                } else {
                    taken = think(request, tools, steps, next);
                }
            }
            write(taken);
            steps.add(taken);
            cost += taken.getCostUsd();
        }
    }

    /** The model's next reply, asked through the pipeline; a failed call ends the run. */
    private AgentStep think(LlmRequest request, List<ToolDefinition> tools, List<AgentStep> steps, int next) throws InterruptedException {
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(message(ChatRole.SYSTEM, ReAct.systemPrompt(tools)));
        messages.addAll(request.getMessages().stream().filter(m -> m.getRole() != ChatRole.SYSTEM).toList());
        for (AgentStep step : steps) {
            switch (step.getKind()) {
                case THOUGHT -> messages.add(message(ChatRole.ASSISTANT, step.getText()));
                case OBSERVATION -> messages.add(message(ChatRole.USER, ReAct.observation(step.getText())));
                default -> { }
            }
        }
        Map<String, String> attributes = new HashMap<>();
        attributes.put("agent.run", request.getRequestId());
        String modelRequestId = request.getRequestId() + ".m" + next;
        LlmRequest call = LlmRequest.newBuilder().setRequestId(modelRequestId).setTenantId(request.getTenantId())
                .setMessages(messages).setPreferredProviders(request.getPreferredProviders()).setAttributes(attributes)
                .setDeadlineMs(request.getDeadlineMs()).setCreatedAtMs(System.currentTimeMillis()).build();
        long started = System.nanoTime();
        LlmReply reply;
        try {
            reply = pipeline.call(call, settings.modelTimeout());
        } catch (TimeoutException e) {
            return step(request, next, AgentStepKind.FAILED).setModelRequestId(modelRequestId)
                    .setText("the model call " + modelRequestId + " had no reply within " + settings.modelTimeout().toSeconds() + " s").build();
        }
        long latencyMs = (System.nanoTime() - started) / 1_000_000;
        if (reply.getStatus() != ReplyStatus.SUCCEEDED) {
            String why = reply.getError() == null ? "failed" : reply.getError().getErrorClass() + ": " + reply.getError().getMessage();
            return step(request, next, AgentStepKind.FAILED).setModelRequestId(modelRequestId).setLatencyMs(latencyMs)
                    .setText("the model call " + modelRequestId + " failed: " + why).build();
        }
        return step(request, next, AgentStepKind.THOUGHT).setText(reply.getContent()).setModelRequestId(modelRequestId)
                .setProvider(reply.getProvider()).setModel(reply.getModel()).setCostUsd(reply.getCostUsd()).setLatencyMs(latencyMs).build();
    }

    /** The tool call {@code action} recorded, made (again, with its key, when a run resumes), as an observation. */
    private AgentStep observe(LlmRequest request, AgentStep action, int next) throws InterruptedException {
        AgentStep.Builder observation = step(request, next, AgentStepKind.OBSERVATION).setTool(action.getTool())
                .setIdempotencyKey(action.getIdempotencyKey());
        ToolDefinition tool = registry.get(action.getTool()).orElse(null);
        if (tool == null || (!request.getTools().isEmpty() && !request.getTools().contains(tool.getName()))) {
            return observation.setStatus(ToolCaller.Status.REFUSED.name())
                    .setText("tool " + action.getTool() + " refused: it is not one of the tools you have; use one of those listed").build();
        }
        String refused = refusal(tool, request);
        if (refused != null) {
            return observation.setStatus(ToolCaller.Status.REFUSED.name()).setText("tool " + tool.getName() + " refused: " + refused).build();
        }
        ToolCaller.Result result = caller.call(tool, request.getTenantId(), action.getArguments(), action.getIdempotencyKey());
        return observation.setStatus(result.status().name()).setText(result.observation()).setLatencyMs(result.latencyMs()).build();
    }

    /**
     * Why {@code request}'s maker may not call {@code tool}, naming the rule; null when it may. The
     * roles are those the planner recorded ({@link Topics#AGENT_ROLES_ATTRIBUTE}); with security on,
     * a run without them may call no tool.
     */
    private String refusal(ToolDefinition tool, LlmRequest request) {
        String recorded = request.getAttributes().get(Topics.AGENT_ROLES_ATTRIBUTE);
        java.util.Set<String> roles = recorded == null ? (settings.rolesRequired() ? java.util.Set.of() : null)
                : java.util.Set.of(recorded.isEmpty() ? new String[0] : recorded.split(","));
        try {
            access.check(tool, request.getTenantId(), roles);
            return null;
        } catch (ToolAccess.ToolRefusedException e) {
            return e.getMessage();
        }
    }

    private AgentStep.Builder step(LlmRequest request, int index, AgentStepKind kind) {
        return AgentStep.newBuilder().setRequestId(request.getRequestId()).setTenantId(request.getTenantId()).setStep(index)
                .setKind(kind).setWorker(settings.worker()).setCreatedAtMs(System.currentTimeMillis());
    }

    /** Writes {@code step} and waits for the broker to have it: the next step is taken only after. */
    private void write(AgentStep step) throws InterruptedException {
        try {
            producer.send(codec.record(Topics.AGENT_STEPS, step.getRequestId(), step)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("step " + step.getStep() + " of agent run " + step.getRequestId() + " cannot be written to "
                    + Topics.AGENT_STEPS.name() + ": " + e.getCause(), e.getCause());
        }
    }

    private LlmReply reply(LlmRequest request, ReplyStatus status, String content, String error, List<AgentStep> steps, double cost) {
        long now = System.currentTimeMillis();
        AgentStep lastThought = steps.stream().filter(s -> s.getKind() == AgentStepKind.THOUGHT).reduce((a, b) -> b).orElse(null);
        return LlmReply.newBuilder().setRequestId(request.getRequestId()).setTenantId(request.getTenantId())
                .setSessionId(request.getSessionId()).setStatus(status).setContent(content)
                .setProvider(Topics.AGENT_PROVIDER).setModel(lastThought == null ? null : lastThought.getModel())
                .setAttempts(1).setInputTokens(0).setOutputTokens(0).setCostUsd(cost)
                .setLatencyMs(Math.max(0, now - request.getCreatedAtMs()))
                .setError(error == null ? null : new dev.switchboard.avro.ErrorInfo("AGENT_FAILED", error))
                .setCompletedAtMs(now).build();
    }

    private static ChatMessage message(ChatRole role, String content) {
        return dev.switchboard.schemas.Messages.of(role, content);
    }
}
