/**
 * The in-memory backend ({@code mem://}): linearizable, thread-safe, not durable. It is the
 * reference model for the conformance suite and a fast stand-in for tests.
 */
package dev.stowage.memory;
