package dev.switchboard.platform.health;

/** A component that can say whether it is ready. */
public interface HealthCheck {

    /** Its name in the health report, e.g. {@code planner} or {@code workers.sim-fast}. */
    String name();

    Health check();
}
