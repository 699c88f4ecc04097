package dev.switchboard.router;

import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.platform.Service;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.dispatch.Dispatcher;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.health.ProviderHealthView;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.ConsumeTransformProduce;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.RecordHandler;
import dev.switchboard.platform.kafka.RejectedRecordException;
import dev.switchboard.platform.kafka.Replies;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.platform.telemetry.Tracing;
import io.opentelemetry.api.trace.Span;

import java.time.Duration;
import java.util.List;

/**
 * Runs a {@link Dispatcher} over {@code llm.plans}, publishing to {@code llm.tasks.<provider>}, and
 * follows {@code llm.provider-health} to skip providers whose circuit is open. A plan it cannot
 * dispatch is dead-lettered and its request answered FAILED. The plans the planner dispatched itself
 * (header {@link Dispatcher#DISPATCHED_HEADER}) are passed over: most plans, so the router is on the
 * path of a request only when the plan came without its task.
 */
public final class RouterService implements Service {

    public static final String GROUP_ID = "switchboard-router";
    public static final String STAGE = "router";

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RouterService.class);

    private final ConsumeTransformProduce loop;
    private final ProviderHealthView health;

    public RouterService(SwitchboardConfig config, KafkaClients clients, Codec codec) {
        this.health = new ProviderHealthView(clients, codec);
        Dispatcher router = Dispatcher.of(config, health);
        this.loop = new ConsumeTransformProduce(STAGE, GROUP_ID, Topics.PLANS.name(), clients, codec, (RecordHandler) record -> {
            ExecutionPlan plan = codec.decode(Topics.PLANS, record.value());
            Tracing.requestId(plan.getRequestId());
            long now = System.currentTimeMillis();
            if (Replies.expired(plan.getRequest(), now)) {
                return List.of(Replies.deadlineExceeded(codec, plan.getRequest(), "dispatch", 0, now));
            }
            ProviderTask task;
            try {
                task = router.firstTask(plan, now);
            } catch (RejectedRecordException e) {
                log.warn("{}: rejected plan of request {} ({}): {}", STAGE, e.requestId(), e.errorClass(), e.getMessage());
                return Replies.rejected(codec, STAGE, record, plan.getRequest(), plan.getRequest().getReplyTo(), e, now);
            }
            String provider = Dispatcher.provider(task);
            Span.current().setAttribute("switchboard.provider", provider);
            return List.of(codec.record(Topics.tasks(provider), task.getRequestId(), task));
        }).passOver(record -> Dispatcher.dispatched(record.headers()));
    }

    public RouterService start() {
        loop.start();
        return this;
    }

    public boolean awaitAssignment(Duration timeout) throws InterruptedException {
        return loop.awaitAssignment(timeout);
    }

    @Override
    public List<HealthCheck> healthChecks() {
        return List.of(loop);
    }

    @Override
    public void close() {
        loop.close();
        health.close();
    }
}
