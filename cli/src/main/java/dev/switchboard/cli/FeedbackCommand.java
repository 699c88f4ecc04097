package dev.switchboard.cli;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.FeedbackKind;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

@Command(name = "feedback", mixinStandardHelpOptions = true,
        description = {"Score the answer to a request (published to llm.feedback); analytics joins it to the provider that answered.",
                "The request must have been answered: its attempts are looked up in llm.attempts first, and feedback for a request "
                        + "with none, or with none that succeeded, is refused (exit 2)."})
final class FeedbackCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REQUEST_ID")
    String requestId;

    @Option(names = "--kind", required = true, paramLabel = "KIND", description = "USER_SATISFACTION or ACCURACY.")
    String kind;

    @Option(names = "--score", required = true, paramLabel = "X", description = "From 0 (worst) to 1 (best).")
    double score;

    @Option(names = "--comment", paramLabel = "TEXT", description = "Why, in a few words.")
    String comment;

    @Option(names = "--tenant", paramLabel = "T", description = "Tenant id; must be the request's (default: the request's).")
    String tenant;

    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        FeedbackKind parsedKind;
        try {
            parsedKind = FeedbackKind.valueOf(kind.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CliException("--kind must be USER_SATISFACTION or ACCURACY, not '" + kind + "'", 2);
        }
        if (!(score >= 0 && score <= 1)) {
            throw new CliException("--score must be between 0 and 1, not " + score, 2);
        }
        if (requestId.isBlank()) {
            throw new CliException("REQUEST_ID is empty", 2);
        }
        StackConnection c = new StackConnection(config);
        String requestTenant = answeredRequestTenant(c);
        if (tenant != null && !tenant.equals(requestTenant)) {
            throw new CliException("--tenant " + tenant + " is not the request's tenant (" + requestTenant + ")", 2);
        }
        Feedback feedback = new Feedback(requestId, requestTenant, parsedKind, score, comment, System.currentTimeMillis());
        try (KafkaProducer<byte[], byte[]> producer = c.clients.producer("switchboard-feedback")) {
            producer.send(c.codec.record(Topics.FEEDBACK, requestId, feedback)).get(10, TimeUnit.SECONDS);
        }
        System.out.println("Feedback " + parsedKind + " " + score + " on request " + requestId + " published to llm.feedback.");
        return 0;
    }

    /** The tenant of the request, read from its attempts; refuses a request that has none, or none that succeeded. */
    private String answeredRequestTenant(StackConnection c) {
        List<AttemptOutcome> attempts = TopicReader.readKey(c.clients, Topics.ATTEMPTS.name(), requestId.getBytes(StandardCharsets.UTF_8))
                .stream().map(r -> c.codec.decode(Topics.ATTEMPTS, r.value())).filter(a -> a.getRequestId().equals(requestId)).toList();
        if (attempts.isEmpty()) {
            throw new CliException("No request " + requestId + " in llm.attempts: check the id (bin/switchboard trace " + requestId
                    + " shows a request's records); a request is scored once a provider has answered it", 2);
        }
        if (attempts.stream().noneMatch(a -> a.getStatus() == ReplyStatus.SUCCEEDED)) {
            throw new CliException("Request " + requestId + " has no answer to score: its " + attempts.size() + " attempt(s) failed", 2);
        }
        return attempts.getLast().getTenantId();
    }
}
