package dev.switchboard.platform.auth;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.switchboard.platform.config.SwitchboardConfig.SecuritySettings;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Gets an access token for the CLI and other clients of Switchboard: {@code security.token} when
 * set, else an OAuth2 client credentials grant at the issuer's token endpoint as
 * {@code security.client.id} (the secret sent with HTTP basic authentication, RFC 6749 2.3.1).
 */
public final class TokenClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private TokenClient() {
    }

    /**
     * A token from {@code security}; {@code fields} are further form fields of the token request
     * (the dev issuer reads {@code tenant}, {@code roles} and {@code subject} from them).
     *
     * @throws IllegalStateException naming the issuer and what it answered, when it gives none
     */
    public static String token(SecuritySettings security, Map<String, String> fields) {
        if (!security.token().isBlank()) {
            return security.token();
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("scope", security.audience());
        form.putAll(fields);
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        String basic = Base64.getEncoder().encodeToString((URLEncoder.encode(security.clientId(), StandardCharsets.UTF_8) + ":"
                + URLEncoder.encode(security.clientSecret(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(security.tokenUrl())).timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded").header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()) {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("No token: the issuer's token endpoint " + security.tokenUrl()
                    + " cannot be reached (" + e.getMessage() + "); is the stack running (bin/switchboard dev), "
                    + "or is security.issuer right?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while getting a token", e);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("No token: " + security.tokenUrl() + " answered " + response.statusCode()
                    + " to client " + security.clientId() + " (security.client.id / security.client.secret)");
        }
        try {
            Object token = JSONObjectUtils.parse(response.body()).get("access_token");
            if (token instanceof String t && !t.isBlank()) {
                return t;
            }
        } catch (ParseException e) {
            // Reported below.
        }
        throw new IllegalStateException("No token: " + security.tokenUrl() + " answered without an access_token");
    }
}
