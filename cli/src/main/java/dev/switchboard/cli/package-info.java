/**
 * The {@code switchboard} command (picocli): {@code dev} runs the embedded stack, {@code send}
 * publishes a request and prints its reply, {@code run} starts one service as its own process.
 */
package dev.switchboard.cli;
