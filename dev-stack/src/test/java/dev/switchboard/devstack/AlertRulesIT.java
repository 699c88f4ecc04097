package dev.switchboard.devstack;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/prometheus/alerts.yml is valid Prometheus and fires as alerts_test.yml says, each rule on
 * synthetic series (promtool, from Debian's prometheus package, which .ci/run installs).
 */
class AlertRulesIT {

    private static String promtool(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).directory(MonitoringConfig.DEPLOY.resolve("prometheus").toFile())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("promtool is not installed: apt-get install prometheus", e);
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void theRulesAreValidAndEachFiresOnlyWhenItShould() throws Exception {
        assertThat(promtool("check", "rules", "alerts.yml")).contains("SUCCESS: 6 rules found");
        assertThat(promtool("test", "rules", "alerts_test.yml")).contains("SUCCESS");
    }

    @Test
    void everyRuleIsCoveredByATest() throws Exception {
        String rules = java.nio.file.Files.readString(MonitoringConfig.DEPLOY.resolve("prometheus").resolve("alerts.yml"));
        String tests = java.nio.file.Files.readString(MonitoringConfig.DEPLOY.resolve("prometheus").resolve("alerts_test.yml"));
        java.util.regex.Matcher alert = java.util.regex.Pattern.compile("(?m)^\\s*- alert: (\\S+)$").matcher(rules);
        int count = 0;
        while (alert.find()) {
            count++;
            assertThat(tests).as(alert.group(1)).contains("alertname: " + alert.group(1));
        }
        assertThat(count).isEqualTo(6);
    }
}
