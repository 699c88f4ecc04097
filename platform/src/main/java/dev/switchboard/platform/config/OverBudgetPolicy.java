package dev.switchboard.platform.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** What a tenant over its daily budget gets ({@code budgets.over.policy}). */
public enum OverBudgetPolicy {
    /** A FAILED reply, BUDGET_EXCEEDED, and a dead letter that can be replayed later. */
    REJECT,
    /** A one-step plan to the cheapest eligible provider, audited as an override. */
    CHEAPEST;

    public static final List<String> NAMES = Arrays.stream(values()).map(OverBudgetPolicy::id).toList();

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the value and the known policies */
    public static OverBudgetPolicy parse(String id) {
        for (OverBudgetPolicy p : values()) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("the policy must be " + String.join(" or ", NAMES) + ", got '" + id + "'");
    }

    @Override
    public String toString() {
        return id();
    }
}
