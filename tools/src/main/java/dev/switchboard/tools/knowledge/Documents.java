package dev.switchboard.tools.knowledge;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.DocumentSplitter;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.switchboard.avro.KnowledgeChunk;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns a file into knowledge-base chunks: text and Markdown read as UTF-8, PDF through Apache
 * PDFBox's text extraction; split by paragraphs, then lines, then sentences into chunks of at most
 * {@link #CHUNK_CHARS} characters overlapping by {@link #OVERLAP_CHARS} (langchain4j's recursive
 * splitter), each embedded with all-MiniLM-L6-v2.
 */
public final class Documents {

    public static final int CHUNK_CHARS = 800;
    public static final int OVERLAP_CHARS = 100;
    /** A document larger than this, as text, is refused: split it first. */
    public static final int MAX_CHARS = 2_000_000;

    private Documents() {
    }

    /** The document id a path gets when none is given: its file name. */
    public static String defaultId(Path path) {
        return path.getFileName().toString();
    }

    /**
     * The file's text.
     *
     * @throws IllegalArgumentException naming the file, when it cannot be read, is not UTF-8 text or
     *                                  PDF, holds no text, or is too large
     */
    /** The extensions read as UTF-8 text; "" is a name without one. */
    private static final java.util.Set<String> TEXT = java.util.Set.of(".txt", ".text", ".md", ".markdown", "");

    public static String text(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot);
        if (!TEXT.contains(extension) && !extension.equals(".pdf")) {
            throw new IllegalArgumentException(path + ": " + extension + " files are not read; the knowledge base takes text (.txt, .md, "
                    + "or a name without an extension, UTF-8) and PDF (.pdf)");
        }
        String text;
        try {
            if (name.endsWith(".pdf")) {
                try (PDDocument pdf = Loader.loadPDF(path.toFile())) {
                    text = new PDFTextStripper().getText(pdf);
                }
            } else {
                byte[] bytes = Files.readAllBytes(path);
                try {
                    text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
                } catch (CharacterCodingException e) {
                    throw new IllegalArgumentException(path + " is neither UTF-8 text (.txt, .md) nor a PDF");
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(path + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(path + " cannot be read: " + e.getMessage());
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException(path + " holds no text");
        }
        if (text.length() > MAX_CHARS) {
            throw new IllegalArgumentException(path + " has " + text.length() + " characters, more than the " + MAX_CHARS
                    + " one document may have: split it into several files");
        }
        return text;
    }

    /** {@code text} as the chunks of document {@code documentId}, embedded. */
    public static List<KnowledgeChunk> chunks(String documentId, String source, String text, List<String> tenants, String addedBy,
                                              long addedAtMs, Embeddings embeddings) {
        DocumentSplitter splitter = DocumentSplitters.recursive(CHUNK_CHARS, OVERLAP_CHARS);
        List<TextSegment> segments = splitter.split(Document.from(text));
        List<Embedding> vectors = embeddings.embedAll(segments);
        List<KnowledgeChunk> chunks = new ArrayList<>(segments.size());
        for (int i = 0; i < segments.size(); i++) {
            List<Float> embedding = new ArrayList<>(Embeddings.DIMENSIONS);
            for (float v : vectors.get(i).vector()) {
                embedding.add(v);
            }
            chunks.add(KnowledgeChunk.newBuilder().setDocumentId(documentId).setSource(source).setChunk(i).setChunks(segments.size())
                    .setText(segments.get(i).text()).setEmbedding(embedding).setTenants(tenants).setAddedBy(addedBy)
                    .setAddedAtMs(addedAtMs).build());
        }
        return chunks;
    }
}
