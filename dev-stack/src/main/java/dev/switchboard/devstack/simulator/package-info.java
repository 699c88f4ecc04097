/**
 * The provider simulator: OpenAI-compatible chat-completions endpoints at
 * {@code /<name>/v1/chat/completions}, one per simulated provider, with a seeded log-normal latency,
 * an error mix (429 with Retry-After, 500, 503, ...) and calls that hang past the client's timeout.
 * {@code GET|PUT /<name>/admin/faults} reads and changes a provider's behaviour at run time, for
 * failure drills. Delays are scheduled, not slept, so thousands of calls can be in flight. A call with
 * {@code stream: true} is answered as server-sent chunks, a few words each, on the request's virtual
 * thread ({@code streamChunkDelayMs} between chunks; {@code streamFailAfterChunks} breaks the
 * connection after that many). Requests that offer tools get a call of the first (or the chosen)
 * tool; a tool result is acknowledged; {@code response_format} JSON wraps an answer that is not a
 * JSON object in {@code {"answer": ...}}; {@code max_tokens} and {@code stop} cut it.
 */
package dev.switchboard.devstack.simulator;
