package dev.stowage.staging;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Content;
import dev.stowage.EntryInfo;
import dev.stowage.ListRequest;
import dev.stowage.Names;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import dev.stowage.Space;
import dev.stowage.conformance.StagingAssertions;
import dev.stowage.memory.MemoryBackend;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Proves that the shared defect-3 check catches the defect: a payload store that lists only under
 * a top-level {@code .staging/} prefix (the replaced system's behaviour) must fail it, and the
 * correct one must pass.
 */
class ListStagedRegressionTest {
    private static final String NS = "regression";
    private final MemoryBackend heads = new MemoryBackend();

    @AfterEach
    void close() {
        heads.close();
    }

    /** A minimal single-namespace payload store; {@code topLevelOnly} reproduces the old listing. */
    private static final class MapPayloadStore implements StagedPayloadStore {
        private final TreeMap<String, byte[]> bodies = new TreeMap<>(Names.KEY_ORDER);
        private final Map<String, String> etags = new TreeMap<>();
        private final boolean topLevelOnly;
        private int version;

        MapPayloadStore(boolean topLevelOnly) {
            this.topLevelOnly = topLevelOnly;
        }

        @Override
        public synchronized String put(String namespace, String path, ReplayableBody body, Precondition precondition) {
            if (!precondition.isSatisfiedBy(etags.get(path))) {
                throw new PreconditionFailedException(namespace, path, precondition, etags.get(path));
            }
            String etag = "v" + (++version);
            bodies.put(path, body.readAllBytes(1 << 20));
            etags.put(path, etag);
            return etag;
        }

        @Override
        public synchronized Content get(String namespace, String path) {
            byte[] body = bodies.get(path);
            if (body == null) {
                throw new NotFoundException(Space.STATE, namespace, path);
            }
            return new Content(info(path), new ByteArrayInputStream(body));
        }

        @Override
        public synchronized void delete(String namespace, String path, Precondition precondition) {
            if (!precondition.isSatisfiedBy(etags.get(path))) {
                throw new PreconditionFailedException(namespace, path, precondition, etags.get(path));
            }
            bodies.remove(path);
            etags.remove(path);
        }

        @Override
        public synchronized Page<EntryInfo> list(String namespace, String startAfter, int limit) {
            ListRequest request = new ListRequest(topLevelOnly ? Names.STAGING_SEGMENT + "/" : "", startAfter, limit);
            List<EntryInfo> items = new ArrayList<>();
            for (String path : bodies.keySet()) {
                if (request.admits(path)) {
                    if (items.size() == limit) {
                        return new Page<>(items, true, items.get(items.size() - 1).key());
                    }
                    items.add(info(path));
                }
            }
            return new Page<>(items, false, null);
        }

        private EntryInfo info(String path) {
            return new EntryInfo(path, etags.get(path), bodies.get(path).length, Instant.EPOCH,
                ObjectAttributes.DEFAULT_CONTENT_TYPE, null);
        }
    }

    @Test
    void correctListingPassesTheDefectThreeCheck() {
        PayloadStaging staging = new PayloadStaging(heads, new MapPayloadStore(false));
        StagingAssertions.stageNestedEntries(staging, NS);
        StagingAssertions.assertListsEveryNestedStagedEntry(staging, NS);
    }

    @Test
    void topLevelOnlyListingFailsTheDefectThreeCheck() {
        PayloadStaging staging = new PayloadStaging(heads, new MapPayloadStore(true));
        StagingAssertions.stageNestedEntries(staging, NS);
        assertThatThrownBy(() -> StagingAssertions.assertListsEveryNestedStagedEntry(staging, NS))
            .isInstanceOf(AssertionError.class);
    }
}
