package dev.switchboard.devstack.serde;

import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.FeedbackKind;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.devstack.InfraFixture;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import dev.switchboard.schemas.serde.AvroDeserializer;
import dev.switchboard.schemas.serde.AvroSerde;
import dev.switchboard.schemas.serde.AvroSerializer;
import dev.switchboard.schemas.serde.WireFormatException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Confluent wire format against the real embedded registry. */
class AvroWireFormatIT {

    @TempDir
    static Path dataDir;
    static InfraFixture infra;
    static SchemaRegistryClient registry;

    @BeforeAll
    static void start() {
        infra = new InfraFixture(dataDir);
        registry = new SchemaRegistryClient(infra.registryUrl());
    }

    @AfterAll
    static void stop() {
        infra.close();
    }

    @Test
    void feedbackHasTheExactConfluentWireBytes() {
        Feedback feedback = new Feedback("r1", "t", FeedbackKind.ACCURACY, 0.5, null, 1L);

        byte[] bytes = new AvroSerializer<Feedback>(registry).serialize("llm.feedback", feedback);

        int id = registry.register("llm.feedback-value", Feedback.getClassSchema());
        String expected = "00" + String.format("%08x", id)
                + "04" + "7231"              // "r1": zig-zag length 2, 'r', '1'
                + "02" + "74"                // "t"
                + "02"                       // enum ACCURACY, index 1
                + "000000000000e03f"         // 0.5 as a little-endian IEEE 754 double
                + "00"                       // comment: union branch 0, null
                + "02";                      // createdAtMs 1, zig-zag
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(expected);
    }

    @Test
    void specificRecordsRoundTrip() {
        LlmRequest request = LlmRequest.newBuilder()
                .setRequestId("req-1").setTenantId("acme").setSessionId("s-9")
                .setMessages(List.of(Messages.of(ChatRole.SYSTEM, "Be brief."), Messages.of(ChatRole.USER, "Hi")))
                .setTools(List.of("search")).setAttributes(Map.of("team", "blue")).setReplyTo("my.replies")
                .setDeadlineMs(99L).setCreatedAtMs(42L).setPreferredProviders(List.of("sim-strong"))
                .build();
        AvroSerde<LlmRequest> serde = new AvroSerde<>(registry, LlmRequest.class);

        byte[] bytes = serde.serializer().serialize("llm.requests", request);

        assertThat(serde.deserializer().deserialize("llm.requests", bytes)).isEqualTo(request);
    }

    @Test
    void genericRecordsRoundTripAndReadAsSpecific() {
        Schema coreOnly = new Schema.Parser().parse("""
                {"type":"record","name":"LlmRequest","namespace":"dev.switchboard.avro","fields":[
                  {"name":"requestId","type":"string"},{"name":"tenantId","type":"string"},
                  {"name":"messages","type":{"type":"array","items":{"type":"record","name":"ChatMessage","fields":[
                    {"name":"role","type":{"type":"enum","name":"ChatRole","symbols":["SYSTEM","USER","ASSISTANT","TOOL"]}},
                    {"name":"content","type":"string"}]}}},
                  {"name":"createdAtMs","type":"long"}]}""");
        GenericRecord message = new GenericData.Record(coreOnly.getField("messages").schema().getElementType());
        message.put("role", new GenericData.EnumSymbol(message.getSchema().getField("role").schema(), "USER"));
        message.put("content", "What is 2+2?");
        GenericRecord request = new GenericData.Record(coreOnly);
        request.put("requestId", "core-1");
        request.put("tenantId", "acme");
        request.put("messages", List.of(message));
        request.put("createdAtMs", 7L);

        byte[] bytes = new AvroSerializer<GenericRecord>(registry).serialize("it.core-requests", request);

        GenericRecord generic = AvroDeserializer.generic(registry).deserialize("it.core-requests", bytes);
        assertThat(generic.get("requestId").toString()).isEqualTo("core-1");
        // A writer with only the core fields is read as the full LlmRequest with the defaults filled in.
        LlmRequest specific = AvroDeserializer.specific(registry, LlmRequest.class).deserialize("it.core-requests", bytes);
        assertThat(specific.getRequestId()).isEqualTo("core-1");
        assertThat(specific.getMessages()).containsExactly(Messages.of(ChatRole.USER, "What is 2+2?"));
        assertThat(specific.getSessionId()).isNull();
        assertThat(specific.getTools()).isEmpty();
        assertThat(specific.getAttributes()).isEmpty();
        assertThat(specific.getPreferredProviders()).isEmpty();
        assertThat(specific.getReplyTo()).isNull();
    }

    @Test
    void badBytesRaiseTypedErrors() {
        AvroDeserializer<LlmRequest> deserializer = AvroDeserializer.specific(registry, LlmRequest.class);

        assertThat(reason(() -> deserializer.deserialize("t", new byte[] {0, 0, 0})))
                .isEqualTo(WireFormatException.Reason.TOO_SHORT);
        assertThat(reason(() -> deserializer.deserialize("t", "{\"json\":true}".getBytes())))
                .isEqualTo(WireFormatException.Reason.UNKNOWN_MAGIC_BYTE);
        assertThat(reason(() -> deserializer.deserialize("t", ByteBuffer.allocate(9).put((byte) 0).putInt(987_654).array())))
                .isEqualTo(WireFormatException.Reason.UNKNOWN_SCHEMA_ID);
        int id = registry.register("t-value", LlmRequest.getClassSchema());
        byte[] truncated = ByteBuffer.allocate(7).put((byte) 0).putInt(id).put((byte) 0x7f).put((byte) 0x01).array();
        assertThat(reason(() -> deserializer.deserialize("t", truncated)))
                .isEqualTo(WireFormatException.Reason.MALFORMED_PAYLOAD);
    }

    @Test
    void anUnreachableRegistryIsTransientNotPoison() {
        SchemaRegistryClient nowhere = new SchemaRegistryClient("http://localhost:" + dev.switchboard.devstack.FreePorts.any(),
                Duration.ofSeconds(2));
        byte[] bytes = ByteBuffer.allocate(6).put((byte) 0).putInt(1).put((byte) 0).array();

        assertThatThrownBy(() -> AvroDeserializer.specific(nowhere, LlmRequest.class).deserialize("t", bytes))
                .isInstanceOfSatisfying(WireFormatException.class, e -> {
                    assertThat(e.reason()).isEqualTo(WireFormatException.Reason.REGISTRY_UNAVAILABLE);
                    assertThat(e.isTransient()).isTrue();
                });
        assertThatThrownBy(() -> new AvroSerializer<SpecificRecord>(nowhere).serialize("t",
                new Feedback("r", "t", FeedbackKind.ACCURACY, 1.0, null, 1L)))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.REGISTRY_UNAVAILABLE));
    }

    private static WireFormatException.Reason reason(Runnable action) {
        try {
            action.run();
        } catch (WireFormatException e) {
            return e.reason();
        }
        throw new AssertionError("expected a WireFormatException");
    }
}
