package dev.switchboard.schemas.serde;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.LlmRequest;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SharedResolversTest {

    private static final LlmRequest REQUEST = LlmRequest.newBuilder().setRequestId("r-1").setTenantId("acme")
            .setMessages(List.of(Messages.of(ChatRole.USER, "What is 2+2?"))).setCreatedAtMs(7L).build();

    @Test
    void readsOnAThousandVirtualThreadsOneAfterAnotherShareOneDecoder() throws Exception {
        SharedResolvers resolvers = new SharedResolvers(LlmRequest.getClassSchema(), LlmRequest.getClassSchema());
        var reader = new SpecificDatumReader<LlmRequest>(LlmRequest.class) {
            LlmRequest readShared(byte[] bytes) throws IOException {
                return resolvers.read(DecoderFactory.get().binaryDecoder(bytes, null), d -> (LlmRequest) read(null, getExpected(), d));
            }
        };
        byte[] bytes = encode(REQUEST);
        List<LlmRequest> read = new ArrayList<>();

        for (int i = 0; i < 1_000; i++) {
            Thread.ofVirtual().start(() -> {
                try {
                    read.add(reader.readShared(bytes));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).join();
        }

        assertThat(read).hasSize(1_000).containsOnly(REQUEST);
        assertThat(resolvers.built()).isEqualTo(1);
    }

    @Test
    void theReaderGivesEveryVirtualThreadTheRecordAndAFailedReadLeavesTheNextOneWhole() throws Exception {
        var reader = StrictUtf8.<LlmRequest>specific(LlmRequest.getClassSchema(), LlmRequest.getClassSchema(),
                org.apache.avro.specific.SpecificData.get());
        byte[] bytes = encode(REQUEST);
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 3);

        assertThatThrownBy(() -> reader.read(null, DecoderFactory.get().binaryDecoder(truncated, null)))
                .isInstanceOf(IOException.class);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<LlmRequest>> reads = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                reads.add(threads.submit(() -> reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null))));
            }
            for (Future<LlmRequest> read : reads) {
                assertThat(read.get()).isEqualTo(REQUEST);
            }
        }
    }

    private static byte[] encode(LlmRequest request) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(LlmRequest.class).write(request, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
