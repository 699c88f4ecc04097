package dev.switchboard.analytics.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.data.ClickHouseFormat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * ClickHouse over HTTP through the official client ({@code client-v2}), in the formats that both
 * 18.16 and current releases speak: rows go in and come out as {@code JSONEachRow} (the client's
 * default typed read format is unknown to 18.16, which answers it with no rows).
 */
public final class ClickHouseConnection implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final Client client;

    public ClickHouseConnection(String url, String user, String password) {
        this.url = url;
        this.client = new Client.Builder()
                .addEndpoint(url)
                .setUsername(user)
                .setPassword(password)
                .compressServerResponse(false)
                .compressClientRequest(false)
                .setConnectTimeout(3, ChronoUnit.SECONDS)
                .setSocketTimeout(30, ChronoUnit.SECONDS)
                .setClientName("switchboard")
                .build();
    }

    public String url() {
        return url;
    }

    public boolean ping() {
        return client.ping(2_000);
    }

    /** Runs a statement that returns no rows (DDL). */
    public void execute(String sql) {
        try {
            client.execute(sql).get(60, TimeUnit.SECONDS).close();
        } catch (Exception e) {
            throw failure("execute", e);
        }
    }

    /** Inserts rows, each one JSON object, into {@code table}. */
    public void insert(String table, List<String> jsonRows) {
        if (jsonRows.isEmpty()) {
            return;
        }
        byte[] body = (String.join("\n", jsonRows) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            client.insert(table, new ByteArrayInputStream(body), ClickHouseFormat.JSONEachRow).get(60, TimeUnit.SECONDS).close();
        } catch (Exception e) {
            throw failure("insert into " + table, e);
        }
    }

    /** The rows of a query, read as {@code JSONEachRow} with 64-bit integers as numbers. */
    public List<JsonNode> query(String sql) {
        List<JsonNode> rows = new ArrayList<>();
        forEachRow(sql, line -> {
            try {
                rows.add(JSON.readTree(line));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return rows;
    }

    /**
     * Streams the rows of a query to {@code row}, each as the line of {@code JSONEachRow} ClickHouse
     * wrote (64-bit integers as numbers), without holding them all; returns how many there were.
     */
    public long forEachRow(String sql, java.util.function.Consumer<String> row) {
        String statement = sql.strip().replaceAll(";$", "")
                + " SETTINGS output_format_json_quote_64bit_integers = 0 FORMAT JSONEachRow";
        long rows = 0;
        try (QueryResponse response = client.query(statement).get(60, TimeUnit.SECONDS);
             BufferedReader reader = new BufferedReader(new InputStreamReader(response.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    row.accept(line);
                    rows++;
                }
            }
        } catch (java.io.UncheckedIOException e) {
            throw e;
        } catch (Exception e) {
            throw failure("query", e);
        }
        return rows;
    }

    private ClickHouseException failure(String what, Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new ClickHouseException("ClickHouse at " + url + ": " + what + " failed: "
                + (message.length() > 500 ? message.substring(0, 500) + "…" : message), cause);
    }

    @Override
    public void close() {
        client.close();
    }

    /** A ClickHouse call that failed (server down, bad SQL). */
    public static final class ClickHouseException extends RuntimeException {
        ClickHouseException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
