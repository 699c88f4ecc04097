package dev.switchboard.platform.auth;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;

/**
 * How a record on {@code llm.requests} carries its producer's proof of identity: header
 * {@value #HEADER} holding {@code Bearer <JWT>} (a bare JWT is read too), as HTTP's
 * {@code Authorization} does. The token is kept with the record, so read access to
 * {@code llm.requests} must be granted as carefully as the tokens themselves.
 */
public final class Credentials {

    public static final String HEADER = "authorization";

    private Credentials() {
    }

    /** Sets {@code headers}' token to {@code token} (a JWT, or {@code Bearer <JWT>}), replacing any other. */
    public static void attach(Headers headers, String token) {
        headers.remove(HEADER);
        String value = token.regionMatches(true, 0, "Bearer ", 0, 7) ? token : "Bearer " + token;
        headers.add(HEADER, value.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code record} carrying {@code token} (null: as it is, for a stack with security off). */
    public static <K, V> ProducerRecord<K, V> withToken(ProducerRecord<K, V> record, String token) {
        if (token != null) {
            attach(record.headers(), token);
        }
        return record;
    }

    /** The {@code Authorization} value of {@code headers}, or null without one. */
    public static String authorization(Headers headers) {
        Header header = headers.lastHeader(HEADER);
        if (header == null || header.value() == null) {
            return null;
        }
        String value = new String(header.value(), StandardCharsets.UTF_8).strip();
        return value.regionMatches(true, 0, "Bearer ", 0, 7) ? value : "Bearer " + value;
    }
}
