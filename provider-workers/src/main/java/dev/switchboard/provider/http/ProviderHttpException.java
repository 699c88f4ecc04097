package dev.switchboard.provider.http;

import dev.langchain4j.exception.HttpException;

import java.time.Duration;
import java.util.Optional;

/** An error response of a provider, with the wait it asked for in {@code Retry-After}, if any. */
public final class ProviderHttpException extends HttpException {

    private final Duration retryAfter;

    public ProviderHttpException(int statusCode, String body, Duration retryAfter) {
        super(statusCode, body);
        this.retryAfter = retryAfter;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
