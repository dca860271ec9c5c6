/**
 * Envelope encryption as a {@link dev.stowage.Backend} decorator (DESIGN.md §6). Not implemented
 * yet: the module builds so that the reactor and the dependency direction are in place.
 */
package dev.stowage.crypto;
