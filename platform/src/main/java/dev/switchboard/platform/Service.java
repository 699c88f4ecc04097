package dev.switchboard.platform;

import dev.switchboard.platform.health.HealthCheck;

import java.util.List;

/** A running Switchboard service: what it reports on {@code /health/ready}, and how it stops. */
public interface Service extends AutoCloseable {

    List<HealthCheck> healthChecks();

    /** The port of the HTTP server the service runs itself, health included; -1 when it runs none and a {@code HealthServer} is wanted. */
    default int httpPort() {
        return -1;
    }

    @Override
    void close();
}
