/**
 * Who is calling: bearer tokens (JWTs from the configured OAuth2 / OIDC issuer) verified with
 * nimbus-jose-jwt against the issuer's published keys, and the {@link dev.switchboard.platform.auth.Principal}
 * (subject, tenant, roles) they prove. Nothing here trusts a tenant or role that a token does not carry.
 */
package dev.switchboard.platform.auth;
