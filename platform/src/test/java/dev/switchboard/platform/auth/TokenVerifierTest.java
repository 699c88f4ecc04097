package dev.switchboard.platform.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.platform.auth.AuthenticationException.Reason;
import dev.switchboard.platform.config.SwitchboardConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every way a token can fail to prove who calls, against an issuer served over real HTTP (OIDC
 * discovery and a JWK set this test changes, as an issuer rotating its keys does).
 */
class TokenVerifierTest {

    private HttpServer issuerServer;
    private String issuer;
    private final AtomicReference<List<JWK>> published = new AtomicReference<>();
    private final AtomicInteger jwksFetches = new AtomicInteger();
    private RSAKey rsa;
    private TokenVerifier verifier;

    @BeforeEach
    void startIssuer() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        published.set(List.of(rsa.toPublicJWK()));
        issuerServer = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        issuer = "http://localhost:" + issuerServer.getAddress().getPort() + "/test-issuer";
        issuerServer.createContext("/test-issuer/.well-known/openid-configuration", exchange -> respond(exchange,
                "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/jwks\"}"));
        issuerServer.createContext("/test-issuer/jwks", exchange -> {
            jwksFetches.incrementAndGet();
            respond(exchange, new JWKSet(published.get()).toString(true));
        });
        issuerServer.start();
        verifier = verifier(Map.of());
    }

    @AfterEach
    void stopIssuer() {
        issuerServer.stop(0);
    }

    private TokenVerifier verifier(Map<String, String> more) {
        Map<String, String> settings = new java.util.HashMap<>(Map.of(SwitchboardConfig.SECURITY_ISSUER, issuer,
                SwitchboardConfig.SECURITY_JWKS_MIN_REFRESH_MS, "0"));
        settings.putAll(more);
        return new TokenVerifier(SwitchboardConfig.withOverrides(settings).security());
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, String body) throws java.io.IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(issuer).audience("switchboard").subject("alice")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)))
                .claim("tenant", "acme").claim("roles", List.of("user", "analyst"));
    }

    private static String signed(RSAKey key, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(),
                claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private Reason refusal(String authorization) {
        try {
            verifier.verifyAuthorization(authorization);
        } catch (AuthenticationException e) {
            if (authorization != null && authorization.length() > 20) {
                assertThat(e.getMessage()).as("the message never quotes the token").doesNotContain(authorization.substring(7));
            }
            return e.reason();
        }
        throw new AssertionError("accepted: " + authorization);
    }

    @Test
    void aTokenOfTheIssuerProvesSubjectTenantAndRoles() throws Exception {
        Principal principal = verifier.verifyAuthorization("Bearer " + signed(rsa, claims().build()));

        assertThat(principal).isEqualTo(new Principal("alice", "acme", java.util.Set.of("user", "analyst")));
    }

    @Test
    void anEs256TokenIsAcceptedAndRolesMayBeOneString() throws Exception {
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        published.set(List.of(rsa.toPublicJWK(), ec.toPublicJWK()));
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(),
                claims().claim("roles", "ops admin").build());
        jwt.sign(new ECDSASigner(ec));

        assertThat(verifier.verify(jwt.serialize()).roles()).containsExactlyInAnyOrder("ops", "admin");
    }

    @Test
    void noTokenOrNotABearerIsRefused() {
        assertThat(refusal(null)).isEqualTo(Reason.MISSING);
        assertThat(refusal("  ")).isEqualTo(Reason.MISSING);
        assertThat(refusal("Basic YWxpY2U6c2VjcmV0")).isEqualTo(Reason.MALFORMED);
        assertThat(refusal("Bearer not.a.jwt")).isEqualTo(Reason.MALFORMED);
        assertThat(refusal("Bearer ")).isEqualTo(Reason.MALFORMED);
    }

    @Test
    void anUnsignedTokenIsRefused() {
        assertThat(refusal("Bearer " + new PlainJWT(claims().build()).serialize())).isEqualTo(Reason.UNSIGNED);
    }

    @Test
    void anHmacTokenSignedWithThePublicKeyIsRefused() throws Exception {
        // The classic confusion: the issuer's public key, which anyone can fetch, used as an HMAC secret.
        byte[] publicKey = rsa.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), claims().build());
        jwt.sign(new MACSigner(publicKey));

        assertThat(refusal("Bearer " + jwt.serialize())).isEqualTo(Reason.ALGORITHM);
    }

    @Test
    void aTamperedPayloadIsRefused() throws Exception {
        String[] parts = signed(rsa, claims().build()).split("\\.");
        String tampered = Base64URL.encode(claims().claim("tenant", "someone-else").build().toString()).toString();

        assertThat(refusal("Bearer " + parts[0] + "." + tampered + "." + parts[2])).isEqualTo(Reason.SIGNATURE);
    }

    @Test
    void aTokenSignedByAnotherKeyWithTheIssuersKeyIdIsRefused() throws Exception {
        RSAKey forger = new RSAKeyGenerator(2048).keyID("rsa-1").generate();

        assertThat(refusal("Bearer " + signed(forger, claims().build()))).isEqualTo(Reason.SIGNATURE);
    }

    @Test
    void wrongIssuerOrAudienceIsRefused() throws Exception {
        assertThat(refusal("Bearer " + signed(rsa, claims().issuer("http://evil.example/issuer").build()))).isEqualTo(Reason.ISSUER);
        assertThat(refusal("Bearer " + signed(rsa, claims().audience("another-api").build()))).isEqualTo(Reason.AUDIENCE);
        assertThat(refusal("Bearer " + signed(rsa, claims().audience((String) null).build()))).isEqualTo(Reason.AUDIENCE);
    }

    @Test
    void expiredAndNotYetValidTokensAreRefusedBeyondTheSkew() throws Exception {
        Instant now = Instant.now();
        assertThat(refusal("Bearer " + signed(rsa, claims().expirationTime(Date.from(now.minusSeconds(31))).build())))
                .isEqualTo(Reason.EXPIRED);
        assertThat(refusal("Bearer " + signed(rsa, claims().notBeforeTime(Date.from(now.plusSeconds(60))).build())))
                .isEqualTo(Reason.NOT_YET_VALID);
        // Within the 30 s skew both still pass.
        verifier.verify(signed(rsa, claims().expirationTime(Date.from(now.minusSeconds(10))).build()));
        verifier.verify(signed(rsa, claims().notBeforeTime(Date.from(now.plusSeconds(10))).build()));
    }

    @Test
    void aTokenWithoutExpiryOrTenantIsRefused() throws Exception {
        assertThat(refusal("Bearer " + signed(rsa, claims().expirationTime(null).build()))).isEqualTo(Reason.CLAIMS);
        assertThat(refusal("Bearer " + signed(rsa, claims().claim("tenant", null).build()))).isEqualTo(Reason.CLAIMS);
    }

    @Test
    void anUnknownKeyIdIsRefused() throws Exception {
        RSAKey unknown = new RSAKeyGenerator(2048).keyID("rsa-unknown").generate();

        assertThat(refusal("Bearer " + signed(unknown, claims().build()))).isEqualTo(Reason.UNKNOWN_KEY);
    }

    @Test
    void aKeyIdIsQuotedOnlyAsPrintableCharacters() throws Exception {
        RSAKey unknown = new RSAKeyGenerator(2048).keyID("evil\r\nSet-Cookie: x=1").generate();

        try {
            verifier.verify(signed(unknown, claims().build()));
            throw new AssertionError("accepted");
        } catch (AuthenticationException e) {
            assertThat(e.getMessage()).isEqualTo("The token's key (kid evil??Set-Cookie: x=1) is not one of the issuer's keys");
        }
        assertThat(TokenVerifier.printable("k".repeat(100))).hasSize(65);
    }

    @Test
    void aRotatedKeyIsFetchedWhenATokenFirstNamesIt() throws Exception {
        verifier.verify(signed(rsa, claims().build()));
        int fetchesBefore = jwksFetches.get();
        RSAKey next = new RSAKeyGenerator(2048).keyID("rsa-2").generate();
        List<JWK> rotated = new ArrayList<>(List.of(next.toPublicJWK()));
        published.set(rotated);

        assertThat(verifier.verify(signed(next, claims().subject("bob").build())).subject()).isEqualTo("bob");
        assertThat(jwksFetches.get()).isEqualTo(fetchesBefore + 1);
        // The old key is gone from the set: its new tokens no longer pass.
        assertThat(refusal("Bearer " + signed(rsa, claims().subject("carol").build()))).isEqualTo(Reason.UNKNOWN_KEY);
    }

    @Test
    void unknownKeyIdsDoNotMakeTheVerifierFetchMoreThanTheRateLimitAllows() throws Exception {
        verifier = verifier(Map.of(SwitchboardConfig.SECURITY_JWKS_MIN_REFRESH_MS, "60000"));
        verifier.verify(signed(rsa, claims().build()));
        int fetchesBefore = jwksFetches.get();

        for (int i = 0; i < 20; i++) {
            RSAKey unknown = new RSAKeyGenerator(2048).keyID("flood-" + i).generate();
            assertThat(refusal("Bearer " + signed(unknown, claims().build()))).isEqualTo(Reason.UNKNOWN_KEY);
        }

        assertThat(jwksFetches.get() - fetchesBefore).isLessThanOrEqualTo(2);
    }

    @Test
    void anIssuerThatCannotBeReachedIsSaidSo() throws Exception {
        String token = signed(rsa, claims().build());
        issuerServer.stop(0);

        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(AuthenticationException.class)
                .extracting(e -> ((AuthenticationException) e).reason()).isEqualTo(Reason.KEYS_UNAVAILABLE);
    }

    @Test
    void anIssuerWhoseDiscoveryFailsIsNotAskedAgainForEveryToken() throws Exception {
        AtomicInteger discoveries = new AtomicInteger();
        issuerServer.removeContext("/test-issuer/.well-known/openid-configuration");
        issuerServer.createContext("/test-issuer/.well-known/openid-configuration", exchange -> {
            discoveries.incrementAndGet();
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        String token = signed(rsa, claims().build());

        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(AuthenticationException.class)
                    .extracting(e -> ((AuthenticationException) e).reason()).isEqualTo(Reason.KEYS_UNAVAILABLE);
        }

        assertThat(discoveries.get()).isEqualTo(1);
    }

    @Test
    void aTokenSeenAgainIsNotCheckedAgainButItsValidityInTimeStillIs() throws Exception {
        Instant now = Instant.now();
        String token = signed(rsa, claims().notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(120))).build());
        verifier.verify(token);

        assertThat(verifier.verify(token, now.plusSeconds(60)).tenant()).isEqualTo("acme");
        assertThatThrownBy(() -> verifier.verify(token, now.plusSeconds(600))).isInstanceOf(AuthenticationException.class)
                .extracting(e -> ((AuthenticationException) e).reason()).isEqualTo(Reason.EXPIRED);
        assertThatThrownBy(() -> verifier.verify(token, now.minusSeconds(600))).isInstanceOf(AuthenticationException.class)
                .extracting(e -> ((AuthenticationException) e).reason()).isEqualTo(Reason.NOT_YET_VALID);
    }

    @Test
    void hmacAndNoneCannotBeConfigured() {
        assertThatThrownBy(() -> verifier(Map.of(SwitchboardConfig.SECURITY_ALGORITHMS, "RS256,HS256")))
                .hasMessageContaining(SwitchboardConfig.SECURITY_ALGORITHMS).hasMessageContaining("never none or HS*");
        assertThatThrownBy(() -> verifier(Map.of(SwitchboardConfig.SECURITY_ALGORITHMS, "none")))
                .hasMessageContaining(SwitchboardConfig.SECURITY_ALGORITHMS);
    }
}
