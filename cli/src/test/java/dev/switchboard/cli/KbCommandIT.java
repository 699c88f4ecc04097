package dev.switchboard.cli;

import dev.switchboard.avro.AuditEvent;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import dev.switchboard.tools.agent.AgentService;
import dev.switchboard.tools.knowledge.KnowledgeBase;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The knowledge base through the CLI, on a real broker: Markdown and PDF documents added, listed, replaced and removed. */
class KbCommandIT {

    @TempDir
    static Path dataDir;
    static CliStack cli;

    @BeforeAll
    static void start() {
        cli = new CliStack(dataDir);
    }

    @AfterAll
    static void stop() {
        cli.close();
    }

    static void pdf(Path file, String line) throws Exception {
        try (PDDocument document = new PDDocument()) {
            PDPage page = new PDPage();
            document.addPage(page);
            try (PDPageContentStream text = new PDPageContentStream(document, page)) {
                text.beginText();
                text.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
                text.newLineAtOffset(72, 700);
                text.showText(line);
                text.endText();
            }
            document.save(file.toFile());
        }
    }

    @Test
    void documentsAreAddedListedReplacedAndRemovedAndTheAgentRuntimeFollows(@TempDir Path dir) throws Exception {
        Path refunds = dir.resolve("refunds.md");
        Files.writeString(refunds, "# Refunds\n\nAcme accepts returns within 30 days of purchase.\n");
        Path handbook = dir.resolve("handbook.pdf");
        pdf(handbook, "Staff may return items within 90 days of purchase.");
        Path word = dir.resolve("notes.docx");
        Files.writeString(word, "not a supported format");

        CliStack.Run empty = cli.run("kb", "list");
        CliStack.Run added = cli.run("kb", "add", refunds.toString(), handbook.toString(), "--tenant", "acme");
        CliStack.Run listed = cli.run("kb", "list");

        assertThat(empty.out()).contains("The knowledge base is empty");
        assertThat(added.exitCode()).as(added.err()).isZero();
        assertThat(added.out()).containsPattern("refunds\\.md\\s+1\\s+\\d+\\s+added").containsPattern("handbook\\.pdf\\s+1\\s+\\d+\\s+added");
        assertThat(listed.out()).containsPattern("DOCUMENT\\s+CHUNKS\\s+CHARACTERS\\s+TENANTS\\s+ADDED BY\\s+ADDED\\s+SOURCE")
                .containsPattern("handbook\\.pdf\\s+1\\s+\\d+\\s+acme\\s+").containsPattern("refunds\\.md\\s+1\\s+\\d+\\s+acme\\s+");

        // A longer version of one document replaces all its chunks.
        Files.writeString(refunds, "# Refunds\n\n" + IntStream.range(0, 12)
                .mapToObj(i -> "Rule " + i + ": returns of category " + i + " are accepted within " + (30 + i) + " days of purchase, "
                        + "with the receipt, in any Acme store or by post to the returns centre.")
                .collect(Collectors.joining("\n\n")) + "\n");
        CliStack.Run replaced = cli.run("kb", "add", refunds.toString());
        SwitchboardConfig config = SwitchboardConfig.withOverrides(cli.settings);
        KafkaClients clients = new KafkaClients(config.bootstrapServers());
        Codec codec = new Codec(SchemaRegistryClient.fromConfigs(config.schemaRegistryClientProperties()));
        int chunksNow = KnowledgeBase.read(clients, codec).keys("refunds.md").size();
        assertThat(chunksNow).isGreaterThan(1);
        assertThat(replaced.out()).containsPattern("refunds\\.md\\s+" + chunksNow + "\\s+\\d+\\s+replaced \\(1 chunk before\\)");

        CliStack.Run removed = cli.run("kb", "remove", "handbook.pdf");
        CliStack.Run unknown = cli.run("kb", "remove", "handbook.pdf");
        CliStack.Run unsupported = cli.run("kb", "add", word.toString());
        CliStack.Run twoWithOneId = cli.run("kb", "add", refunds.toString(), word.toString(), "--id", "x");

        assertThat(removed.out()).contains("Document handbook.pdf removed (1 chunk).");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("No document handbook.pdf in the knowledge base; documents: refunds.md");
        assertThat(unsupported.exitCode()).isEqualTo(2);
        assertThat(unsupported.err()).contains("notes.docx: .docx files are not read; the knowledge base takes text (.txt, .md, or a name without an extension, UTF-8) and PDF (.pdf)");
        assertThat(twoWithOneId.exitCode()).isEqualTo(2);
        assertThat(twoWithOneId.err()).contains("--id names one document: give one PATH with it, not 2");

        // The stack's agent runtime follows llm.knowledge: the replaced document's chunks, the removed one gone.
        AgentService agent = cli.stack.workers().agent().orElseThrow();
        await().atMost(java.time.Duration.ofSeconds(30)).until(() -> agent.knowledge().documents().stream()
                .map(d -> d.documentId() + ":" + d.chunks()).toList(), d -> d.equals(List.of("refunds.md:" + chunksNow)));
        List<String> audited = TopicReader.readToEnd(clients, List.of(Topics.AUDIT.name()), r -> true).stream()
                .map(r -> codec.decode(Topics.AUDIT, r.value())).filter(e -> e.getAction().startsWith("kb."))
                .sorted(Comparator.comparingLong(AuditEvent::getAtMs)).map(e -> e.getAction() + " " + e.getTarget()).toList();
        assertThat(audited).containsExactly("kb.add refunds.md", "kb.add handbook.pdf", "kb.replace refunds.md", "kb.remove handbook.pdf");
    }
}
