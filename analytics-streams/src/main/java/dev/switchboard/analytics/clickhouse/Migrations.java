package dev.switchboard.analytics.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Versioned, idempotent DDL: the files {@code clickhouse/V001__*.sql}, ... (kept in
 * {@code deploy/clickhouse/}) are applied in order, each once, and recorded in
 * {@code switchboard.schema_migrations}. A migration interrupted half-way is applied again from its
 * first statement, so each statement must be one that can run twice: {@code IF NOT EXISTS} where
 * ClickHouse has it, and for the two it lacks it for on 18.16, {@code ALTER TABLE … ADD COLUMN} and
 * {@code RENAME TABLE}, this class asks {@code system.columns} or {@code system.tables} first and
 * skips the statement when it has already taken effect.
 */
public final class Migrations {

    private static final Logger log = LoggerFactory.getLogger(Migrations.class);

    /** The migrations in order; a new one is added here and in deploy/clickhouse/. */
    static final List<String> FILES = List.of("V001__tables.sql", "V002__views.sql", "V003__planning.sql", "V004__request_kinds.sql",
            "V005__attempt_per_call.sql", "V006__audit_decisions.sql", "V007__spans.sql",
            "V008__dead_letter_per_record.sql", "V009__tool_calls.sql");
    private static final Pattern ADD_COLUMN = Pattern.compile("(?is)ALTER\\s+TABLE\\s+(\\w+)\\.(\\w+)\\s+ADD\\s+COLUMN\\s+(\\w+)\\s.*");
    private static final Pattern RENAME = Pattern.compile("(?is)RENAME\\s+TABLE\\s+\\w+\\.\\w+\\s+TO\\s+(\\w+)\\.(\\w+)");

    private Migrations() {
    }

    /** Applies what is missing; returns the versions applied now. */
    public static List<Integer> apply(ClickHouseConnection clickhouse) {
        return apply(clickhouse, Integer.MAX_VALUE);
    }

    /** Applies what is missing up to and including {@code throughVersion}: a schema as an older release left it. */
    public static List<Integer> apply(ClickHouseConnection clickhouse, int throughVersion) {
        clickhouse.execute("CREATE DATABASE IF NOT EXISTS switchboard");
        clickhouse.execute("CREATE TABLE IF NOT EXISTS switchboard.schema_migrations (version UInt32, name String, "
                + "applied_at DateTime) ENGINE = MergeTree ORDER BY version");
        Set<Integer> applied = new HashSet<>();
        for (JsonNode row : clickhouse.query("SELECT version FROM switchboard.schema_migrations")) {
            applied.add(row.get("version").asInt());
        }
        List<Integer> now = new ArrayList<>();
        for (String file : FILES) {
            int version = Integer.parseInt(file.substring(1, file.indexOf("__")));
            if (applied.contains(version) || version > throughVersion) {
                continue;
            }
            for (String statement : statements(read(file))) {
                if (!tookEffect(clickhouse, statement)) {
                    clickhouse.execute(statement);
                }
            }
            clickhouse.insert("switchboard.schema_migrations", List.of(
                    "{\"version\":" + version + ",\"name\":\"" + file + "\",\"applied_at\":" + System.currentTimeMillis() / 1000 + "}"));
            log.info("Applied ClickHouse migration {}", file);
            now.add(version);
        }
        return now;
    }

    /** Whether an {@code ADD COLUMN} or {@code RENAME TABLE} (one table) has already been applied. */
    static boolean tookEffect(ClickHouseConnection clickhouse, String statement) {
        Matcher column = ADD_COLUMN.matcher(statement);
        if (column.matches()) {
            return exists(clickhouse, "SELECT count() AS n FROM system.columns WHERE database = '" + column.group(1)
                    + "' AND table = '" + column.group(2) + "' AND name = '" + column.group(3) + "'");
        }
        Matcher rename = RENAME.matcher(statement);
        if (rename.matches()) {
            return exists(clickhouse, "SELECT count() AS n FROM system.tables WHERE database = '" + rename.group(1)
                    + "' AND name = '" + rename.group(2) + "'");
        }
        return false;
    }

    private static boolean exists(ClickHouseConnection clickhouse, String countQuery) {
        List<JsonNode> rows = clickhouse.query(countQuery);
        return !rows.isEmpty() && rows.getFirst().get("n").asLong() > 0;
    }

    /** The statements of a script: split at semicolons that end a line, comments dropped. */
    static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("--") || trimmed.isEmpty()) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                statements.add(current.toString().strip().replaceAll(";$", ""));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            statements.add(current.toString().strip());
        }
        return statements;
    }

    private static String read(String file) {
        try (InputStream in = Migrations.class.getResourceAsStream("/clickhouse/" + file)) {
            if (in == null) {
                throw new IllegalStateException("Missing migration /clickhouse/" + file + " on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
