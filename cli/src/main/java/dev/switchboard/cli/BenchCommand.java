package dev.switchboard.cli;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.cli.bench.Hops;
import dev.switchboard.cli.bench.MachineCpu;
import dev.switchboard.platform.auth.Credentials;
import dev.switchboard.platform.kafka.LogFollower;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
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
        subcommands = {BenchCommand.Pipeline.class, BenchCommand.Http.class, BenchWorkersCommand.class, BenchRoutingCommand.class,
                BenchReplayCommand.class, BenchRestartCommand.class, BenchPriorCommand.class})
final class BenchCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "pipeline", mixinStandardHelpOptions = true,
            description = {"Pipeline latency: requests published at a fixed rate to the simulated providers answering in "
                    + "--provider-latency (0 ms: the pipeline's own cost), routed by the planner's strategy (or to --provider); "
                    + "latency from publish to the reply consumed, and each hop (request → plan → task → call start → call end "
                    + "→ reply consumed) from the records' timestamps.",
                    "With --find-max, steps the rate up from --rate by a quarter each step until a step fails (p99 over 1 s "
                    + "or a request unanswered) and prints the highest rate held.",
                    "Sets the providers' simulated latency (without faults) for the run and puts their faults back after."})
    static final class Pipeline implements Callable<Integer> {
        /** A step of --find-max holds when its p99 is at most this and every request was answered. */
        static final long FIND_MAX_P99_MICROS = 1_000_000;
        /** Unanswered requests listed, at most, each with the last hop it reached. */
        static final int UNANSWERED_SHOWN = 5;
        /** How long a step waits for its last replies after the last request is sent. */
        static final Duration REPLY_WAIT = Duration.ofSeconds(30);

        @Mixin
        Load load;
        @Option(names = "--provider", paramLabel = "P",
                description = "Send every request to this simulated provider (default: none; the planner's strategy chooses "
                        + "among all simulated providers).")
        String provider;
        @Option(names = "--provider-latency", paramLabel = "D", defaultValue = "0s", converter = DurationConverter.class,
                description = "How long the simulated providers take to answer, as real LLMs do (default: ${DEFAULT-VALUE}).")
        Duration providerLatency;
        @Option(names = "--prompts", paramLabel = "N", defaultValue = "1000",
                description = "Distinct prompts, sent in turn (default: ${DEFAULT-VALUE}); learned routing embeds each once.")
        int prompts;
        @Option(names = "--find-max", description = "Step the rate up until p99 passes 1 s or a request goes unanswered.")
        boolean findMax;
        @Option(names = "--up-to", paramLabel = "N/s", converter = DlqCommand.RateConverter.class,
                description = "With --find-max: the highest rate to try (default: no limit).")
        Double upTo;
        @Mixin
        ConfigOptions config;

        /** What one rate gave. */
        record Step(Map<String, String> rows, boolean whole, long p99Micros, List<String> unanswered) {
        }

        @Override
        public Integer call() throws Exception {
            load.validate();
            if (prompts < 1) {
                throw new CliException("--prompts must be at least 1", 2);
            }
            StackConnection c = new StackConnection(config);
            List<String> simulated = c.config.simulatedProviders().stream()
                    .map(dev.switchboard.platform.config.SimulatedProviderSpec::name).toList();
            if (provider != null && !simulated.contains(provider)) {
                throw new CliException("--provider " + provider + " is not a simulated provider; these are: " + simulated, 2);
            }
            List<String> providers = provider != null ? List.of(provider) : simulated;
            try (SimulatedLatency latency = new SimulatedLatency(c, providers, providerLatency.toMillis())) {
                if (!findMax) {
                    Step step = measure(c, providers, load.rate);
                    System.out.print(Table.of(step.rows()));
                    return step.whole() ? 0 : 1;
                }
                double startRate = load.rate;
                List<List<String>> table = new ArrayList<>();
                double held = 0;
                Map<String, String> heldRows = null;
                Step failedStep = null;
                for (double rate = startRate; upTo == null || rate <= upTo; rate = Math.ceil(rate * 1.25)) {
                    Step step = measure(c, providers, rate);
                    boolean holds = step.whole() && step.p99Micros() <= FIND_MAX_P99_MICROS;
                    table.add(List.of(String.format(Locale.ROOT, "%.0f/s", rate), step.rows().get("latency p50"),
                            step.rows().get("latency p99"), step.rows().get("answered"), step.rows().get("machine CPU per request").split(" \\(")[0],
                            holds ? "held" : "not held"));
                    System.err.println(table.getLast());
                    if (!holds) {
                        failedStep = step;
                        break;
                    }
                    held = rate;
                    heldRows = step.rows();
                }
                System.out.print(Table.of(List.of("RATE", "P50", "P99", "ANSWERED", "MACHINE CPU PER REQUEST", "P99 ≤ 1 S, ALL ANSWERED"), table));
                System.out.println();
                Map<String, String> summary = new LinkedHashMap<>();
                summary.put("machine", Load.machine());
                summary.put("method", String.format(Locale.ROOT, "rate stepped up by a quarter from %.0f/s, each step %d s "
                        + "after %d s warm-up, to %s (%d ms)", startRate, load.duration.toSeconds(), load.warmup.toSeconds(),
                        provider == null ? "the planner's choice" : provider, providerLatency.toMillis()));
                summary.put("highest rate held", held == 0 ? "none (the first step failed)" : String.format(Locale.ROOT, "%.0f/s", held));
                if (heldRows != null) {
                    summary.put("machine CPU per request there", heldRows.get("machine CPU per request"));
                }
                if (failedStep != null) {
                    for (int i = 0; i < failedStep.unanswered().size(); i++) {
                        summary.put(unansweredRow(i), failedStep.unanswered().get(i));
                    }
                }
                System.out.print(Table.of(summary));
                return held > 0 ? 0 : 1;
            }
        }

        /** One run at {@code rate}: warm-up, then the measured requests; its table rows. */
        private Step measure(StackConnection c, List<String> providers, double rate) throws Exception {
            load.rate = rate;
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
                        LlmReply reply;
                        try {
                            reply = c.codec.decode(Topics.replies(replyTopic), record.value());
                        } catch (RuntimeException e) {
                            // Still a reply, and its key is the request's: counted as a failure, not waited for.
                            hops.answered(record.key() == null ? "" : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8));
                            failures.merge("unreadable reply (" + e.getClass().getSimpleName() + ")", 1, Integer::sum);
                            answered.incrementAndGet();
                            return;
                        }
                        Hops.Trace trace = hops.answered(reply.getRequestId());
                        if (reply.getStatus() != ReplyStatus.SUCCEEDED) {
                            failures.merge(reply.getError() == null ? "?" : reply.getError().getErrorClass(), 1, Integer::sum);
                        } else if (trace != null) {
                            trace.replyConsumedMs = System.currentTimeMillis();
                            latency.recordValue(Math.max(0, (receivedNanos - trace.sentNanos) / 1_000));
                        }
                        answered.incrementAndGet();
                    });
            List<String> hopTopics = new ArrayList<>(List.of(Topics.PLANS.name(), Topics.ATTEMPTS.name()));
            providers.forEach(p -> hopTopics.add(Topics.tasks(p).name()));
            // The hops are read after the run, not beside it: a reader following the hop topics live
            // would load the broker and the two cores the stack measured runs on.
            Map<TopicPartition, Long> hopsFrom = TopicReader.ends(c.clients, hopTopics);
            long total = load.total();
            ProgressBar bar = new ProgressBar(System.err);
            long sendSeconds;
            AtomicLong sentCount = new AtomicLong();
            long[] cpuAtMeasureStart = {-1};
            String token = c.requestToken("bench");
            try (KafkaProducer<byte[], byte[]> producer = c.clients.producer("switchboard-bench")) {
                sendSeconds = load.pace(bar, measured -> {
                    long n = sentCount.getAndIncrement();
                    if (measured && cpuAtMeasureStart[0] < 0) {
                        cpuAtMeasureStart[0] = MachineCpu.busyMillis();
                    }
                    LlmRequest.Builder request = LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTenantId("bench")
                            .setMessages(List.of(Messages.of(ChatRole.USER, "What is " + (n % prompts) + "+1?")))
                            .setReplyTo(replyTopic).setCreatedAtMs(System.currentTimeMillis());
                    if (provider != null) {
                        request.setPreferredProviders(List.of(provider));
                    }
                    LlmRequest built = request.build();
                    hops.sent(built.getRequestId(), System.nanoTime(), built.getCreatedAtMs(), measured);
                    producer.send(Credentials.withToken(c.codec.record(Topics.REQUESTS, built.getRequestId(), built), token),
                            (metadata, error) -> {
                                if (error != null) { // never reaches the pipeline: a failure, not a request to wait for
                                    hops.answered(built.getRequestId());
                                    failures.merge("not published (" + error.getClass().getSimpleName() + ")", 1, Integer::sum);
                                    answered.incrementAndGet();
                                }
                            });
                });
            }
            long deadline = System.nanoTime() + REPLY_WAIT.toNanos();
            while (answered.get() < total && System.nanoTime() < deadline) {
                LockSupport.parkNanos(50_000_000L);
            }
            long cpuMs = cpuAtMeasureStart[0] < 0 ? -1 : MachineCpu.busyMillis() - cpuAtMeasureStart[0];
            reader.close();
            bar.finish();
            TopicReader.readFrom(c.clients, hopsFrom, hops::observe);

            Map<String, String> rows = new LinkedHashMap<>();
            rows.put("machine", Load.machine());
            rows.put("method", String.format(Locale.ROOT, "%.0f requests/s to %s (%d ms), %d distinct prompts, for %d s after "
                    + "%d s warm-up; publish → reply consumed, one client JVM", rate,
                    provider == null ? "the planner's choice of " + providers : provider, providerLatency.toMillis(), prompts,
                    load.duration.toSeconds(), load.warmup.toSeconds()));
            boolean whole = load.countRows(answered.get(), failures, sendSeconds, rows);
            Load.latencyRows(latency, rows);
            long measuredRequests = total - (long) (rate * load.warmup.toMillis() / 1000.0);
            rows.put("machine CPU per request", cpuMs < 0 || measuredRequests <= 0 ? "-" : String.format(Locale.ROOT,
                    "%.2f ms (all processes, load generator included, from sending the first measured request to the last reply)",
                    cpuMs / (double) measuredRequests));
            hops.summary().forEach(rows::put);
            List<String> unanswered = hops.unanswered(UNANSWERED_SHOWN);
            for (int i = 0; i < unanswered.size(); i++) {
                rows.put(unansweredRow(i), unanswered.get(i));
            }
            return new Step(rows, whole, latency.getValueAtPercentile(99), unanswered);
        }

        private static String unansweredRow(int i) {
            return i == 0 ? "unanswered after " + REPLY_WAIT.toSeconds() + " s" : "unanswered (" + (i + 1) + ")";
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
        @Option(names = "--stream", description = "Ask for a stream (stream: true) and also measure the time to the first "
                + "piece of content (time to first token).")
        boolean stream;
        @Mixin
        Load load;

        @Override
        public Integer call() throws Exception {
            load.validate();
            String body = "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"What is 1+1?\"}]}";
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
            Histogram firstToken = new Histogram(60_000_000L, 3);
            AtomicLong answered = new AtomicLong();
            Map<String, Integer> failures = new java.util.concurrent.ConcurrentSkipListMap<>();
            long total = load.total();
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch((int) total);
            ProgressBar bar = new ProgressBar(System.err);
            long sendSeconds = load.pace(bar, measured -> {
                long sentNanos = System.nanoTime();
                if (stream) {
                    http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).whenComplete((response, error) -> {
                        if (error != null || response.statusCode() / 100 != 2) {
                            failures.merge(error != null ? error.getClass().getSimpleName() : "HTTP " + response.statusCode(), 1, Integer::sum);
                            answered.incrementAndGet();
                            done.countDown();
                            return;
                        }
                        // The lines arrive as the server sends them: read them on a virtual thread of their own.
                        Thread.startVirtualThread(() -> {
                            long first = -1;
                            boolean whole = false;
                            try (var lines = response.body()) {
                                for (String line : (Iterable<String>) lines::iterator) {
                                    if (first < 0 && line.startsWith("data: {") && line.contains("\"content\"")) {
                                        first = (System.nanoTime() - sentNanos) / 1_000;
                                    }
                                    whole |= line.equals("data: [DONE]");
                                }
                            } catch (RuntimeException e) {
                                whole = false;
                            }
                            long micros = (System.nanoTime() - sentNanos) / 1_000;
                            if (!whole || first < 0) {
                                failures.merge("stream without content or [DONE]", 1, Integer::sum);
                            } else if (measured) {
                                synchronized (latency) {
                                    latency.recordValue(Math.max(0, micros));
                                    firstToken.recordValue(Math.max(0, first));
                                }
                            }
                            answered.incrementAndGet();
                            done.countDown();
                        });
                    });
                    return;
                }
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
                    + "send → whole response%s, one client JVM", load.rate, url, load.duration.toSeconds(), load.warmup.toSeconds(),
                    stream ? " (stream: true; time to first token: send → first chunk with content)" : ""));
            boolean whole = load.countRows(answered.get(), failures, sendSeconds, rows);
            synchronized (latency) {
                if (stream) {
                    rows.put("first token p50", String.format(Locale.ROOT, "%.2f ms", firstToken.getValueAtPercentile(50) / 1000.0));
                    rows.put("first token p99", String.format(Locale.ROOT, "%.2f ms", firstToken.getValueAtPercentile(99) / 1000.0));
                }
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
