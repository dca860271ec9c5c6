/**
 * The disk logstore ({@code disk:///path}): {@link dev.stowage.log.LogStore}.
 *
 * <p><b>Write path.</b> Callers validate, encode and read the body on their own thread, then
 * publish a {@code WriteCommand} into a multi-producer Disruptor ring. The single
 * {@code LogWriter} checks each precondition against the index overlaid with its writes not yet
 * published, appends records into the active segment through an Agrona buffer (over the mapping,
 * or over an off-heap staging buffer written with one {@code pwrite} per batch:
 * {@link dev.stowage.log.LogStore.WriteMode}), and at the end of the batch (ring empty, or
 * {@code maxBatchOps} / {@code maxBatchBytes} reached) syncs the written range once, publishes the
 * index changes and completes the callers. Under {@code SYNC} durability (outside the NFS mode) a
 * {@code Committer} thread does the sync and what follows while the writer appends the next
 * batch; the batches queued during one sync share the next. With mapped writes, a caller that
 * finds the writer idle (nothing in the ring, no one holding the writer role) runs the writer for
 * its own command instead of publishing it, saving two thread hand-offs
 * ({@link dev.stowage.log.LogStore.Builder#callerAppends}).
 *
 * <p><b>Files.</b> {@code root/LOCK} (OS lock, holder), {@code root/store.meta} (format, store id,
 * writer epoch, log start after compaction), {@code root/COMMITTED} (the commit watermark page
 * followers tail, {@link dev.stowage.log.CommitWatermark}), {@code root/segments/<16 hex id>.seg} (fixed-size, zero-filled, see
 * {@link dev.stowage.log.RecordDescriptor} for the record layout), {@code root/blobs/<id>.blob}
 * (values above the inline threshold), {@code root/checkpoints/<lsn>.ckpt} (index snapshots,
 * {@link dev.stowage.log.CheckpointDescriptor}).
 *
 * <p><b>Choices recorded here.</b>
 * <ul>
 *   <li>ETags are {@code <store id>-<LSN hex>}: unique per write (identical rewrites included) and
 *       never reissued by another store.</li>
 *   <li>A record's frame length is written last, with release semantics, after its CRC; zero
 *       means "end of records", which pre-zeroed segments make the default state.</li>
 *   <li>LSNs are consecutive across the whole log, so a zeroed page or a missing segment in the
 *       sealed part is detected (as a gap) rather than read as a clean end.</li>
 *   <li>A torn tail is cut by zeroing the rest of the last segment holding data, so stale bytes
 *       beyond the cut can never be mistaken for records later.</li>
 *   <li>The next segment is prepared once the active one is half full (under {@code NONE}
 *       durability, and {@code GROUP} with background syncs, the next two once it is a sixteenth
 *       full, with their zeros left in the page cache). Sealing a segment syncs it
 *       whole before the next one gets a record, except under {@code NONE} and {@code GROUP} with
 *       {@link dev.stowage.log.LogStore.Builder#backgroundSync} (the default): there a
 *       {@code Sealer} thread syncs it while appends go on, and the manifest names the first
 *       segment that may be unsynced, where recovery takes damage for the end of the log (cut and
 *       reported). Either way the seal first releases the segment's read-write mapping, so that
 *       its sync is an {@code fsync} (see {@code Segment}).</li>
 *   <li>Values up to the blob threshold (1 MiB) live inline; larger ones in blob files written
 *       and synced by the caller's thread, referenced by length and CRC32C. Superseded blobs go
 *       with the segment that compaction deletes, or at the next open.</li>
 *   <li>Checkpoints are fuzzy snapshots from the point where the index's applied changes end,
 *       published once the log is durable past what they copied; recovery replays every record
 *       after the point over them. Corruption in sealed segments that a checkpoint covers is found by
 *       {@link dev.stowage.log.LogVerifier}, not at open.</li>
 *   <li>Compaction copies live records of the oldest sealed segment forward with their original
 *       LSN ({@link dev.stowage.log.RecordDescriptor#FLAG_COPIED}), so ETags never change;
 *       followers ({@link dev.stowage.log.LogFollower}) apply the log up to the commit watermark;
 *       the NFS mode writes positionally and closes the segment after each batch. See {@code docs/log-operations.md}.</li>
 * </ul>
 */
package dev.stowage.log;
