package dev.switchboard.platform;

import dev.switchboard.platform.health.HealthCheck;

import java.util.List;

/** A running Switchboard service: what it reports on {@code /health/ready}, and how it stops. */
public interface Service extends AutoCloseable {

    List<HealthCheck> healthChecks();

    @Override
    void close();
}
