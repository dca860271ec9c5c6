/**
 * What the remote backends share: the key layout inside a bucket or container
 * ({@link dev.stowage.remote.KeyLayout}) and the entry a call is about
 * ({@link dev.stowage.remote.RemoteEntry}). Not a backend itself.
 */
package dev.stowage.remote;
