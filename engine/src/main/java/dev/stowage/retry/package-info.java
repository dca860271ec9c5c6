/**
 * Retry of transient failures with exponential backoff, jitter, an attempt limit and a deadline
 * ({@link dev.stowage.retry.RetryingBackend}). Waits are interruptible and end on close; write
 * bodies are replayed from their first byte on every attempt.
 */
package dev.stowage.retry;
