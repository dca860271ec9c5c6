/**
 * Envelope encryption as a {@link dev.stowage.Backend} decorator (DESIGN.md §6):
 * {@link dev.stowage.crypto.EncryptingBackend}, switched on by the {@code encrypt=} store option
 * ({@link dev.stowage.crypto.EncryptWrapperProvider}) or its builder.
 *
 * <p>Choices, and why:
 * <ul>
 *   <li><b>A random data key per written version</b>, wrapped rather than derived: a root key
 *       rotation then only rewraps 100 bytes per payload ({@link dev.stowage.crypto.Rewrapper}),
 *       never re-encrypts. The wrapping key is HKDF-SHA256(root, fresh 16-byte salt) (Bouncy
 *       Castle's HKDF; the JDK has none), used once, so the wrap's fixed nonce is never reused and
 *       there is no per-root limit on wraps.</li>
 *   <li><b>AES-256-GCM frames through the JDK</b> (AES-NI, CLMUL intrinsics). The nonce is a
 *       7-byte random prefix, a 32-bit frame counter and a last-frame flag; the prefix is drawn
 *       anew for every stream, also for each replay of one write's body, so even a body that
 *       broke the {@link dev.stowage.ReplayableBody} contract never reuses a (key, nonce) pair.
 *       Every frame but the last is full, so a cut at a frame boundary is detected.</li>
 *   <li><b>Where the envelope lives</b>: objects carry it in their descriptor (the logstore's
 *       attribute field, S3 or Azure metadata), so a HEAD or listing gives plaintext sizes and
 *       rewrapping leaves the body alone; meta documents and state blobs have no attribute field
 *       in the contract, so it starts their payload. Meta documents are one frame, so a listing
 *       gives their plaintext size by subtraction.</li>
 *   <li><b>Errors</b>: {@link dev.stowage.crypto.IntegrityException} (a
 *       {@link dev.stowage.CorruptionException}, never retried) for anything that fails to
 *       authenticate, including data that is not encrypted at all: plaintext is never passed
 *       through. {@link dev.stowage.crypto.UnknownKeyException} names a missing root key id.</li>
 *   <li><b>Keys</b>: never logged or put in messages; raw key arrays are zeroed after use and
 *       {@link dev.stowage.crypto.KeyRing#close()} zeroes the root keys. The JDK's
 *       {@code SecretKeySpec} copies cannot be zeroed on Java 17; they die with the write.</li>
 * </ul>
 */
package dev.stowage.crypto;
