package dev.switchboard.platform.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.switchboard.platform.auth.AuthenticationException.Reason;
import dev.switchboard.platform.config.SwitchboardConfig.SecuritySettings;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.text.ParseException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Verifies bearer tokens as an OAuth2 resource server: a JWS signed with one of the accepted
 * algorithms ({@code security.algorithms}: RS256 and ES256; never {@code none}, never an HMAC,
 * so a public key can never be used as a shared secret) by a key of the issuer's JWK set, with
 * the configured {@code iss} and {@code aud}, inside {@code exp}/{@code nbf} give or take
 * {@code security.clock.skew.s}, and carrying a tenant. The JWK set is fetched from
 * {@code security.jwks.url}, or from the issuer's OIDC discovery document, cached, and fetched
 * again when a token names a key it does not hold (a rotated key), at most once per
 * {@code security.jwks.min.refresh.ms}. A token seen again within five minutes has only its
 * {@code exp}/{@code nbf} checked again.
 */
public final class TokenVerifier {

    /** {@code typ} values accepted; null: none given, as many issuers do. */
    private static final JOSEObjectType[] TOKEN_TYPES = {JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null};
    private static final int HTTP_TIMEOUT_MS = 5_000;
    private static final int JWKS_SIZE_LIMIT = 512 * 1024;
    private static final long DISCOVERY_RETRY_MS = 5_000;
    /** How long a verified token is trusted without checking its signature again: as long as the issuer's keys are cached. */
    private static final long VERIFIED_TTL_MS = JWKSourceBuilder.DEFAULT_CACHE_TIME_TO_LIVE;
    private static final int VERIFIED_KEPT = 10_000;

    private final SecuritySettings settings;
    private final Set<JWSAlgorithm> algorithms;
    private volatile DefaultJWTProcessor<SecurityContext> processor;
    /** Tokens verified in the last {@link #VERIFIED_TTL_MS}, the least recently used dropped past {@link #VERIFIED_KEPT}. */
    private final Map<String, Verified> verified = new java.util.LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
            return size() > VERIFIED_KEPT;
        }
    };
    private KeySourceException discoveryFailure;
    private long discoveryFailedAtMs;

    public TokenVerifier(SecuritySettings settings) {
        this.settings = settings;
        this.algorithms = settings.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
    }

    /** The principal {@code authorization} (an HTTP {@code Authorization} value, {@code Bearer <JWT>}) proves now. */
    public Principal verifyAuthorization(String authorization) throws AuthenticationException {
        return verifyAuthorization(authorization, null);
    }

    /**
     * As {@link #verifyAuthorization(String)}, with {@code exp} and {@code nbf} judged at
     * {@code asOf} (null: now): a request that waited in Kafka is judged by when it was made.
     */
    public Principal verifyAuthorization(String authorization, Instant asOf) throws AuthenticationException {
        if (authorization == null || authorization.isBlank()) {
            throw new AuthenticationException(Reason.MISSING,
                    "No bearer token: send 'Authorization: Bearer <token>' (HTTP) or the record header 'authorization' (Kafka)");
        }
        String value = authorization.strip();
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new AuthenticationException(Reason.MALFORMED, "The Authorization value is not 'Bearer <token>'");
        }
        return verify(value.substring(7).strip(), asOf);
    }

    /** The principal {@code token} (a compact JWT) proves now. */
    public Principal verify(String token) throws AuthenticationException {
        return verify(token, null);
    }

    /** The principal {@code token} proves, its validity judged at {@code asOf} (null: now). */
    public Principal verify(String token, Instant asOf) throws AuthenticationException {
        Verified known = recentlyVerified(token);
        if (known != null) {
            return known.at(asOf == null ? Instant.now() : asOf, settings.clockSkew());
        }
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            throw new AuthenticationException(Reason.MALFORMED, "The token is not a JWT");
        }
        if (jwt instanceof PlainJWT) {
            throw new AuthenticationException(Reason.UNSIGNED, "The token is not signed (alg none)");
        }
        if (jwt instanceof EncryptedJWT || !(jwt instanceof SignedJWT signed)) {
            throw new AuthenticationException(Reason.MALFORMED, "Encrypted tokens are not accepted");
        }
        JWSAlgorithm alg = signed.getHeader().getAlgorithm();
        if (!algorithms.contains(alg)) {
            throw new AuthenticationException(Reason.ALGORITHM, "Tokens signed with " + alg + " are not accepted; accepted: "
                    + settings.algorithms());
        }
        JWTClaimsSet claims;
        try {
            claims = processor().process(signed, asOf == null ? null : new AsOf(Date.from(asOf)));
        } catch (BadJWTException e) {
            throw claimsRefused(e);
        } catch (BadJOSEException e) {
            if (e.getMessage() != null && e.getMessage().contains("no matching key")) {
                throw new AuthenticationException(Reason.UNKNOWN_KEY, "The token's key (kid " + printable(signed.getHeader().getKeyID())
                        + ") is not one of the issuer's keys");
            }
            throw e instanceof BadJWSException ? new AuthenticationException(Reason.SIGNATURE, "The token's signature does not verify")
                    : new AuthenticationException(Reason.MALFORMED, "The token was refused: " + e.getMessage());
        } catch (RateLimitReachedException e) {
            throw new AuthenticationException(Reason.UNKNOWN_KEY, "The token's key (kid " + printable(signed.getHeader().getKeyID())
                    + ") is not one of the issuer's keys, and they were fetched too recently to fetch them again");
        } catch (KeySourceException e) {
            throw new AuthenticationException(Reason.KEYS_UNAVAILABLE, "The issuer's keys cannot be fetched: " + e.getMessage(), e);
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new AuthenticationException(Reason.SIGNATURE, "The token's signature cannot be checked: " + e.getMessage());
        }
        Principal principal = principal(claims);
        remember(token, new Verified(principal, claims.getExpirationTime().toInstant(),
                claims.getNotBeforeTime() == null ? null : claims.getNotBeforeTime().toInstant(), System.currentTimeMillis()));
        return principal;
    }

    /**
     * A token whose signature, issuer and audience were checked: only its validity in time is
     * checked again, so a producer sending thousands of requests with one token pays for one
     * signature check. Keyed by the whole token, signature included, so no other token matches.
     */
    private record Verified(Principal principal, Instant expires, Instant notBefore, long verifiedAtMs) {

        Principal at(Instant when, java.time.Duration skew) throws AuthenticationException {
            if (when.isAfter(expires.plus(skew))) {
                throw new AuthenticationException(Reason.EXPIRED, "The token was refused: Expired JWT");
            }
            if (notBefore != null && when.isBefore(notBefore.minus(skew))) {
                throw new AuthenticationException(Reason.NOT_YET_VALID, "The token was refused: JWT before use time");
            }
            return principal;
        }
    }

    private Verified recentlyVerified(String token) {
        synchronized (verified) {
            Verified known = verified.get(token);
            if (known != null && System.currentTimeMillis() - known.verifiedAtMs() > VERIFIED_TTL_MS) {
                verified.remove(token);
                return null;
            }
            return known;
        }
    }

    private void remember(String token, Verified result) {
        synchronized (verified) {
            verified.put(token, result);
        }
    }

    /**
     * {@code value}, sent by the caller, fit to quote in a message that reaches logs and HTTP headers:
     * at most 64 characters, anything but printable ASCII replaced by '?'.
     */
    static String printable(String value) {
        if (value == null) {
            return "none";
        }
        String cut = value.length() > 64 ? value.substring(0, 64) + "…" : value;
        return cut.replaceAll("[^\\x20-\\x7E…]", "?");
    }

    private Principal principal(JWTClaimsSet claims) throws AuthenticationException {
        Object tenant = claims.getClaim(settings.tenantClaim());
        if (!(tenant instanceof String t) || t.isBlank()) {
            throw new AuthenticationException(Reason.CLAIMS, "The token has no '" + settings.tenantClaim()
                    + "' claim (security.tenant.claim) naming its tenant");
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new AuthenticationException(Reason.CLAIMS, "The token has no 'sub' claim");
        }
        return new Principal(subject, t, roles(claims.getClaim(settings.rolesClaim())));
    }

    private static Set<String> roles(Object claim) {
        Set<String> roles = new LinkedHashSet<>();
        if (claim instanceof String s) {
            roles.addAll(Arrays.asList(s.trim().split("[\\s,]+")));
        } else if (claim instanceof Collection<?> list) {
            list.forEach(r -> roles.add(String.valueOf(r)));
        }
        roles.remove("");
        return roles;
    }

    private static AuthenticationException claimsRefused(BadJWTException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        Reason reason;
        if (message.startsWith("Expired JWT")) {
            reason = Reason.EXPIRED;
        } else if (message.startsWith("JWT before use time")) {
            reason = Reason.NOT_YET_VALID;
        } else if (message.contains("iss claim")) {
            reason = Reason.ISSUER;
        } else if (message.contains("audience") || message.contains("aud claim")) {
            reason = Reason.AUDIENCE;
        } else {
            reason = Reason.CLAIMS;
        }
        return new AuthenticationException(reason, "The token was refused: " + message);
    }

    private DefaultJWTProcessor<SecurityContext> processor() throws KeySourceException {
        DefaultJWTProcessor<SecurityContext> p = processor;
        if (p != null) {
            return p;
        }
        synchronized (this) {
            if (processor != null) {
                return processor;
            }
            // While the issuer cannot be found, callers fail at once instead of each waiting out the timeout.
            long now = System.currentTimeMillis();
            if (discoveryFailure != null && now - discoveryFailedAtMs < DISCOVERY_RETRY_MS) {
                throw discoveryFailure;
            }
            try {
                processor = newProcessor(jwksUrl());
                discoveryFailure = null;
                return processor;
            } catch (KeySourceException e) {
                discoveryFailure = e;
                discoveryFailedAtMs = now;
                throw e;
            }
        }
    }

    private DefaultJWTProcessor<SecurityContext> newProcessor(URL jwks) {
        JWKSource<SecurityContext> keys = JWKSourceBuilder
                .create(jwks, new DefaultResourceRetriever(HTTP_TIMEOUT_MS, HTTP_TIMEOUT_MS, JWKS_SIZE_LIMIT))
                .cache(JWKSourceBuilder.DEFAULT_CACHE_TIME_TO_LIVE, JWKSourceBuilder.DEFAULT_CACHE_REFRESH_TIMEOUT)
                .rateLimited(settings.jwksMinRefresh().toMillis())
                .retrying(false)
                .build();
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(TOKEN_TYPES));
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
        AsOfClaimsVerifier claims = new AsOfClaimsVerifier(Set.of(settings.audience()),
                new JWTClaimsSet.Builder().issuer(settings.issuer()).build(), Set.of("sub", "exp"));
        claims.setMaxClockSkew((int) settings.clockSkew().toSeconds());
        p.setJWTClaimsSetVerifier(claims);
        return p;
    }

    /** The instant a token's validity is judged at, passed through the processor to the claims check. */
    private record AsOf(Date time) implements SecurityContext {
    }

    /** Nimbus's claims check, judging {@code exp} and {@code nbf} at the {@link AsOf} given, else now. */
    private static final class AsOfClaimsVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {

        private static final ThreadLocal<Date> AS_OF = new ThreadLocal<>();

        AsOfClaimsVerifier(Set<String> audience, JWTClaimsSet exactMatch, Set<String> required) {
            super(audience, exactMatch, required, null);
        }

        @Override
        public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
            AS_OF.set(context instanceof AsOf asOf ? asOf.time() : null);
            try {
                super.verify(claims, context);
            } finally {
                AS_OF.remove();
            }
        }

        @Override
        protected Date currentTime() {
            Date asOf = AS_OF.get();
            return asOf != null ? asOf : new Date();
        }
    }

    /** {@code security.jwks.url}, or the {@code jwks_uri} of the issuer's OIDC discovery document. */
    private URL jwksUrl() throws KeySourceException {
        try {
            if (!settings.jwksUrl().isBlank()) {
                return URI.create(settings.jwksUrl()).toURL();
            }
            URL discovery = URI.create(settings.issuer().replaceAll("/+$", "") + "/.well-known/openid-configuration").toURL();
            String body = new DefaultResourceRetriever(HTTP_TIMEOUT_MS, HTTP_TIMEOUT_MS, JWKS_SIZE_LIMIT).retrieveResource(discovery)
                    .getContent();
            Map<String, Object> document = JSONObjectUtils.parse(body);
            Object jwksUri = document.get("jwks_uri");
            if (!(jwksUri instanceof String uri)) {
                throw new KeySourceException("the discovery document " + discovery + " has no jwks_uri; set security.jwks.url");
            }
            return URI.create(uri).toURL();
        } catch (IOException | ParseException | IllegalArgumentException e) {
            throw new KeySourceException("cannot find the issuer's keys (security.issuer " + settings.issuer()
                    + ", security.jwks.url '" + settings.jwksUrl() + "'): " + e.getMessage(), e);
        }
    }
}
