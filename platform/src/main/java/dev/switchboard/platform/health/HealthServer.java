package dev.switchboard.platform.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * {@code GET /health/live} (the process answers) and {@code GET /health/ready} (every component
 * connected to Kafka, holding its assignment, with its providers' circuit states), as JSON with
 * 200 when up and 503 when not. On the JDK's own HTTP server: two read-only endpoints need nothing
 * more.
 */
public final class HealthServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<HealthCheck> checks;

    public HealthServer(int port, List<HealthCheck> checks) {
        this.checks = List.copyOf(checks);
        try {
            this.server = HttpServer.create(new InetSocketAddress(port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the health port " + port + ": " + e.getMessage(), e);
        }
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "switchboard-health");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/health/live", exchange -> respond(exchange, true, JSON.createObjectNode().put("status", "UP")));
        server.createContext("/health/ready", this::ready);
        // Prometheus scrapes this port of a service run on its own (inside the cluster, as its readiness details are).
        server.createContext("/metrics", exchange -> {
            byte[] body = dev.switchboard.platform.metrics.SwitchboardMetrics.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
    }

    /** A server on {@code port}, or on a free port when that one is taken (several services on one machine). */
    public static HealthServer onPortOrFree(int port, List<HealthCheck> checks) {
        try {
            return new HealthServer(port, checks);
        } catch (UncheckedIOException e) {
            return new HealthServer(0, checks);
        }
    }

    public HealthServer start() {
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void ready(HttpExchange exchange) throws IOException {
        Report report = report(checks);
        respond(exchange, report.up(), report.body());
    }

    /** What {@code /health/ready} answers: up when every check is, with each component's details. */
    public record Report(boolean up, ObjectNode body) {
    }

    /** Runs the checks; a check that throws is reported down with its error. */
    public static Report report(List<HealthCheck> checks) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode components = JSON.createObjectNode();
        boolean up = true;
        for (HealthCheck check : checks) {
            Health health;
            try {
                health = check.check();
            } catch (RuntimeException e) {
                health = new Health(false, java.util.Map.of("error", e.toString()));
            }
            up &= health.up();
            ObjectNode component = components.putObject(check.name());
            component.put("status", health.up() ? "UP" : "DOWN");
            health.details().forEach((k, v) -> component.set(k, JSON.valueToTree(v)));
        }
        body.put("status", up ? "UP" : "DOWN");
        body.set("components", components);
        return new Report(up, body);
    }

    private static void respond(HttpExchange exchange, boolean up, ObjectNode body) throws IOException {
        byte[] bytes = body.toPrettyString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(up ? 200 : 503, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
