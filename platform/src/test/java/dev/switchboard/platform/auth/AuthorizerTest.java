package dev.switchboard.platform.auth;

import dev.switchboard.platform.auth.Authorizer.Action;
import dev.switchboard.platform.auth.Authorizer.Decision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The bundled access policy, cell by cell, and how a changed policy takes effect. */
class AuthorizerTest {

    private static final List<String> ROLES = List.of("user", "tenant-admin", "analyst", "ops", "admin");

    /**
     * Every role × action on the bundled policy: for each role, "own tenant / another tenant",
     * Y allowed, N denied. Any cell that the policy decides otherwise fails the test.
     */
    private static final String MATRIX = """
            action  object              user  tenant-admin  analyst  ops  admin
            chat    requests            Y/N   Y/N           N/N      Y/Y  Y/Y
            use     tier:standard       Y/N   Y/N           N/N      Y/Y  Y/Y
            use     tier:premium        N/N   Y/N           N/N      Y/Y  Y/Y
            use     tool:web_search     Y/N   Y/N           N/N      Y/Y  Y/Y
            send    feedback            Y/N   Y/N           N/N      N/N  Y/Y
            read    request             Y/N   Y/N           N/N      N/N  Y/Y
            read    analytics           N/N   Y/N           Y/N      Y/Y  Y/Y
            list    dlq                 N/N   N/N           N/N      Y/Y  Y/Y
            replay  dlq                 N/N   N/N           N/N      Y/Y  Y/Y
            change  faults              N/N   N/N           N/N      Y/Y  Y/Y
            change  config              N/N   N/N           N/N      N/N  Y/Y
            change  policy              N/N   Y/N           N/N      N/N  Y/Y
            """;

    @Test
    void theBundledPolicyDecidesEveryCellOfTheRoleActionMatrix() {
        Authorizer authorizer = Authorizer.bundled();
        List<String> wrong = new ArrayList<>();
        int cells = 0;
        List<String> lines = MATRIX.lines().skip(1).toList();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            Action action = Action.valueOf(f[0].toUpperCase(Locale.ROOT));
            String object = f[1];
            for (int r = 0; r < ROLES.size(); r++) {
                String[] expected = f[2 + r].split("/");
                Principal principal = new Principal("someone", "acme", Set.of(ROLES.get(r)));
                for (int s = 0; s < 2; s++) {
                    String tenant = s == 0 ? "acme" : "globex";
                    boolean allowed = authorizer.decide(principal, action, object, tenant).allowed();
                    cells++;
                    if (allowed != expected[s].equals("Y")) {
                        wrong.add(ROLES.get(r) + " " + f[0] + " " + object + (s == 0 ? " own" : " other") + ": " + allowed);
                    }
                }
            }
        }

        assertThat(cells).isEqualTo(12 * 5 * 2);
        assertThat(wrong).isEmpty();
    }

    @Test
    void aCallerWithSeveralRolesMayWhatAnyOfThemMayAndTheDecisionNamesTheRule() {
        Authorizer authorizer = Authorizer.bundled();
        Principal both = new Principal("carol", "acme", Set.of("analyst", "user"));

        Decision chat = authorizer.decide(both, Action.CHAT, "requests", "acme");
        Decision replay = authorizer.decide(both, Action.REPLAY, "dlq", "acme");
        Decision none = authorizer.decide(new Principal("dave", "acme", Set.of()), Action.CHAT, "requests", "acme");

        assertThat(chat.allowed()).isTrue();
        assertThat(chat.rule()).isEqualTo("role user by rule p, user, chat, requests, own");
        assertThat(replay.allowed()).isFalse();
        assertThat(replay.rule()).isEqualTo("no rule lets role(s) [analyst, user] replay dlq in their tenant");
        assertThat(none.allowed()).isFalse();
        assertThat(authorizer.decide(both, Action.READ, "request", "globex").rule())
                .isEqualTo("no rule lets role(s) [analyst, user] read request of another tenant (globex)");
    }

    @Test
    void dataOfAClassificationGoesOnlyWhereItsPolicyLinesAllow(@TempDir Path dir) throws Exception {
        Authorizer bundled = Authorizer.bundled();
        assertThat(bundled.classifications()).containsExactly("internal", "pii", "public");
        assertThat(bundled.dataRequirements("pii")).contains(java.util.Map.of("zdr", "true"));
        assertThat(bundled.dataRequirements("public")).contains(java.util.Map.of());
        assertThat(bundled.dataRequirements("PII")).isEmpty();

        Path policy = dir.resolve("policy.csv");
        Files.writeString(policy, "p, user, chat, requests, own\np2, health, zdr, true\np2, health, region, eu\n");
        Authorizer custom = new Authorizer(policy);
        assertThat(custom.classifications()).containsExactly("health");
        assertThat(custom.dataRequirements("health")).contains(java.util.Map.of("zdr", "true", "region", "eu"));
        assertThat(custom.dataRequirements("pii")).isEmpty();
    }

    @Test
    void everyPolicyLoadedOrRefusedIsToldWithItsHash(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("policy.csv");
        Files.writeString(policy, "p, user, chat, requests, own\n");
        List<Authorizer.PolicyChange> changes = new java.util.concurrent.CopyOnWriteArrayList<>();
        Authorizer authorizer = new Authorizer(policy, changes::add);
        Principal user = new Principal("erin", "acme", Set.of("user"));

        Files.writeString(policy, "p, user\n");
        Files.setLastModifiedTime(policy, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        await().atMost(Duration.ofSeconds(10)).until(() -> authorizer.decide(user, Action.CHAT, "requests", "acme") != null
                && changes.size() == 2);

        assertThat(changes.get(0)).isEqualTo(new Authorizer.PolicyChange(policy.toString(),
                sha256("p, user, chat, requests, own\n"), true, false, null));
        assertThat(changes.get(1).applied()).isFalse();
        assertThat(changes.get(1).reload()).isTrue();
        assertThat(changes.get(1).sha256()).isEqualTo(sha256("p, user\n"));
        assertThat(changes.get(1).error()).contains("invalid policy size");
        // The refused policy is not in force: the first still decides.
        assertThat(authorizer.decide(user, Action.CHAT, "requests", "acme").allowed()).isTrue();
    }

    private static String sha256(String text) {
        return dev.switchboard.platform.Sha256.hex(text);
    }

    @Test
    void aChangedPolicyFileTakesEffectWithoutARestartAndABrokenOneIsRefused(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("policy.csv");
        Files.writeString(policy, "p, user, chat, requests, own\n");
        Authorizer authorizer = new Authorizer(policy);
        Principal user = new Principal("erin", "acme", Set.of("user"));
        assertThat(authorizer.decide(user, Action.CHAT, "requests", "acme").allowed()).isTrue();

        Files.writeString(policy, "p, user, send, feedback, own\n");
        Files.setLastModifiedTime(policy, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));

        await().atMost(Duration.ofSeconds(10)).until(() -> !authorizer.decide(user, Action.CHAT, "requests", "acme").allowed());
        assertThat(authorizer.decide(user, Action.SEND, "feedback", "acme").allowed()).isTrue();

        Files.writeString(policy, "p, user\n");
        Files.setLastModifiedTime(policy, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(5))
                .until(() -> authorizer.decide(user, Action.SEND, "feedback", "acme").allowed());
    }
}
