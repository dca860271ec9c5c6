package dev.stowage.log;

import dev.stowage.ObjectAttributes;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;
import org.agrona.IoUtil;

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
    /** Magic, version, segment id, offset, LSN. */
    private static final int HEADER_LENGTH = Long.BYTES + Integer.BYTES + Long.BYTES + Integer.BYTES + Long.BYTES;

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
     * Reads one checkpoint into a fresh index: the file is mapped, its CRC32C checked in one pass,
     * then its entries decoded straight from the mapping (no stream layers per field).
     *
     * @throws IOException with the reason if the file is damaged or names segments that do not hold it
     */
    static Loaded read(Path file, Map<Long, Segment> segments) throws IOException {
        MappedByteBuffer mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < HEADER_LENGTH + 1 + Integer.BYTES || size > Integer.MAX_VALUE) {
                throw new IOException(size > Integer.MAX_VALUE ? "of " + size + " bytes, above 2 GiB" : "truncated");
            }
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
        try {
            ByteBuffer in = mapped.order(ByteOrder.BIG_ENDIAN);
            if (in.getLong(0) != MAGIC || in.getInt(Long.BYTES) != VERSION) {
                throw new IOException("not a version " + VERSION + " checkpoint");
            }
            int crcAt = in.capacity() - Integer.BYTES;
            CRC32C crc = new CRC32C();
            crc.update(in.duplicate().limit(crcAt));
            int expected = (int) crc.getValue();
            int stored = in.getInt(crcAt);
            if (stored != expected) {
                throw new IOException(String.format("CRC32C mismatch: stored %08x, computed %08x", stored, expected));
            }
            in.position(Long.BYTES + Integer.BYTES).limit(crcAt);
            Point point = new Point(in.getLong(), in.getInt(), in.getLong());
            if (!segments.containsKey(point.segmentId())) {
                throw new IOException("names segment " + point.segmentId() + ", which does not exist");
            }
            LogIndex index = new LogIndex();
            try {
                readEntries(in, segments, index);
                if (in.hasRemaining()) {
                    throw new IOException(in.remaining() + " bytes after the last entry");
                }
                return new Loaded(point, index);
            } catch (IOException | RuntimeException e) {
                index.discard();
                throw e;
            }
        } catch (BufferUnderflowException e) {
            throw new IOException("truncated", e);
        } catch (RuntimeException e) {
            throw new IOException("malformed: " + e, e);
        } finally {
            IoUtil.unmap(mapped);
        }
    }

    private static void readEntries(ByteBuffer in, Map<Long, Segment> segments, LogIndex index) throws IOException {
        Run run = new Run();
        String namespace = null;
        String contentType = ObjectAttributes.DEFAULT_CONTENT_TYPE;
        while (in.get() == 1) {
            // Entries of a run repeat its namespace, and most share one content type: reuse the
            // String when the bytes are the same instead of decoding them again.
            namespace = readUtf(in, namespace);
            byte space = in.get();
            String key = readUtf(in, null);
            long lsn = in.getLong();
            Segment segment = segments.get(in.getLong());
            int recordOffset = in.getInt();
            int valueOffset = in.getInt();
            int valueLength = in.getInt();
            boolean blob = in.get() != 0;
            long timestamp = in.getLong();
            contentType = readUtf(in, contentType);
            String descriptor = in.get() != 0 ? readUtf(in, null) : null;
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
    }

    /**
     * Reads a string as {@link DataOutputStream#writeUTF} wrote it (length, modified UTF-8);
     * returns {@code previous} itself when it is the same string. ASCII (the usual case) is decoded
     * directly; anything else goes through {@link DataInputStream#readUTF}.
     */
    private static String readUtf(ByteBuffer in, String previous) throws IOException {
        int length = Short.toUnsignedInt(in.getShort());
        int at = in.position();
        if (length > in.remaining()) {
            throw new BufferUnderflowException();
        }
        if (previous != null && previous.length() == length && sameAscii(in, at, previous)) {
            in.position(at + length);
            return previous;
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        for (byte b : bytes) {
            if (b <= 0) {
                // A non-ASCII char, or NUL (two bytes in modified UTF-8).
                byte[] framed = new byte[length + 2];
                framed[0] = (byte) (length >>> 8);
                framed[1] = (byte) length;
                System.arraycopy(bytes, 0, framed, 2, length);
                return new DataInputStream(new ByteArrayInputStream(framed)).readUTF();
            }
        }
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static boolean sameAscii(ByteBuffer in, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (in.get(at + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
