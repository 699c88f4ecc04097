package dev.switchboard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.avro.ToolKind;
import dev.switchboard.platform.audit.AuditLog;
import dev.switchboard.tools.ToolAccess;
import dev.switchboard.tools.ToolCaller;
import dev.switchboard.tools.ToolRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

@Command(name = "tools", mixinStandardHelpOptions = true,
        description = {"The tool registry on llm.tools: tools models and agents may call, who may call them, and trying one.",
                "Every change is a new version of the tool on the compacted llm.tools, and an audit record on llm.audit."},
        subcommands = {ToolsCommand.ListCommand.class, ToolsCommand.DescribeCommand.class, ToolsCommand.RegisterCommand.class,
                ToolsCommand.EnableCommand.class, ToolsCommand.DisableCommand.class, ToolsCommand.RemoveCommand.class,
                ToolsCommand.CallCommand.class})
final class ToolsCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The registered tool {@code name}, or exit 2 naming the tools there are. */
    static ToolDefinition existing(ToolRegistry registry, String name) {
        return registry.get(name).orElseThrow(() -> new CliException("No tool " + name + " in llm.tools; "
                + (registry.all().isEmpty() ? "none is registered (switchboard tools register --help)"
                : "registered: " + String.join(", ", registry.all().stream().map(ToolDefinition::getName).toList())), 2));
    }

    /** Writes {@code tool}, waits until it is written, and audits the change. */
    static void write(StackConnection c, ToolDefinition tool, String action) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = c.clients.producer("switchboard-tools")) {
            Future<?> sent;
            try {
                sent = ToolRegistry.publish(producer, c.codec, tool);
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage(), 2);
            }
            sent.get(10, TimeUnit.SECONDS);
        }
        audit(c, action, tool.getName(), Map.of("version", Integer.toString(tool.getVersion()), "enabled", Boolean.toString(tool.getEnabled())));
    }

    static void audit(StackConnection c, String action, String tool, Map<String, String> details) {
        try (AuditLog audit = new AuditLog(c.clients, c.codec, "switchboard-cli")) {
            audit.record(System.getProperty("user.name", "operator"), action, tool, "SUCCEEDED", details);
        }
    }

    /** A command on one registered tool, named by its first parameter. */
    abstract static class OnOneTool implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Mixin
        ConfigOptions config;

        /** The stack's connection, and the tool as the registry holds it now (exit 2 when there is none). */
        record Found(StackConnection connection, ToolDefinition tool) {
        }

        Found find() {
            StackConnection c = new StackConnection(config);
            return new Found(c, existing(ToolRegistry.read(c.clients, c.codec), name));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the registered tools.")
    static final class ListCommand implements Callable<Integer> {
        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() {
            StackConnection c = new StackConnection(config);
            List<ToolDefinition> tools = ToolRegistry.read(c.clients, c.codec).all();
            if (tools.isEmpty()) {
                System.out.println("No tools registered (switchboard tools register --help).");
                return 0;
            }
            List<List<String>> rows = new ArrayList<>();
            for (ToolDefinition t : tools) {
                rows.add(List.of(t.getName(), Integer.toString(t.getVersion()), t.getKind().name(), t.getEnabled() ? "yes" : "no",
                        t.getTenants().isEmpty() ? "all" : String.join(",", t.getTenants()), t.getOwner(), t.getDescription()));
            }
            System.out.print(Table.of(List.of("NAME", "VERSION", "KIND", "ENABLED", "TENANTS", "OWNER", "DESCRIPTION"), rows));
            return 0;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true, description = "Show one tool: every field and its argument schema.")
    static final class DescribeCommand extends OnOneTool {
        @Override
        public Integer call() throws Exception {
            ToolDefinition t = find().tool();
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("name", t.getName());
            fields.put("version", Integer.toString(t.getVersion()));
            fields.put("kind", t.getKind().name());
            fields.put("description", t.getDescription());
            fields.put("url", t.getUrl() == null ? "-" : t.getUrl());
            fields.put("enabled", t.getEnabled() ? "yes" : "no");
            fields.put("tenants", t.getTenants().isEmpty() ? "all (tools.denied still applies)" : String.join(", ", t.getTenants()));
            fields.put("timeout", t.getTimeoutMs() + " ms");
            fields.put("owner", t.getOwner());
            fields.put("updated", java.time.Instant.ofEpochMilli(t.getUpdatedAtMs()).toString());
            System.out.print(Table.of(fields));
            ObjectMapper json = new ObjectMapper();
            System.out.println("parameters:");
            System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(json.readTree(t.getParameters())));
            return 0;
        }
    }

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = {"Register an HTTP tool, or change one: a call POSTs its arguments to URL as a JSON object and the response "
                    + "body is its result. Registering a tool that exists writes its next version."})
    static final class RegisterCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "As a model calls it: 1 to 64 of a-z, A-Z, 0-9, _ and -.")
        String name;

        @Option(names = "--url", required = true, paramLabel = "URL", description = "http:// or https:// endpoint the arguments are POSTed to.")
        String url;

        @Option(names = "--description", required = true, paramLabel = "TEXT", description = "What the tool does, as a model reads it.")
        String description;

        @Option(names = "--parameters", required = true, paramLabel = "JSON|FILE",
                description = "JSON Schema (type object) of the arguments: the JSON itself, or a file that holds it.")
        String parameters;

        @Option(names = "--tenant", paramLabel = "T", description = "A tenant that may call it (repeatable; default: every tenant).")
        List<String> tenants = new ArrayList<>();

        @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "10000", description = "How long one try may take (default: ${DEFAULT-VALUE}).")
        int timeoutMs;

        @Option(names = "--disabled", description = "Register it disabled: no one may call it until it is enabled.")
        boolean disabled;

        @Option(names = "--owner", paramLabel = "WHO", description = "Who answers for it (default: the user running the command).")
        String owner;

        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() throws Exception {
            String schema = parameters;
            if (!schema.strip().startsWith("{")) {
                Path file = Path.of(schema);
                if (!Files.isRegularFile(file)) {
                    throw new CliException("--parameters " + schema + ": neither a JSON object nor a file", 2);
                }
                schema = Files.readString(file);
            }
            StackConnection c = new StackConnection(config);
            int version = ToolRegistry.read(c.clients, c.codec).get(name).map(t -> t.getVersion() + 1).orElse(1);
            ToolDefinition tool = ToolDefinition.newBuilder().setName(name).setVersion(version).setDescription(description)
                    .setParameters(schema).setKind(ToolKind.HTTP).setUrl(url)
                    .setOwner(owner == null ? System.getProperty("user.name", "operator") : owner).setEnabled(!disabled)
                    .setTenants(List.copyOf(tenants)).setTimeoutMs(timeoutMs).setUpdatedAtMs(System.currentTimeMillis()).build();
            write(c, tool, "tools.register");
            System.out.printf(Locale.ROOT, "Tool %s version %d registered (%s) on llm.tools.%n", name, version, disabled ? "disabled" : "enabled");
            return 0;
        }
    }

    /** Enable or disable: a new version with the flag set. */
    abstract static class Toggle extends OnOneTool {
        abstract boolean enabled();

        @Override
        public Integer call() throws Exception {
            Found found = find();
            StackConnection c = found.connection();
            ToolDefinition t = found.tool();
            String state = enabled() ? "enabled" : "disabled";
            if (t.getEnabled() == enabled()) {
                System.out.printf(Locale.ROOT, "Tool %s is already %s (version %d).%n", name, state, t.getVersion());
                return 0;
            }
            ToolDefinition next = ToolDefinition.newBuilder(t).setVersion(t.getVersion() + 1).setEnabled(enabled())
                    .setUpdatedAtMs(System.currentTimeMillis()).build();
            write(c, next, enabled() ? "tools.enable" : "tools.disable");
            System.out.printf(Locale.ROOT, "Tool %s %s (version %d).%n", name, state, next.getVersion());
            return 0;
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Let the tool be called again.")
    static final class EnableCommand extends Toggle {
        @Override
        boolean enabled() {
            return true;
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Refuse every call of the tool until it is enabled.")
    static final class DisableCommand extends Toggle {
        @Override
        boolean enabled() {
            return false;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove the tool from the registry (a tombstone on llm.tools).")
    static final class RemoveCommand extends OnOneTool {
        @Override
        public Integer call() throws Exception {
            Found found = find();
            StackConnection c = found.connection();
            ToolDefinition t = found.tool();
            try (KafkaProducer<byte[], byte[]> producer = c.clients.producer("switchboard-tools")) {
                ToolRegistry.remove(producer, name).get(10, TimeUnit.SECONDS);
            }
            audit(c, "tools.remove", name, Map.of("version", Integer.toString(t.getVersion())));
            System.out.printf(Locale.ROOT, "Tool %s removed (it was at version %d).%n", name, t.getVersion());
            return 0;
        }
    }

    @Command(name = "call", mixinStandardHelpOptions = true,
            description = {"Call a registered HTTP tool as a tenant would, with the registry's checks, timeouts, retries and circuit "
                    + "breaker, and print what it answered.",
                    "Exit 0: answered; 1: it failed; 2: refused, or the arguments do not fit its schema."})
    static final class CallCommand extends OnOneTool {
        @Option(names = "--args", paramLabel = "JSON", defaultValue = "{}", description = "The arguments, a JSON object (default: {}).")
        String arguments;

        @Option(names = "--tenant", paramLabel = "T", defaultValue = "default", description = "The tenant calling (default: ${DEFAULT-VALUE}).")
        String tenant;

        @Override
        public Integer call() throws Exception {
            Found found = find();
            StackConnection c = found.connection();
            ToolDefinition t = found.tool();
            ToolCaller.Result result;
            try (ToolCaller caller = new ToolCaller(new ToolAccess(c.config.planning().deniedTools()), ToolCaller.Settings.DEFAULT)) {
                result = caller.call(t, tenant, arguments, null);
            }
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("tool", name + " (version " + t.getVersion() + ")");
            fields.put("status", result.status().name());
            fields.put("tries", Integer.toString(result.tries()));
            fields.put("latency", result.latencyMs() + " ms");
            fields.put("idempotency key", result.idempotencyKey());
            if (result.error() != null) {
                fields.put("error", result.error());
            }
            System.out.print(Table.of(fields));
            if (result.output() != null) {
                System.out.println(result.output());
            }
            return switch (result.status()) {
                case SUCCEEDED -> 0;
                case FAILED, CIRCUIT_OPEN -> 1;
                case REFUSED, INVALID_ARGUMENTS -> 2;
            };
        }
    }
}
