package dev.stowage.log;

import dev.stowage.ObjectAttributes;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Index checkpoints: a snapshot of the index with the log position it is complete up to, so that
 * opening a store replays only the records after it.
 *
 * <p><b>Consistency</b>: a checkpoint is taken while the writer runs. Its position is read first
 * (the last point where everything up to it was durable and applied to the index), then the index
 * is copied. Entries changed during the copy may be newer than the position; replaying every
 * record after the position in order, over the copy, yields exactly the index at the end of the
 * log, deletes included (a key deleted after the position is removed by the replayed delete; a key
 * deleted before it is absent from the copy).
 *
 * <p><b>File</b> {@code checkpoints/<lsn 16 hex>.ckpt}, big-endian ({@link DataOutputStream}):
 * magic, version, segment id, offset, LSN; then per entry {@code 1, namespace, space, key, lsn,
 * segment id, record offset, value offset, value length, is-blob, timestamp, content type, has-descriptor, descriptor};
 * then {@code 0}; then the CRC32C of everything before it. Written to a temporary file, synced,
 * renamed, directory synced; the two newest are kept.
 *
 * <p>Stateless; thread-safe (one writer of checkpoints per store at a time).
 */
final class Checkpoints {
    static final String DIR = "checkpoints";
    static final String SUFFIX = ".ckpt";
    static final long MAGIC = 0x53544F57434B5031L;
    /** Version 2 added the record offset of each entry; older checkpoints are rejected (the log is replayed). */
    static final int VERSION = 2;
    static final int KEEP = 2;

    /** A log position: the next record after {@code lsn} starts at {@code offset} of segment {@code segmentId}. */
    record Point(long segmentId, int offset, long lsn) {
    }

    /** A checkpoint read back: its position and the index it holds. */
    record Loaded(Point point, LogIndex index) {
    }

    private Checkpoints() {
    }

    /**
     * Collects one (namespace, space) run of a checkpoint, which {@link #write} emits in key order,
     * and installs it in linear time; keys out of order mean a malformed checkpoint.
     */
    private static final class Run {
        String namespace;
        byte space = -1;
        final List<String> keys = new ArrayList<>();
        final List<IndexEntry> entries = new ArrayList<>();
        final java.util.Set<String> seen = new java.util.HashSet<>();

        void add(LogIndex index, String ns, byte sp, String key, IndexEntry entry) throws IOException {
            if (!ns.equals(namespace) || sp != space) {
                flush(index);
                if (!seen.add(ns + "\u0000" + sp)) {
                    throw new IOException("namespace " + ns + " space " + sp + " appears in two runs");
                }
                namespace = ns;
                space = sp;
            } else if (dev.stowage.Names.KEY_ORDER.compare(keys.get(keys.size() - 1), key) >= 0) {
                throw new IOException("keys out of order at " + ns + "/" + key);
            }
            keys.add(key);
            entries.add(entry);
        }

        void flush(LogIndex index) {
            if (!keys.isEmpty()) {
                index.load(namespace, space, new ArrayList<>(keys), new ArrayList<>(entries));
                keys.clear();
                entries.clear();
            }
        }
    }

    /** Writes a checkpoint of {@code index} taken at {@code point}; returns its file. */
    static Path write(Path root, LogIndex index, Point point, Syncer syncer) throws IOException {
        Path dir = root.resolve(DIR);
        Files.createDirectories(dir);
        String name = String.format("%016x%s", point.lsn(), SUFFIX);
        Path temp = dir.resolve(name + ".tmp");
        try (FileOutputStream file = new FileOutputStream(temp.toFile())) {
            CheckedOutputStream checked = new CheckedOutputStream(new BufferedOutputStream(file, 1 << 16), new CRC32C());
            DataOutputStream out = new DataOutputStream(checked);
            out.writeLong(MAGIC);
            out.writeInt(VERSION);
            out.writeLong(point.segmentId());
            out.writeInt(point.offset());
            out.writeLong(point.lsn());
            IOException[] failure = new IOException[1];
            index.forEach((namespace, space, key, e) -> {
                if (failure[0] != null) {
                    return;
                }
                try {
                    out.writeByte(1);
                    out.writeUTF(namespace);
                    out.writeByte(space);
                    out.writeUTF(key);
                    out.writeLong(e.lsn);
                    out.writeLong(e.segment.id());
                    out.writeInt(e.recordOffset);
                    out.writeInt(e.valueOffset);
                    out.writeInt(e.valueLength);
                    out.writeBoolean(e instanceof BlobEntry);
                    out.writeLong(e.timestampMillis);
                    out.writeUTF(e.attributes.contentType());
                    out.writeBoolean(e.attributes.descriptor() != null);
                    if (e.attributes.descriptor() != null) {
                        out.writeUTF(e.attributes.descriptor());
                    }
                } catch (IOException io) {
                    failure[0] = io;
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
            out.writeByte(0);
            out.flush();
            int crc = (int) checked.getChecksum().getValue();
            out.writeInt(crc);
            out.flush();
            file.getChannel().force(true);
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
     * Reads one checkpoint into a fresh index.
     *
     * @throws IOException with the reason if the file is damaged or names segments that do not hold it
     */
    static Loaded read(Path file, Map<Long, Segment> segments) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            CheckedInputStream checked = new CheckedInputStream(raw, new CRC32C());
            DataInputStream in = new DataInputStream(checked);
            if (in.readLong() != MAGIC || in.readInt() != VERSION) {
                throw new IOException("not a version " + VERSION + " checkpoint");
            }
            Point point = new Point(in.readLong(), in.readInt(), in.readLong());
            if (!segments.containsKey(point.segmentId())) {
                throw new IOException("names segment " + point.segmentId() + ", which does not exist");
            }
            LogIndex index = new LogIndex();
            try {
                return new Loaded(point, readEntries(in, raw, checked, segments, index));
            } catch (IOException | RuntimeException e) {
                index.discard();
                throw e;
            }
        } catch (EOFException e) {
            throw new IOException("truncated", e);
        } catch (RuntimeException e) {
            throw new IOException("malformed: " + e, e);
        }
    }

    private static LogIndex readEntries(DataInputStream in, InputStream raw, CheckedInputStream checked, Map<Long, Segment> segments,
                                        LogIndex index) throws IOException {
        Run run = new Run();
        while (in.readByte() == 1) {
            String namespace = in.readUTF();
            byte space = in.readByte();
            String key = in.readUTF();
            long lsn = in.readLong();
            Segment segment = segments.get(in.readLong());
            int recordOffset = in.readInt();
            int valueOffset = in.readInt();
            int valueLength = in.readInt();
            boolean blob = in.readBoolean();
            long timestamp = in.readLong();
            String contentType = in.readUTF();
            String descriptor = in.readBoolean() ? in.readUTF() : null;
            if (segment == null || space < 0 || space > RecordDescriptor.SPACE_STAGED || recordOffset < 0
                || valueOffset < recordOffset + RecordDescriptor.HEADER_LENGTH || valueLength < 0
                || (long) valueOffset + valueLength > segment.capacity()
                || (blob && valueLength != RecordDescriptor.BLOB_REFERENCE_LENGTH)) {
                throw new IOException("entry " + namespace + "/" + key + " points outside the segments");
            }
            byte[] meta = null;
            if (space == RecordDescriptor.SPACE_META) {
                meta = new byte[valueLength];
                segment.buffer().getBytes(valueOffset, meta);
            }
            ObjectAttributes attributes = ObjectAttributes.DEFAULT_CONTENT_TYPE.equals(contentType) && descriptor == null
                ? ObjectAttributes.DEFAULT : new ObjectAttributes(contentType, descriptor);
            run.add(index, namespace, space, key,
                BlobEntry.of(blob, lsn, segment, recordOffset, valueOffset, valueLength, timestamp, attributes, meta));
        }
        run.flush(index);
        int expected = (int) checked.getChecksum().getValue();
        int stored = new DataInputStream(raw).readInt();
        if (stored != expected) {
            throw new IOException(String.format("CRC32C mismatch: stored %08x, computed %08x", stored, expected));
        }
        return index;
    }
}
