package dev.switchboard.platform.dispatch;

import dev.switchboard.platform.kafka.Topics;

import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.health.ProviderHealthView;
import dev.switchboard.platform.health.StepSelector;
import dev.switchboard.platform.kafka.RejectedRecordException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Turns a plan into the task for its first step whose provider's circuit is not open; the steps
 * passed over are recorded in the task's history. Pure: no I/O.
 */
public final class Dispatcher {

    /**
     * Header of a plan on {@code llm.plans} whose first task was published with it, naming the task's
     * topic: the router leaves such a plan alone.
     */
    public static final String DISPATCHED_HEADER = "switchboard-dispatched-to";

    private final Set<String> knownProviders;
    private final Predicate<String> circuitOpen;

    /**
     * @param knownProviders the configured providers; the agent runtime ({@link Topics#AGENT_PROVIDER}) is known too
     * @param circuitOpen    whether a provider's circuit is open: its steps are skipped
     */
    public Dispatcher(Set<String> knownProviders, Predicate<String> circuitOpen) {
        Set<String> known = new java.util.HashSet<>(knownProviders);
        known.add(Topics.AGENT_PROVIDER);
        this.knownProviders = Set.copyOf(known);
        this.circuitOpen = circuitOpen;
    }

    /** The dispatcher of a service: the configured providers, skipping those whose circuit {@code health} says is open. */
    public static Dispatcher of(SwitchboardConfig config, ProviderHealthView health) {
        return new Dispatcher(config.providers().stream().map(ProviderSpec::name).collect(Collectors.toSet()), health::isOpen);
    }

    /** Whether a plan record's headers say its first task was published with it. */
    public static boolean dispatched(Headers headers) {
        Header header = headers.lastHeader(DISPATCHED_HEADER);
        return header != null && header.value() != null && header.value().length > 0;
    }

    /** The value of {@link #DISPATCHED_HEADER} for a task published to {@code taskTopic}. */
    public static byte[] dispatchedTo(String taskTopic) {
        return taskTopic.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @throws RejectedRecordException when the plan has no steps, names a provider that is not
     *         configured, or every provider of it has an open circuit
     */
    public ProviderTask firstTask(ExecutionPlan plan, long nowMs) {
        List<PlanStep> steps = plan.getSteps();
        if (steps.isEmpty()) {
            throw new RejectedRecordException(RejectedRecordException.Reason.EMPTY_PLAN, "plan has no steps", plan.getRequestId());
        }
        for (PlanStep step : steps) {
            if (!knownProviders.contains(step.getProvider())) {
                throw new RejectedRecordException(RejectedRecordException.Reason.UNKNOWN_PROVIDER,
                        "plan names provider '" + step.getProvider() + "', which is not configured", plan.getRequestId());
            }
        }
        StepSelector.Choice choice = StepSelector.next(steps, 0, circuitOpen);
        if (!choice.found()) {
            throw new RejectedRecordException(RejectedRecordException.Reason.CIRCUIT_OPEN, "every provider of the plan has an open circuit: "
                    + steps.stream().map(PlanStep::getProvider).toList(), plan.getRequestId());
        }
        return ProviderTask.newBuilder()
                .setRequestId(plan.getRequestId())
                .setTenantId(plan.getTenantId())
                .setRequest(plan.getRequest())
                .setSteps(steps)
                .setStepIndex(choice.index())
                .setAttempt(1)
                .setHistory(choice.skippedSummaries(steps))
                .setDispatchedAtMs(nowMs)
                .setPromptVariant(plan.getPromptVariant())
                .build();
    }

    /** The provider a task goes to. */
    public static String provider(ProviderTask task) {
        return task.getSteps().get(task.getStepIndex()).getProvider();
    }
}
