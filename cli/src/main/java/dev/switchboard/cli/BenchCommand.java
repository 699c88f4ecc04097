package dev.switchboard.cli;

import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.cli.bench.Hops;
import dev.switchboard.platform.kafka.LogFollower;
import dev.switchboard.platform.kafka.Topics;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: pipeline latency against a running stack; an OpenAI-compatible HTTP endpoint (a peer "
                + "gateway) at the same rates; routing quality and cost on a stack of its own.",
        subcommands = {BenchCommand.Pipeline.class, BenchCommand.Http.class, BenchRoutingCommand.class})
final class BenchCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "pipeline", mixinStandardHelpOptions = true,
            description = {"Pipeline latency: requests published at a fixed rate to one simulated provider answering in "
                    + "--provider-latency (0 ms: the pipeline's own cost); latency from publish to the reply consumed, "
                    + "and each hop (request → plan → task → call start → call end → reply consumed) from the records' timestamps.",
                    "Sets the provider's simulated latency for the run and puts its faults back after."})
    static final class Pipeline implements Callable<Integer> {
        @Mixin
        Load load;
        @Option(names = "--provider", paramLabel = "P", defaultValue = "sim-fast", description = "Simulated provider (default: ${DEFAULT-VALUE}).")
        String provider;
        @Option(names = "--provider-latency", paramLabel = "D", defaultValue = "0s", converter = DurationConverter.class,
                description = "How long the simulated provider takes to answer, as real LLMs do (default: ${DEFAULT-VALUE}).")
        Duration providerLatency;
        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() throws Exception {
            load.validate();
            StackConnection c = new StackConnection(config);
            String simulator = "http://localhost:" + c.config.simulatorPort() + "/" + provider + "/admin/faults";
            HttpClient http = HttpClient.newHttpClient();
            String before = http.send(HttpRequest.newBuilder(URI.create(simulator)).build(), HttpResponse.BodyHandlers.ofString()).body();
            long latencyMs = providerLatency.toMillis();
            put(http, simulator, "{\"errorRate\":0,\"timeoutRate\":0,\"latencyMs\":{\"p50\":" + latencyMs + ",\"p99\":" + latencyMs + "}}");
            String replyTopic = "bench.replies." + UUID.randomUUID();
            try (Admin admin = c.clients.admin("switchboard-bench")) {
                admin.createTopics(List.of(new NewTopic(replyTopic, c.config.topicPartitions(), c.config.topicReplicationFactor())))
                        .all().get();
            }
            Hops hops = new Hops(c.codec);
            Histogram latency = new Histogram(60_000_000L, 3); // microseconds, up to 60 s
            AtomicLong answered = new AtomicLong();
            Map<String, Integer> failures = new java.util.concurrent.ConcurrentSkipListMap<>();
            LogFollower reader = new LogFollower("bench-reader", LogFollower.fromBeginning(c.clients.reader("switchboard-bench"), replyTopic),
                    record -> {
                        long receivedNanos = System.nanoTime();
                        LlmReply reply = c.codec.decode(Topics.replies(replyTopic), record.value());
                        Hops.Trace trace = hops.measured(reply.getRequestId());
                        if (reply.getStatus() != ReplyStatus.SUCCEEDED) {
                            failures.merge(reply.getError() == null ? "?" : reply.getError().getErrorClass(), 1, Integer::sum);
                        } else if (trace != null) {
                            trace.replyConsumedMs = System.currentTimeMillis();
                            latency.recordValue(Math.max(0, (receivedNanos - trace.sentNanos) / 1_000));
                        }
                        answered.incrementAndGet();
                    });
            LogFollower hopReader = new LogFollower("bench-hops", LogFollower.fromEnd(c.clients.reader("switchboard-bench-hops"),
                    List.of(Topics.PLANS.name(), Topics.tasks(provider).name(), Topics.ATTEMPTS.name())), hops::observe);
            long total = load.total();
            ProgressBar bar = new ProgressBar(System.err);
            long sendSeconds;
            try (KafkaProducer<byte[], byte[]> producer = c.clients.producer("switchboard-bench")) {
                sendSeconds = load.pace(bar, measured -> {
                    LlmRequest request = LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTenantId("bench")
                            .setMessages(List.of(new ChatMessage(ChatRole.USER, "What is 1+1?")))
                            .setPreferredProviders(List.of(provider)).setReplyTo(replyTopic)
                            .setCreatedAtMs(System.currentTimeMillis()).build();
                    if (measured) {
                        hops.sent(request.getRequestId(), System.nanoTime(), request.getCreatedAtMs());
                    }
                    producer.send(c.codec.record(Topics.REQUESTS, request.getRequestId(), request));
                });
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (answered.get() < total && System.nanoTime() < deadline) {
                LockSupport.parkNanos(50_000_000L);
            }
            reader.close();
            hopReader.close();
            bar.finish();
            put(http, simulator, before);

            Map<String, String> rows = new LinkedHashMap<>();
            rows.put("machine", Load.machine());
            rows.put("method", String.format(Locale.ROOT, "%.0f requests/s to %s (%d ms) for %d s after %d s warm-up; "
                    + "publish → reply consumed, one client JVM", load.rate, provider, latencyMs, load.duration.toSeconds(),
                    load.warmup.toSeconds()));
            boolean whole = load.countRows(answered.get(), failures, sendSeconds, rows);
            Load.latencyRows(latency, rows);
            hops.summary().forEach(rows::put);
            System.out.print(Table.of(rows));
            return whole ? 0 : 1;
        }


        private static void put(HttpClient http, String url, String body) throws Exception {
            http.send(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @Command(name = "http", mixinStandardHelpOptions = true,
            description = {"Latency of an OpenAI-compatible chat-completions endpoint (a peer gateway such as Portkey's, "
                    + "or a provider) under the same open-loop load as bench pipeline: requests sent at a fixed rate "
                    + "whatever the answers do, latency from the send to the whole response.",
                    "Compare with bench pipeline in the same run: bench/peers.sh does both."})
    static final class Http implements Callable<Integer> {
        @Option(names = "--url", required = true, paramLabel = "URL",
                description = "The endpoint, e.g. http://127.0.0.1:8787/v1/chat/completions.")
        URI url;
        @Option(names = {"-H", "--header"}, paramLabel = "NAME:VALUE", description = "A request header (repeatable).")
        List<String> headers = new ArrayList<>();
        @Option(names = "--model", paramLabel = "M", defaultValue = "sim-fast-small", description = "The model asked for (default: ${DEFAULT-VALUE}).")
        String model;
        @Mixin
        Load load;

        @Override
        public Integer call() throws Exception {
            load.validate();
            String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 1+1?\"}]}";
            HttpRequest.Builder template = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
            for (String header : headers) {
                int colon = header.indexOf(':');
                if (colon <= 0) {
                    throw new CliException("--header '" + header + "' is not NAME:VALUE", 2);
                }
                template.header(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
            }
            HttpRequest request = template.build();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Histogram latency = new Histogram(60_000_000L, 3);
            AtomicLong answered = new AtomicLong();
            Map<String, Integer> failures = new java.util.concurrent.ConcurrentSkipListMap<>();
            long total = load.total();
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch((int) total);
            ProgressBar bar = new ProgressBar(System.err);
            long sendSeconds = load.pace(bar, measured -> {
                long sentNanos = System.nanoTime();
                http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
                    long micros = (System.nanoTime() - sentNanos) / 1_000;
                    if (error != null) {
                        failures.merge(error.getClass().getSimpleName(), 1, Integer::sum);
                    } else if (response.statusCode() / 100 != 2) {
                        failures.merge("HTTP " + response.statusCode(), 1, Integer::sum);
                    } else if (measured) {
                        synchronized (latency) {
                            latency.recordValue(Math.max(0, micros));
                        }
                    }
                    answered.incrementAndGet();
                    done.countDown();
                });
            });
            done.await(60, java.util.concurrent.TimeUnit.SECONDS);
            bar.finish();
            Map<String, String> rows = new LinkedHashMap<>();
            rows.put("machine", Load.machine());
            rows.put("method", String.format(Locale.ROOT, "%.0f requests/s to %s for %d s after %d s warm-up; "
                    + "send → whole response, one client JVM", load.rate, url, load.duration.toSeconds(), load.warmup.toSeconds()));
            boolean whole = load.countRows(answered.get(), failures, sendSeconds, rows);
            synchronized (latency) {
                Load.latencyRows(latency, rows);
            }
            System.out.print(Table.of(rows));
            return whole ? 0 : 1;
        }
    }

    /** The open-loop load both latency benchmarks apply: a fixed rate, a warm-up, a measured time. */
    static final class Load {
        @Option(names = "--rate", paramLabel = "N/s", defaultValue = "200", converter = DlqCommand.RateConverter.class,
                description = "Requests a second (default: ${DEFAULT-VALUE}).")
        double rate;
        @Option(names = "--duration", paramLabel = "D", defaultValue = "20s", converter = DurationConverter.class,
                description = "Measured time, after the warm-up (default: ${DEFAULT-VALUE}).")
        Duration duration;
        @Option(names = "--warmup", paramLabel = "D", defaultValue = "5s", converter = DurationConverter.class,
                description = "Time at the same rate before measuring (default: ${DEFAULT-VALUE}).")
        Duration warmup;

        void validate() {
            if (rate <= 0) {
                throw new CliException("--rate must be above 0", 2);
            }
        }

        /** Requests sent in all, warm-up included. */
        long total() {
            return (long) (rate * (warmup.toMillis() + duration.toMillis()) / 1000.0);
        }

        /** Sends one request; {@code measured} is false during the warm-up. */
        interface Sender {
            void send(boolean measured);
        }

        /**
         * Calls {@code sender} once per request, each at its time in the schedule, whatever earlier
         * requests are doing; the seconds sending took (at least 1). Requests are measured by their
         * place in the schedule, not by the clock, so a slow start cannot move one from the warm-up
         * into the measurement.
         */
        long pace(ProgressBar bar, Sender sender) {
            long total = total();
            long warmupRequests = (long) (rate * warmup.toMillis() / 1000.0);
            long start = System.nanoTime();
            for (long i = 0; i < total; i++) {
                long wait = start + (long) (i / rate * 1e9) - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                sender.send(i >= warmupRequests);
                bar.update((int) i + 1, (int) total);
            }
            return Math.max(1, (System.nanoTime() - start) / 1_000_000_000L);
        }

        /** The rows sent, answered (with failures by class) and achieved rate; true when every request was answered without failure. */
        boolean countRows(long answered, Map<String, Integer> failures, long sendSeconds, Map<String, String> rows) {
            int failed = failures.values().stream().mapToInt(Integer::intValue).sum();
            rows.put("sent", Long.toString(total()));
            rows.put("answered", answered + (failed > 0 ? " (" + failed + " FAILED: " + failures + ")" : ""));
            rows.put("achieved send rate", String.format(Locale.ROOT, "%.0f/s", total() / (double) sendSeconds));
            return answered == total() && failed == 0;
        }

        static String machine() {
            return Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version() + ", "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch");
        }

        /** Percentile rows of a histogram of microseconds. */
        static void latencyRows(Histogram latency, Map<String, String> rows) {
            rows.put("latency p50", ms(latency.getValueAtPercentile(50)));
            rows.put("latency p90", ms(latency.getValueAtPercentile(90)));
            rows.put("latency p99", ms(latency.getValueAtPercentile(99)));
            rows.put("latency max", ms(latency.getMaxValue()));
            rows.put("measured", latency.getTotalCount() + " replies");
        }

        private static String ms(long micros) {
            return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
        }
    }
}
