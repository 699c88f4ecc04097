package dev.switchboard.planner;

import dev.switchboard.avro.LlmRequest;
import dev.switchboard.platform.auth.Authorizer;
import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.platform.config.RoutingStrategy;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.config.SwitchboardConfig.RoutingTarget;
import dev.switchboard.platform.kafka.RejectedRecordException;
import dev.switchboard.platform.kafka.RejectedRecordException.Reason;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;

import java.util.Map;

/**
 * Checks a request before anything is planned for it, and reads what it asks of routing: its ids,
 * messages and reply topic, the providers it prefers, its data classification and tools against
 * its maker's {@link Access}, and its {@code strategy}, {@code quality_target} and
 * {@code cost_target} attributes against its tenant's and the planner's settings. A request that
 * breaks a rule is refused with a {@link RejectedRecordException} naming the rule; nothing here
 * quotes the prompt.
 */
final class RequestValidator {

    /** The request attribute that chooses a strategy for one request. */
    static final String STRATEGY_ATTRIBUTE = "strategy";
    /** Request attribute {@code quality_target=Q}: strategy target, keeping Q (0 to 1] of the best eligible model's quality. */
    static final String QUALITY_TARGET_ATTRIBUTE = "quality_target";
    /** Request attribute {@code cost_target=USD}: strategy target, staying within USD a request on average. */
    static final String COST_TARGET_ATTRIBUTE = "cost_target";

    /**
     * What a valid request asks of routing.
     *
     * @param strategy       its own, else its tenant's, else the planner's
     * @param target         what strategy target holds for it (its own, its tenant's or the planner's); null for other strategies
     * @param classification its data classification attribute, known to the access policy; null when it has none
     */
    record Checked(RoutingStrategy strategy, RoutingTarget target, String classification) {
    }

    private final SwitchboardConfig config;

    RequestValidator(SwitchboardConfig config) {
        this.config = config;
    }

    /** @throws RejectedRecordException INVALID_REQUEST, UNKNOWN_PROVIDER or FORBIDDEN, naming what is wrong */
    Checked check(LlmRequest request, Access access) {
        String id = request.getRequestId();
        if (id == null || id.isBlank()) {
            throw invalid("requestId is empty", null);
        }
        if (request.getTenantId() == null || request.getTenantId().isBlank()) {
            throw invalid("tenantId is empty", id);
        }
        if (request.getMessages().isEmpty()) {
            throw invalid("messages is empty: a request needs at least one message", id);
        }
        if (request.getReplyTo() != null) {
            try {
                Topic.validate(request.getReplyTo());
            } catch (InvalidTopicException e) {
                throw invalid("replyTo is not a valid topic name: " + e.getMessage(), id);
            }
        }
        for (String provider : request.getPreferredProviders()) {
            if (!config.hasProvider(provider)) {
                throw new RejectedRecordException(Reason.UNKNOWN_PROVIDER, "preferredProviders names '" + provider
                        + "', which is not configured; configured: "
                        + config.providers().stream().map(ProviderSpec::name).toList(), id);
            }
        }
        String classification = request.getAttributes().get(Authorizer.DATA_CLASSIFICATION_ATTRIBUTE);
        if (classification != null && access.knownClassification(classification).isEmpty()) {
            throw invalid("attribute " + Authorizer.DATA_CLASSIFICATION_ATTRIBUTE + " is '" + classification
                    + "', which the access policy does not name; known: " + access.classifications(), id);
        }
        for (String tool : request.getTools()) {
            String denied = access.deniedTool(tool);
            if (denied != null) {
                throw new RejectedRecordException(Reason.FORBIDDEN, "tool " + tool + ": " + denied, id);
            }
        }
        RoutingStrategy strategy = strategy(request);
        return new Checked(strategy, strategy == RoutingStrategy.TARGET ? target(request) : null, classification);
    }

    /**
     * The strategy for this request: its {@code strategy} attribute, else {@code target} when it
     * asks for a target, else its tenant's (planner.tenant.strategies, else {@code target} for a
     * tenant planner.tenant.targets lists), else planner.strategy.
     */
    RoutingStrategy strategy(LlmRequest request) {
        String asked = request.getAttributes().get(STRATEGY_ATTRIBUTE);
        String targeted = targetAttribute(request);
        if (asked != null) {
            RoutingStrategy strategy;
            try {
                strategy = RoutingStrategy.parse(asked, "attribute " + STRATEGY_ATTRIBUTE);
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage(), request.getRequestId());
            }
            if (targeted != null && strategy != RoutingStrategy.TARGET) {
                throw invalid("attribute " + targeted + " needs strategy target, but attribute strategy is '" + asked + "'",
                        request.getRequestId());
            }
            return strategy;
        }
        if (targeted != null) {
            return RoutingStrategy.TARGET;
        }
        SwitchboardConfig.RoutingSettings routing = config.routing();
        RoutingStrategy tenant = routing.tenantStrategies().get(request.getTenantId());
        if (tenant != null) {
            return tenant;
        }
        return routing.tenantTargets().containsKey(request.getTenantId()) ? RoutingStrategy.TARGET : config.plannerStrategy();
    }

    /** What strategy target holds for this request: its own target attribute, else its tenant's, else the planner's. */
    RoutingTarget target(LlmRequest request) {
        String attribute = targetAttribute(request);
        if (attribute == null) {
            return config.routing().targetFor(request.getTenantId());
        }
        String value = request.getAttributes().get(attribute);
        String kind = attribute.equals(QUALITY_TARGET_ATTRIBUTE) ? "quality" : "cost";
        try {
            return SwitchboardConfig.routingTarget(kind + "=" + value);
        } catch (IllegalArgumentException e) {
            throw invalid("attribute " + attribute + " is '" + value + "'; expected "
                    + (kind.equals("quality") ? "a share in (0, 1], e.g. 0.95" : "USD per request > 0, e.g. 0.002"), request.getRequestId());
        }
    }

    /** The target attribute the request sets ({@code quality_target} or {@code cost_target}), or null; both is an error. */
    private static String targetAttribute(LlmRequest request) {
        Map<String, String> attributes = request.getAttributes();
        boolean quality = attributes.containsKey(QUALITY_TARGET_ATTRIBUTE);
        boolean cost = attributes.containsKey(COST_TARGET_ATTRIBUTE);
        if (quality && cost) {
            throw invalid("attributes " + QUALITY_TARGET_ATTRIBUTE + " and " + COST_TARGET_ATTRIBUTE
                    + " are both set; a request holds one target", request.getRequestId());
        }
        return quality ? QUALITY_TARGET_ATTRIBUTE : cost ? COST_TARGET_ATTRIBUTE : null;
    }

    static RejectedRecordException invalid(String message, String requestId) {
        return new RejectedRecordException(Reason.INVALID_REQUEST, message, requestId);
    }
}
