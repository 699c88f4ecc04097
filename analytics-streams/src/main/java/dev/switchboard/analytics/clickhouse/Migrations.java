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

/**
 * Versioned, idempotent DDL: the files {@code clickhouse/V001__*.sql}, ... (kept in
 * {@code deploy/clickhouse/}) are applied in order, each once, and recorded in
 * {@code switchboard.schema_migrations}. Every statement is itself {@code IF NOT EXISTS}, so a
 * migration interrupted half-way is simply applied again.
 */
public final class Migrations {

    private static final Logger log = LoggerFactory.getLogger(Migrations.class);

    /** The migrations in order; a new one is added here and in deploy/clickhouse/. */
    static final List<String> FILES = List.of("V001__tables.sql", "V002__views.sql", "V003__planning.sql", "V004__request_kinds.sql");

    private Migrations() {
    }

    /** Applies what is missing; returns the versions applied now. */
    public static List<Integer> apply(ClickHouseConnection clickhouse) {
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
            if (applied.contains(version)) {
                continue;
            }
            for (String statement : statements(read(file))) {
                clickhouse.execute(statement);
            }
            clickhouse.insert("switchboard.schema_migrations", List.of(
                    "{\"version\":" + version + ",\"name\":\"" + file + "\",\"applied_at\":" + System.currentTimeMillis() / 1000 + "}"));
            log.info("Applied ClickHouse migration {}", file);
            now.add(version);
        }
        return now;
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
