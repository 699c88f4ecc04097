package dev.switchboard.devstack.idp;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.oauth2.sdk.TokenRequest;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.MockWebServerWrapper;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An OAuth2 / OIDC issuer for development, at {@code http://localhost:<port>/switchboard}: OIDC
 * discovery, its JWK set at {@code /switchboard/jwks} and a token endpoint at
 * {@code /switchboard/token}. A client credentials request gets an RS256 access token for
 * audience {@code audience} whose subject is the client id (or form field {@code subject}), whose
 * tenant is form field {@code tenant} (default {@code default}) and whose roles are form field
 * {@code roles}, separated by spaces or commas (default {@code user}). Any client id and secret
 * are accepted: this issuer is for a developer's machine, never for a network others reach.
 */
public final class DevIdentityProvider implements AutoCloseable {

    public static final String ISSUER_ID = "switchboard";
    public static final String DEFAULT_TENANT = "default";
    public static final String DEFAULT_ROLES = "user";
    private static final long TOKEN_SECONDS = 3600;

    private final MockOAuth2Server server;
    private final int port;

    private DevIdentityProvider(MockOAuth2Server server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * Starts the issuer on {@code port} (0: any free one), signing with the key in {@code keyFile},
     * made on first start. Its tokens name {@code audience} and carry tenant and roles in
     * {@code tenantClaim} and {@code rolesClaim}.
     */
    public static DevIdentityProvider start(int port, Path keyFile, String audience, String tenantClaim, String rolesClaim) {
        return start(java.net.InetAddress.getLoopbackAddress(), port, keyFile, audience, tenantClaim, rolesClaim);
    }

    /**
     * As {@link #start(int, Path, String, String, String)}, listening on {@code address}: the wildcard
     * address where other hosts (containers) ask it for keys and tokens.
     */
    public static DevIdentityProvider start(java.net.InetAddress address, int port, Path keyFile, String audience, String tenantClaim,
                                            String rolesClaim) {
        OAuth2Config config = new OAuth2Config(false, null, null, false,
                new OAuth2TokenProvider(new KeyProvider(List.of(signingKey(keyFile)), JWSAlgorithm.RS256.getName())),
                Set.of(new Callback(audience, tenantClaim, rolesClaim)), new MockWebServerWrapper());
        MockOAuth2Server server = new MockOAuth2Server(config);
        try {
            server.start(address, port);
        } catch (RuntimeException e) {
            throw new IllegalStateException("The dev OAuth2 issuer cannot listen on port " + port + " (dev.idp.port): "
                    + e.getMessage(), e);
        }
        return new DevIdentityProvider(server, server.baseUrl().port());
    }

    public int port() {
        return port;
    }

    /** The issuer URL, the {@code iss} of its tokens. */
    public String issuer() {
        return server.issuerUrl(ISSUER_ID).toString();
    }

    @Override
    public void close() {
        server.shutdown();
    }

    /** The RSA key kept in {@code keyFile} (owner-readable only), made and written there on first use. */
    private static JWK signingKey(Path keyFile) {
        try {
            if (Files.exists(keyFile)) {
                return JWK.parse(Files.readString(keyFile));
            }
            RSAKey key = new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).generate();
            Files.createDirectories(keyFile.getParent());
            Files.writeString(keyFile, key.toJSONString());
            try {
                Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: the folder's own permissions protect the key.
            }
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or write the dev issuer's key " + keyFile, e);
        } catch (ParseException | JOSEException e) {
            throw new IllegalStateException("The dev issuer's key " + keyFile + " is not a JWK; delete it to make a new one", e);
        }
    }

    /** What a token of this issuer says: from the token request's form fields, with defaults. */
    private record Callback(String audience, String tenantClaim, String rolesClaim) implements OAuth2TokenCallback {

        @Override
        public String issuerId() {
            return ISSUER_ID;
        }

        @Override
        public String subject(TokenRequest request) {
            String subject = field(request, "subject", null);
            if (subject != null) {
                return subject;
            }
            return request.getClientAuthentication() != null ? request.getClientAuthentication().getClientID().getValue()
                    : request.getClientID() != null ? request.getClientID().getValue() : "anonymous";
        }

        @Override
        public String typeHeader(TokenRequest request) {
            return JOSEObjectType.JWT.getType();
        }

        @Override
        public List<String> audience(TokenRequest request) {
            return List.of(audience);
        }

        @Override
        public Map<String, Object> addClaims(TokenRequest request) {
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put(tenantClaim, field(request, "tenant", DEFAULT_TENANT));
            claims.put(rolesClaim, Arrays.stream(field(request, "roles", DEFAULT_ROLES).split("[\\s,]+"))
                    .filter(r -> !r.isEmpty()).distinct().toList());
            return claims;
        }

        @Override
        public long tokenExpiry() {
            return TOKEN_SECONDS;
        }

        private static String field(TokenRequest request, String name, String otherwise) {
            List<String> values;
            try {
                values = request.toHTTPRequest().getBodyAsFormParameters().get(name);
            } catch (com.nimbusds.oauth2.sdk.ParseException e) {
                return otherwise;
            }
            return values == null || values.isEmpty() || values.getFirst().isBlank() ? otherwise : values.getFirst();
        }
    }
}
