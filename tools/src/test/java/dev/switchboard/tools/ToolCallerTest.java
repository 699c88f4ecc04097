package dev.switchboard.tools;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.avro.ToolKind;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Calls against a real HTTP server on a free port, whose answers each test scripts. */
class ToolCallerTest {

    private static final String WEATHER_SCHEMA = """
            {"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}""";
    /** No waiting between tries, so that a test takes milliseconds; the breaker judges 4 calls. */
    private static final ToolCaller.Settings FAST = new ToolCaller.Settings(3, Duration.ofMillis(1), 4, 4, 50, Duration.ofMinutes(5));

    private HttpServer server;
    /** The status each next call is answered with; once used up, 200. */
    private final List<Integer> script = new CopyOnWriteArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final List<String> keys = new CopyOnWriteArrayList<>();
    private ToolCaller caller;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/weather", exchange -> {
            calls.incrementAndGet();
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            keys.add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
            int status = script.isEmpty() ? 200 : script.removeFirst();
            byte[] answer = (status == 200 ? "{\"forecast\":\"sunny, 21 C\"}" : "{\"error\":\"busy\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        caller = new ToolCaller(new ToolAccess(Map.of("acme", Set.of("weather_denied"))), FAST);
    }

    @AfterEach
    void stop() {
        caller.close();
        server.stop(0);
    }

    private ToolDefinition weather(String name, boolean enabled, List<String> tenants) {
        return ToolDefinition.newBuilder().setName(name).setVersion(1).setDescription("Today's weather in a city")
                .setParameters(WEATHER_SCHEMA).setKind(ToolKind.HTTP)
                .setUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/weather").setOwner("ops")
                .setEnabled(enabled).setTenants(tenants).setTimeoutMs(2_000).setUpdatedAtMs(1L).build();
    }

    @Test
    void aCallPostsTheArgumentsAndReturnsTheToolsAnswer() throws Exception {
        ToolCaller.Result result = caller.call(weather("weather", true, List.of()), "acme", "{\"city\":\"Lyon\"}", "call-1");

        assertThat(result.status()).isEqualTo(ToolCaller.Status.SUCCEEDED);
        assertThat(result.output()).isEqualTo("{\"forecast\":\"sunny, 21 C\"}");
        assertThat(result.tries()).isEqualTo(1);
        assertThat(bodies).containsExactly("{\"city\":\"Lyon\"}");
        assertThat(keys).containsExactly("call-1");
    }

    @Test
    void aToolThatFailsTwiceThenRecoversAnswersOnTheThirdTryWithTheSameIdempotencyKey() throws Exception {
        script.addAll(List.of(503, 500));

        ToolCaller.Result result = caller.call(weather("weather", true, List.of()), "acme", "{\"city\":\"Oslo\"}", null);

        assertThat(result.status()).isEqualTo(ToolCaller.Status.SUCCEEDED);
        assertThat(result.tries()).isEqualTo(3);
        assertThat(calls.get()).isEqualTo(3);
        assertThat(keys).hasSize(3).containsOnly(result.idempotencyKey());
        assertThat(caller.circuit("weather")).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void aToolThatKeepsFailingOpensItsCircuitAndIsThenNotCalledAtAll() throws Exception {
        script.addAll(List.of(500, 500, 500, 500, 500, 500));
        ToolDefinition tool = weather("weather", true, List.of());

        ToolCaller.Result first = caller.call(tool, "acme", "{\"city\":\"Rome\"}", null);
        ToolCaller.Result second = caller.call(tool, "acme", "{\"city\":\"Rome\"}", null);
        int callsBefore = calls.get();
        ToolCaller.Result third = caller.call(tool, "acme", "{\"city\":\"Rome\"}", null);

        assertThat(first.status()).isEqualTo(ToolCaller.Status.FAILED);
        assertThat(first.error()).isEqualTo("tool weather answered HTTP 500 (after 3 tries)");
        // Four failed tries filled the breaker's window at 100 % failures: the fifth was refused by the breaker.
        assertThat(callsBefore).isEqualTo(4);
        assertThat(second.status()).isEqualTo(ToolCaller.Status.CIRCUIT_OPEN);
        assertThat(caller.circuit("weather")).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(third.status()).isEqualTo(ToolCaller.Status.CIRCUIT_OPEN);
        assertThat(third.observation()).isEqualTo("tool weather circuit_open: tool weather's circuit is open after repeated failures; "
                + "it is tried again 300 s after it opened");
        assertThat(calls.get()).isEqualTo(callsBefore);
        // Another tool's circuit is its own.
        assertThat(caller.circuit("other")).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void aClientErrorIsNeitherRetriedNorHeldAgainstTheTool() throws Exception {
        script.addAll(List.of(400, 400, 400, 400, 400));
        ToolDefinition tool = weather("weather", true, List.of());
        for (int i = 0; i < 5; i++) {
            assertThat(caller.call(tool, "acme", "{\"city\":\"Nice\"}", null).error()).isEqualTo("tool weather answered HTTP 400");
        }
        assertThat(calls.get()).isEqualTo(5);
        assertThat(caller.circuit("weather")).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void argumentsThatDoNotFitTheSchemaAreRefusedBeforeTheToolIsCalled() throws Exception {
        ToolCaller.Result missing = caller.call(weather("weather", true, List.of()), "acme", "{\"town\":\"Lyon\"}", null);
        ToolCaller.Result notJson = caller.call(weather("weather", true, List.of()), "acme", "{city:", null);

        assertThat(missing.status()).isEqualTo(ToolCaller.Status.INVALID_ARGUMENTS);
        assertThat(missing.error()).startsWith("tool weather: arguments do not fit its schema: ").contains("city").contains("town");
        assertThat(notJson.status()).isEqualTo(ToolCaller.Status.INVALID_ARGUMENTS);
        assertThat(notJson.error()).startsWith("tool weather: arguments are not JSON: ");
        assertThat(calls.get()).isZero();
    }

    @Test
    void aToolTheTenantMayNotUseIsRefusedNamingTheRule() throws Exception {
        ToolCaller.Result disabled = caller.call(weather("weather", false, List.of()), "acme", "{\"city\":\"Lyon\"}", null);
        ToolCaller.Result otherTenants = caller.call(weather("weather", true, List.of("beta", "gamma")), "acme", "{\"city\":\"Lyon\"}", null);
        ToolCaller.Result denied = caller.call(weather("weather_denied", true, List.of()), "acme", "{\"city\":\"Lyon\"}", null);

        assertThat(disabled.status()).isEqualTo(ToolCaller.Status.REFUSED);
        assertThat(disabled.error()).isEqualTo("tool weather is disabled (switchboard tools enable weather)");
        assertThat(otherTenants.error()).isEqualTo("tool weather is registered for tenants [beta, gamma], and tenant acme is not one of them");
        assertThat(denied.error()).isEqualTo("tools.denied forbids tool weather_denied to tenant acme");
        assertThat(calls.get()).isZero();
    }

    @Test
    void aToolThatDoesNotAnswerInTimeFailsAfterItsTries() throws Exception {
        server.createContext("/slow", exchange -> {
            calls.incrementAndGet();
            try {
                Thread.sleep(2_000); // the tool's stand-in hangs; the caller gives it 100 ms
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        ToolDefinition slow = ToolDefinition.newBuilder(weather("slow", true, List.of()))
                .setUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/slow").setTimeoutMs(100).build();

        ToolCaller.Result result = caller.call(slow, "acme", "{\"city\":\"Bern\"}", null);

        assertThat(result.status()).isEqualTo(ToolCaller.Status.FAILED);
        assertThat(result.error()).isEqualTo("tool slow did not answer within 100 ms (after 3 tries)");
        assertThat(result.tries()).isEqualTo(3);
    }
}
