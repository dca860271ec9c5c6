package dev.stowage.log;

import dev.stowage.StorageException;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code <root>/COMMITTED}: one shared memory page through which the writer tells followers how
 * far the log is committed (acknowledged and, in {@code SYNC} mode, synced), and with which epoch.
 * A follower applies records only up to this mark, so it never sees a write before its writer
 * acknowledged it; a writer that finds a higher epoch here than its own has been superseded and
 * stops appending.
 *
 * <pre>
 *   0  long  sequence   odd while the writer updates the fields (a seqlock), even when they are whole
 *   8  int   epoch      of the writer that published the mark
 *  16  long  segment id where the committed log ends
 *  24  int   offset     in that segment, a record boundary
 *  32  long  LSN        of the last committed ordinary record
 * </pre>
 *
 * The page is not synced: after a crash the next writer rebuilds it from the log at open.
 *
 * <p>Thread-safety: {@link #publish} from one thread at a time: the writer's, before it starts and
 * when it publishes its own batches, else its {@link Committer}'s; {@link #read()} and
 * {@link #epoch()} from any thread of any process.
 */
final class CommitWatermark implements AutoCloseable {
    static final String FILE = "COMMITTED";
    static final int PAGE = 4096;
    static final int SEQUENCE_OFFSET = 0;
    static final int EPOCH_OFFSET = 8;
    static final int SEGMENT_OFFSET = 16;
    static final int POSITION_OFFSET = 24;
    static final int LSN_OFFSET = 32;

    /** A consistent reading of the page. */
    record Mark(int epoch, long segmentId, int offset, long lsn) {
    }

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer page;

    private CommitWatermark(MappedByteBuffer mapped) {
        this.mapped = mapped;
        this.page = new UnsafeBuffer(mapped);
    }

    /** Maps the page for the writer, creating it if absent. */
    static CommitWatermark openForWriter(Path root) throws IOException {
        try (FileChannel channel = FileChannel.open(root.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
            if (channel.size() < PAGE) {
                channel.truncate(0);
                channel.write(java.nio.ByteBuffer.allocate(PAGE), 0);
            }
            return new CommitWatermark(channel.map(FileChannel.MapMode.READ_WRITE, 0, PAGE));
        }
    }

    /**
     * Maps the page read-only for a follower.
     *
     * @throws StorageException if no writer ever published one (open the store as a writer once)
     */
    static CommitWatermark openForFollower(Path root) throws IOException {
        Path file = root.resolve(FILE);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (channel.size() < PAGE) {
                throw new StorageException(file + " is " + channel.size() + " bytes, not a commit watermark page");
            }
            return new CommitWatermark(channel.map(FileChannel.MapMode.READ_ONLY, 0, PAGE));
        } catch (NoSuchFileException e) {
            throw new StorageException("no writer has published a commit watermark in " + root
                + " (" + FILE + " is missing); a follower needs a store that a writer has opened", e);
        }
    }

    /** Publishes a new mark; readers see all its fields or none. */
    void publish(int epoch, long segmentId, int offset, long lsn) {
        // Odd while updating; "| 1" also recovers from a writer that died mid-update (odd already).
        long updating = page.getLong(SEQUENCE_OFFSET) | 1;
        page.putLongOrdered(SEQUENCE_OFFSET, updating);
        page.putInt(EPOCH_OFFSET, epoch);
        page.putLong(SEGMENT_OFFSET, segmentId);
        page.putInt(POSITION_OFFSET, offset);
        page.putLong(LSN_OFFSET, lsn);
        page.putLongOrdered(SEQUENCE_OFFSET, updating + 1);
    }

    /** The current mark (retries while the writer is mid-update). */
    Mark read() {
        while (true) {
            long before = page.getLongVolatile(SEQUENCE_OFFSET);
            if ((before & 1) == 0) {
                Mark mark = new Mark(page.getInt(EPOCH_OFFSET), page.getLong(SEGMENT_OFFSET), page.getInt(POSITION_OFFSET),
                    page.getLong(LSN_OFFSET));
                java.lang.invoke.VarHandle.loadLoadFence();
                if (page.getLongVolatile(SEQUENCE_OFFSET) == before) {
                    return mark;
                }
            }
            Thread.onSpinWait();
        }
    }

    /** The epoch of the newest writer that published here. */
    int epoch() {
        return page.getIntVolatile(EPOCH_OFFSET);
    }

    @Override
    public void close() {
        IoUtil.unmap(mapped);
    }
}
