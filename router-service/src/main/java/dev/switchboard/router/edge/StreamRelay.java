package dev.switchboard.router.edge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.avro.LlmChunk;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.ReplyStatus;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Relays one streamed answer as server-sent events while the provider streams it: each piece the
 * worker publishes on {@code llm.chunks} goes out as a {@code chat.completion.chunk}, and the reply
 * ends the stream with the finish reason, usage and {@code [DONE]}.
 *
 * <p>Nothing is sent before the first piece, so a failover before it is invisible: the client sees
 * only the attempt that answers, or an ordinary HTTP error when none does. Once pieces of one attempt
 * have gone out, a piece or a reply of another attempt means that attempt failed mid-stream and the
 * next one started over: the stream ends with an OpenAI-style error event. The reply is the whole
 * answer; what it has beyond the pieces relayed (a piece still on its way) is sent before the end.
 */
final class StreamRelay {

    private final Context ctx;
    private final String requestId;
    private final BlockingQueue<Object> events;
    private final long deadlineMs;
    private OutputStream out;
    private int attempt = -1;
    private final StringBuilder sent = new StringBuilder();
    private String model = "";

    StreamRelay(Context ctx, String requestId, BlockingQueue<Object> events, long deadlineMs) {
        this.ctx = ctx;
        this.requestId = requestId;
        this.events = events;
        this.deadlineMs = deadlineMs;
    }

    void run() {
        try {
            while (true) {
                long left = deadlineMs - System.currentTimeMillis();
                Object event = left <= 0 ? null : events.poll(left, TimeUnit.MILLISECONDS);
                switch (event) {
                    case null -> {
                        end(new EdgeError(504, "timeout", null, "deadline_exceeded", "No answer before the deadline; GET /v1/requests/"
                                + requestId + " tells whether one comes", null));
                        return;
                    }
                    case LlmChunk chunk -> {
                        if (!piece(chunk)) {
                            return;
                        }
                    }
                    case LlmReply reply -> {
                        finish(reply);
                        return;
                    }
                    case Throwable error -> {
                        end(new EdgeError(503, "service_unavailable", null, "kafka_unavailable",
                                "The request could not be queued: " + error.getClass().getSimpleName(), Duration.ofSeconds(1)));
                        return;
                    }
                    default -> throw new IllegalStateException("Unexpected stream event " + event.getClass());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client went away; the request goes on and its answer can be fetched by id.
        }
    }

    /** Relays a piece; false when the stream has ended (a failover after pieces went out). */
    private boolean piece(LlmChunk chunk) throws IOException {
        if (attempt == -1) {
            attempt = chunk.getAttempt();
            model = chunk.getModel();
            open();
        } else if (chunk.getAttempt() != attempt) {
            failedMidStream(chunk.getAttempt());
            return false;
        }
        if (!chunk.getContent().isEmpty()) {
            write(Completions.deltaChunk(requestId, model, chunk.getCreatedAtMs(), sent.isEmpty(), chunk.getContent()));
            sent.append(chunk.getContent());
        }
        return true;
    }

    private void finish(LlmReply reply) throws IOException {
        if (reply.getStatus() == ReplyStatus.FAILED) {
            end(Completions.error(reply));
            return;
        }
        if (attempt != -1 && reply.getAttempts() != attempt) {
            failedMidStream(reply.getAttempts());
            return;
        }
        String content = reply.getContent() == null ? "" : reply.getContent();
        if (!content.startsWith(sent.toString())) {
            end(new EdgeError(502, "server_error", null, "stream_incomplete", "A piece of the streamed answer was lost; "
                    + "GET /v1/requests/" + requestId + " has the whole answer", null));
            return;
        }
        if (attempt == -1) {
            open();
        }
        ObjectNode[] whole = Completions.chunks(reply);
        String rest = content.substring(sent.length());
        if (!rest.isEmpty() || !reply.getToolCalls().isEmpty() || sent.isEmpty()) {
            ObjectNode first = whole[0];
            ObjectNode delta = (ObjectNode) first.get("choices").get(0).get("delta");
            if (rest.isEmpty() && !sent.isEmpty()) {
                delta.remove("content");
            } else {
                delta.put("content", rest);
            }
            if (!sent.isEmpty()) {
                delta.remove("role");
            }
            write(first);
        }
        write(whole[1]);
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void failedMidStream(int nextAttempt) throws IOException {
        end(new EdgeError(502, "server_error", null, "provider_failed_mid_stream", "Attempt " + attempt
                + " failed after part of its answer was streamed, and attempt " + nextAttempt + " started over; "
                + "GET /v1/requests/" + requestId + " has its whole answer", null));
    }

    /** Ends the stream with an error: as an HTTP error when nothing was sent yet, else as an error event. */
    private void end(EdgeError error) throws IOException {
        if (out == null) {
            throw error;
        }
        out.write(("data: " + error.body() + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void open() throws IOException {
        HttpServletResponse response = ctx.res();
        response.setStatus(200);
        response.setContentType("text/event-stream");
        response.setHeader("Cache-Control", "no-cache");
        out = response.getOutputStream();
    }

    private void write(ObjectNode chunk) throws IOException {
        out.write(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
