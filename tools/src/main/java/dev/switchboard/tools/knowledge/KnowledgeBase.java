package dev.switchboard.tools.knowledge;

import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import dev.switchboard.avro.KnowledgeChunk;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicSource;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;

/**
 * The documents of the knowledge base and retrieval over them: every chunk on the compacted
 * {@code llm.knowledge} (keyed by {@code documentId#chunk}, a tombstone removes a chunk), held in a
 * langchain4j {@link InMemoryEmbeddingStore} with the embedding the chunk was stored with, so any
 * process rebuilds the index by reading the topic, without embedding again. {@link #read} once, or
 * {@link #follow} to keep reading. Thread-safe.
 */
public final class KnowledgeBase implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KnowledgeBase.class);
    private static final String DOCUMENT = "documentId";
    private static final String SOURCE = "source";
    private static final String CHUNK = "chunk";

    /** A chunk found for a query, with its cosine-based relevance in [0, 1]. */
    public record Passage(String documentId, int chunk, String source, String text, double score) {

        /** How an answer cites it: {@code [documentId#chunk]}. */
        public String citation() {
            return "[" + documentId + "#" + chunk + "]";
        }
    }

    /** A document as the knowledge base holds it. */
    public record Document(String documentId, String source, int chunks, int characters, List<String> tenants, String addedBy,
                           long addedAtMs) {
    }

    private final Codec codec;
    /** Every chunk held, by key; guarded by {@code this}, with {@link #store}. */
    private final Map<String, KnowledgeChunk> chunks = new TreeMap<>();
    private final InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
    /** Where the records come from; set right after construction. */
    private volatile TopicSource source;

    private KnowledgeBase(Codec codec) {
        this.codec = codec;
    }

    /** The knowledge base as {@code llm.knowledge} holds it now. */
    public static KnowledgeBase read(KafkaClients clients, Codec codec) {
        KnowledgeBase kb = new KnowledgeBase(codec);
        kb.source = TopicSource.read(clients, Topics.KNOWLEDGE.name(), kb::apply);
        return kb;
    }

    /** A knowledge base that reads {@code llm.knowledge} from its beginning and keeps reading it until closed. */
    public static KnowledgeBase follow(KafkaClients clients, Codec codec, String name) {
        KnowledgeBase kb = new KnowledgeBase(codec);
        kb.source = TopicSource.follow(clients, name, Topics.KNOWLEDGE.name(), kb::apply);
        return kb;
    }

    public static String key(String documentId, int chunk) {
        return documentId + "#" + String.format(Locale.ROOT, "%05d", chunk);
    }

    /** One record of {@code llm.knowledge}: a chunk, or a tombstone. */
    synchronized void apply(ConsumerRecord<byte[], byte[]> record) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (key == null) {
            return;
        }
        if (record.value() == null) {
            if (chunks.remove(key) != null) {
                store.remove(key);
            }
            return;
        }
        KnowledgeChunk chunk;
        try {
            chunk = codec.decode(Topics.KNOWLEDGE, record.value());
        } catch (RuntimeException e) {
            log.warn("llm.knowledge offset {}: chunk {} cannot be read and is left out of the knowledge base: {}", record.offset(), key,
                    e.toString());
            return;
        }
        if (chunks.put(key, chunk) != null) {
            store.remove(key);
        }
        float[] vector = new float[chunk.getEmbedding().size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = chunk.getEmbedding().get(i);
        }
        Metadata metadata = new Metadata().put(DOCUMENT, chunk.getDocumentId()).put(SOURCE, chunk.getSource()).put(CHUNK, chunk.getChunk());
        store.add(key, Embedding.from(vector), TextSegment.from(chunk.getText(), metadata));
    }

    /** The documents, by id. */
    public synchronized List<Document> documents() {
        Map<String, List<KnowledgeChunk>> byDocument = new TreeMap<>();
        chunks.values().forEach(c -> byDocument.computeIfAbsent(c.getDocumentId(), d -> new ArrayList<>()).add(c));
        List<Document> documents = new ArrayList<>();
        byDocument.forEach((id, parts) -> {
            KnowledgeChunk first = parts.getFirst();
            documents.add(new Document(id, first.getSource(), parts.size(), parts.stream().mapToInt(c -> c.getText().length()).sum(),
                    List.copyOf(first.getTenants()), first.getAddedBy(), first.getAddedAtMs()));
        });
        return documents;
    }

    /** The keys of the chunks {@code documentId} has now. */
    public synchronized List<String> keys(String documentId) {
        return chunks.entrySet().stream().filter(e -> e.getValue().getDocumentId().equals(documentId)).map(Map.Entry::getKey).toList();
    }

    /**
     * The {@code max} chunks most relevant to {@code embeddedQuery} that {@code tenant} may read,
     * best first.
     */
    public synchronized List<Passage> search(Embedding embeddedQuery, String tenant, int max) {
        EmbeddingSearchRequest request = EmbeddingSearchRequest.builder().queryEmbedding(embeddedQuery)
                .maxResults(Math.max(max, 1) * 4 + 16).minScore(0.0).build();
        List<Passage> found = new ArrayList<>();
        for (EmbeddingMatch<TextSegment> match : store.search(request).matches()) {
            KnowledgeChunk chunk = chunks.get(match.embeddingId());
            if (chunk == null || !(chunk.getTenants().isEmpty() || chunk.getTenants().contains(tenant))) {
                continue;
            }
            found.add(new Passage(chunk.getDocumentId(), chunk.getChunk(), chunk.getSource(), chunk.getText(), match.score()));
            if (found.size() == max) {
                break;
            }
        }
        found.sort(Comparator.comparingDouble(Passage::score).reversed());
        return found;
    }

    /**
     * Writes {@code document}'s chunks, then tombstones for the chunks an earlier version of it had
     * beyond them ({@code previousKeys}), so the topic holds exactly the new version.
     */
    public static List<Future<RecordMetadata>> publish(Producer<byte[], byte[]> producer, Codec codec, List<KnowledgeChunk> document,
                                                       List<String> previousKeys) {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        java.util.Set<String> written = new java.util.HashSet<>();
        for (KnowledgeChunk chunk : document) {
            String key = key(chunk.getDocumentId(), chunk.getChunk());
            written.add(key);
            sent.add(producer.send(codec.record(Topics.KNOWLEDGE, key, chunk)));
        }
        for (String stale : previousKeys) {
            if (!written.contains(stale)) {
                sent.add(tombstone(producer, stale));
            }
        }
        return sent;
    }

    /** Tombstones for {@code keys}: the chunks are removed once the knowledge bases read them. */
    public static List<Future<RecordMetadata>> remove(Producer<byte[], byte[]> producer, List<String> keys) {
        return keys.stream().map(k -> tombstone(producer, k)).toList();
    }

    private static Future<RecordMetadata> tombstone(Producer<byte[], byte[]> producer, String key) {
        return producer.send(new ProducerRecord<>(Topics.KNOWLEDGE.name(), key.getBytes(StandardCharsets.UTF_8), null));
    }

    /**
     * Whether this instance, following the topic, has read all it held when it started, waiting up to
     * {@code timeout}; an instance {@code read} once has.
     */
    public boolean awaitCaughtUp(java.time.Duration timeout) throws InterruptedException {
        return source.awaitCaughtUp(timeout);
    }

    @Override
    public void close() {
        source.close();
    }
}
