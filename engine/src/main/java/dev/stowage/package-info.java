/**
 * The storage contract: {@link dev.stowage.Backend} with meta documents, state blobs and objects per
 * namespace, compare-and-swap through {@link dev.stowage.Precondition}, typed failures under
 * {@link dev.stowage.StorageException}, replayable write bodies ({@link dev.stowage.ReplayableBody}),
 * one validator for names ({@link dev.stowage.Names}) and store URLs ({@link dev.stowage.Stores}).
 *
 * <p>Choices the design left open, recorded here:
 * <ul>
 *   <li>Deletes return nothing: deleting an absent entry under {@code any()} is a silent success
 *       everywhere, because object stores cannot tell whether an unconditional delete removed
 *       anything.</li>
 *   <li>Not-found and precondition-failed are exceptions without stack traces: typed, yet cheap
 *       enough for a lock service's polling path.</li>
 *   <li>Keys sort by unsigned UTF-8 bytes ({@link dev.stowage.Names#KEY_ORDER}), which is code point
 *       order, not {@link java.lang.String#compareTo}.</li>
 *   <li>Descriptors and content types are printable ASCII so every backend can keep them as object
 *       metadata.</li>
 * </ul>
 */
package dev.stowage;
