package dev.stowage.log;

import dev.stowage.CorruptionException;
import dev.stowage.InvalidRequestException;
import dev.stowage.ReplayableBody;
import dev.stowage.StorageException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

/**
 * Out-of-line values: bodies above the inline threshold are streamed by the caller's thread into
 * their own file under {@code root/blobs/}, synced (with the directory) before the small record
 * that references them is published, so the writer thread never waits on a caller's stream and a
 * large write does not hold up small ones. A reference carries the blob's length and CRC32C, which
 * every read checks at its end.
 *
 * <p>Lifetime: a blob is garbage once no index entry references it (superseded, deleted, or its
 * write failed). Failed writes delete their blob at once; superseded blobs are deleted by compaction
 * with the segment that held their last reference, or at the next open, after recovery.
 *
 * <p>Thread-safe: each blob file is written by one caller and never modified after.
 */
final class BlobStore {
    static final String DIR = "blobs";
    static final String SUFFIX = ".blob";

    /** A written blob. */
    record Blob(long id, long length, int crc) {
        /** The reference stored as the record's value. */
        byte[] reference() {
            return ByteBuffer.allocate(RecordDescriptor.BLOB_REFERENCE_LENGTH).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(RecordDescriptor.BLOB_ID_OFFSET, id).putLong(RecordDescriptor.BLOB_LENGTH_OFFSET, length)
                .putInt(RecordDescriptor.BLOB_CRC_OFFSET, crc).array();
        }
    }

    private final Path directory;
    private final Syncer syncer;
    private final long syncInterval;

    /** @param syncInterval bytes written between syncs of a blob file, so a long write never piles up dirty pages */
    BlobStore(Path root, Syncer syncer, long syncInterval) throws IOException {
        this.directory = root.resolve(DIR);
        this.syncer = syncer;
        this.syncInterval = syncInterval;
        Files.createDirectories(directory);
    }

    /** File name of blob {@code id}. */
    static String fileName(long id) {
        return String.format("%016x%s", id, SUFFIX);
    }

    private Path file(long id) {
        return directory.resolve(fileName(id));
    }

    /**
     * Streams {@code body} into a new blob and syncs it; on any failure the partial file is deleted.
     *
     * @throws InvalidRequestException if the body exceeds {@code maxBytes} or its declared length is wrong
     */
    Blob write(ReplayableBody body, long maxBytes) {
        long id;
        Path path;
        FileChannel channel;
        try {
            while (true) {
                id = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
                path = file(id);
                try {
                    channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    break;
                } catch (java.nio.file.FileAlreadyExistsException taken) {
                    // pick another id
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot create a blob in " + directory + ": " + e, e);
        }
        CRC32C crc = new CRC32C();
        long total = 0;
        long unsynced = 0;
        try (FileChannel out = channel; InputStream in = body.open()) {
            byte[] chunk = new byte[256 * 1024];
            ByteBuffer wrapped = ByteBuffer.wrap(chunk);
            for (int n; (n = in.read(chunk)) != -1; ) {
                total += n;
                if (total > maxBytes) {
                    throw new InvalidRequestException("body exceeds " + maxBytes + " bytes");
                }
                crc.update(chunk, 0, n);
                wrapped.clear().limit(n);
                while (wrapped.hasRemaining()) {
                    out.write(wrapped);
                }
                unsynced += n;
                if (unsynced >= syncInterval) {
                    out.force(false);
                    unsynced = 0;
                }
            }
            body.checkLength(total);
            out.force(true);
            syncer.syncDirectory(directory);
            return new Blob(id, total, (int) crc.getValue());
        } catch (IOException | RuntimeException e) {
            delete(id);
            if (e instanceof IOException) {
                throw new StorageException("writing blob " + path + ": " + e, e);
            }
            throw (RuntimeException) e;
        }
    }

    /** Opens a blob for reading; the stream fails with {@link CorruptionException} if it is short, long or damaged. */
    InputStream open(long id, long length, int expectedCrc) {
        Path path = file(id);
        InputStream raw;
        try {
            raw = Files.newInputStream(path);
        } catch (IOException e) {
            throw new CorruptionException(path.toString(), CorruptionException.UNKNOWN_OFFSET, "blob missing or unreadable: " + e, e);
        }
        return new FilterInputStream(raw) {
            private final CRC32C crc = new CRC32C();
            private long read;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    crc.update(b, off, n);
                    read += n;
                    if (read > length) {
                        throw new CorruptionException(path.toString(), length, "blob longer than its reference says");
                    }
                } else if (n == -1 && (read != length || (int) crc.getValue() != expectedCrc)) {
                    throw new CorruptionException(path.toString(), read, read != length
                        ? "blob ends after " + read + " of " + length + " bytes" : "blob CRC32C mismatch");
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                byte[] buffer = new byte[(int) Math.min(8192, Math.max(1, n))];
                long skipped = 0;
                while (skipped < n) {
                    int k = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
                    if (k == -1) {
                        break;
                    }
                    skipped += k;
                }
                return skipped;
            }
        };
    }

    /** Deletes a blob, if present; returns whether it was. */
    boolean delete(long id) {
        try {
            return Files.deleteIfExists(file(id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes every blob that {@code live} does not accept (called at open, before any reader exists); returns how many. */
    int deleteUnreferenced(java.util.function.LongPredicate live) throws IOException {
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                long id;
                try {
                    id = Long.parseUnsignedLong(name.substring(0, name.length() - SUFFIX.length()), 16);
                } catch (NumberFormatException e) {
                    continue;
                }
                if (!live.test(id)) {
                    Files.delete(p);
                    deleted++;
                }
            }
        }
        if (deleted > 0) {
            syncer.syncDirectory(directory);
        }
        return deleted;
    }
}
