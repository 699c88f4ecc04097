/**
 * The HTTP client under langchain4j's provider models. langchain4j's own JDK client turns an error
 * response into an exception with the status and body only; this one keeps the {@code Retry-After}
 * header so that a provider's 429 can hold its pool back for as long as it asked. Written here
 * because no client langchain4j ships exposes response headers of failed calls.
 */
package dev.switchboard.provider.http;
