package dev.switchboard.platform.health;

import java.util.Map;

/** What one component says of itself: up or not, and details for the operator. */
public record Health(boolean up, Map<String, Object> details) {
    public Health {
        details = Map.copyOf(details);
    }
}
