package dev.switchboard.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code switchboard feedback} and {@code switchboard stats} against a stack with analytics and ClickHouse. */
class AnalyticsCommandsIT {

    @TempDir
    static Path dataDir;
    static CliStack cli;

    @BeforeAll
    static void start() {
        cli = new CliStack(dataDir, true);
    }

    @AfterAll
    static void stop() {
        cli.close();
    }

    @Test
    void feedbackMovesSatisfactionInTheLeaderboard() {
        CliStack.Run send = cli.run("send", "What is 8+8?", "--provider", "sim-strong");
        assertThat(send.exitCode()).isEqualTo(0);
        Matcher m = Pattern.compile("request\\s+(\\S+)\\n").matcher(send.out());
        assertThat(m.find()).isTrue();
        String request = m.group(1);

        CliStack.Run feedback = cli.run("feedback", request, "--kind", "user_satisfaction", "--score", "0.75", "--comment", "fine");
        assertThat(feedback.exitCode()).isEqualTo(0);
        assertThat(feedback.out()).isEqualTo("Feedback USER_SATISFACTION 0.75 on request " + request + " published to llm.feedback.\n");

        CliStack.Run stats = await().atMost(Duration.ofSeconds(30)).until(() -> cli.run("stats"),
                r -> r.out().matches("(?s).*sim-strong\\s+1\\s+100\\.0 %.*0\\.75 \\(1\\).*"));
        // The pools first: each reported its adaptive limit at start, workers.max.in.flight (1024).
        assertThat(stats.out()).containsPattern("^PROVIDER\\s+CIRCUIT\\s+FAILURES\\s+CONCURRENCY LIMIT\\s+IN FLIGHT\\s+REPORTED\n");
        assertThat(stats.out()).containsPattern("\nsim-strong\\s+CLOSED\\s+-\\s+1024\\s+0\\s+\\d+ s ago\n");
        assertThat(stats.out()).containsPattern("\nPROVIDER\\s+ATTEMPTS\\s+SUCCESS\\s+P95 LATENCY\\s+COST/SUCCESS\\s+SATISFACTION \\(N\\)\n");
        assertThat(stats.out()).containsPattern("sim-strong\\s+1\\s+100\\.0 %\\s+\\d+ ms\\s+\\$0\\.0000\\d\\d\\s+0\\.75 \\(1\\)");
    }

    @Test
    void invalidFeedbackIsRefusedWithTheReason() {
        CliStack.Run score = cli.run("feedback", "r-1", "--kind", "ACCURACY", "--score", "1.5");
        assertThat(score.exitCode()).isEqualTo(2);
        assertThat(score.err()).contains("--score must be between 0 and 1, not 1.5");

        CliStack.Run kind = cli.run("feedback", "r-1", "--kind", "HAPPINESS", "--score", "0.5");
        assertThat(kind.exitCode()).isEqualTo(2);
        assertThat(kind.err()).contains("--kind must be USER_SATISFACTION or ACCURACY, not 'HAPPINESS'");
    }
}
