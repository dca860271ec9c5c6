package dev.stowage.log;

import dev.stowage.CorruptionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Rebuilds the index by replaying segments in order, validating every record.
 *
 * <ul>
 *   <li>A record counts only when whole: frame in bounds, known version, CRC32C of header and
 *       payload matching, part lengths consistent, LSN exactly one above its predecessor (copies
 *       made by compaction, {@link RecordDescriptor#FLAG_COPIED}, keep their original LSN and stand
 *       outside that sequence; they apply in log order like any record, which is exact because
 *       the writer appended each copy only while its version was the current one).</li>
 *   <li>Segment ids are consecutive from the first one the manifest names; a missing one is a
 *       {@link CorruptionException}.</li>
 *   <li>The first bad record in the last segment holding data is a torn tail: it and everything
 *       after it is zeroed and synced, and what was cut is reported.</li>
 *   <li>A bad record in an earlier (sealed) segment, or a gap in the LSN sequence across segments,
 *       is a {@link CorruptionException} naming file and offset: never skipped silently.</li>
 *   <li>Except in sealed segments that may not have been synced whole ({@code NONE} and
 *       {@code GROUP} durability sync a sealed segment in the background, see
 *       {@link StoreRoot#unsyncedFrom()}): after a
 *       power loss such a segment may miss any of its pages, so the first damage in it (a bad
 *       record, or records ending before the next segment's first LSN) ends the log like a torn
 *       tail. It is cut there, the later segments are dropped (the writer deletes them), and both
 *       are reported.</li>
 *   <li>Records of an atomic group apply only when their commit marker is present.</li>
 *   <li>Writer epochs never decrease along the log: a record of a lower epoch after a higher one
 *       was appended by a writer that had been superseded (fenced), and ends the valid log like a
 *       torn record.</li>
 * </ul>
 *
 * <p>Followers use {@link #advance} instead: the same checks, up to the writer's committed mark,
 * where any invalid record is corruption (the writer acknowledged everything before the mark).
 *
 * <p>Not thread-safe: runs once, before the writer starts.
 */
final class Recovery {
    /** Where appends resume. */
    record Position(int segmentIndex, int offset, long nextLsn) {
    }

    private final RecordCodec codec = new RecordCodec();
    private final LogIndex index;
    private final boolean repair;
    /** Per segment (in replay order): valid records and the offset where they end. */
    private final List<long[]> segmentStats = new ArrayList<>();
    /** Id of the first segment that may not have been synced whole; see {@link StoreRoot#unsyncedFrom()}. */
    private final long unsyncedFrom;

    private long records;
    private long lastLsn;
    private long groupRecordsDropped;
    private final List<Runnable> pendingGroup = new ArrayList<>();
    private int maxEpoch;
    private Applied listener = (namespace, space, key, deleted, lsn) -> { };

    /** Told of each change applied to the index, in log order; compaction copies are not changes. */
    interface Applied {
        void applied(String namespace, byte space, String key, boolean deleted, long lsn);
    }

    /**
     * @param repair        whether to cut a torn tail (the writer's open) or only report it (offline verify)
     * @param unsyncedFrom  id of the first segment that may not have been synced whole
     *                      ({@link StoreRoot#unsyncedFrom()}; {@link StoreRoot#ALL_SYNCED} if every
     *                      sealed segment was)
     */
    Recovery(LogIndex index, boolean repair, long unsyncedFrom) {
        this.index = index;
        this.repair = repair;
        this.unsyncedFrom = unsyncedFrom;
    }

    /** Listens to applied changes from now on (a follower's change feed). */
    void onApplied(Applied listener) {
        this.listener = listener;
    }

    /** LSN of the last ordinary record applied. */
    long lastLsn() {
        return lastLsn;
    }

    /**
     * Applies every record from {@code from} up to the committed mark, at {@code limitOffset} of
     * segment {@code limitIndex}: a follower catching up with its writer.
     *
     * @return the position after the last applied record
     * @throws CorruptionException naming file and offset if a record before the mark is invalid
     */
    Position advance(List<Segment> segments, Position from, int limitIndex, int limitOffset) {
        int i = from.segmentIndex();
        int offset = from.offset();
        lastLsn = from.nextLsn() - 1;
        while (i < limitIndex || (i == limitIndex && offset < limitOffset)) {
            Segment segment = segments.get(i);
            UnsafeBuffer buffer = segment.buffer();
            if (offset + RecordDescriptor.HEADER_LENGTH > segment.capacity() || buffer.getIntVolatile(offset) == 0) {
                if (i == limitIndex) {
                    throw new CorruptionException(segment.path().toString(), offset,
                        "no record where the committed mark says there is one (mark at offset " + limitOffset + ")");
                }
                i++;
                offset = 0;
                continue;
            }
            String problem = problem(segment, offset, i == limitIndex ? limitOffset : segment.capacity());
            if (problem != null) {
                throw new CorruptionException(segment.path().toString(), offset, problem + " before the committed mark");
            }
            apply(segment, buffer, offset);
            offset = (int) Math.min(segment.capacity(), RecordDescriptor.align(offset + (long) RecordCodec.frameLength(buffer, offset)));
        }
        return new Position(i, offset, lastLsn + 1);
    }

    /** Why the record at {@code offset} does not count, or {@code null}. */
    private String problem(Segment segment, int offset, int limit) {
        UnsafeBuffer buffer = segment.buffer();
        String problem = codec.check(buffer, offset, limit, segment.crcSeed());
        if (problem == null && !copied(buffer, offset) && RecordCodec.lsn(buffer, offset) != lastLsn + 1) {
            problem = "LSN " + RecordCodec.lsn(buffer, offset) + " does not follow " + lastLsn;
        }
        if (problem == null && RecordCodec.epoch(buffer, offset) < maxEpoch) {
            problem = "writer epoch " + RecordCodec.epoch(buffer, offset) + " after epoch " + maxEpoch
                + ": appended by a writer that had been superseded";
        }
        return problem;
    }

    /** {@code {records, end offset}} of each segment replayed, in order. */
    List<long[]> segmentStats() {
        return segmentStats;
    }

    /**
     * Replays every segment (ascending ids, starting at the log start's first segment) into the
     * index; returns where to append and the report.
     */
    Position replay(List<Segment> segments, StoreRoot.LogStart start, RecoveryReport[] reportOut) {
        return replay(segments, new Position(0, 0, start.baseLsn() + 1), reportOut);
    }

    /** Checks that segment ids run consecutively from {@code firstSegment}. */
    static void checkConsecutive(List<Segment> segments, long firstSegment) {
        long expected = firstSegment;
        for (Segment s : segments) {
            if (s.id() != expected) {
                throw new CorruptionException(s.path().resolveSibling(Segment.fileName(expected)).toString(), 0,
                    "records missing: segment " + expected + " does not exist, the log continues at segment " + s.id());
            }
            expected++;
        }
    }

    /**
     * Replays from {@code from} (a checkpoint's position: segment index, offset, next LSN) into an
     * index already holding the checkpoint's entries.
     */
    Position replay(List<Segment> segments, Position from, RecoveryReport[] reportOut) {
        long start = System.nanoTime();
        lastLsn = from.nextLsn() - 1;
        int last = segments.size() - 1;
        while (last > from.segmentIndex() && segments.get(last).buffer().getInt(0) == 0) {
            last--;
        }
        int cutIndex = -1;
        int cutOffset = -1;
        String reason = null;
        int position = from.offset();
        for (int i = from.segmentIndex(); i <= last && i < segments.size(); i++) {
            Segment segment = segments.get(i);
            UnsafeBuffer buffer = segment.buffer();
            int offset = i == from.segmentIndex() ? from.offset() : 0;
            long recordsBefore = records;
            String problem = null;
            while (offset + RecordDescriptor.HEADER_LENGTH <= segment.capacity() && buffer.getInt(offset) != 0) {
                problem = problem(segment, offset, segment.capacity());
                if (problem != null) {
                    break;
                }
                apply(segment, buffer, offset);
                offset = (int) Math.min(segment.capacity(), RecordDescriptor.align(offset + (long) RecordCodec.frameLength(buffer, offset)));
            }
            if (problem == null && i == last
                && anyNonZero(buffer, offset, Math.min(segment.capacity(), offset + RecordDescriptor.END_MARK_LENGTH))) {
                // The end mark is zero, and a writer writes a record's header first and its frame
                // length last: header bytes behind a zero frame length are a write cut short (a
                // killed writer), to be cut like a torn record. Bytes further on are not looked at:
                // in a recycled segment file they are left from its earlier use.
                problem = "bytes of a record whose frame length was never written (a write cut short)";
            }
            segmentStats.add(new long[] {records - recordsBefore, offset});
            if (problem != null && offset == 0 && i > 0 && codec.check(buffer, 0, segment.capacity(), segment.crcSeed()) == null) {
                Segment previous = segments.get(i - 1);
                String missing = "records missing: the segment ends at LSN " + lastLsn + " but " + segment.path().getFileName()
                    + " starts at LSN " + RecordCodec.lsn(buffer, 0);
                if (!mayBeIncomplete(previous) || i == from.segmentIndex()) {
                    throw new CorruptionException(previous.path().toString(), position, missing);
                }
                cutIndex = i - 1;
                cutOffset = position;
                reason = missing + " (a segment not yet synced when the writer stopped)";
                break;
            }
            if (problem != null) {
                if (i != last && !mayBeIncomplete(segment)) {
                    throw new CorruptionException(segment.path().toString(), offset, problem + " in a sealed segment");
                }
                cutIndex = i;
                cutOffset = offset;
                reason = i == last ? problem : problem + " (a segment not yet synced when the writer stopped)";
                break;
            }
            position = offset;
        }
        String truncatedSegment = null;
        long bytesCut = 0;
        int segmentsDropped = 0;
        if (cutIndex >= 0) {
            Segment cut = segments.get(cutIndex);
            truncatedSegment = cut.path().toString();
            bytesCut = nonZeroBytes(cut.buffer(), cutOffset, cut.capacity());
            for (Segment later : segments.subList(cutIndex + 1, segments.size())) {
                long bytes = nonZeroBytes(later.buffer(), 0, later.capacity());
                bytesCut += bytes;
                segmentsDropped += bytes > 0 ? 1 : 0;
            }
            if (repair) {
                cut.zero(cutOffset, cut.capacity());
                cut.force(cutOffset, cut.capacity());
                cut.closeFile();
            }
            last = cutIndex;
            position = cutOffset;
        }
        groupRecordsDropped += pendingGroup.size();
        pendingGroup.clear();
        reportOut[0] = new RecoveryReport(segments.size(), records, lastLsn, truncatedSegment, cutOffset, bytesCut, segmentsDropped,
            reason, groupRecordsDropped, Duration.ofNanos(System.nanoTime() - start), -1, null);
        return new Position(Math.max(from.segmentIndex(), Math.min(last, segments.size() - 1)), position, lastLsn + 1);
    }

    /** Whether {@code segment} may not have been synced whole, so that damage in it is a torn end of the log. */
    private boolean mayBeIncomplete(Segment segment) {
        return segment.id() >= unsyncedFrom;
    }

    private static boolean anyNonZero(UnsafeBuffer buffer, int from, int to) {
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            if (buffer.getLong(i) != 0) {
                return true;
            }
        }
        for (; i < to; i++) {
            if (buffer.getByte(i) != 0) {
                return true;
            }
        }
        return false;
    }

    private static long nonZeroBytes(UnsafeBuffer buffer, int from, int to) {
        long n = 0;
        int i = from;
        for (; i < to && (i & (Long.BYTES - 1)) != 0; i++) {
            n += buffer.getByte(i) != 0 ? 1 : 0;
        }
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long word = buffer.getLong(i);
            for (; word != 0; word >>>= Byte.SIZE) {
                n += (word & 0xFF) != 0 ? 1 : 0;
            }
        }
        for (; i < to; i++) {
            n += buffer.getByte(i) != 0 ? 1 : 0;
        }
        return n;
    }

    private static boolean copied(UnsafeBuffer b, int offset) {
        return (RecordCodec.flags(b, offset) & RecordDescriptor.FLAG_COPIED) != 0;
    }

    private void apply(Segment segment, UnsafeBuffer b, int offset) {
        records++;
        maxEpoch = Math.max(maxEpoch, RecordCodec.epoch(b, offset));
        if (!copied(b, offset)) {
            lastLsn = RecordCodec.lsn(b, offset);
        }
        byte type = RecordCodec.type(b, offset);
        if (type == RecordDescriptor.TYPE_COMMIT) {
            pendingGroup.forEach(Runnable::run);
            pendingGroup.clear();
            return;
        }
        boolean grouped = (RecordCodec.flags(b, offset) & RecordDescriptor.FLAG_GROUPED) != 0;
        if (!grouped && !pendingGroup.isEmpty()) {
            groupRecordsDropped += pendingGroup.size();
            pendingGroup.clear();
        }
        Runnable change = change(segment, b, offset, type, copied(b, offset));
        if (grouped) {
            pendingGroup.add(change);
        } else {
            change.run();
        }
    }

    private Runnable change(Segment segment, UnsafeBuffer b, int offset, byte type, boolean copied) {
        String namespace = RecordCodec.namespace(b, offset);
        String key = RecordCodec.key(b, offset);
        byte space = RecordCodec.space(b, offset);
        long lsn = RecordCodec.lsn(b, offset);
        if (type == RecordDescriptor.TYPE_DELETE) {
            return () -> {
                index.remove(namespace, space, key);
                listener.applied(namespace, space, key, true, lsn);
            };
        }
        IndexEntry entry = BlobEntry.read(segment, offset);
        if (copied) {
            return () -> index.put(namespace, space, key, entry);
        }
        return () -> {
            index.put(namespace, space, key, entry);
            listener.applied(namespace, space, key, false, lsn);
        };
    }
}
