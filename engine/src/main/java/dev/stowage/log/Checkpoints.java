package dev.stowage.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.agrona.collections.IntArrayList;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Index checkpoints: a snapshot of the index with the log position it is complete up to, so that
 * opening a store replays only the records after it.
 *
 * <p><b>Consistency</b>: a checkpoint is taken while the writer runs. Its position is read first
 * (the end of the latest batch whose changes are all applied to the index,
 * {@link LogWriter#appliedEnd()}), then the index is copied. Entries changed during the copy may
 * be newer than the position; replaying every record after the position in order, over the copy,
 * yields exactly the index at the end of the log, deletes included (a key deleted after the
 * position is removed by the replayed delete; a key deleted before it is absent from the copy).
 * The log must be durable up to the end of what the copy holds before the checkpoint is
 * published, or a power loss could drop records it names (or the bytes its position follows):
 * where writes are acknowledged before their sync, {@link #write} has the log synced first.
 *
 * <p><b>File</b> {@code checkpoints/<lsn 16 hex>.ckpt}, laid out as {@link CheckpointDescriptor}
 * says: per (namespace, space) its keys in order with where each current version lives, a hash
 * table over them, and the totals the index keeps (live bytes per segment, references per blob).
 * Reading one maps it, checks its CRC32C and structure, and installs its runs as the base layer of
 * a fresh {@link LogIndex} ({@link CheckpointRun}): no entry is decoded until used, so an open
 * costs a pass over the file, not a heap index built key by key. Written to a temporary file,
 * synced, renamed, directory synced; the two newest are kept.
 *
 * <p>Stateless; thread-safe (one writer of checkpoints per store at a time).
 */
final class Checkpoints {
    static final String DIR = "checkpoints";
    static final String SUFFIX = ".ckpt";
    static final int KEEP = 2;
    /** Bytes a checkpoint is written in. */
    private static final int WRITE_BUFFER_BYTES = 1 << 20;
    /** Bytes a checkpoint's CRC is checked in. */
    private static final int VERIFY_BUFFER_BYTES = 1 << 18;

    /** A log position: the next record after {@code lsn} starts at {@code offset} of segment {@code segmentId}. */
    record Point(long segmentId, int offset, long lsn) {
        /** Whether this position is further along the log than {@code other} (a copy moves it on without an LSN). */
        boolean isAfter(Point other) {
            return segmentId != other.segmentId ? segmentId > other.segmentId : offset > other.offset;
        }
    }

    /** A checkpoint read back: its position, the {@link CheckpointDescriptor#fingerprint} of the bytes before it, and the index it holds. */
    record Loaded(Point point, int fingerprint, LogIndex index) {
    }

    private Checkpoints() {
    }

    /**
     * Writes a checkpoint of {@code index} taken at {@code point}, whose segment is
     * {@code pointSegment}; returns its file.
     *
     * @param logDurable runs once the index is copied, before the checkpoint is published: makes
     *                   durable every record the copy may name. Entries changed during the copy
     *                   can be newer than {@code point}; where a write is acknowledged before its
     *                   sync, a power loss could drop their records, and a published checkpoint
     *                   would still name them (a key would read as corrupt instead of as its last
     *                   durable version, a lost delete would stay applied).
     */
    static Path write(Path root, LogIndex index, Point point, Segment pointSegment, Syncer syncer, Runnable logDurable)
        throws IOException {
        if (pointSegment.id() != point.segmentId()) {
            throw new IllegalArgumentException(pointSegment + " does not hold " + point);
        }
        if (!pointSegment.retain()) {
            throw new IOException(pointSegment + " was released by compaction: the next checkpoint names a later position");
        }
        int fingerprint;
        try {
            fingerprint = CheckpointDescriptor.fingerprint(pointSegment, point.offset());
        } finally {
            pointSegment.release();
        }
        Path dir = root.resolve(DIR);
        Files.createDirectories(dir);
        String name = String.format("%016x%s", point.lsn(), SUFFIX);
        Path temp = dir.resolve(name + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
            new Writer(channel).write(index, point, fingerprint);
            channel.force(true);
            logDurable.run();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Path target = dir.resolve(name);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncer.syncDirectory(dir);
        List<Path> all = list(dir, true);
        for (int i = 0; i < all.size() - KEEP; i++) {
            Files.deleteIfExists(all.get(i));
        }
        return target;
    }

    /** Streams one checkpoint file: entries run by run as the index visits them, then the tables and the header. */
    private static final class Writer {
        private final FileChannel channel;
        private final ByteBuffer out = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();
        /** File offset of {@code out}'s first byte. */
        private long flushed = CheckpointDescriptor.HEADER_LENGTH;
        private final Map<Long, Integer> segmentIndex = new HashMap<>();
        private final List<long[]> segments = new ArrayList<>();
        private final Map<Long, Long> blobs = new TreeMap<>();
        private String namespace;
        private byte space = -1;
        private final IntArrayList slots = new IntArrayList();
        private final IntArrayList hashes = new IntArrayList();
        private ByteBuffer directory = ByteBuffer.allocate(CheckpointDescriptor.RUN_LENGTH * 16).order(ByteOrder.LITTLE_ENDIAN);
        private int runCount;

        Writer(FileChannel channel) {
            this.channel = channel;
        }

        void write(LogIndex index, Point point, int fingerprint) throws IOException {
            IOException[] failure = new IOException[1];
            index.forEachVersion((ns, sp, key, segmentId, recordOffset, recordBytes, blobId) -> {
                if (failure[0] == null) {
                    try {
                        entry(ns, sp, key, segmentId, recordOffset, recordBytes, blobId);
                    } catch (IOException io) {
                        failure[0] = io;
                    }
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
            endRun();
            long tables = position();
            directory.flip();
            room(directory.remaining());
            out.put(directory);
            for (long[] segment : segments) {
                room(CheckpointDescriptor.TABLE_ENTRY_LENGTH);
                out.putLong(segment[0]).putLong(segment[1]);
            }
            for (Map.Entry<Long, Long> blob : blobs.entrySet()) {
                room(CheckpointDescriptor.TABLE_ENTRY_LENGTH);
                out.putLong(blob.getKey()).putLong(blob.getValue());
            }
            long length = position();
            if (length > Integer.MAX_VALUE) {
                throw new IOException("a checkpoint of " + length + " bytes exceeds 2 GiB: the index has outgrown checkpoints");
            }
            flush();
            ByteBuffer header = ByteBuffer.allocate(CheckpointDescriptor.HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            header.putLong(CheckpointDescriptor.MAGIC_OFFSET, CheckpointDescriptor.MAGIC)
                .putInt(CheckpointDescriptor.VERSION_OFFSET, CheckpointDescriptor.VERSION)
                .putInt(CheckpointDescriptor.RUNS_OFFSET, runCount)
                .putLong(CheckpointDescriptor.SEGMENT_ID_OFFSET, point.segmentId())
                .putLong(CheckpointDescriptor.LSN_OFFSET, point.lsn())
                .putInt(CheckpointDescriptor.POSITION_OFFSET, point.offset())
                .putInt(CheckpointDescriptor.SEGMENTS_OFFSET, segments.size())
                .putInt(CheckpointDescriptor.BLOBS_OFFSET, blobs.size())
                .putInt(CheckpointDescriptor.TABLES_OFFSET, (int) tables)
                .putLong(CheckpointDescriptor.FILE_LENGTH_OFFSET, length)
                .putInt(CheckpointDescriptor.FINGERPRINT_OFFSET, fingerprint);
            crc.update(header.duplicate().limit(CheckpointDescriptor.CRC_OFFSET));
            header.putInt(CheckpointDescriptor.CRC_OFFSET, (int) crc.getValue());
            while (header.hasRemaining()) {
                channel.write(header, header.position());
            }
        }

        private void entry(String ns, byte sp, String key, long segmentId, int recordOffset, int recordBytes, long blobId)
            throws IOException {
            if (!ns.equals(namespace) || sp != space) {
                endRun();
                namespace = ns;
                space = sp;
            }
            byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
            boolean blob = blobId != LogIndex.NO_BLOB;
            int length = CheckpointDescriptor.entryLength(keyBytes.length, blob);
            room(length);
            long at = position();
            if (at > Integer.MAX_VALUE) {
                throw new IOException("a checkpoint past 2 GiB: the index has outgrown checkpoints");
            }
            slots.addInt((int) at);
            hashes.addInt(key.hashCode());
            int segment = segmentIndex.computeIfAbsent(segmentId, id -> {
                segments.add(new long[] {id, 0});
                return segments.size() - 1;
            });
            segments.get(segment)[1] += recordBytes;
            int start = out.position();
            out.putInt(segment).putInt(recordOffset).putInt(recordBytes).putShort((short) keyBytes.length)
                .put(blob ? CheckpointDescriptor.ENTRY_BLOB : 0).put((byte) 0).put(keyBytes);
            if (blob) {
                blobs.merge(blobId, 1L, Long::sum);
                out.putLong(start + CheckpointDescriptor.blobIdOffset(keyBytes.length), blobId);
            }
            out.position(start + length);
        }

        /** Writes the namespace, slots and hash buckets of the run just streamed, and its directory entry. */
        private void endRun() throws IOException {
            int entries = slots.size();
            if (entries == 0) {
                return;
            }
            byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
            long namespaceAt = position();
            room(ns.length);
            out.put(ns);
            padded();
            long slotsAt = position();
            for (int i = 0; i < entries; i++) {
                room(Integer.BYTES);
                out.putInt(slots.getInt(i));
            }
            padded();
            int bucketCount = CheckpointDescriptor.buckets(entries);
            long[] buckets = new long[bucketCount];
            for (int i = 0; i < entries; i++) {
                int hash = hashes.getInt(i);
                int b = CheckpointDescriptor.bucket(hash, bucketCount);
                while (buckets[b] != 0) {
                    b = (b + 1) & (bucketCount - 1);
                }
                buckets[b] = CheckpointDescriptor.bucketValue(hash, i);
            }
            long bucketsAt = position();
            for (long bucket : buckets) {
                room(Long.BYTES);
                out.putLong(bucket);
            }
            if (position() > Integer.MAX_VALUE) {
                throw new IOException("a checkpoint past 2 GiB: the index has outgrown checkpoints");
            }
            if (directory.remaining() < CheckpointDescriptor.RUN_LENGTH) {
                directory = ByteBuffer.allocate(directory.capacity() * 2).order(ByteOrder.LITTLE_ENDIAN).put(directory.flip());
            }
            directory.putInt((int) namespaceAt).putInt(ns.length).putInt(space).putInt(entries)
                .putInt((int) slotsAt).putInt((int) bucketsAt).putInt(bucketCount).putInt(0);
            runCount++;
            slots.clear();
            hashes.clear();
        }

        private long position() {
            return flushed + out.position();
        }

        private void padded() throws IOException {
            int pad = (int) (RecordDescriptor.align(position()) - position());
            room(pad);
            out.position(out.position() + pad);
        }

        /** Makes room for {@code bytes} (at most the buffer) in the buffer. */
        private void room(int bytes) throws IOException {
            if (out.remaining() < bytes) {
                flush();
            }
        }

        private void flush() throws IOException {
            out.flip();
            crc.update(out.duplicate());
            while (out.hasRemaining()) {
                flushed += channel.write(out, flushed);
            }
            out.clear();
            // The buffer is reused: entries skip their padding bytes, which must read as zeros.
            while (out.hasRemaining()) {
                out.putLong(0);
            }
            out.clear();
        }
    }

    /** Checkpoint files, oldest first; stray temporary files of a crashed write are deleted when {@code deleteStrays}. */
    static List<Path> list(Path dir, boolean deleteStrays) throws IOException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                String n = p.getFileName().toString();
                if (n.endsWith(SUFFIX + ".tmp")) {
                    if (deleteStrays) {
                        Files.deleteIfExists(p);
                    }
                } else if (n.endsWith(SUFFIX) && n.length() == 16 + SUFFIX.length()) {
                    files.add(p);
                }
            }
        }
        files.sort(null);
        return files;
    }

    /**
     * Maps one checkpoint as the base of a fresh index: its CRC32C and structure are checked in one
     * pass; its entries are read only when used ({@link CheckpointRun}).
     *
     * @throws IOException with the reason if the file is damaged or names segments that do not hold it
     */
    static Loaded read(Path file, Map<Long, Segment> segments) throws IOException {
        CheckpointRun.Mapping mapping;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < CheckpointDescriptor.HEADER_LENGTH || size > Integer.MAX_VALUE) {
                throw new IOException(size > Integer.MAX_VALUE ? "of " + size + " bytes, above 2 GiB" : "truncated");
            }
            verify(channel, size);
            mapping = new CheckpointRun.Mapping(file.toString(), channel.map(FileChannel.MapMode.READ_ONLY, 0, size));
        }
        try {
            return read(mapping, segments);
        } catch (IOException | RuntimeException e) {
            mapping.release();
            throw e;
        }
    }

    /**
     * Checks magic, version, length and CRC32C, reading the file rather than its mapping: a first
     * pass through a fresh mapping took a page fault per 4 KiB (24 ms for 50 MB here), a read
     * loop a third of that, and the mapping is then touched only where keys are used.
     */
    private static void verify(FileChannel channel, long size) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(CheckpointDescriptor.HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, header, 0);
        if (header.getLong(CheckpointDescriptor.MAGIC_OFFSET) != CheckpointDescriptor.MAGIC
            || header.getInt(CheckpointDescriptor.VERSION_OFFSET) != CheckpointDescriptor.VERSION) {
            throw new IOException("not a version " + CheckpointDescriptor.VERSION + " checkpoint");
        }
        long length = header.getLong(CheckpointDescriptor.FILE_LENGTH_OFFSET);
        if (length != size) {
            throw new IOException("truncated: " + size + " bytes of " + length);
        }
        CRC32C crc = new CRC32C();
        ByteBuffer chunk = ByteBuffer.allocateDirect(VERIFY_BUFFER_BYTES);
        for (long at = CheckpointDescriptor.HEADER_LENGTH; at < size; ) {
            int bytes = (int) Math.min(chunk.capacity(), size - at);
            chunk.clear().limit(bytes);
            readFully(channel, chunk, at);
            crc.update(chunk);
            at += bytes;
        }
        crc.update(header.duplicate().position(0).limit(CheckpointDescriptor.CRC_OFFSET));
        int stored = header.getInt(CheckpointDescriptor.CRC_OFFSET);
        if (stored != (int) crc.getValue()) {
            throw new IOException(String.format("CRC32C mismatch: stored %08x, computed %08x", stored, (int) crc.getValue()));
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long at) throws IOException {
        while (into.hasRemaining()) {
            if (channel.read(into, at + into.position()) < 0) {
                throw new IOException("truncated");
            }
        }
        into.flip();
    }

    private static Loaded read(CheckpointRun.Mapping mapping, Map<Long, Segment> segments) throws IOException {
        UnsafeBuffer in = mapping.buffer();
        long length = in.capacity();
        Point point = new Point(in.getLong(CheckpointDescriptor.SEGMENT_ID_OFFSET, ByteOrder.LITTLE_ENDIAN),
            in.getInt(CheckpointDescriptor.POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN),
            in.getLong(CheckpointDescriptor.LSN_OFFSET, ByteOrder.LITTLE_ENDIAN));
        if (!segments.containsKey(point.segmentId())) {
            throw new IOException("names segment " + point.segmentId() + ", which does not exist");
        }
        int runs = in.getInt(CheckpointDescriptor.RUNS_OFFSET, ByteOrder.LITTLE_ENDIAN);
        int segmentCount = in.getInt(CheckpointDescriptor.SEGMENTS_OFFSET, ByteOrder.LITTLE_ENDIAN);
        int blobCount = in.getInt(CheckpointDescriptor.BLOBS_OFFSET, ByteOrder.LITTLE_ENDIAN);
        long tables = Integer.toUnsignedLong(in.getInt(CheckpointDescriptor.TABLES_OFFSET, ByteOrder.LITTLE_ENDIAN));
        if (runs < 0 || segmentCount < 0 || blobCount < 0 || tables < CheckpointDescriptor.HEADER_LENGTH
            || tables + (long) runs * CheckpointDescriptor.RUN_LENGTH
                + (segmentCount + (long) blobCount) * CheckpointDescriptor.TABLE_ENTRY_LENGTH != length) {
            throw new IOException("malformed: its tables do not fill the file");
        }
        int segmentTable = (int) (tables + (long) runs * CheckpointDescriptor.RUN_LENGTH);
        Segment[] bySegment = new Segment[segmentCount];
        Map<Segment, Long> liveBytes = new HashMap<>();
        for (int i = 0; i < segmentCount; i++) {
            int at = segmentTable + i * CheckpointDescriptor.TABLE_ENTRY_LENGTH;
            long id = in.getLong(at, ByteOrder.LITTLE_ENDIAN);
            bySegment[i] = segments.get(id);
            if (bySegment[i] == null) {
                throw new IOException("names segment " + id + ", which does not exist");
            }
            liveBytes.merge(bySegment[i], in.getLong(at + Long.BYTES, ByteOrder.LITTLE_ENDIAN), Long::sum);
        }
        Map<Long, Integer> blobReferences = new HashMap<>();
        int blobTable = segmentTable + segmentCount * CheckpointDescriptor.TABLE_ENTRY_LENGTH;
        for (int i = 0; i < blobCount; i++) {
            int at = blobTable + i * CheckpointDescriptor.TABLE_ENTRY_LENGTH;
            blobReferences.put(in.getLong(at, ByteOrder.LITTLE_ENDIAN), (int) in.getLong(at + Long.BYTES, ByteOrder.LITTLE_ENDIAN));
        }
        LogIndex index = new LogIndex();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int r = 0; r < runs; r++) {
            int at = (int) tables + r * CheckpointDescriptor.RUN_LENGTH;
            int namespaceAt = in.getInt(at + CheckpointDescriptor.RUN_NAMESPACE_OFFSET, ByteOrder.LITTLE_ENDIAN);
            int namespaceLength = in.getInt(at + CheckpointDescriptor.RUN_NAMESPACE_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
            int space = in.getInt(at + CheckpointDescriptor.RUN_SPACE_OFFSET, ByteOrder.LITTLE_ENDIAN);
            int entries = in.getInt(at + CheckpointDescriptor.RUN_ENTRIES_OFFSET, ByteOrder.LITTLE_ENDIAN);
            int slotsAt = in.getInt(at + CheckpointDescriptor.RUN_SLOTS_OFFSET, ByteOrder.LITTLE_ENDIAN);
            int bucketsAt = in.getInt(at + CheckpointDescriptor.RUN_BUCKETS_OFFSET, ByteOrder.LITTLE_ENDIAN);
            int bucketCount = in.getInt(at + CheckpointDescriptor.RUN_BUCKET_COUNT_OFFSET, ByteOrder.LITTLE_ENDIAN);
            if (!within(namespaceAt, namespaceLength, tables) || space < 0 || space > RecordDescriptor.SPACE_STAGED
                || entries < 1 || !within(slotsAt, (long) entries * Integer.BYTES, tables)
                || bucketCount < 2 * (long) entries || Integer.bitCount(bucketCount) != 1
                || !within(bucketsAt, (long) bucketCount * Long.BYTES, tables)) {
                throw new IOException("malformed: run " + r + " points outside the file");
            }
            String namespace = in.getStringWithoutLengthUtf8(namespaceAt, namespaceLength);
            if (!seen.add(namespace + "\u0000" + space)) {
                throw new IOException("namespace " + namespace + " space " + space + " appears in two runs");
            }
            index.install(namespace, (byte) space,
                new CheckpointRun(mapping, bySegment, (byte) space, entries, slotsAt, bucketsAt, bucketCount));
        }
        index.installTotals(liveBytes, blobReferences, mapping);
        return new Loaded(point, in.getInt(CheckpointDescriptor.FINGERPRINT_OFFSET, ByteOrder.LITTLE_ENDIAN), index);
    }

    private static boolean within(long offset, long length, long end) {
        return offset >= CheckpointDescriptor.HEADER_LENGTH && length >= 0 && offset + length <= end;
    }
}
