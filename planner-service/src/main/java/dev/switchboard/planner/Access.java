package dev.switchboard.planner;

import dev.switchboard.platform.auth.Authorizer;
import dev.switchboard.platform.auth.Principal;
import dev.switchboard.platform.config.ProviderSpec;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the maker of one request may use, by the access policy: the model tiers and tools its
 * token's roles allow in the request's tenant, and where the request's data may go by its
 * classification. Without a proven maker (security off) every tier and tool is allowed; data
 * classification applies either way, since it protects the data, not the caller.
 */
public final class Access {

    /** The provider attribute naming a provider's model tier; a provider without one is {@link #DEFAULT_TIER}. */
    public static final String TIER_ATTRIBUTE = "tier";
    public static final String DEFAULT_TIER = "standard";

    private static final Authorizer BUNDLED = Authorizer.bundled();

    private final Authorizer authorizer;
    private final Principal principal;
    private final String tenant;

    private Access(Authorizer authorizer, Principal principal, String tenant) {
        this.authorizer = authorizer;
        this.principal = principal;
        this.tenant = tenant;
    }

    /** A request whose maker is not checked (security off), under the bundled data rules. */
    public static Access unchecked() {
        return new Access(BUNDLED, null, null);
    }

    /** A request whose maker is not checked (security off), under {@code authorizer}'s data rules. */
    public static Access unchecked(Authorizer authorizer) {
        return new Access(authorizer, null, null);
    }

    /** A request made by {@code principal} for {@code tenant}, under {@code authorizer}'s policy. */
    public static Access of(Authorizer authorizer, Principal principal, String tenant) {
        return new Access(authorizer, principal, tenant);
    }

    /** The proven maker, or null when requests are not checked. */
    public Principal principal() {
        return principal;
    }

    /** Why the maker may not use {@code tool}, naming the rule; null when it may. */
    public String deniedTool(String tool) {
        return denied("tool:" + tool);
    }

    /**
     * Why a request of {@code classification} (null: unclassified) made by this maker may not go
     * to {@code spec}, naming the rule; null when it may.
     */
    public String denied(ProviderSpec spec, String classification) {
        String tier = spec.attributes().getOrDefault(TIER_ATTRIBUTE, DEFAULT_TIER);
        String tierDenied = denied("tier:" + tier);
        if (tierDenied != null) {
            return "tier " + tier + ": " + tierDenied;
        }
        if (classification != null) {
            for (Map.Entry<String, String> required : dataRequirements(classification).entrySet()) {
                String has = spec.attributes().get(required.getKey());
                if (!required.getValue().equals(has)) {
                    return "data classified " + classification + " goes only to providers with " + required.getKey() + "="
                            + required.getValue() + " (rule p2, " + classification + ", " + required.getKey() + ", "
                            + required.getValue() + "); " + required.getKey() + " is " + (has == null ? "unset" : has);
                }
            }
        }
        return null;
    }

    /** The provider attributes data of {@code classification} requires; empty Optional when the policy does not know it. */
    public Optional<Map<String, String>> knownClassification(String classification) {
        return authorizer.dataRequirements(classification);
    }

    /** The classifications the policy knows. */
    public List<String> classifications() {
        return authorizer.classifications();
    }

    private Map<String, String> dataRequirements(String classification) {
        return authorizer.dataRequirements(classification).orElse(Map.of());
    }

    private String denied(String object) {
        if (principal == null) {
            return null;
        }
        Authorizer.Decision decision = authorizer.decide(principal, Authorizer.Action.USE, object, tenant);
        return decision.allowed() ? null : decision.rule();
    }
}
