package dev.switchboard.platform.auth;

import java.util.Objects;
import java.util.Set;

/**
 * Who a verified token says the caller is: the token's subject, the tenant it acts in and the
 * roles it holds.
 */
public record Principal(String subject, String tenant, Set<String> roles) {

    public Principal {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(tenant, "tenant");
        roles = Set.copyOf(roles);
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }
}
