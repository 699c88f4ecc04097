package dev.switchboard.cli;

import dev.switchboard.avro.KnowledgeChunk;
import dev.switchboard.tools.knowledge.Documents;
import dev.switchboard.tools.knowledge.Embeddings;
import dev.switchboard.tools.knowledge.KnowledgeBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

@Command(name = "kb", mixinStandardHelpOptions = true,
        description = {"The knowledge base the built-in knowledge_base tool searches: documents split into chunks, embedded with the "
                + "bundled all-MiniLM-L6-v2 model and kept on the compacted llm.knowledge, from which every agent rebuilds its index.",
                "Every change is audited on llm.audit."},
        subcommands = {KbCommand.AddCommand.class, KbCommand.ListCommand.class, KbCommand.RemoveCommand.class})
final class KbCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static String chunks(int n) {
        return n == 1 ? "1 chunk" : n + " chunks";
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Add documents (text, Markdown or PDF), or replace them: a document added again under its id replaces the "
                    + "earlier version, chunks it no longer has included."})
    static final class AddCommand implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files to add: text (.txt, .md, or no extension; UTF-8) or PDF (.pdf).")
        List<Path> paths;

        @Option(names = "--id", paramLabel = "ID", description = "The document's id (one PATH only; default: the file's name).")
        String id;

        @Option(names = "--tenant", paramLabel = "T", description = "A tenant whose agents may read it (repeatable; default: every tenant).")
        List<String> tenants = new ArrayList<>();

        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() throws Exception {
            if (id != null && paths.size() > 1) {
                throw new CliException("--id names one document: give one PATH with it, not " + paths.size(), 2);
            }
            if (id != null && (id.isBlank() || id.contains("#"))) {
                throw new CliException("--id must not be empty or contain '#', got '" + id + "'", 2);
            }
            List<String> texts = new ArrayList<>();
            for (Path path : paths) {
                try {
                    texts.add(Documents.text(path));
                } catch (IllegalArgumentException e) {
                    throw new CliException(e.getMessage(), 2);
                }
            }
            StackConnection c = new StackConnection(config);
            KnowledgeBase now = KnowledgeBase.read(c.clients, c.codec);
            Embeddings embeddings = new Embeddings();
            String who = System.getProperty("user.name", "operator");
            List<List<String>> rows = new ArrayList<>();
            ProgressBar progress = new ProgressBar(System.err, "embedding");
            try (KafkaProducer<byte[], byte[]> producer = c.clients.producer("switchboard-kb")) {
                for (int i = 0; i < paths.size(); i++) {
                    Path path = paths.get(i);
                    String documentId = id != null ? id : Documents.defaultId(path);
                    List<KnowledgeChunk> chunks = Documents.chunks(documentId, path.toString(), texts.get(i), tenants, who,
                            System.currentTimeMillis(), embeddings);
                    List<String> previous = now.keys(documentId);
                    for (Future<RecordMetadata> sent : KnowledgeBase.publish(producer, c.codec, chunks, previous)) {
                        sent.get(30, TimeUnit.SECONDS);
                    }
                    progress.update(i + 1, paths.size());
                    ToolsCommand.audit(c, previous.isEmpty() ? "kb.add" : "kb.replace", documentId,
                            Map.of("source", path.toString(), "chunks", Integer.toString(chunks.size())));
                    int characters = chunks.stream().mapToInt(chunk -> chunk.getText().length()).sum();
                    rows.add(List.of(documentId, Integer.toString(chunks.size()), Integer.toString(characters),
                            previous.isEmpty() ? "added" : "replaced (" + chunks(previous.size()) + " before)"));
                }
            }
            progress.finish();
            System.out.print(Table.of(List.of("DOCUMENT", "CHUNKS", "CHARACTERS", "WHAT"), rows));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the documents of the knowledge base.")
    static final class ListCommand implements Callable<Integer> {
        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() {
            StackConnection c = new StackConnection(config);
            List<KnowledgeBase.Document> documents = KnowledgeBase.read(c.clients, c.codec).documents();
            if (documents.isEmpty()) {
                System.out.println("The knowledge base is empty (switchboard kb add --help).");
                return 0;
            }
            List<List<String>> rows = new ArrayList<>();
            for (KnowledgeBase.Document d : documents) {
                rows.add(List.of(d.documentId(), Integer.toString(d.chunks()), String.format(Locale.ROOT, "%d", d.characters()),
                        d.tenants().isEmpty() ? "all" : String.join(",", d.tenants()), d.addedBy() == null ? "-" : d.addedBy(),
                        Instant.ofEpochMilli(d.addedAtMs()).toString(), d.source()));
            }
            System.out.print(Table.of(List.of("DOCUMENT", "CHUNKS", "CHARACTERS", "TENANTS", "ADDED BY", "ADDED", "SOURCE"), rows));
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a document and its chunks (tombstones on llm.knowledge).")
    static final class RemoveCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The document's id, as kb list shows it.")
        String documentId;

        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() throws Exception {
            StackConnection c = new StackConnection(config);
            KnowledgeBase now = KnowledgeBase.read(c.clients, c.codec);
            List<String> keys = now.keys(documentId);
            if (keys.isEmpty()) {
                List<String> ids = now.documents().stream().map(KnowledgeBase.Document::documentId).toList();
                throw new CliException("No document " + documentId + " in the knowledge base; "
                        + (ids.isEmpty() ? "it is empty" : "documents: " + String.join(", ", ids)), 2);
            }
            try (KafkaProducer<byte[], byte[]> producer = c.clients.producer("switchboard-kb")) {
                for (Future<RecordMetadata> sent : KnowledgeBase.remove(producer, keys)) {
                    sent.get(30, TimeUnit.SECONDS);
                }
            }
            ToolsCommand.audit(c, "kb.remove", documentId, Map.of("chunks", Integer.toString(keys.size())));
            System.out.printf("Document %s removed (%s).%n", documentId, chunks(keys.size()));
            return 0;
        }
    }
}
