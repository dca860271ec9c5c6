package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.conformance.LeakCheckingTest;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A segment's mapping is unmapped by its last reference, and a release too many is refused rather than letting a reader in. */
class SegmentReferenceTest extends LeakCheckingTest {
    @TempDir
    Path dir;

    @Test
    void aReleaseTooManyIsRefusedAndTheSegmentStaysClosedToReaders() throws IOException {
        Segment segment = Segment.create(dir, 1, 0, LogStore.Builder.MIN_SEGMENT_SIZE, Syncer.REAL, false, Segment.Zeros.SYNCED);
        assertThat(segment.retain()).isTrue();
        assertThat(segment.release()).as("a reader's release leaves the store's reference").isFalse();
        assertThat(segment.release()).as("the last reference unmaps").isTrue();
        assertThat(segment.retain()).as("a reader after the unmap").isFalse();

        assertThatThrownBy(segment::release).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("released more often than it was retained");
        assertThat(segment.retain()).as("a reader after a release too many").isFalse();
    }
}
