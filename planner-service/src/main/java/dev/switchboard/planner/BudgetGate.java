package dev.switchboard.planner;

import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.platform.config.OverBudgetPolicy;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.RejectedRecordException;

import java.util.Locale;
import java.util.Optional;

/**
 * Holds each tenant to its daily budget ({@code budgets.daily.usd}): a tenant whose spend today,
 * counting the estimates of requests in flight, has reached its budget is refused
 * {@code BUDGET_EXCEEDED}, or, with {@code budgets.over.policy} {@code cheapest}, let through to
 * the cheapest eligible provider. Every plan made reserves its first step's estimate until the
 * request's attempts bring the exact cost.
 */
final class BudgetGate {

    private final SwitchboardConfig.RoutingSettings routing;
    private final Planner.Spend spend;

    BudgetGate(SwitchboardConfig.RoutingSettings routing, Planner.Spend spend) {
        this.routing = routing;
        this.spend = spend;
    }

    /**
     * @return empty when the tenant is within its budget (or has none), else why it is over, for a
     *         tenant whose policy is {@code cheapest}
     * @throws RejectedRecordException BUDGET_EXCEEDED for a tenant over its budget whose policy is {@code reject}
     */
    Optional<String> check(LlmRequest request, long nowMs) {
        Double budget = routing.dailyBudgetsUsd().get(request.getTenantId());
        if (budget == null) {
            return Optional.empty();
        }
        double spent = spend.spentUsd(request.getTenantId(), nowMs);
        if (spent < budget) {
            return Optional.empty();
        }
        String over = String.format(Locale.ROOT, "tenant %s has spent $%.6f today (UTC), counting requests in flight, of its "
                + "daily budget of $%.6f", request.getTenantId(), spent, budget);
        if (routing.overBudgetPolicy(request.getTenantId()) == OverBudgetPolicy.REJECT) {
            throw new RejectedRecordException(RejectedRecordException.Reason.BUDGET_EXCEEDED, over, request.getRequestId());
        }
        return Optional.of(over);
    }

    /** A plan was made: its first step's estimate counts against its tenant until the request's attempts do. */
    void reserve(ExecutionPlan plan, long nowMs) {
        if (!plan.getSteps().isEmpty()) {
            spend.reserve(plan.getTenantId(), plan.getRequestId(), plan.getSteps().getFirst().getEstimatedCostUsd(), nowMs);
        }
    }
}
