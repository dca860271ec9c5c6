package dev.stowage.log;

import dev.stowage.CorruptionException;
import dev.stowage.StorageException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Checks a store offline: maps every segment read-only, validates every record exactly as
 * recovery does (CRC32C, framing, LSN sequence, commit groups), checks that every live blob file
 * exists with its referenced size, and reports segments, records, live and dead bytes, keys per
 * namespace, and any torn tail or corruption. Changes nothing and
 * takes no lock; run it on a store no writer is using, or accept that an in-flight batch may show
 * as a torn tail.
 *
 * <p>Stateless; thread-safe.
 */
public final class LogVerifier {
    private LogVerifier() {
    }

    /**
     * @throws StorageException if the directory is not a store or cannot be read
     */
    public static VerifyReport verify(Path root) {
        Path dir = root.resolve(StoreRoot.SEGMENTS_DIR);
        if (!Files.isDirectory(dir) || !Files.exists(root.resolve(StoreRoot.MANIFEST_FILE))) {
            throw new StorageException(root + " is not a logstore (no " + StoreRoot.MANIFEST_FILE + " or " + StoreRoot.SEGMENTS_DIR + "/)");
        }
        List<Segment> segments = new ArrayList<>();
        try {
            StoreRoot.Manifest manifest = StoreRoot.readManifest(root);
            StoreRoot.LogStart start = manifest.start();
            mapLog(root, start, manifest.recordSeed(), segments);
            LogIndex index = new LogIndex();
            Recovery recovery = new Recovery(index, false, manifest.unsyncedFrom());
            RecoveryReport[] report = new RecoveryReport[1];
            String corruption = null;
            try {
                Recovery.checkConsecutive(segments, start.firstSegment());
                recovery.replay(segments, start, report);
            } catch (CorruptionException e) {
                corruption = e.getMessage();
            }
            if (corruption == null) {
                corruption = missingBlob(root, index);
            }
            List<VerifyReport.SegmentReport> perSegment = new ArrayList<>();
            List<long[]> stats = recovery.segmentStats();
            for (int i = 0; i < segments.size(); i++) {
                long[] s = i < stats.size() ? stats.get(i) : new long[] {0, 0};
                Segment segment = segments.get(i);
                perSegment.add(new VerifyReport.SegmentReport(segment.path().toString(), s[0], s[1], segment.liveBytes()));
            }
            RecoveryReport r = report[0];
            String torn = r == null || r.truncatedSegment() == null ? null
                : r.truncatedSegment() + " at offset " + r.truncatedAtOffset() + ": " + r.truncationReason();
            Checkpoints.Loaded checkpoint = corruption == null
                ? LogStore.newestUsableCheckpoint(root, segments, new ArrayList<>(), false) : null;
            if (checkpoint != null) {
                checkpoint.index().discard();
            }
            return new VerifyReport(root.toString(), perSegment, r == null ? 0 : r.records(), r == null ? 0 : r.lastLsn(),
                checkpoint == null ? -1 : checkpoint.point().lsn(),
                index.keysPerNamespace(), torn, corruption);
        } catch (IOException e) {
            throw new StorageException("cannot read " + root + ": " + e, e);
        } finally {
            segments.forEach(Segment::release);
        }
    }

    /**
     * Maps read-only, in id order, the segments of {@code root} from {@code start} on (older ones
     * are compacted away; the next open deletes them). Each goes into {@code into} as it is
     * mapped, so the caller releases them all even when one fails.
     */
    static void mapLog(Path root, StoreRoot.LogStart start, long recordSeed, List<Segment> into) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root.resolve(StoreRoot.SEGMENTS_DIR), "*" + Segment.SUFFIX)) {
            stream.forEach(p -> {
                if (Segment.parseId(p.getFileName().toString()) >= start.firstSegment()) {
                    files.add(p);
                }
            });
        }
        files.sort(null);
        for (Path file : files) {
            into.add(Segment.openReadOnly(file, Segment.parseId(file.getFileName().toString()), recordSeed));
        }
    }

    /** The first live blob whose file is missing or of the wrong size, or {@code null}. */
    private static String missingBlob(Path root, LogIndex index) {
        String[] problem = new String[1];
        index.forEach((namespace, space, key, entry) -> {
            if (problem[0] == null && entry instanceof BlobEntry) {
                BlobEntry blob = (BlobEntry) entry;
                Path file = root.resolve(BlobStore.DIR).resolve(BlobStore.fileName(blob.blobId));
                try {
                    long size = Files.size(file);
                    if (size != blob.blobLength) {
                        problem[0] = file + ": " + size + " bytes, but " + namespace + "/" + key + " references " + blob.blobLength;
                    }
                } catch (IOException e) {
                    problem[0] = file + ": missing blob of " + namespace + "/" + key;
                }
            }
        });
        return problem[0];
    }

    /** Prints a report as text, one segment per line. */
    public static String format(VerifyReport r) {
        StringBuilder out = new StringBuilder();
        out.append("store ").append(r.root()).append('\n');
        for (VerifyReport.SegmentReport s : r.segments()) {
            out.append(String.format("  %s  records=%d used=%d live=%d dead=%d%n", s.file(), s.records(), s.usedBytes(), s.liveBytes(),
                s.deadBytes()));
        }
        out.append(String.format("records=%d lastLsn=%d checkpointLsn=%s%n", r.records(), r.lastLsn(),
            r.checkpointLsn() < 0 ? "none" : String.valueOf(r.checkpointLsn())));
        new TreeMap<>(r.keys()).forEach((ns, n) -> out.append("  namespace ").append(ns).append(": ").append(n).append(" keys\n"));
        out.append(r.corruption() != null ? "CORRUPT: " + r.corruption() : r.tornTail() != null ? "TORN TAIL (cut at open): "
            + r.tornTail() : "OK").append('\n');
        return out.toString();
    }
}
