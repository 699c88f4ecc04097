package dev.switchboard.cli;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.platform.kafka.LogFollower;
import dev.switchboard.platform.kafka.Topics;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

@Command(name = "workers", mixinStandardHelpOptions = true,
        description = {"Worker capacity: a backlog of --tasks tasks published at once to llm.tasks.<provider>, whose "
                + "simulated provider answers in --provider-latency; how many calls the provider's worker pools held in "
                + "flight at once and how long each task waited (task published → call start), from llm.attempts.",
                "Run the workers to measure as their own process (bin/switchboard dev --infra-only, then "
                        + "SWITCHBOARD_JAVA_OPTS=-Xmx512m bin/switchboard run workers --provider P --set workers.max.in.flight=N "
                        + "--set provider.P.timeout.ms=...). Sets the provider's simulated latency for the run and puts its "
                        + "faults back after."})
final class BenchWorkersCommand implements Callable<Integer> {

    @Option(names = "--tasks", paramLabel = "N", defaultValue = "10000", description = "Tasks in the backlog (default: ${DEFAULT-VALUE}).")
    int tasks;
    @Option(names = "--provider", paramLabel = "P", defaultValue = "sim-fast", description = "Simulated provider (default: ${DEFAULT-VALUE}).")
    String provider;
    @Option(names = "--provider-latency", paramLabel = "D", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long the simulated provider takes to answer (default: ${DEFAULT-VALUE}).")
    Duration providerLatency;
    @Option(names = "--timeout", paramLabel = "D", defaultValue = "120s", converter = DurationConverter.class,
            description = "How long to wait for every attempt (default: ${DEFAULT-VALUE}).")
    Duration timeout;
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        if (tasks < 1) {
            throw new CliException("--tasks must be at least 1", 2);
        }
        StackConnection c = new StackConnection(config);
        if (!c.config.hasProvider(provider)) {
            throw new CliException("--provider " + provider + " is not configured; these are: "
                    + c.config.providers().stream().map(ProviderSpec::name).toList(), 2);
        }
        ProviderSpec spec = c.config.provider(provider);
        try (SimulatedLatency latency = new SimulatedLatency(c, List.of(provider), latencyMs())) {
            return run(c, spec);
        }
    }

    private int run(StackConnection c, ProviderSpec spec) throws Exception {
        String runId = "bench-workers-" + UUID.randomUUID();
        Map<String, Long> publishedMs = new ConcurrentHashMap<>();
        Map<String, AttemptOutcome> attempts = new ConcurrentHashMap<>();
        LogFollower follower = new LogFollower("bench-workers", LogFollower.fromEnd(c.clients.reader("switchboard-bench-workers"),
                List.of(Topics.ATTEMPTS.name())), record -> {
                    if (record.key() != null && new String(record.key(), StandardCharsets.UTF_8).startsWith(runId)) {
                        AttemptOutcome a = c.codec.decode(Topics.ATTEMPTS, record.value());
                        attempts.putIfAbsent(a.getRequestId(), a);
                    }
                });
        ProgressBar bar = new ProgressBar(System.err);
        try (KafkaProducer<byte[], byte[]> producer = c.clients.producer("switchboard-bench-workers")) {
            PlanStep step = PlanStep.newBuilder().setProvider(spec.name()).setModel(spec.model()).setEstimatedCostUsd(0)
                    .setExpectedLatencyMs(latencyMs()).setReason("bench workers").build();
            for (int i = 0; i < tasks; i++) {
                String requestId = runId + "-" + i;
                long now = System.currentTimeMillis();
                LlmRequest request = LlmRequest.newBuilder().setRequestId(requestId).setTenantId("bench")
                        .setMessages(List.of(Messages.of(ChatRole.USER, "What is " + i + "+1?")))
                        .setCreatedAtMs(now).build();
                ProviderTask task = ProviderTask.newBuilder().setRequestId(requestId).setTenantId("bench").setRequest(request)
                        .setSteps(List.of(step)).setStepIndex(0).setAttempt(1).setDispatchedAtMs(now).build();
                ProducerRecord<byte[], byte[]> record = c.codec.record(Topics.tasks(spec.name()), requestId, task);
                producer.send(new ProducerRecord<>(record.topic(), null, now, record.key(), record.value(), record.headers()),
                        (metadata, error) -> {
                            if (error == null) {
                                publishedMs.put(requestId, metadata.timestamp());
                            }
                        });
                bar.update(i + 1, tasks * 2);
            }
            producer.flush();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (attempts.size() < tasks && System.nanoTime() < deadline) {
            bar.update(tasks + attempts.size(), tasks * 2);
            LockSupport.parkNanos(200_000_000L);
        }
        follower.close();
        bar.finish();

        Histogram wait = new Histogram(3_600_000L, 3); // milliseconds
        Histogram started = new Histogram(3_600_000L, 3); // milliseconds after the first task was published
        long firstPublished = publishedMs.values().stream().mapToLong(Long::longValue).min().orElse(0);
        long lastPublished = publishedMs.values().stream().mapToLong(Long::longValue).max().orElse(0);
        List<long[]> edges = new ArrayList<>(attempts.size() * 2); // (time, +1 start / -1 end)
        int succeeded = 0;
        for (AttemptOutcome a : attempts.values()) {
            Long published = publishedMs.get(a.getRequestId());
            if (published != null) {
                wait.recordValue(Math.max(0, a.getStartedAtMs() - published));
            }
            started.recordValue(Math.max(0, a.getStartedAtMs() - firstPublished));
            edges.add(new long[] {a.getStartedAtMs(), 1});
            edges.add(new long[] {a.getCompletedAtMs(), -1});
            if (a.getStatus() == dev.switchboard.avro.ReplyStatus.SUCCEEDED) {
                succeeded++;
            }
        }
        // Ends before starts at the same millisecond: a call that ended as another began did not overlap it.
        edges.sort((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
        int inFlight = 0;
        int maxInFlight = 0;
        for (long[] e : edges) {
            inFlight += (int) e[1];
            maxInFlight = Math.max(maxInFlight, inFlight);
        }
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("machine", BenchCommand.Load.machine());
        rows.put("method", String.format(Locale.ROOT, "%d tasks published at once to %s (%d ms); calls in flight and "
                + "queue wait (task published → call start) from llm.attempts", tasks, Topics.tasks(spec.name()).name(), latencyMs()));
        rows.put("attempts", attempts.size() + " of " + tasks + (succeeded < attempts.size()
                ? " (" + (attempts.size() - succeeded) + " FAILED)" : ""));
        rows.put("publishing took", (lastPublished - firstPublished) + " ms");
        rows.put("max calls in flight", Integer.toString(maxInFlight));
        rows.put("call starts after the first task", "p50 " + started.getValueAtPercentile(50) + " ms, p99 "
                + started.getValueAtPercentile(99) + " ms");
        rows.put("queue wait p50", wait.getValueAtPercentile(50) + " ms");
        rows.put("queue wait p99", wait.getValueAtPercentile(99) + " ms");
        rows.put("queue wait max", wait.getMaxValue() + " ms");
        System.out.print(Table.of(rows));
        return attempts.size() == tasks && succeeded == tasks ? 0 : 1;
    }

    private long latencyMs() {
        return providerLatency.toMillis();
    }

}
