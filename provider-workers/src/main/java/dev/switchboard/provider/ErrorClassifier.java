package dev.switchboard.provider;

import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.ContentFilteredException;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.RateLimitException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;

/**
 * The one place a provider failure is classified: HTTP status first (429 rate limited, 5xx server
 * error, 408 timeout, 401/403 authentication, 404 model not found, 400 with OpenAI's
 * {@code context_length_exceeded} or a content-policy code, other 4xx invalid request), then
 * timeouts and connection errors anywhere in the cause chain, then langchain4j's typed exceptions.
 */
public final class ErrorClassifier {

    private ErrorClassifier() {
    }

    public static ErrorClass classify(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpException http) {
                if (http.statusCode() == 400 && http.getMessage() != null) {
                    if (http.getMessage().contains("context_length_exceeded")) {
                        return ErrorClass.CONTEXT_LENGTH_EXCEEDED;
                    }
                    if (http.getMessage().contains("content_policy_violation") || http.getMessage().contains("content_filter")) {
                        return ErrorClass.CONTENT_FILTERED;
                    }
                }
                return byStatus(http.statusCode());
            }
        }
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpConnectTimeoutException || t instanceof ConnectException) {
                return ErrorClass.CONNECTION_ERROR;
            }
            if (t instanceof HttpTimeoutException || t instanceof SocketTimeoutException
                    || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof dev.langchain4j.exception.TimeoutException) {
                return ErrorClass.TIMEOUT;
            }
            if (t instanceof RateLimitException) {
                return ErrorClass.RATE_LIMITED;
            }
            if (t instanceof AuthenticationException) {
                return ErrorClass.AUTHENTICATION;
            }
            if (t instanceof ModelNotFoundException) {
                return ErrorClass.MODEL_NOT_FOUND;
            }
            if (t instanceof ContentFilteredException) {
                return ErrorClass.CONTENT_FILTERED;
            }
            if (t instanceof InvalidRequestException) {
                return ErrorClass.INVALID_REQUEST;
            }
            if (t instanceof IOException) {
                return ErrorClass.CONNECTION_ERROR;
            }
        }
        return ErrorClass.UNKNOWN;
    }

    public static ErrorClass byStatus(int status) {
        if (status == 429) {
            return ErrorClass.RATE_LIMITED;
        }
        if (status == 408) {
            return ErrorClass.TIMEOUT;
        }
        if (status >= 500) {
            return ErrorClass.SERVER_ERROR;
        }
        if (status == 401 || status == 403) {
            return ErrorClass.AUTHENTICATION;
        }
        if (status == 404) {
            return ErrorClass.MODEL_NOT_FOUND;
        }
        if (status >= 400) {
            return ErrorClass.INVALID_REQUEST;
        }
        return ErrorClass.UNKNOWN;
    }
}
