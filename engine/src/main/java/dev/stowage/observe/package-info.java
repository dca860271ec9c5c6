/**
 * Observability: {@link dev.stowage.observe.ObservedBackend} logs each call through SLF4J and keeps
 * per-operation HdrHistogram latencies readable from code.
 */
package dev.stowage.observe;
