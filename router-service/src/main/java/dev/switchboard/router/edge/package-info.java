/**
 * The OpenAI-compatible HTTP edge: {@code POST /v1/chat/completions}, {@code GET /v1/requests/{id}},
 * {@code GET /v1/models}, {@code POST /v1/feedback}, with health on the same port.
 *
 * <p>A chat completion becomes an {@code LlmRequest} on {@code llm.requests} whose replyTo is the
 * edge's reply topic ({@code edge.reply.topic}); the edge waits for its {@code LlmReply} there. Every
 * edge instance reads all of that topic ({@link dev.switchboard.router.edge.RequestLog}), so any
 * instance answers any lookup, and a restarted one reads back {@code edge.lookback.ms} of it. Next to
 * each asynchronous request and each request with an {@code Idempotency-Key}, the edge writes an
 * "accepted" marker (the request id as key, no value) on the reply topic, so a lookup or a retry of
 * a request still in flight finds it on another instance or after a restart. A plain synchronous
 * request gets no marker: other instances learn of it at its answer.
 *
 * <p>Javalin serves HTTP, Jackson reads and writes JSON; the request and error shapes are OpenAI's,
 * written here because no library here maps them onto Switchboard's Avro records.
 */
package dev.switchboard.router.edge;
