package dev.switchboard.provider;

import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.platform.Service;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.health.ProviderHealthView;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.provider.openai.OpenAiCompatibleClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The worker pools of the providers in {@code workers.providers}, started and stopped together. */
public final class WorkersService implements Service {

    private final List<WorkerPool> pools = new ArrayList<>();
    private final ProviderHealthView health;
    /** The agent runtime, when {@code agent.enabled}. */
    private final dev.switchboard.tools.agent.AgentService agent;

    public WorkersService(SwitchboardConfig config, KafkaClients clients, Codec codec) {
        this.health = new ProviderHealthView(clients, codec);
        WorkerPool.Options options = new WorkerPool.Options(config.workerMaxInFlight(), config.circuit(), health::isOpen);
        for (String name : config.workerProviders()) {
            ProviderSpec spec = config.provider(name);
            pools.add(new WorkerPool(new OpenAiCompatibleClient(spec), clients, codec, options));
        }
        this.agent = config.agent().enabled() ? new dev.switchboard.tools.agent.AgentService(config, clients, codec) : null;
    }

    public WorkersService start() {
        pools.forEach(WorkerPool::start);
        if (agent != null) {
            agent.start();
        }
        return this;
    }

    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        for (WorkerPool pool : pools) {
            if (!pool.awaitStarted(timeout)) {
                return false;
            }
        }
        return agent == null || agent.awaitStarted(timeout);
    }

    /** The agent runtime, when {@code agent.enabled}. */
    public java.util.Optional<dev.switchboard.tools.agent.AgentService> agent() {
        return java.util.Optional.ofNullable(agent);
    }

    public List<String> providers() {
        return pools.stream().map(WorkerPool::provider).toList();
    }

    /** Each pool's provider and its circuit state. */
    public java.util.Map<String, String> circuits() {
        java.util.Map<String, String> states = new java.util.TreeMap<>();
        pools.forEach(pool -> states.put(pool.provider(), pool.circuitState().name()));
        return states;
    }

    @Override
    public List<HealthCheck> healthChecks() {
        List<HealthCheck> checks = new ArrayList<>(pools);
        if (agent != null) {
            checks.add(agent);
        }
        return checks;
    }

    @Override
    public void close() {
        if (agent != null) {
            agent.close();
        }
        pools.parallelStream().forEach(WorkerPool::close);
        health.close();
    }
}
