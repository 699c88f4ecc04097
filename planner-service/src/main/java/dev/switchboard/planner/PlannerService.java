package dev.switchboard.planner;

import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.ConsumeTransformProduce;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;

import java.time.Duration;
import java.util.List;

/** Runs the {@link Planner} over {@code llm.requests}, publishing to {@code llm.plans}. */
public final class PlannerService implements AutoCloseable {

    public static final String GROUP_ID = "switchboard-planner";
    public static final String STAGE = "planner";

    private final ConsumeTransformProduce loop;

    public PlannerService(SwitchboardConfig config, KafkaClients clients, Codec codec) {
        Planner planner = new Planner(config);
        this.loop = new ConsumeTransformProduce(STAGE, GROUP_ID, Topics.REQUESTS.name(), clients, codec, record -> {
            LlmRequest request = codec.decode(Topics.REQUESTS, record.value());
            ExecutionPlan plan = planner.plan(request, System.currentTimeMillis());
            return List.of(codec.record(Topics.PLANS, plan.getRequestId(), plan));
        });
    }

    public PlannerService start() {
        loop.start();
        return this;
    }

    public boolean awaitAssignment(Duration timeout) throws InterruptedException {
        return loop.awaitAssignment(timeout);
    }

    @Override
    public void close() {
        loop.close();
    }
}
