package dev.switchboard.router;

import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.platform.kafka.RejectedRecordException;

import java.util.List;
import java.util.Set;

/** Turns a plan into the task for its first step. Pure: no I/O. */
public final class Router {

    private final Set<String> knownProviders;

    public Router(Set<String> knownProviders) {
        this.knownProviders = Set.copyOf(knownProviders);
    }

    public ProviderTask firstTask(ExecutionPlan plan, long nowMs) {
        List<PlanStep> steps = plan.getSteps();
        if (steps.isEmpty()) {
            throw new RejectedRecordException("EMPTY_PLAN", "plan has no steps", plan.getRequestId());
        }
        String provider = steps.getFirst().getProvider();
        if (!knownProviders.contains(provider)) {
            throw new RejectedRecordException("UNKNOWN_PROVIDER",
                    "plan step 0 names provider '" + provider + "', which is not configured", plan.getRequestId());
        }
        return ProviderTask.newBuilder()
                .setRequestId(plan.getRequestId())
                .setTenantId(plan.getTenantId())
                .setRequest(plan.getRequest())
                .setSteps(steps)
                .setStepIndex(0)
                .setAttempt(1)
                .setHistory(List.of())
                .setDispatchedAtMs(nowMs)
                .build();
    }
}
