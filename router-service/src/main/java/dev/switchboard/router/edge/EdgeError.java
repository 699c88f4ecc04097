package dev.switchboard.router.edge;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;

/**
 * An HTTP error in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}}. The
 * message names what is wrong and never quotes prompt or completion text.
 */
final class EdgeError extends RuntimeException {

    final int status;
    final String type;
    final String param;
    final String code;
    final Duration retryAfter;

    EdgeError(int status, String type, String param, String code, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /** 400: the request is malformed; {@code param} names the field. */
    static EdgeError invalid(String param, String message) {
        return new EdgeError(400, "invalid_request_error", param, null, message, null);
    }

    static EdgeError notFound(String code, String param, String message) {
        return new EdgeError(404, "invalid_request_error", param, code, message, null);
    }

    ObjectNode body() {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ObjectNode error = body.putObject("error").put("message", getMessage()).put("type", type);
        if (param == null) {
            error.putNull("param");
        } else {
            error.put("param", param);
        }
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        return body;
    }
}
