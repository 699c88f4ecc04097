package dev.switchboard.cli;

import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.FeedbackKind;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

@Command(name = "feedback", mixinStandardHelpOptions = true,
        description = "Score the answer to a request (published to llm.feedback); analytics joins it to the provider that answered.")
final class FeedbackCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REQUEST_ID")
    String requestId;

    @Option(names = "--kind", required = true, paramLabel = "KIND", description = "USER_SATISFACTION or ACCURACY.")
    String kind;

    @Option(names = "--score", required = true, paramLabel = "X", description = "From 0 (worst) to 1 (best).")
    double score;

    @Option(names = "--comment", paramLabel = "TEXT", description = "Why, in a few words.")
    String comment;

    @Option(names = "--tenant", paramLabel = "T", defaultValue = "default", description = "Tenant id (default: ${DEFAULT-VALUE}).")
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
        Feedback feedback = new Feedback(requestId, tenant, parsedKind, score, comment, System.currentTimeMillis());
        try (KafkaProducer<byte[], byte[]> producer = c.clients.producer("switchboard-feedback")) {
            producer.send(c.codec.record(Topics.FEEDBACK, requestId, feedback)).get(10, TimeUnit.SECONDS);
        }
        System.out.println("Feedback " + parsedKind + " " + score + " on request " + requestId + " published to llm.feedback.");
        return 0;
    }
}
