package dev.switchboard.cli;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.avro.AuditEvent;
import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import dev.switchboard.tools.ToolRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The tool registry through the CLI, on a real broker, with an HTTP tool served on a free port. */
class ToolsCommandIT {

    @TempDir
    static Path dataDir;
    static CliStack cli;
    static HttpServer tool;
    static final List<String> received = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        cli = new CliStack(dataDir, false, null, Map.of(SwitchboardConfig.TOOLS_DENIED, "beta:order_status"));
        tool = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        tool.createContext("/orders", exchange -> {
            received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] answer = "{\"status\":\"shipped\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        tool.start();
    }

    @AfterAll
    static void stop() {
        tool.stop(0);
        cli.close();
    }

    @Test
    void aToolIsRegisteredListedDisabledEnabledCalledAndRemoved(@TempDir Path dir) throws Exception {
        Path schema = dir.resolve("order.json");
        Files.writeString(schema, "{\"type\":\"object\",\"properties\":{\"order\":{\"type\":\"integer\"}},\"required\":[\"order\"]}");
        String url = "http://127.0.0.1:" + tool.getAddress().getPort() + "/orders";

        CliStack.Run builtins = cli.run("tools", "list");
        CliStack.Run registered = cli.run("tools", "register", "order_status", "--url", url, "--description", "Where an order is",
                "--parameters", schema.toString(), "--owner", "shop-team");
        CliStack.Run badSchema = cli.run("tools", "register", "broken", "--url", url, "--description", "x", "--parameters", "{\"type\":\"string\"}");
        CliStack.Run listed = cli.run("tools", "list");

        // A stack's agent runtime registers the built-in tools when it starts.
        assertThat(builtins.out()).containsPattern("chat\\s+1\\s+BUILTIN\\s+yes\\s+all\\s+switchboard\\s+Ask another model")
                .containsPattern("knowledge_base\\s+1\\s+BUILTIN\\s+yes\\s+all\\s+switchboard\\s+").doesNotContain("order_status");
        assertThat(registered.exitCode()).as(registered.err()).isZero();
        assertThat(registered.out()).contains("Tool order_status version 1 registered (enabled) on llm.tools.");
        assertThat(badSchema.exitCode()).isEqualTo(2);
        assertThat(badSchema.err()).contains("tool broken: parameters must be a JSON Schema of type object");
        assertThat(listed.out()).containsPattern("order_status\\s+1\\s+HTTP\\s+yes\\s+all\\s+shop-team\\s+Where an order is");

        CliStack.Run called = cli.run("tools", "call", "order_status", "--args", "{\"order\":7}", "--tenant", "acme");
        CliStack.Run invalid = cli.run("tools", "call", "order_status", "--args", "{\"order\":\"seven\"}", "--tenant", "acme");
        CliStack.Run denied = cli.run("tools", "call", "order_status", "--args", "{\"order\":7}", "--tenant", "beta");
        assertThat(called.exitCode()).as(called.err()).isZero();
        assertThat(called.out()).containsPattern("status\\s+SUCCEEDED").containsPattern("tries\\s+1").contains("{\"status\":\"shipped\"}");
        assertThat(invalid.exitCode()).isEqualTo(2);
        assertThat(invalid.out()).containsPattern("status\\s+INVALID_ARGUMENTS");
        assertThat(denied.exitCode()).isEqualTo(2);
        assertThat(denied.out()).contains("tools.denied forbids tool order_status to tenant beta");
        assertThat(received).containsExactly("{\"order\":7}");

        CliStack.Run disabled = cli.run("tools", "disable", "order_status");
        CliStack.Run refused = cli.run("tools", "call", "order_status", "--args", "{\"order\":8}", "--tenant", "acme");
        CliStack.Run enabled = cli.run("tools", "enable", "order_status");
        CliStack.Run again = cli.run("tools", "call", "order_status", "--args", "{\"order\":9}", "--tenant", "acme");
        CliStack.Run described = cli.run("tools", "describe", "order_status");
        assertThat(disabled.out()).contains("Tool order_status disabled (version 2).");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.out()).contains("tool order_status is disabled (switchboard tools enable order_status)");
        assertThat(enabled.out()).contains("Tool order_status enabled (version 3).");
        assertThat(again.exitCode()).isZero();
        assertThat(received).containsExactly("{\"order\":7}", "{\"order\":9}");
        assertThat(described.out()).containsPattern("version\\s+3").containsPattern("owner\\s+shop-team").contains("\"required\" : [ \"order\" ]");

        SwitchboardConfig config = SwitchboardConfig.withOverrides(cli.settings);
        KafkaClients clients = new KafkaClients(config.bootstrapServers());
        Codec codec = new Codec(SchemaRegistryClient.fromConfigs(config.schemaRegistryClientProperties()));
        List<ToolDefinition> versions = TopicReader.readToEnd(clients, List.of(Topics.TOOLS.name()), r -> r.value() != null).stream()
                .map(r -> codec.decode(Topics.TOOLS, r.value())).filter(t -> t.getName().equals("order_status")).toList();
        assertThat(versions).extracting(ToolDefinition::getVersion, ToolDefinition::getEnabled)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, true), org.assertj.core.groups.Tuple.tuple(2, false),
                        org.assertj.core.groups.Tuple.tuple(3, true));
        List<String> audited = TopicReader.readToEnd(clients, List.of(Topics.AUDIT.name()), r -> true).stream()
                .map(r -> codec.decode(Topics.AUDIT, r.value())).filter(e -> e.getTarget().equals("order_status"))
                // llm.audit has several partitions: the order is the records' time.
                .sorted(java.util.Comparator.comparingLong(AuditEvent::getAtMs)).map(AuditEvent::getAction).toList();
        assertThat(audited).containsExactly("tools.register", "tools.disable", "tools.enable");

        CliStack.Run removed = cli.run("tools", "remove", "order_status");
        CliStack.Run unknown = cli.run("tools", "describe", "order_status");
        assertThat(removed.out()).contains("Tool order_status removed (it was at version 3).");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("No tool order_status in llm.tools; registered: chat, knowledge_base");
        assertThat(ToolRegistry.read(clients, codec).all()).extracting(ToolDefinition::getName).containsExactlyInAnyOrder("chat", "knowledge_base");
    }
}
