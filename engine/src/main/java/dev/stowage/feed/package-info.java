/**
 * In-process delivery of committed changes to subscribers, shared by the backends that offer a
 * change feed. Delivery is per subscription, bounded, and never blocks the committing thread.
 */
package dev.stowage.feed;
