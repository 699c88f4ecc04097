package dev.switchboard.tools;

import dev.switchboard.platform.auth.Authorizer;
import dev.switchboard.platform.auth.Principal;
import dev.switchboard.avro.ToolDefinition;

import java.util.Map;
import java.util.Set;

/**
 * Who may call a tool: it must be enabled, registered for the tenant (or for every tenant), and
 * not forbidden to the tenant by {@code tools.denied}; and, for a caller whose roles are known, the
 * access policy ({@code security.rbac.policy}) must let one of them {@code use tool:NAME} in the
 * tenant. A refusal names the rule that refused.
 */
public final class ToolAccess {

    private final Map<String, Set<String>> denied;
    private final Authorizer policy;

    /** @param denied per tenant, the tools {@code tools.denied} forbids it */
    public ToolAccess(Map<String, Set<String>> denied) {
        this(denied, Authorizer.bundled());
    }

    /**
     * @param denied per tenant, the tools {@code tools.denied} forbids it
     * @param policy the access policy applied to callers whose roles are known
     */
    public ToolAccess(Map<String, Set<String>> denied, Authorizer policy) {
        this.denied = Map.copyOf(denied);
        this.policy = policy;
    }

    /**
     * As {@link #check(ToolDefinition, String)}, and then, when {@code roles} is not null (the
     * caller's roles are known), the access policy's {@code use tool:NAME} rules.
     *
     * @throws ToolRefusedException naming the rule
     */
    public void check(ToolDefinition tool, String tenant, Set<String> roles) {
        check(tool, tenant);
        if (roles != null) {
            Authorizer.Decision decision = policy.decide(new Principal("agent", tenant, roles), Authorizer.Action.USE,
                    "tool:" + tool.getName(), tenant);
            if (!decision.allowed()) {
                throw new ToolRefusedException(tool.getName(), tenant, "tool " + tool.getName() + ": " + decision.rule());
            }
        }
    }

    /**
     * @throws ToolRefusedException naming the rule, when {@code tenant} may not call {@code tool}
     */
    public void check(ToolDefinition tool, String tenant) {
        String name = tool.getName();
        if (!tool.getEnabled()) {
            throw new ToolRefusedException(name, tenant, "tool " + name + " is disabled (switchboard tools enable " + name + ")");
        }
        if (!tool.getTenants().isEmpty() && !tool.getTenants().contains(tenant)) {
            throw new ToolRefusedException(name, tenant, "tool " + name + " is registered for tenants " + tool.getTenants()
                    + ", and tenant " + tenant + " is not one of them");
        }
        if (denied.getOrDefault(tenant, Set.of()).contains(name)) {
            throw new ToolRefusedException(name, tenant, "tools.denied forbids tool " + name + " to tenant " + tenant);
        }
    }

    /** A tenant may not call a tool; the message is the rule. */
    public static final class ToolRefusedException extends RuntimeException {
        private final String tool;
        private final String tenant;

        ToolRefusedException(String tool, String tenant, String rule) {
            super(rule);
            this.tool = tool;
            this.tenant = tenant;
        }

        public String tool() {
            return tool;
        }

        public String tenant() {
            return tenant;
        }
    }
}
