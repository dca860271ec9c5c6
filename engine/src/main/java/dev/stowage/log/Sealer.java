package dev.stowage.log;

import dev.stowage.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * Syncs sealed segments on a background thread, for {@code NONE} and {@code GROUP} durability with
 * {@link LogStore.Builder#backgroundSync}: a roll otherwise syncs the sealed segment whole on the
 * thread holding the writer role (60-90 ms per 128 MiB on the disk this was measured on, landing
 * on whichever caller or compaction copy appended the record that did not fit, and holding up
 * every append behind it). The syncs the store is asked for ({@link LogStore#sync()}, a
 * compaction pass's, a checkpoint's, a {@code GROUP} interval's) run here too, for the same reason
 * ({@link #sync}), in order with the seals.
 *
 * <p>Recovery must then allow for a sealed segment that never reached the disk whole (a power loss
 * during its sync): the manifest's {@link StoreRoot#unsyncedFrom()} names the first segment that
 * may be incomplete, and damage there ends the log instead of being corruption (see
 * {@link Recovery}). The writer records that mark at open, before any segment is handed over;
 * each seal raises it past its segment once the sync is done, then runs its {@code whenSynced}.
 *
 * <p>Back-pressure: {@link #seal} first waits for the previous seal, so at most one sealed
 * segment is ever unsynced (besides the active one), and a writer faster than the disk slows to
 * it. A {@link #sync} waits for nothing: its caller waits for its future.
 *
 * <p>Failure: a failed sync, or a failed update of the mark, goes to {@code onFailure} (the writer
 * fails the store: the writes were acknowledged before any sync); every later
 * {@link #seal} and {@link #await} throws it, and every later {@link #sync} fails without syncing.
 *
 * <p>Thread-safety: {@link #seal}, {@link #sync}, {@link #await} and {@link #close} from the
 * thread holding the writer role (see {@link LogWriter}); the syncs, the mark and {@code whenSynced}
 * run on the sealer's own thread, one task at a time, and are done when {@link #await} returns.
 */
final class Sealer implements AutoCloseable {
    private final Syncer syncer;
    private final StoreRoot root;
    private final Consumer<RuntimeException> onFailure;
    private final ExecutorService thread;

    /** The latest seal; guarded by the writer role. */
    private CompletableFuture<Void> lastSeal = CompletableFuture.completedFuture(null);
    /** The latest seal or sync; guarded by the writer role. */
    private CompletableFuture<Void> lastTask = lastSeal;

    Sealer(Syncer syncer, StoreRoot root, Consumer<RuntimeException> onFailure, String threadName) {
        this.syncer = syncer;
        this.root = root;
        this.onFailure = onFailure;
        this.thread = BackgroundThread.named(threadName);
    }

    /**
     * Waits for the previous seal, then syncs {@code [from, to)} of {@code segment} (its records not
     * yet synced) in the background, closes its file, records that the segments after it are the
     * first that may be unsynced, and runs {@code whenSynced}.
     *
     * @throws StorageException if the previous seal failed
     */
    void seal(Segment segment, int from, int to, Runnable whenSynced) {
        await(lastSeal);
        lastSeal = enqueue(segment, "sealed", () -> {
            segment.syncSealed(syncer, from, to); // the writer appends to the next segment now
            try {
                root.recordUnsyncedFrom(segment.id() + 1);
            } catch (IOException e) {
                throw new UncheckedIOException("recording that " + segment + " is synced failed: " + e.getMessage(), e);
            }
            whenSynced.run();
        });
    }

    /**
     * Syncs {@code [from, to)} of the active {@code segment} in the background, once every seal and
     * sync handed over before is done, and runs {@code whenSynced}; the writer appends after
     * {@code to} meanwhile.
     *
     * @return completes once the range is durable and {@code whenSynced} has run
     */
    CompletableFuture<Void> sync(Segment segment, int from, int to, Runnable whenSynced) {
        return enqueue(segment, "synced", () -> {
            syncer.sync(segment, from, to);
            whenSynced.run();
        });
    }

    /**
     * Runs {@code task} on the sealer's thread after every task before it, holding {@code segment}
     * meanwhile. After an earlier failure it does not run and its future fails too: nothing is
     * synced or reported durable behind a failed sync.
     */
    private CompletableFuture<Void> enqueue(Segment segment, String what, Runnable task) {
        if (!segment.retain()) {
            throw new IllegalStateException(segment + " was released before it was " + what);
        }
        lastTask = lastTask.handleAsync((done, earlier) -> {
            try {
                if (earlier != null) {
                    throw earlier instanceof RuntimeException r ? r : new CompletionException(earlier);
                }
                task.run();
                return null;
            } catch (RuntimeException e) {
                throw fail(e);
            } finally {
                segment.release();
            }
        }, thread);
        return lastTask;
    }

    private RuntimeException fail(RuntimeException e) {
        onFailure.accept(e);
        return e;
    }

    /**
     * Waits until the latest seal or sync is done (uninterruptibly: the role holder may be an interrupted caller).
     *
     * @throws StorageException if it failed
     */
    void await() {
        await(lastTask);
    }

    private static void await(CompletableFuture<Void> task) {
        try {
            task.join();
        } catch (CompletionException e) {
            throw new StorageException("syncing the log in the background failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Lets the latest task finish (a failure was reported already) and stops the thread. */
    @Override
    public void close() {
        BackgroundThread.stop(thread, "sealing");
    }
}
