package dev.switchboard.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class TableTest {

    static final List<String> HEADER = List.of("ID", "WHEN", "MESSAGE");
    static final List<List<String>> ROWS = List.of(
            List.of("4f1c2a9e-0d4b-4c36-9a57-3a3f1f7c0b11", "2026-12-02 15:36:37", "x".repeat(100)),
            List.of("short", "2026-12-02 15:36:38", "fine"));

    @Test
    void aTableWiderThanTheLimitNarrowsItsWidestColumnsEvenlyWithAnEllipsis() {
        String table = Table.of(HEADER, ROWS, 80);

        assertThat(table.lines()).allMatch(l -> l.length() <= 80);
        List<String> lines = table.lines().toList();
        // MESSAGE is cut to ID's width first, then both give a column in turn: 28 and 29 of the 57 left.
        assertThat(lines.get(1)).isEqualTo("4f1c2a9e-0d4b-4c36-9a57-3a3…  2026-12-02 15:36:37  " + "x".repeat(28) + "…");
        assertThat(lines.get(1)).hasSize(80);
        assertThat(lines.get(2)).isEqualTo("short                         2026-12-02 15:36:38  fine");
    }

    @Test
    void columnsNamedWholeAreNeverCutAndNoColumnGoesBelowItsHeader() {
        String table = Table.of(HEADER, ROWS, 30, Set.of("ID"));

        List<String> lines = table.lines().toList();
        assertThat(lines.get(1)).startsWith("4f1c2a9e-0d4b-4c36-9a57-3a3f1f7c0b11  2026-12…  xxxxxxx…");
        assertThat(lines.get(0)).isEqualTo("ID                                    WHEN      MESSAGE");
    }

    @Test
    void aTableThatFitsIsLeftAsItIs() {
        assertThat(Table.of(HEADER, ROWS, Integer.MAX_VALUE)).contains("x".repeat(100)).doesNotContain("…");
    }

    @Test
    void jsonKeysAreTheColumnNamesInSnakeCase() {
        assertThat(OutputOptions.key("FAILED AT (UTC)")).isEqualTo("failed_at_utc");
        assertThat(OutputOptions.key("SATISFACTION (N)")).isEqualTo("satisfaction_n");
        assertThat(OutputOptions.rows(List.of("ERROR CLASS", "COST/SUCCESS"), List.of(List.of("TIMEOUT", "$0.1"))).toString())
                .isEqualTo("[{\"error_class\":\"TIMEOUT\",\"cost_success\":\"$0.1\"}]");
    }
}
