package dev.switchboard.tools;

import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.avro.ToolKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ToolDefinitionsTest {

    private static ToolDefinition.Builder valid() {
        return ToolDefinition.newBuilder().setName("lookup_order").setVersion(1).setDescription("Finds an order by id")
                .setParameters("{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}},\"required\":[\"id\"]}")
                .setKind(ToolKind.HTTP).setUrl("https://orders.example/lookup").setOwner("ops").setEnabled(true)
                .setTenants(List.of()).setTimeoutMs(5_000).setUpdatedAtMs(1L);
    }

    @Test
    void aValidToolPasses() {
        ToolDefinition tool = valid().build();
        assertThat(ToolDefinitions.validated(tool)).isSameAs(tool);
    }

    @Test
    void eachWrongFieldIsNamed() {
        assertThatThrownBy(() -> ToolDefinitions.validated(valid().setName("look up").build()))
                .hasMessage("tool name 'look up' must be 1 to 64 of a-z, A-Z, 0-9, _ and -");
        assertThatThrownBy(() -> ToolDefinitions.validated(valid().setName("x".repeat(65)).build())).hasMessageContaining("1 to 64");
        assertThatThrownBy(() -> ToolDefinitions.validated(valid().setDescription(" ").build()))
                .hasMessage("tool lookup_order: description is empty; a model reads it to decide when to call the tool");
        assertThatThrownBy(() -> ToolDefinitions.validated(valid().setParameters("{\"type\":").build()))
                .hasMessageStartingWith("tool lookup_order: parameters is not JSON: ");
        assertThatThrownBy(() -> ToolDefinitions.validated(valid().setParameters("{\"type\":\"string\"}").build()))
                .hasMessageStartingWith("tool lookup_order: parameters must be a JSON Schema of type object");
        assertThatThrownBy(() -> ToolDefinitions.validated(valid().setUrl("ftp://orders.example/x").build()))
                .hasMessage("tool lookup_order: an HTTP tool needs an http:// or https:// url, got 'ftp://orders.example/x'");
        assertThatThrownBy(() -> ToolDefinitions.validated(valid().setUrl(null).build()))
                .hasMessage("tool lookup_order: an HTTP tool needs an http:// or https:// url, got 'null'");
        assertThatThrownBy(() -> ToolDefinitions.validated(valid().setTimeoutMs(0).build()))
                .hasMessage("tool lookup_order: timeoutMs must be 1 to 600000, got 0");
    }

    @Test
    void argumentsAreCheckedAgainstTheSchema() {
        ToolDefinition tool = valid().build();
        assertThat(ToolDefinitions.arguments(tool, "{\"id\":42}").path("id").asInt()).isEqualTo(42);
        assertThatThrownBy(() -> ToolDefinitions.arguments(tool, "{\"id\":\"forty-two\"}"))
                .isInstanceOf(ToolDefinitions.InvalidArgumentsException.class)
                .hasMessageStartingWith("tool lookup_order: arguments do not fit its schema: ").hasMessageContaining("integer");
    }
}
