/**
 * The provider simulator: OpenAI-compatible chat-completions endpoints at
 * {@code /<name>/v1/chat/completions}, one per simulated provider, with a seeded log-normal latency,
 * an error mix (429 with Retry-After, 500, 503, ...) and calls that hang past the client's timeout.
 * {@code GET|PUT /<name>/admin/faults} reads and changes a provider's behaviour at run time, for
 * failure drills. Delays are scheduled, not slept, so thousands of calls can be in flight.
 */
package dev.switchboard.devstack.simulator;
