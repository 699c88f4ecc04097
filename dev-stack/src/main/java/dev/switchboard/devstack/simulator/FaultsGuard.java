package dev.switchboard.devstack.simulator;

import dev.switchboard.platform.audit.AuditLog;
import dev.switchboard.platform.auth.AuthenticationException;
import dev.switchboard.platform.auth.Authorizer;
import dev.switchboard.platform.auth.Principal;
import dev.switchboard.platform.auth.TokenVerifier;
import dev.switchboard.platform.config.SwitchboardConfig;

import java.util.Map;

/**
 * The simulator's fault endpoint under the access policy: a change needs a bearer token of the
 * issuer whose roles may {@code change faults} ({@code ops}, {@code admin} in the bundled policy).
 * Every change made ({@code faults.change}) and every refusal is on {@code llm.audit}.
 */
public final class FaultsGuard implements ProviderSimulator.AdminGuard {

    static final String ACTION = "faults.change";

    private final TokenVerifier verifier;
    private final Authorizer authorizer;
    private final AuditLog audit;

    public FaultsGuard(SwitchboardConfig.SecuritySettings security, AuditLog audit) {
        this.verifier = new TokenVerifier(security);
        this.audit = audit;
        this.authorizer = new Authorizer(security.rbacPolicyFile(), change -> audit.policy("simulator", change));
    }

    @Override
    public String authorize(String authorization, String provider) throws ProviderSimulator.Refused {
        Principal principal;
        try {
            principal = verifier.verifyAuthorization(authorization);
        } catch (AuthenticationException e) {
            audit.record("unauthenticated", ACTION, provider, "UNAUTHENTICATED", AuditLog.denial(e.reason().name(), null));
            throw new ProviderSimulator.Refused(401, e.getMessage());
        }
        // Faults belong to no tenant: judged in the caller's own.
        Authorizer.Decision decision = authorizer.decide(principal, Authorizer.Action.CHANGE, "faults", principal.tenant());
        if (!decision.allowed()) {
            audit.record(principal.subject(), ACTION, provider, "FORBIDDEN", AuditLog.denial(decision.rule(), principal.tenant()));
            throw new ProviderSimulator.Refused(403, "Forbidden: " + decision.rule());
        }
        return principal.subject();
    }

    @Override
    public void applied(String actor, String provider, String faults) {
        audit.record(actor, ACTION, provider, "APPLIED", new java.util.LinkedHashMap<>(Map.of("decision", "ALLOWED",
                "faults", faults.length() <= 1_000 ? faults : faults.substring(0, 1_000))));
    }
}
